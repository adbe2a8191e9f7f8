"""rclone (s3 backend, provider Other) against a real ownstack server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from clientkit import (
    MiB,
    bucket_keys,
    clean_env,
    multipart_etag,
    run_tool,
    tool_path,
    tree_digest,
    write_file,
)

pytestmark = pytest.mark.clients

# rclone goes multipart above --s3-upload-cutoff; 5 MiB (S3's minimum part) keeps the test small.
PART_SIZE = 5 * MiB
BIG_SIZE = 25 * MiB + 7
MTIME = 1_700_000_000  # 2023-11-14 22:13:20 UTC, restored by rclone from its mtime metadata


class Rclone:
    def __init__(self, server: Any, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        (home / "rclone.conf").write_text("")
        self.exe = tool_path("rclone")
        self.env = clean_env(
            RCLONE_CONFIG=str(home / "rclone.conf"),
            RCLONE_CONFIG_OS_TYPE="s3",
            RCLONE_CONFIG_OS_PROVIDER="Other",
            RCLONE_CONFIG_OS_ENV_AUTH="false",
            RCLONE_CONFIG_OS_ACCESS_KEY_ID=server.access_key,
            RCLONE_CONFIG_OS_SECRET_ACCESS_KEY=server.secret_key,
            RCLONE_CONFIG_OS_REGION=server.region,
            RCLONE_CONFIG_OS_ENDPOINT=server.endpoint,
            RCLONE_CONFIG_OS_FORCE_PATH_STYLE="true",
            HOME=str(home),
        )

    def __call__(self, *args: str, check: bool = True) -> tuple[int, str, str]:
        argv = [
            self.exe,
            *args,
            "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M",
            "--retries", "1", "--low-level-retries", "1",
        ]  # fmt: skip
        proc = run_tool(argv, self.env, check=check)
        return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def rclone(server: Any, tmp_path: Path) -> Rclone:
    return Rclone(server, tmp_path / "rclonehome")


def make_tree(root: Path) -> dict[str, int]:
    sizes = {
        "small.txt": 1000,
        "with space/file one.txt": 12_345,
        "ünïcødé/日本語 ファイル.bin": 70_000,
        "big.bin": BIG_SIZE,
    }
    for seed, (rel, size) in enumerate(sizes.items()):
        path = write_file(root / rel, size, seed=seed + 100)
        os.utime(path, (MTIME, MTIME))
    return sizes


def size_listing(output: str) -> dict[str, int]:
    """`rclone ls` lines ("   size path") -> path: size."""
    listing: dict[str, int] = {}
    for line in output.splitlines():
        size, path = line.strip().split(" ", 1)
        listing[path] = int(size)
    return listing


def test_copy_ls_check_sync_delete_purge(
    rclone: Rclone, s3: Any, bucket_name: str, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    sizes = make_tree(src)
    remote = f"os:{bucket_name}"

    rclone("mkdir", remote)
    assert s3.head_bucket(Bucket=bucket_name)["ResponseMetadata"]["HTTPStatusCode"] == 200

    rclone("copy", str(src), f"{remote}/data")
    assert bucket_keys(s3, bucket_name) == {f"data/{rel}": n for rel, n in sizes.items()}
    assert size_listing(rclone("ls", f"{remote}/data")[1]) == sizes
    big = (src / "big.bin").read_bytes()
    assert s3.head_object(Bucket=bucket_name, Key="data/big.bin")["ETag"] == multipart_etag(
        big, PART_SIZE
    )

    for line in rclone("lsl", f"{remote}/data")[1].splitlines():
        size, day, clock, path = line.strip().split(" ", 3)
        assert (int(size), day, clock) == (sizes[path], "2023-11-14", "22:13:20.000000000"), line

    code, _, err = rclone("check", str(src), f"{remote}/data")
    assert code == 0
    assert "0 differences found" in err
    assert f"{len(sizes)} matching files" in err

    dst = tmp_path / "dst"
    rclone("copy", f"{remote}/data", str(dst))
    assert tree_digest(dst) == tree_digest(src)

    (src / "small.txt").unlink()
    write_file(src / "with space/file one.txt", 999, seed=7)
    write_file(src / "new/added.txt", 42, seed=8)
    rclone("sync", str(src), f"{remote}/data")
    expected = {rel: p.stat().st_size for rel, p in _files(src).items()}
    assert size_listing(rclone("ls", f"{remote}/data")[1]) == expected
    code, _, err = rclone("check", str(src), f"{remote}/data")
    assert (code, "0 differences found" in err) == (0, True), err

    rclone("delete", f"{remote}/data/ünïcødé")
    del expected["ünïcødé/日本語 ファイル.bin"]
    assert bucket_keys(s3, bucket_name) == {f"data/{rel}": n for rel, n in expected.items()}

    rclone("purge", remote)
    with pytest.raises(ClientError) as gone:
        s3.head_bucket(Bucket=bucket_name)
    assert gone.value.response["Error"]["Code"] == "404"


def test_check_detects_a_changed_object(
    rclone: Rclone, s3: Any, bucket_name: str, tmp_path: Path
) -> None:
    """`check` must see a difference: proves it compares real digests, not just names."""
    src = tmp_path / "src"
    write_file(src / "one.txt", 500, seed=1)
    write_file(src / "two.txt", 600, seed=2)
    remote = f"os:{bucket_name}"
    rclone("mkdir", remote)
    rclone("copy", str(src), remote)
    s3.put_object(Bucket=bucket_name, Key="two.txt", Body=b"x" * 600)

    code, _, err = rclone("check", str(src), remote, check=False)
    assert code == 1
    assert "1 differences found" in err
    assert "1 matching files" in err
    rclone("purge", remote)


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
