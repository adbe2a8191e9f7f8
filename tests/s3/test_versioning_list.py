"""ListObjectVersions over a versioning bucket, through a real server: order (keys, then each
key's versions newest first), IsLatest, delete markers, paging by KeyMarker/VersionIdMarker at
every page size, Prefix, Delimiter, EncodingType, bad arguments, and the aws CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from versioningkit import error_of, new_bucket

from ownserver import ServerHandle

Entry = tuple[str, str, bool, bool]  # key, version id, is latest, is a delete marker


@pytest.fixture(scope="module")
def srv(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = launch_server(tmp_path_factory.mktemp("versioning-list") / "data")
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def s3(srv: ServerHandle) -> Any:
    return srv.client("s3")


@pytest.fixture(scope="module")
def filled(s3: Any) -> tuple[str, list[Entry]]:
    """A bucket with legacy (pre-versioning) objects, several versions per key, delete
    markers as latest and noncurrent, keys under prefixes and with spaces; and what a listing
    of it must say, in order."""
    bucket = new_bucket(s3, None, stem="listing")
    s3.put_object(Bucket=bucket, Key="legacy", Body=b"before versioning")
    s3.put_object(Bucket=bucket, Key="old/only", Body=b"before versioning")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    history: dict[str, list[tuple[str, bool]]] = {"legacy": [("null", False)]}
    history["old/only"] = [("null", False)]

    def put(key: str) -> None:
        version_id = s3.put_object(Bucket=bucket, Key=key, Body=key.encode())["VersionId"]
        history.setdefault(key, []).append((version_id, False))

    def delete(key: str) -> None:
        version_id = s3.delete_object(Bucket=bucket, Key=key)["VersionId"]
        history.setdefault(key, []).append((version_id, True))

    for step in (
        "a", "a", "a", "b/1", "b/1", "-b/1", "b/2", "c d", "c d", "legacy", "-z", "b/3/x",
        "-a", "a", "e", "-e", "-e",
    ):  # fmt: skip
        (delete if step.startswith("-") else put)(step.lstrip("-"))
    expected: list[Entry] = []
    for key in sorted(history):
        newest_first = history[key][::-1]
        for n, (version_id, marker) in enumerate(newest_first):
            expected.append((key, version_id, n == 0, marker))
    return bucket, expected


def page_entries(page: dict[str, Any]) -> list[Entry]:
    """A page's entries in listing order (versions and markers are apart in the answer: each
    key's entries go newest first, which their order in `expected` gives back)."""
    found = [(v["Key"], v["VersionId"], v["IsLatest"], False) for v in page.get("Versions", [])]
    found += [
        (m["Key"], m["VersionId"], m["IsLatest"], True) for m in page.get("DeleteMarkers", [])
    ]
    return found


def walk(s3: Any, bucket: str, max_keys: int, **kw: Any) -> tuple[list[Entry], list[str], int]:
    """Every entry and common prefix, page by page, following the Next markers."""
    entries: list[Entry] = []
    prefixes: list[str] = []
    markers: dict[str, str] = {}
    pages = 0
    while True:
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=max_keys, **kw, **markers)
        pages += 1
        got = page_entries(page)
        assert len(got) + len(page.get("CommonPrefixes", [])) <= max_keys
        entries += got
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            return entries, prefixes, pages
        markers = {"KeyMarker": page["NextKeyMarker"]}
        if "NextVersionIdMarker" in page:
            markers["VersionIdMarker"] = page["NextVersionIdMarker"]


def test_one_page_lists_every_version_newest_first(
    s3: Any, filled: tuple[str, list[Entry]]
) -> None:
    bucket, expected = filled
    page = s3.list_object_versions(Bucket=bucket)
    assert page["IsTruncated"] is False and page["Name"] == bucket
    assert page_entries(page) == [e for e in expected if not e[3]] + [e for e in expected if e[3]]
    first = page["Versions"][0]
    assert set(first) >= {"ETag", "Size", "StorageClass", "LastModified", "Owner"}
    marker = page["DeleteMarkers"][0]
    assert set(marker) == {"Key", "VersionId", "IsLatest", "LastModified", "Owner"}


