"""SigV4 through a real server with s3cmd, whose signing code is its own (not botocore's):
keys whose canonical URI is easy to get wrong must upload and download intact."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.clients

AWKWARD_KEYS = ["plus+sign.txt", "with space.txt", "tilde~x", "ünï/中文.bin", "a//b", "q?x=1&y"]


def s3cmd(server: Any, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("s3cmd")
    if exe is None:
        pytest.skip("s3cmd is not installed")
    cfg = home / ".s3cfg"
    if not cfg.exists():
        host = f"127.0.0.1:{server.port}"
        cfg.write_text(
            "[default]\n"
            f"access_key = {server.access_key}\n"
            f"secret_key = {server.secret_key}\n"
            f"host_base = {host}\nhost_bucket = {host}\n"
            f"bucket_location = {server.region}\n"
            "use_https = False\nsignature_v2 = False\nguess_mime_type = False\n"
            "progress_meter = False\nmax_retries = 1\n"
        )
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "TZ": "UTC"}
    argv = [exe, "-c", str(cfg), "--no-progress", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_s3cmd_awkward_keys_roundtrip(server: Any, tmp_path: Path) -> None:
    bucket = f"sigv4-{uuid.uuid4().hex[:12]}"
    made = s3cmd(server, tmp_path, "mb", f"s3://{bucket}")
    assert made.returncode == 0, made.stderr
    for n, key in enumerate(AWKWARD_KEYS):
        src = tmp_path / f"src{n}"
        src.write_bytes(f"payload {n} for {key}".encode())
        put = s3cmd(server, tmp_path, "put", str(src), f"s3://{bucket}/{key}")
        assert put.returncode == 0, f"put {key!r}: {put.stderr}"
        dst = tmp_path / f"dst{n}"
        got = s3cmd(server, tmp_path, "get", f"s3://{bucket}/{key}", str(dst))
        assert got.returncode == 0, f"get {key!r}: {got.stderr}"
        assert dst.read_bytes() == src.read_bytes()


def test_s3cmd_with_wrong_secret_is_refused(server: Any, tmp_path: Path) -> None:
    class WrongSecret:
        port = server.port
        access_key = server.access_key
        secret_key = "definitely-not-the-secret-key-000000000000"
        region = server.region

    listed = s3cmd(WrongSecret(), tmp_path, "ls")
    assert listed.returncode != 0
    assert "SignatureDoesNotMatch" in listed.stderr
