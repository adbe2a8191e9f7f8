"""The servers a benchmark compares: ownstack, moto_server and nginx, each pinned to one core.

Every server binds 127.0.0.1 on a free port, runs under `taskset -c SERVER_CPU`, and is stopped
by its own pid (SIGTERM, then SIGKILL after a bounded wait).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SERVER_CPU = 0
LOAD_CPU = 1
ACCESS_KEY = "AKIAOWNSTACKBENCH001"
SECRET_KEY = "ownstack-bench-secret-key-000000000000000"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
BIN = Path(sys.executable).parent


class BenchError(RuntimeError):
    """A benchmark could not run (a server did not start, a tool is missing, requests failed)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int, argv: list[str]) -> list[str]:
    """taskset execs the command, so the pid we get is the server's own."""
    if shutil.which("taskset") is None or os.cpu_count() in (None, 1):
        return argv
    return ["taskset", "-c", str(cpu), *argv]


def require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise BenchError(f"{tool} is not installed (bash .ci/ensure-tools installs it)")
    return found


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    spawned_at: float
    ready_after_s: float = 0.0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise BenchError(f"{self.name}: no VmRSS for pid {self.pid}")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return err.code
    except (OSError, ValueError):
        return None


def wait_ready(server: Server, url: str, want_200: bool = True) -> None:
    """Poll until `url` answers (200 if asked); records the time from spawn to that answer."""
    deadline = server.spawned_at + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"{server.name} exited at start:\n{server.log_path.read_text()}")
        status = http_status(url)
        if status is not None and (status == 200 or not want_200):
            server.ready_after_s = time.monotonic() - server.spawned_at
            return
        time.sleep(0.002)
    server.stop()
    raise BenchError(f"{server.name} not ready in {START_TIMEOUT_S} s: {server.log_path}")


def spawn(
    name: str,
    argv: list[str],
    workdir: Path,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Server:
    """Start `argv` pinned to the server core; "{port}" in it becomes the port it will bind."""
    port = port or free_port()
    argv = [a.replace("{port}", str(port)) for a in argv]
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        spawned_at = time.monotonic()
        process = subprocess.Popen(
            pinned(SERVER_CPU, argv), stdout=log, stderr=subprocess.STDOUT, env=env
        )
    return Server(name, port, process, log_path, spawned_at)


def ownstack_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OWNSTACK_"))}
    env.update(
        OWNSTACK_ROOT_ACCESS_KEY=ACCESS_KEY,
        OWNSTACK_ROOT_SECRET_KEY=SECRET_KEY,
        OWNSTACK_ACCOUNT_ID=ACCOUNT_ID,
    )
    return env


def start_ownstack(workdir: Path, data_dir: Path) -> Server:
    argv = [str(BIN / "ownstack"), "serve", "--host", "127.0.0.1", "--port", "{port}"]
    argv += ["--data", str(data_dir)]
    server = spawn("ownstack", argv, workdir, ownstack_env())
    wait_ready(server, f"{server.endpoint}/_ownstack/health")
    return server


def start_moto(workdir: Path) -> Server:
    argv = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", "{port}"]
    server = spawn("moto", argv, workdir)
    wait_ready(server, f"{server.endpoint}/moto-api/", want_200=False)
    return server


NGINX_CONF = """\
worker_processes 1;
daemon off;
master_process on;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    default_type application/octet-stream;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root}/www;
        location / {{ }}
    }}
}}
"""


def start_nginx(workdir: Path, files: dict[str, Path]) -> Server:
    """nginx serving `files` (name -> path, hard-linked or copied into its root)."""
    exe = require("nginx")
    root = workdir / "nginx"
    (root / "www").mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    for name, path in files.items():
        target = root / "www" / name
        with contextlib.suppress(FileExistsError):
            os.link(path, target)
        target.chmod(0o644)
    # As root, nginx workers drop to `nobody`: every directory up to the files must be readable.
    for folder in (root, root / "www", workdir):
        folder.chmod(0o755)
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=root, port=port))
    argv = [exe, "-p", str(root), "-c", str(conf), "-e", str(root / "nginx-error.log")]
    server = spawn("nginx", argv, workdir, port=port)
    wait_ready(server, f"{server.endpoint}/{next(iter(files))}")
    return server


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()


def workspace() -> tempfile.TemporaryDirectory[str]:
    """A scratch dir for data dirs, logs and test files; nginx needs it world-readable."""
    return tempfile.TemporaryDirectory(prefix="ownstack-bench-")