@pytest.mark.parametrize("max_keys", [1, 2, 3, 7])
def test_paging_at_every_size_gives_the_same_order(
    s3: Any, filled: tuple[str, list[Entry]], max_keys: int
) -> None:
    bucket, expected = filled
    entries, prefixes, pages = walk(s3, bucket, max_keys)
    if max_keys == 1:
        assert entries == expected  # one entry a page: the exact merged order
    else:
        assert sorted(entries) == sorted(expected)
    assert prefixes == [] and pages == -(-len(expected) // max_keys)


def test_latest_versions_are_what_list_objects_v2_lists(
    s3: Any, filled: tuple[str, list[Entry]]
) -> None:
    bucket, expected = filled
    current = {e[0] for e in expected if e[2] and not e[3]}
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == current == {"a", "b/2", "b/3/x", "c d", "legacy", "old/only"}


def test_prefix_and_delimiter(s3: Any, filled: tuple[str, list[Entry]]) -> None:
    bucket, expected = filled
    entries, prefixes, _ = walk(s3, bucket, 1000, Prefix="b/")
    assert entries == [e for e in expected if e[0].startswith("b/") and not e[3]] + [
        e for e in expected if e[0].startswith("b/") and e[3]
    ]
    page = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["b/", "old/"]
    assert {e[0] for e in page_entries(page)} == {"a", "c d", "e", "legacy", "z"}
    assert page["Delimiter"] == "/"
    entries, prefixes, _ = walk(s3, bucket, 1, Delimiter="/")
    assert prefixes == ["b/", "old/"]
    assert entries == [e for e in expected if "/" not in e[0]]
    entries, prefixes, _ = walk(s3, bucket, 2, Prefix="b/", Delimiter="/")
    assert prefixes == ["b/3/"]
    assert [e[0] for e in entries] == ["b/1", "b/1", "b/1", "b/2"]


def test_key_marker_alone_starts_after_the_key(s3: Any, filled: tuple[str, list[Entry]]) -> None:
    bucket, expected = filled
    page = s3.list_object_versions(Bucket=bucket, KeyMarker="b/1", MaxKeys=1000)
    assert sorted(page_entries(page)) == sorted(e for e in expected if e[0] > "b/1")
    assert page["KeyMarker"] == "b/1"


def test_null_version_marker(s3: Any, filled: tuple[str, list[Entry]]) -> None:
    bucket, expected = filled
    legacy = [e for e in expected if e[0] == "legacy"]
    assert legacy[1][1] == "null"  # the pre-versioning object, now noncurrent
    page = s3.list_object_versions(
        Bucket=bucket, KeyMarker="legacy", VersionIdMarker="null", MaxKeys=1
    )
    assert page_entries(page) == [expected[expected.index(legacy[1]) + 1]]
    assert page["VersionIdMarker"] == "null"


def test_encoding_type_url(s3: Any, filled: tuple[str, list[Entry]]) -> None:
    bucket, _ = filled
    raw = s3.list_object_versions(Bucket=bucket, Prefix="c", EncodingType="url", MaxKeys=1)
    # Asked for explicitly, boto3 hands the encoded names back as sent ("+" for a space).
    assert raw["Versions"][0]["Key"] == "c+d" and raw["NextKeyMarker"] == "c+d"
    assert raw["EncodingType"] == "url"
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket=bucket, EncodingType="base64")
    assert error_of(exc) == ("InvalidArgument", 400, "Invalid Encoding Method specified in Request")


def test_bad_markers_and_limits(s3: Any, filled: tuple[str, list[Entry]]) -> None:
    bucket, _ = filled
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket=bucket, VersionIdMarker="null")
    assert error_of(exc) == (
        "InvalidArgument",
        400,
        "A version-id marker cannot be specified without a key marker.",
    )
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket=bucket, KeyMarker="a", VersionIdMarker="nope")
    assert error_of(exc) == ("InvalidArgument", 400, "Invalid version id specified")
    assert exc.value.response["Error"]["ArgumentName"] == "version-id-marker"
    empty = s3.list_object_versions(Bucket=bucket, MaxKeys=0)
    assert empty["IsTruncated"] is False and "Versions" not in empty
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket="no-such-bucket-here")
    assert error_of(exc)[:2] == ("NoSuchBucket", 404)


def test_version_marker_of_a_removed_version_still_positions(
    s3: Any, filled: tuple[str, list[Entry]]
) -> None:
    """A VersionIdMarker is a position: paging goes on from it even if that version is gone."""
    bucket = new_bucket(s3, "Enabled", stem="listing-gone")
    ids = [s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"] for _ in range(3)]
    first = s3.list_object_versions(Bucket=bucket, MaxKeys=1)
    assert first["NextVersionIdMarker"] == ids[2]
    s3.delete_object(Bucket=bucket, Key="k", VersionId=ids[2])
    rest = s3.list_object_versions(Bucket=bucket, KeyMarker="k", VersionIdMarker=ids[2])
    # ids[1] is the newest now: the page that resumes on it says so.
    assert page_entries(rest) == [("k", ids[1], True, False), ("k", ids[0], False, False)]


# -- the aws CLI ----------------------------------------------------------------------------


def aws(srv: ServerHandle, home: Path, *args: str) -> Any:
    exe = Path(sys.executable).parent / "aws"
    found = str(exe) if exe.exists() else shutil.which("aws")
    if found is None:
        pytest.skip("aws CLI is not installed (CI installs it with .ci/ensure-tools)")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config"
    config.write_text(f"[default]\nregion = {srv.region}\ns3 =\n    addressing_style = path\n")
    (home / "credentials").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=srv.access_key,
        AWS_SECRET_ACCESS_KEY=srv.secret_key,
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    argv = [found, "--endpoint-url", srv.endpoint, "--output", "json", *args]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else None


@pytest.mark.clients
def test_aws_cli_versioning_and_list_object_versions(
    srv: ServerHandle, s3: Any, filled: tuple[str, list[Entry]], tmp_path: Path
) -> None:
    bucket, expected = filled
    home = tmp_path / "home"
    listed = aws(srv, home, "s3api", "list-object-versions", "--bucket", bucket)
    versions = [(v["Key"], v["VersionId"], v["IsLatest"], False) for v in listed["Versions"]]
    markers = [(m["Key"], m["VersionId"], m["IsLatest"], True) for m in listed["DeleteMarkers"]]
    assert versions + markers == [e for e in expected if not e[3]] + [e for e in expected if e[3]]
    # The CLI pages by itself with a small page size: same answer.
    paged = aws(srv, home, "s3api", "list-object-versions", "--bucket", bucket, "--page-size", "2")
    assert paged["Versions"] == listed["Versions"]
    other = new_bucket(s3, None, stem="cli")
    assert aws(srv, home, "s3api", "get-bucket-versioning", "--bucket", other) is None
    aws(
        srv, home, "s3api", "put-bucket-versioning", "--bucket", other,
        "--versioning-configuration", "Status=Enabled",
    )  # fmt: skip
    assert aws(srv, home, "s3api", "get-bucket-versioning", "--bucket", other) == {
        "Status": "Enabled"
    }
    put = aws(srv, home, "s3api", "put-object", "--bucket", other, "--key", "k")
    assert len(put["VersionId"]) == 32
