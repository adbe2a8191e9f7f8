"""The S3 Lifecycle sweeper in versioning buckets, through a real server whose lifecycle day is
one second: expiring a current version adds a delete marker, noncurrent versions are removed
after NoncurrentDays with the newest NewerNoncurrentVersions kept, expired object delete
markers are removed, a suspended bucket's null version is replaced by a null marker, and
transitions move current and noncurrent versions (in both their records)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from lifecyclekit import FAST_LIMITS, blob_files, bucket, wait_for

PAST = datetime(2020, 1, 1, tzinfo=UTC)
BIG = 200 * 1024


@pytest.fixture(scope="module")
def server(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data = tmp_path_factory.mktemp("lifecycle-versions") / "data"
    data.mkdir(parents=True)
    (data / "ownstack.yaml").write_text(FAST_LIMITS)
    handle = launch_server(data)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def s3(server: Any) -> Any:
    return server.client("s3")


def versioned(s3: Any, status: str = "Enabled") -> str:
    name = bucket(s3, "lcv")
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    return name


def lifecycle(s3: Any, name: str, *rules: dict[str, Any]) -> None:
    s3.put_bucket_lifecycle_configuration(
        Bucket=name, LifecycleConfiguration={"Rules": list(rules)}
    )


def rule(rule_id: str, prefix: str, **actions: Any) -> dict[str, Any]:
    return {"ID": rule_id, "Filter": {"Prefix": prefix}, "Status": "Enabled", **actions}


def history(s3: Any, name: str, prefix: str = "") -> list[tuple[str, str, bool]]:
    """(key, version id, is a delete marker) of every version, newest first per key."""
    out = s3.list_object_versions(Bucket=name, Prefix=prefix)
    found = []
    for marker, items in ((False, out.get("Versions", [])), (True, out.get("DeleteMarkers", []))):
        for i, v in enumerate(items):
            newest_first = (not v["IsLatest"], -v["LastModified"].timestamp(), i)
            found.append((v["Key"], newest_first, v["VersionId"], marker))
    return [(k, v, m) for k, _, v, m in sorted(found)]


def test_noncurrent_versions_expire_keeping_the_newest(server: Any, s3: Any) -> None:
    name = versioned(s3)
    before = blob_files(server.data_dir)
    ids = [
        s3.put_object(Bucket=name, Key="a", Body=b"A" * BIG if i == 0 else b"a%d" % i)["VersionId"]
        for i in range(5)
    ]
    others = [s3.put_object(Bucket=name, Key="b", Body=b"b%d" % i)["VersionId"] for i in range(3)]
    assert len(blob_files(server.data_dir) - before) == 1
    lifecycle(
        s3,
        name,
        rule(
            "prune",
            "a",
            NoncurrentVersionExpiration={"NoncurrentDays": 1, "NewerNoncurrentVersions": 2},
        ),
    )
    expected = [ids[4], ids[3], ids[2]]  # the current one and the two newest noncurrent
    wait_for(lambda: [v for k, v, _ in history(s3, name, "a")] == expected, what="pruning")
    assert [v for k, v, _ in history(s3, name, "b")] == others[::-1]
    assert s3.get_object(Bucket=name, Key="a")["Body"].read() == b"a4"
    assert s3.get_object(Bucket=name, Key="a", VersionId=ids[2])["Body"].read() == b"a2"
    wait_for(lambda: not (blob_files(server.data_dir) - before), what="blob of the removed version")


def test_expiring_the_current_version_adds_a_delete_marker(s3: Any) -> None:
    name = versioned(s3)
    first = s3.put_object(Bucket=name, Key="e/x", Body=b"x")["VersionId"]
    lifecycle(s3, name, rule("expire", "e/", Expiration={"Date": PAST}))

    def marked() -> bool:
        return [m for _, _, m in history(s3, name)] == [True, False]

    wait_for(marked, what="delete marker")
    (_, marker, _), (_, kept, _) = history(s3, name)
    assert kept == first and marker != "null"
    out = s3.list_object_versions(Bucket=name)
    assert out["DeleteMarkers"][0]["IsLatest"] is True
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    assert s3.get_object(Bucket=name, Key="e/x", VersionId=first)["Body"].read() == b"x"


def test_expired_object_delete_markers_are_removed(s3: Any) -> None:
    name = versioned(s3)
    alone = s3.put_object(Bucket=name, Key="m/alone", Body=b"1")["VersionId"]
    s3.delete_object(Bucket=name, Key="m/alone")
    s3.delete_object(Bucket=name, Key="m/alone", VersionId=alone)  # only its marker is left
    s3.put_object(Bucket=name, Key="m/kept", Body=b"2")
    s3.delete_object(Bucket=name, Key="m/kept")  # a marker over a noncurrent version: stays
    s3.put_object(Bucket=name, Key="x/alone", Body=b"3")
    s3.delete_object(Bucket=name, Key="x/alone")
    x_versions = history(s3, name, "x/")
    lifecycle(s3, name, rule("markers", "m/", Expiration={"ExpiredObjectDeleteMarker": True}))
    wait_for(
        lambda: [k for k, _, _ in history(s3, name, "m/")] == ["m/kept", "m/kept"],
        what="marker removal",
    )
    assert [m for _, _, m in history(s3, name, "m/")] == [True, False]
    assert history(s3, name, "x/") == x_versions


def test_expiry_to_nothing_marker_then_versions_then_marker(s3: Any) -> None:
    """Expiration and NoncurrentVersionExpiration together empty a key: a marker, the version
    under it removed, then the marker, left alone, removed as well."""
    name = versioned(s3)
    s3.put_object(Bucket=name, Key="z/a", Body=b"a")
    s3.put_object(Bucket=name, Key="z/a", Body=b"b")
    s3.put_object(Bucket=name, Key="keep", Body=b"k")
    lifecycle(
        s3,
        name,
        rule(
            "all", "z/", Expiration={"Days": 1}, NoncurrentVersionExpiration={"NoncurrentDays": 1}
        ),
    )
    wait_for(lambda: history(s3, name, "z/") == [], timeout=30, what="the key emptied")
    assert [k for k, _, _ in history(s3, name)] == ["keep"]


def test_suspended_bucket_expiry_replaces_the_null_version(server: Any, s3: Any) -> None:
    name = versioned(s3, "Suspended")
    before = blob_files(server.data_dir)
    s3.put_object(Bucket=name, Key="n", Body=b"N" * BIG)
    assert len(blob_files(server.data_dir) - before) == 1
    lifecycle(s3, name, rule("expire", "n", Expiration={"Date": PAST}))
    wait_for(lambda: history(s3, name) == [("n", "null", True)], what="null marker")
    wait_for(lambda: not (blob_files(server.data_dir) - before), what="null version's blob")


def test_transitions_of_current_and_noncurrent_versions(s3: Any) -> None:
    name = versioned(s3)
    old = s3.put_object(Bucket=name, Key="t/a", Body=b"o" * BIG)["VersionId"]
    new = s3.put_object(Bucket=name, Key="t/a", Body=b"n" * BIG)["VersionId"]
    lifecycle(
        s3,
        name,
        rule(
            "cold",
            "t/",
            Transitions=[{"Days": 0, "StorageClass": "GLACIER_IR"}],
            NoncurrentVersionTransitions=[{"NoncurrentDays": 0, "StorageClass": "DEEP_ARCHIVE"}],
        ),
    )

    def classes() -> dict[str, str]:
        out = s3.list_object_versions(Bucket=name)
        return {v["VersionId"]: v["StorageClass"] for v in out["Versions"]}

    wait_for(lambda: classes() == {new: "GLACIER_IR", old: "DEEP_ARCHIVE"}, what="transitions")
    assert s3.head_object(Bucket=name, Key="t/a")["StorageClass"] == "GLACIER_IR"
    listed = s3.list_objects_v2(Bucket=name)["Contents"]
    assert [(o["Key"], o["StorageClass"]) for o in listed] == [("t/a", "GLACIER_IR")]
    assert s3.get_object(Bucket=name, Key="t/a", VersionId=old)["Body"].read() == b"o" * BIG
    assert s3.get_object(Bucket=name, Key="t/a")["Body"].read() == b"n" * BIG
