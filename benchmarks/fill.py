"""Put a fixed number of objects fast: asyncio (uvloop) keep-alive connections, raw HTTP/1.1.

wrk runs for a duration, not a count (thread:stop does not end its run early), so filling a
server with exactly N objects uses this instead: each connection sends presigned PUTs one after
another and reads each answer, so every request is counted and none is retried.
Run it in a child process pinned to the load core: `python -m benchmarks.fill`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.procs import LOAD_CPU, BenchError, pinned

MAX_HEADER_BYTES = 64 * 1024
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class FillResult:
    ok: int
    failed: int
    seconds: float
    first_failure: str

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns (status, server keeps the connection)."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEADER_BYTES:
        raise BenchError("response header too large")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, keep = 0, True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep = False
    if length:
        await reader.readexactly(length)
    return status, keep


async def _worker(
    host: str, port: int, requests: list[bytes], counts: dict[str, int], failures: list[str]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for request in requests:
            writer.write(request)
            status, keep = await asyncio.wait_for(_answer(reader), TIMEOUT_S)
            counts["ok" if 200 <= status < 300 else "failed"] += 1
            if not 200 <= status < 300 and not failures:
                failures.append(f"HTTP {status} for {request.split(b' ', 2)[1][:80]!r}")
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def fill(host: str, port: int, targets: list[str], body: bytes, connections: int) -> str:
    head = f"Host: {host}:{port}\r\nContent-Length: {len(body)}\r\n\r\n"
    requests = [f"PUT {t} HTTP/1.1\r\n{head}".encode() + body for t in targets]
    counts = {"ok": 0, "failed": 0}
    failures: list[str] = []
    start = time.perf_counter()
    shares = [requests[i::connections] for i in range(connections)]
    await asyncio.gather(*(_worker(host, port, s, counts, failures) for s in shares if s))
    seconds = time.perf_counter() - start
    return json.dumps({**counts, "seconds": seconds, "first_failure": "".join(failures[:1])})


def run_fill(
    port: int, targets: list[str], body_bytes: int = 1024, connections: int = 64
) -> FillResult:
    """PUT every target once, from a child process on the load core."""
    with tempfile.NamedTemporaryFile("w", suffix=".targets") as fh:
        fh.write("\n".join(targets) + "\n")
        fh.flush()
        argv = [sys.executable, "-m", "benchmarks.fill", str(port), fh.name, str(body_bytes)]
        argv.append(str(connections))
        proc = subprocess.run(
            pinned(LOAD_CPU, argv),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
            cwd=Path(__file__).parent.parent,
        )
    if proc.returncode != 0:
        raise BenchError(f"fill client failed: {proc.stderr.strip()[-2000:]}")
    raw = json.loads(proc.stdout)
    return FillResult(raw["ok"], raw["failed"], raw["seconds"], raw["first_failure"])


def main(argv: list[str]) -> None:
    import uvloop

    port, targets_file, body_bytes, connections = argv
    targets = [t for t in Path(targets_file).read_text().splitlines() if t]
    body = b"x" * int(body_bytes)
    print(uvloop.run(fill("127.0.0.1", int(port), targets, body, int(connections))))


if __name__ == "__main__":
    main(sys.argv[1:])
