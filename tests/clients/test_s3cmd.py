"""s3cmd (SigV4, path style, plain HTTP) against a real ownstack server."""

from __future__ import annotations

import hashlib
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
    sha256_of,
    tool_path,
    write_file,
)

pytestmark = pytest.mark.clients

CHUNK_MB = 5
LARGE_SIZE = 20 * MiB + 3


class S3cmd:
    def __init__(self, server: Any, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.cfg = home / ".s3cfg"
        host = f"127.0.0.1:{server.port}"
        self.cfg.write_text(
            "[default]\n"
            f"access_key = {server.access_key}\n"
            f"secret_key = {server.secret_key}\n"
            f"host_base = {host}\n"
            f"host_bucket = {host}\n"
            f"bucket_location = {server.region}\n"
            "use_https = False\n"
            "signature_v2 = False\n"
            "check_ssl_certificate = False\n"
            "guess_mime_type = False\n"
            "progress_meter = False\n"
            "max_retries = 1\n"
        )
        self.exe = tool_path("s3cmd")
        self.env = clean_env(HOME=str(home))

    def __call__(self, *args: str) -> str:
        argv = [self.exe, "-c", str(self.cfg), "--no-progress", *args]
        return run_tool(argv, self.env).stdout


@pytest.fixture
def s3cmd(server: Any, tmp_path: Path) -> S3cmd:
    return S3cmd(server, tmp_path / "s3cmdhome")


def ls_objects(output: str) -> dict[str, int]:
    """`s3cmd ls` object lines ("date time size s3://b/key") -> key url: size."""
    found: dict[str, int] = {}
    for line in output.splitlines():
        fields = line.split(maxsplit=3)
        if len(fields) == 4 and fields[2].isdigit():
            found[fields[3]] = int(fields[2])
    return found


def info_fields(output: str) -> dict[str, str]:
    """`s3cmd info` prints "   Name:   value" lines."""
    fields: dict[str, str] = {}
    for line in output.splitlines():
        name, sep, value = line.strip().partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def test_mb_put_ls_get_info_del_rb(s3cmd: S3cmd, s3: Any, bucket_name: str, tmp_path: Path) -> None:
    small = write_file(tmp_path / "up" / "small.txt", 2048, seed=11)
    large = write_file(tmp_path / "up" / "large.bin", LARGE_SIZE, seed=12)
    url = f"s3://{bucket_name}"

    assert s3cmd("mb", url).strip() == f"Bucket '{url}/' created"
    s3cmd("put", str(small), f"{url}/dir/small.txt")
    s3cmd("put", f"--multipart-chunk-size-mb={CHUNK_MB}", str(large), f"{url}/large.bin")

    assert ls_objects(s3cmd("ls", f"{url}/dir/")) == {f"{url}/dir/small.txt": 2048}
    assert ls_objects(s3cmd("ls", "--recursive", url)) == {
        f"{url}/dir/small.txt": 2048,
        f"{url}/large.bin": LARGE_SIZE,
    }
    assert f"DIR  {url}/dir/" in s3cmd("ls", url)
    head = s3.head_object(Bucket=bucket_name, Key="large.bin")
    assert head["ETag"] == multipart_etag(large.read_bytes(), CHUNK_MB * MiB)

    got = tmp_path / "down"
    got.mkdir()
    s3cmd("get", f"{url}/large.bin", str(got / "large.bin"))
    s3cmd("get", f"{url}/dir/small.txt", str(got / "small.txt"))
    assert sha256_of(got / "large.bin") == sha256_of(large)
    assert (got / "small.txt").read_bytes() == small.read_bytes()

    info = info_fields(s3cmd("info", f"{url}/dir/small.txt"))
    assert info["File size"] == "2048"
    assert info["MD5 sum"] == hashlib.md5(small.read_bytes()).hexdigest()
    large_info = info_fields(s3cmd("info", f"{url}/large.bin"))
    assert large_info["File size"] == str(LARGE_SIZE)
    # s3cmd keeps the whole file's md5 in its own metadata, since a multipart ETag is not one.
    assert large_info["MD5 sum"] == hashlib.md5(large.read_bytes()).hexdigest()

    assert s3cmd("del", f"{url}/dir/small.txt").strip() == f"delete: '{url}/dir/small.txt'"
    s3cmd("del", f"{url}/large.bin")
    assert bucket_keys(s3, bucket_name) == {}
    assert s3cmd("rb", url).strip() == f"Bucket '{url}/' removed"
    with pytest.raises(ClientError) as gone:
        s3.head_bucket(Bucket=bucket_name)
    assert gone.value.response["Error"]["Code"] == "404"
