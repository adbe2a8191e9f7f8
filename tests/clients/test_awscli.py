"""The aws CLI (v1, from the venv) against a real ownstack server: high-level `s3` and `s3api`."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from clientkit import (
    AwsCli,
    MiB,
    bucket_keys,
    md5_etag,
    multipart_etag,
    object_sha256,
    sha256_of,
    tree_digest,
    write_file,
)

pytestmark = pytest.mark.clients

# The CLI's defaults: objects of 8 MiB or more go up as multipart, in 8 MiB parts.
CLI_PART_SIZE = 8 * MiB
LARGE_SIZE = 21 * MiB + 12345


@pytest.fixture
def aws(server: Any, tmp_path: Path) -> AwsCli:
    return AwsCli(server, tmp_path / "awshome")


def ls_entries(output: str) -> dict[str, int]:
    """`aws s3 ls s3://b/prefix/` object lines ("date time size key") -> key: size."""
    entries: dict[str, int] = {}
    for line in output.splitlines():
        fields = line.split(maxsplit=3)
        if len(fields) == 4 and fields[2].isdigit():
            entries[fields[3]] = int(fields[2])
    return entries


def transfer_lines(output: str) -> list[str]:
    """The upload:/download:/delete: lines the high-level commands print, one per transfer."""
    verbs = ("upload:", "download:", "delete:", "copy:")
    return sorted(line for line in output.splitlines() if line.startswith(verbs))


def test_mb_cp_ls_rm_rb(aws: AwsCli, s3: Any, bucket_name: str, tmp_path: Path) -> None:
    small = write_file(tmp_path / "up" / "small.txt", 1000, seed=1)
    large = write_file(tmp_path / "up" / "large.bin", LARGE_SIZE, seed=2)

    assert aws("s3", "mb", f"s3://{bucket_name}").strip() == f"make_bucket: {bucket_name}"
    assert bucket_name in aws("s3", "ls").split()

    aws("s3", "cp", str(small), f"s3://{bucket_name}/docs/small.txt")
    aws("s3", "cp", str(large), f"s3://{bucket_name}/large.bin")

    assert ls_entries(aws("s3", "ls", f"s3://{bucket_name}/docs/")) == {"small.txt": 1000}
    top = aws("s3", "ls", f"s3://{bucket_name}/")
    assert ls_entries(top) == {"large.bin": LARGE_SIZE}
    assert "PRE docs/" in [line.strip() for line in top.splitlines()]
    recursive = ls_entries(aws("s3", "ls", "--recursive", f"s3://{bucket_name}"))
    assert recursive == {"docs/small.txt": 1000, "large.bin": LARGE_SIZE}

    large_head = s3.head_object(Bucket=bucket_name, Key="large.bin")
    assert large_head["ETag"] == multipart_etag(large.read_bytes(), CLI_PART_SIZE)
    assert s3.head_object(Bucket=bucket_name, Key="docs/small.txt")["ETag"] == md5_etag(
        small.read_bytes()
    )

    down = tmp_path / "down"
    aws("s3", "cp", f"s3://{bucket_name}/large.bin", str(down / "large.bin"))
    aws("s3", "cp", f"s3://{bucket_name}/docs/small.txt", str(down / "small.txt"))
    assert sha256_of(down / "large.bin") == sha256_of(large)
    assert (down / "small.txt").read_bytes() == small.read_bytes()

    removed = transfer_lines(aws("s3", "rm", "--recursive", f"s3://{bucket_name}"))
    assert removed == [
        f"delete: s3://{bucket_name}/docs/small.txt",
        f"delete: s3://{bucket_name}/large.bin",
    ]
    assert bucket_keys(s3, bucket_name) == {}
    assert aws("s3", "rb", f"s3://{bucket_name}").strip() == f"remove_bucket: {bucket_name}"
    assert bucket_name not in aws("s3", "ls").split()


def test_sync_both_ways_then_nothing_to_do(
    aws: AwsCli, s3: Any, bucket_name: str, tmp_path: Path, empty_bucket_after: Any
) -> None:
    src = tmp_path / "src"
    sizes = {"a.txt": 10, "sub/b.bin": 70_000, "sub/deeper/c.bin": 9 * MiB, "empty": 0}
    for seed, (rel, size) in enumerate(sizes.items()):
        write_file(src / rel, size, seed=seed)
        # S3 keeps LastModified to the second (listings show ".000Z"), and `sync` re-uploads a
        # file whose mtime is later than that: one written in the same second as its upload
        # would be sent again, on AWS too. Files edited a while before the sync are the case
        # this checks.
        os.utime(src / rel, (time.time() - 5, time.time() - 5))
    aws("s3", "mb", f"s3://{bucket_name}")
    empty_bucket_after(bucket_name)

    uploaded = transfer_lines(aws("s3", "sync", str(src), f"s3://{bucket_name}/tree"))
    assert [line.split(" to ")[-1] for line in uploaded] == sorted(
        f"s3://{bucket_name}/tree/{rel}" for rel in sizes
    )
    assert bucket_keys(s3, bucket_name) == {f"tree/{rel}": n for rel, n in sizes.items()}
    assert transfer_lines(aws("s3", "sync", str(src), f"s3://{bucket_name}/tree")) == []

    dst = tmp_path / "dst"
    downloaded = transfer_lines(aws("s3", "sync", f"s3://{bucket_name}/tree", str(dst)))
    assert len(downloaded) == len(sizes)
    assert tree_digest(dst) == tree_digest(src)
    assert transfer_lines(aws("s3", "sync", f"s3://{bucket_name}/tree", str(dst))) == []

    (src / "a.txt").unlink()
    synced = transfer_lines(aws("s3", "sync", "--delete", str(src), f"s3://{bucket_name}/tree"))
    assert synced == [f"delete: s3://{bucket_name}/tree/a.txt"]
    assert "tree/a.txt" not in bucket_keys(s3, bucket_name)


def test_s3api_put_head_get_with_metadata(
    aws: AwsCli, bucket_name: str, tmp_path: Path, empty_bucket_after: Any
) -> None:
    body = write_file(tmp_path / "body.json", 4321, seed=7)
    aws("s3api", "create-bucket", "--bucket", bucket_name)
    empty_bucket_after(bucket_name)

    put = aws.json(
        "s3api", "put-object", "--bucket", bucket_name, "--key", "meta/obj.json",
        "--body", str(body), "--content-type", "application/json",
        "--metadata", "color=blue,owner=Team-42", "--cache-control", "max-age=60",
    )  # fmt: skip
    assert put["ETag"] == md5_etag(body.read_bytes())

    head = aws.json("s3api", "head-object", "--bucket", bucket_name, "--key", "meta/obj.json")
    assert head["ContentLength"] == 4321
    assert head["ETag"] == put["ETag"]
    assert head["ContentType"] == "application/json"
    assert head["CacheControl"] == "max-age=60"
    assert head["Metadata"] == {"color": "blue", "owner": "Team-42"}

    out = tmp_path / "out.json"
    got = aws.json(
        "s3api", "get-object", "--bucket", bucket_name, "--key", "meta/obj.json", str(out)
    )
    assert got["ContentLength"] == 4321
    assert got["Metadata"] == {"color": "blue", "owner": "Team-42"}
    assert out.read_bytes() == body.read_bytes()

    ranged = aws.json(
        "s3api", "get-object", "--bucket", bucket_name, "--key", "meta/obj.json",
        "--range", "bytes=100-199", str(out),
    )  # fmt: skip
    assert ranged["ContentRange"] == "bytes 100-199/4321"
    assert out.read_bytes() == body.read_bytes()[100:200]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, err.read()


# Left to itself the CLI presigns S3 URLs with Signature Version 2 (AWSAccessKeyId, Signature,
# Expires); `signature_version = s3v4` makes it SigV4 (X-Amz-Signature, X-Amz-Expires).
PRESIGN_STYLES = {
    "sigv4": ("    signature_version = s3v4\n", "X-Amz-Signature="),
    "sigv2-default": ("", "&Signature="),
}


@pytest.mark.parametrize("style", sorted(PRESIGN_STYLES))
def test_presign_valid_then_expired(
    server: Any, style: str, s3: Any, bucket_name: str, tmp_path: Path, empty_bucket_after: Any
) -> None:
    settings, marker = PRESIGN_STYLES[style]
    aws = AwsCli(server, tmp_path / "awshome", s3_settings=settings)
    s3.create_bucket(Bucket=bucket_name)
    empty_bucket_after(bucket_name)
    s3.put_object(Bucket=bucket_name, Key="shared/report.txt", Body=b"presigned body\n")
    uri = f"s3://{bucket_name}/shared/report.txt"

    url = aws("s3", "presign", uri, "--expires-in", "300").strip()
    assert marker in url
    status, body = fetch(url)
    assert (status, body) == (200, b"presigned body\n")

    short_lived = aws("s3", "presign", uri, "--expires-in", "1").strip()
    time.sleep(2.1)
    status, body = fetch(short_lived)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    assert b"<Message>Request has expired</Message>" in body


def test_key_roundtrip_with_awkward_names(
    aws: AwsCli, s3: Any, bucket_name: str, tmp_path: Path, empty_bucket_after: Any
) -> None:
    s3.create_bucket(Bucket=bucket_name)
    empty_bucket_after(bucket_name)
    names = ["with space.txt", "ünïcødé/файл.txt", "plus+sign&amp=1.txt", "~tilde/(x).txt"]
    for seed, name in enumerate(names):
        write_file(tmp_path / "src" / name, 100 + seed, seed=seed)
    aws("s3", "cp", "--recursive", str(tmp_path / "src"), f"s3://{bucket_name}/")
    assert bucket_keys(s3, bucket_name) == {n: 100 + i for i, n in enumerate(names)}
    for name in names:
        assert object_sha256(s3, bucket_name, name) == sha256_of(tmp_path / "src" / name), name


def test_empty_file_then_more_uploads_on_one_connection(
    server: Any, s3: Any, bucket_name: str, tmp_path: Path, empty_bucket_after: Any
) -> None:
    """One transfer thread, so one keep-alive connection: the CLI sends `Expect: 100-continue`
    with the 0-byte PUT too, and the next PUT on that connection must still get its answer."""
    one_thread = "    signature_version = s3v4\n    max_concurrent_requests = 1\n"
    aws = AwsCli(server, tmp_path / "awshome", s3_settings=one_thread)
    write_file(tmp_path / "src" / "0-empty", 0, seed=0)
    write_file(tmp_path / "src" / "1-data.txt", 10, seed=1)
    write_file(tmp_path / "src" / "2-data.txt", 20, seed=2)
    s3.create_bucket(Bucket=bucket_name)
    empty_bucket_after(bucket_name)
    aws("s3", "cp", "--recursive", str(tmp_path / "src"), f"s3://{bucket_name}/")
    assert bucket_keys(s3, bucket_name) == {"0-empty": 0, "1-data.txt": 10, "2-data.txt": 20}
