"""Running a managed runtime's Launch without the sandbox engine: bubblewrap directly (the host's
/usr, a private /proc, /dev, /tmp, the code at /var/task, a layer at /opt, the Launch's binds),
talking to a minimal Lambda Runtime API served here on 127.0.0.1.

The stub hands out the given events one per `GET /invocation/next` (then holds the next one
open, as Lambda does between invocations) and records what the runtime posts back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ownstack.backends.process.runtimes import Launch

API = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:probe"


@dataclass
class Posted:
    kind: str
    """"response", "error" or "init_error"."""
    body: bytes
    headers: dict[str, str]

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Run:
    posted: dict[str, Posted] = field(default_factory=dict)
    """By request id ("init" for an init error)."""
    cold_start_s: float | None = None
    """Process start to the runtime's first GET /invocation/next."""
    output: str = ""


class RuntimeApiStub:
    def __init__(self, events: list[tuple[str, object]]) -> None:
        self.events = list(events)
        self.run = Run()
        self.started_at = 0.0
        self.finished = asyncio.Event()
        self.closing = asyncio.Event()
        self._expected = {request_id for request_id, _ in events}

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while await self._one_request(reader, writer):
                pass
        writer.close()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        request_line = await reader.readline()
        if not request_line:
            return False
        method, path, _ = request_line.decode().split(" ", 2)
        headers = await _read_headers(reader)
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = await _read_body(reader, headers)
        if method == "GET" and path == f"{API}/invocation/next":
            if not await self._next(writer):
                return False
        else:
            self._record(path, body, headers)
            _respond(writer, 202, {}, b'{"status":"OK"}')
        await writer.drain()
        return True

    async def _next(self, writer: asyncio.StreamWriter) -> bool:
        if self.run.cold_start_s is None:
            self.run.cold_start_s = time.monotonic() - self.started_at
        if not self.events:
            await self.closing.wait()  # Lambda holds /next until there is work
            return False
        request_id, event = self.events.pop(0)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30_000),
            "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
            "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0",
            "Content-Type": "application/json",
        }
        _respond(writer, 200, headers, json.dumps(event).encode())
        return True

    def _record(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        if path == f"{API}/init/error":
            self.run.posted["init"] = Posted("init_error", body, headers)
            self.finished.set()
            return
        request_id, _, kind = path.removeprefix(f"{API}/invocation/").partition("/")
        self.run.posted[request_id] = Posted(kind, body, headers)
        if self._expected <= set(self.run.posted):
            self.finished.set()


async def _read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    while (line := (await reader.readline()).decode().rstrip("\r\n")) != "":
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readline()
        while (await reader.readline()) not in (b"\r\n", b""):
            pass  # trailers
        return b"".join(chunks)
    return await reader.readexactly(int(headers.get("content-length", "0")))


def _respond(
    writer: asyncio.StreamWriter, status: int, headers: dict[str, str], body: bytes
) -> None:
    lines = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Accepted'}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def bwrap_argv(
    launch: Launch, code_dir: Path, layer_dir: Path | None, env: dict[str, str]
) -> list[str]:
    argv = ["bwrap", "--die-with-parent", "--unshare-user", "--uid", "993", "--gid", "990"]
    argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin"):
        top = Path("/") / name
        if top.is_symlink():
            argv += ["--symlink", str(top.readlink()), str(top)]
        elif top.exists():
            argv += ["--ro-bind", str(top), str(top)]
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    argv += ["--ro-bind", str(code_dir), "/var/task"]
    if layer_dir is not None:
        argv += ["--ro-bind", str(layer_dir), "/opt"]
    for host_path, sandbox_path in launch.binds:
        argv += ["--ro-bind", str(host_path), sandbox_path]
    argv += ["--chdir", "/var/task", "--clearenv"]
    for name, value in {**env, **launch.env}.items():
        argv += ["--setenv", name, value]
    return [*argv, "--", *launch.argv]


def bwrap_missing() -> str | None:
    return None if shutil.which("bwrap") else "bubblewrap (bwrap) is not installed"


async def run_in_sandbox(
    launch: Launch,
    code_dir: Path,
    events: list[tuple[str, object]],
    *,
    handler: str,
    layer_dir: Path | None = None,
    timeout_s: float = 60,
) -> Run:
    """Start the runtime, hand it `events`, return once each has an answer (or init failed)."""
    stub = RuntimeApiStub(events)
    server = await asyncio.start_server(stub.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    env = {
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "LAMBDA_TASK_ROOT": "/var/task",
        "_HANDLER": handler,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "probe",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/probe",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]probe",
        "HOME": "/tmp",
        "TZ": ":UTC",
    }
    stub.started_at = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *bwrap_argv(launch, code_dir, layer_dir, env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stub.finished.wait(), timeout_s)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        output, _ = await process.communicate()
        stub.run.output = output.decode(errors="replace")
        stub.closing.set()
        server.close()
        await asyncio.sleep(0.01)  # let the held /next handlers end
    return stub.run
