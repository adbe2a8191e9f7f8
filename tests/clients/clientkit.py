"""Helpers of the real-client tests: tool lookup, deterministic files, digests, listings.

Every test here drives the `server` fixture (a real ownstack process, tests/conftest.py) with an
external client exactly as a user would run it. A client that is not installed skips its tests
with the reason; CI installs them all (.ci/ensure-tools).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

MiB = 1024 * 1024
RUN_TIMEOUT_S = 180


def tool_path(name: str) -> str:
    """Absolute path of an external client, or skip the test saying what is missing."""
    venv_bin = Path(sys.executable).parent / name
    if venv_bin.exists():
        return str(venv_bin)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (CI installs it with .ci/ensure-tools)")
    return found


def run_tool(
    argv: list[str], env: dict[str, str], cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a client command; on failure show its output, which says what the server answered."""
    proc = subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"{' '.join(argv)} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc


def clean_env(**extra: str) -> dict[str, str]:
    """The process environment without any AWS_* settings of the developer, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RCLONE_"))}
    env["TZ"] = "UTC"
    env.update(extra)
    return env


def deterministic_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def write_file(path: Path, size: int, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(deterministic_bytes(size, seed))
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(MiB), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_digest(root: Path) -> dict[str, str]:
    """Relative POSIX path -> sha256 for every file below `root`."""
    return {
        p.relative_to(root).as_posix(): sha256_of(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def multipart_etag(data: bytes, part_size: int) -> str:
    """The ETag S3 gives a multipart object: md5 of the parts' md5s, dash, part count."""
    parts = [data[i : i + part_size] for i in range(0, len(data), part_size)]
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


def md5_etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def bucket_keys(s3: Any, bucket: str) -> dict[str, int]:
    """Key -> size for every object in the bucket, read with boto3 (the reference client)."""
    found: dict[str, int] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = item["Size"]
    return found


def object_sha256(s3: Any, bucket: str, key: str) -> str:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return hashlib.sha256(body).hexdigest()


class AwsCli:
    """Runs `aws` with credentials and endpoint from the server and no developer settings."""

    def __init__(
        self, server: Any, home: Path, s3_settings: str = "    signature_version = s3v4\n"
    ) -> None:
        home.mkdir(parents=True, exist_ok=True)
        config = home / "config"
        config.write_text(
            f"[default]\nregion = {server.region}\ns3 =\n    addressing_style = path\n"
            f"{s3_settings}"
            # No retries: a lost or failed response must fail the test, not hide behind a retry.
            "max_attempts = 1\nretry_mode = standard\n"
        )
        (home / "credentials").write_text("")
        self.exe = tool_path("aws")
        self.endpoint: str = server.endpoint
        self.env = clean_env(
            AWS_ACCESS_KEY_ID=server.access_key,
            AWS_SECRET_ACCESS_KEY=server.secret_key,
            AWS_DEFAULT_REGION=server.region,
            AWS_CONFIG_FILE=str(config),
            AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            AWS_PAGER="",
        )

    def __call__(self, *args: str, check: bool = True) -> str:
        argv = [self.exe, "--endpoint-url", self.endpoint, "--cli-read-timeout", "20", *args]
        return run_tool(argv, self.env, check=check).stdout

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--output", "json"))
