"""Helpers of the real-client tests: tool lookup, deterministic files, digests, listings.

Every test here drives the `server` fixture (a real ownstack process, tests/conftest.py) with an
external client exactly as a user would run it. A client that is not installed skips its tests
with the reason; CI installs them all (.ci/ensure-tools).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import weakref
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
    return checked(proc, check)


def checked(
    proc: subprocess.CompletedProcess[str], check: bool
) -> subprocess.CompletedProcess[str]:
    """`proc`, or the test failed with its output if `check` and it exited non-zero."""
    argv = [str(arg) for arg in proc.args]
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


class AwsForks:
    """One awscli_forks.py process (the venv's awscli imported once) running `aws` commands,
    each in a process forked for it: a command costs a fork instead of a Python start and the
    CLI's imports (~0.3 s of CPU each, once most of the suite's CPU time). Stopped when
    garbage-collected, or at the end of the test process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = dict(env)
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("awscli_forks.py"))],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # its group: a command hung at a timeout goes with it
        )
        weakref.finalize(self, _stop_group, self._process)

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        """`aws *argv`: its exit status and output, decoded as `subprocess.run(text=True)`."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"argv": argv}).encode() + b"\n")
        self._process.stdin.flush()
        ready, _, _ = select.select([self._process.stdout], [], [], RUN_TIMEOUT_S)
        if not ready:
            _stop_group(self._process)
            raise subprocess.TimeoutExpired(["aws", *argv], RUN_TIMEOUT_S)
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"awscli_forks.py ended (status {self._process.wait()})")
        reply = json.loads(line)
        return subprocess.CompletedProcess(
            ["aws", *argv], reply["rc"], _text(reply["stdout"]), _text(reply["stderr"])
        )


def _text(encoded: str) -> str:
    """Bytes as `text=True` reads them: the locale's encoding, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(base64.b64decode(encoded))).read()


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class AwsCli:
    """Runs `aws` with credentials and endpoint from the server and no developer settings.
    The venv's CLI runs through `AwsForks` (one per AwsCli, started at its first command and
    again when `env` changed); another `aws` on the PATH runs as a process of its own."""

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
        self._forks: AwsForks | None = None

    def __call__(self, *args: str, check: bool = True) -> str:
        return self.attempt(*args, check=check).stdout

    def attempt(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """`aws` against the server (endpoint and read timeout added): its status and output,
        a failure included unless `check`."""
        argv = ["--endpoint-url", self.endpoint, "--cli-read-timeout", "20", *args]
        return self.run(argv, check=check)

    def run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        """`aws *argv` exactly (no --endpoint-url added): its exit status and output."""
        if Path(self.exe) != Path(sys.executable).parent / "aws":
            return run_tool([self.exe, *argv], self.env, check=check)
        if self._forks is None or self._forks.env != self.env:
            self._forks = AwsForks(self.env)
        return checked(self._forks.run(argv), check)

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--output", "json"))
