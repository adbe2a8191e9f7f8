"""A REAL ownstack server process on a free port, for tests: start it, wait until it answers,
stop it. tests/conftest.py builds its fixtures on this; a test module that needs these names
imports them from here (not from `conftest`, a name several directories share)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

TEST_ACCESS_KEY = "AKIAOWNSTACKTEST0001"
TEST_SECRET_KEY = "ownstack-test-secret-key-0000000000000000"
TEST_ACCOUNT_ID = "123456789012"
TEST_REGION = "us-east-1"
START_TIMEOUT_S = 30.0
"""A ceiling, not a wait: a server answers in ~1 s; on a loaded 2-core machine a start that
compiles every module (PYTHONDONTWRITEBYTECODE) has taken 10 s."""
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(
    extra: dict[str, str] | None = None, *, fixed_credentials: bool = True
) -> dict[str, str]:
    """The process environment minus the developer's AWS_*/OWNSTACK_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OWNSTACK_"))}
    if fixed_credentials:
        env.update(
            OWNSTACK_ROOT_ACCESS_KEY=TEST_ACCESS_KEY,
            OWNSTACK_ROOT_SECRET_KEY=TEST_SECRET_KEY,
            OWNSTACK_ACCOUNT_ID=TEST_ACCOUNT_ID,
        )
    env.update(extra or {})
    return env


_SESSION_LOCK = threading.Lock()


@cache
def _boto3_session() -> Any:
    import boto3

    return boto3.session.Session()


def boto3_client(service_name: str, **kw: Any) -> Any:
    """A boto3 client from the one Session of this test process. A new Session re-reads
    botocore's data files: ~150 ms of CPU a client, once most of the suite's own CPU time; a
    client from a Session that has made one before takes ~10 ms. Each client still gets its
    own copy of the event hooks, so a test's handlers stay on its client. botocore's Session is
    not thread-safe: clients are made under a lock (tests make them from threads too)."""
    with _SESSION_LOCK:
        return _boto3_session().client(service_name, **kw)


@dataclass
class ServerHandle:
    endpoint: str
    access_key: str
    secret_key: str
    region: str
    account_id: str
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    _closed: bool = field(default=False, repr=False)

    def client(self, service_name: str, **kw: Any) -> Any:
        """A boto3 client for this server (S3: path-style addressing unless `config` says
        otherwise). One retry at most: botocore's `max_attempts` counts retries, so a throttle
        or a 5xx is tried once more; a test that must see the first answer, or that kills the
        server, passes `Config(retries={"total_max_attempts": 1})`."""
        from botocore.config import Config

        config = Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
        )
        if "config" in kw:
            config = config.merge(kw.pop("config"))
        kw.setdefault("endpoint_url", self.endpoint)
        kw.setdefault("aws_access_key_id", self.access_key)
        kw.setdefault("aws_secret_access_key", self.secret_key)
        kw.setdefault("region_name", self.region)
        return boto3_client(service_name, config=config, **kw)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, wait, SIGKILL if it hangs; prints the log if it ended abnormally."""
        if self._closed:
            return self.process.returncode
        self._closed = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                print(f"ownstack on port {self.port} ignored SIGTERM; killed.\n{self.log()}")
                return self.process.returncode
        if self.process.returncode not in (0, -signal.SIGTERM):
            print(f"ownstack on port {self.port} exited {self.process.returncode}:\n{self.log()}")
        return self.process.returncode


class ServersByKey:
    """Servers started on first use, one per key (an engine), and stopped together: what a
    session fixture holds when its tests run key by key and each file would otherwise start
    and stop the same servers again."""

    def __init__(self) -> None:
        self._started: dict[str, ServerHandle] = {}

    def get(self, key: str, start: Callable[[], ServerHandle]) -> ServerHandle:
        if key not in self._started:
            self._started[key] = start()
        return self._started[key]

    def stop(self) -> None:
        for handle in self._started.values():
            handle.stop()


def _health(port: int) -> int | None:
    url = f"http://127.0.0.1:{port}/_ownstack/health"
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return err.code
    except (OSError, ValueError):
        return None


def start_server(
    data_dir: Path,
    *,
    env: dict[str, str] | None = None,
    fixed_credentials: bool = True,
    args: list[str] | None = None,
) -> ServerHandle:
    """Start `python -m ownstack.cli serve` and wait until /_ownstack/health answers. The free
    port found may be taken by another process before the server binds it (any client's
    connection may get it as its local port): then again on another port."""
    data_dir.mkdir(parents=True, exist_ok=True)
    proc_env = server_env(env, fixed_credentials=fixed_credentials)
    for _ in range(PORT_ATTEMPTS):
        handle = _spawn(data_dir, free_port(), proc_env, args or [])
        if _wait_ready(handle):
            break
    else:
        pytest.fail(f"ownstack lost its port {PORT_ATTEMPTS} times:\n{handle.log()}")
    if not fixed_credentials:
        _adopt_stored_credentials(handle)
    return handle


PORT_ATTEMPTS = 3


def _spawn(data_dir: Path, port: int, proc_env: dict[str, str], args: list[str]) -> ServerHandle:
    log_path = data_dir.parent / f"{data_dir.name}-server-{port}.log"
    argv = [sys.executable, "-m", "ownstack.cli", "serve", "--port", str(port)]
    argv += ["--data", str(data_dir), *args]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, env=proc_env)
    return ServerHandle(
        endpoint=f"http://127.0.0.1:{port}",
        access_key=proc_env.get("OWNSTACK_ROOT_ACCESS_KEY", ""),
        secret_key=proc_env.get("OWNSTACK_ROOT_SECRET_KEY", ""),
        region=proc_env.get("OWNSTACK_REGION", TEST_REGION),
        account_id=proc_env.get("OWNSTACK_ACCOUNT_ID", ""),
        data_dir=data_dir,
        port=port,
        process=process,
        log_path=log_path,
    )


def _wait_ready(handle: ServerHandle) -> bool:
    """True once the server answers; False if it lost its port to another process."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if handle.process.poll() is not None:
            handle.stop()
            if "address already in use" in handle.log():
                return False
            pytest.fail(f"ownstack exited {handle.process.returncode} at start:\n{handle.log()}")
        if _health(handle.port) is not None:
            return True
        time.sleep(0.05)
    handle.stop()
    pytest.fail(f"ownstack did not answer within {START_TIMEOUT_S} s:\n{handle.log()}")


def _adopt_stored_credentials(handle: ServerHandle) -> None:
    """A server without fixed credentials uses those it generated in its data dir."""
    stored = json.loads((handle.data_dir / "credentials.json").read_text())
    handle.access_key = stored["access_key"]
    handle.secret_key = stored["secret_key"]
    handle.account_id = stored["account_id"]


ServerFactory = Callable[..., ServerHandle]
