"""Server CPU cost per request: ownstack's HttpServer against a bare httptools baseline.

Each server runs alone in its own process (uvloop); client processes hammer it over keep-alive
connections with small GETs for a fixed time; the server process's CPU time (user + system,
from psutil) divided by the requests answered is the cost per request. The baseline is the
least an httptools server can do (parse, write a canned response), so the ratio is our
overhead. Uses wrk as the client when installed.

    .venv/bin/python benchmarks/server_overhead.py [--seconds 5] [--clients 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import re
import shutil
import socket
import statistics
import subprocess
import time
from typing import Any

import psutil  # type: ignore[import-untyped]

REQUEST = b"GET /bench/key?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n"


def serve_ownstack(port_out: Any) -> None:
    import uvloop

    from ownstack.core.http import Request, Response
    from ownstack.gateway.server import HttpServer, ServerConfig

    headers = [("Content-Type", "text/plain"), ("x-amz-request-id", "0123456789ABCDEF")]

    async def app(req: Request) -> Response:
        return Response(200, headers, b"hello")

    async def main() -> None:
        server = HttpServer(app, ServerConfig(port=0))
        await server.start()
        port_out.put(server.port)
        await asyncio.Event().wait()

    uvloop.run(main())


def serve_baseline(port_out: Any) -> None:
    import httptools
    import uvloop

    canned = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        b"x-amz-request-id: 0123456789ABCDEF\r\nContent-Length: 5\r\n\r\nhello"
    )

    class Bare(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_message_complete(self) -> None:
            self.transport.write(canned)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Bare, "127.0.0.1", 0)
        port_out.put(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    uvloop.run(main())


def client(port: int, seconds: float, counts: Any) -> None:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    end = time.monotonic() + seconds
    done = 0
    while time.monotonic() < end:
        sock.sendall(REQUEST)
        reply = sock.recv(65536)
        while not reply.endswith(b"hello"):
            reply += sock.recv(65536)
        done += 1
    sock.close()
    counts.put(done)


def run_python_clients(port: int, seconds: float, clients: int) -> int:
    counts: Any = mp.Queue()
    procs = [mp.Process(target=client, args=(port, seconds, counts)) for _ in range(clients)]
    for proc in procs:
        proc.start()
    total = sum(int(counts.get()) for _ in procs)
    for proc in procs:
        proc.join()
    return total


def run_wrk(port: int, seconds: float, clients: int) -> int:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            f"http://127.0.0.1:{port}/bench/key?x=1",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"(\d+) requests in", out)
    assert match, out
    return int(match.group(1))


def measure(target: Any, seconds: float, clients: int) -> tuple[float, float]:
    """(CPU µs per request, requests per second) for one server."""
    port_out: Any = mp.Queue()
    proc = mp.Process(target=target, args=(port_out,), daemon=True)
    proc.start()
    try:
        port = port_out.get(timeout=10)
        server = psutil.Process(proc.pid)
        run_python_clients(port, 0.5, clients)  # warm up
        before = server.cpu_times()
        started = time.monotonic()
        if shutil.which("wrk"):
            requests = run_wrk(port, seconds, clients)
        else:
            requests = run_python_clients(port, seconds, clients)
        elapsed = time.monotonic() - started
        after = server.cpu_times()
    finally:
        proc.terminate()
        proc.join()
    cpu = (after.user - before.user) + (after.system - before.system)
    return cpu / requests * 1e6, requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=max(2, (os.cpu_count() or 2) - 1))
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs; medians kept")
    args = parser.parse_args()
    client_kind = "wrk" if shutil.which("wrk") else "python"
    print(
        f"{args.clients} keep-alive clients ({client_kind}), {args.seconds:.0f} s per run, "
        f"median of {args.rounds} alternating runs"
    )
    base_runs: list[tuple[float, float]] = []
    own_runs: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        base_runs.append(measure(serve_baseline, args.seconds, args.clients))
        own_runs.append(measure(serve_ownstack, args.seconds, args.clients))
    base_us = statistics.median(r[0] for r in base_runs)
    base_rps = statistics.median(r[1] for r in base_runs)
    own_us = statistics.median(r[0] for r in own_runs)
    own_rps = statistics.median(r[1] for r in own_runs)
    print(f"bare httptools   {base_us:7.1f} µs CPU/request  {base_rps:9.0f} req/s")
    print(f"ownstack server  {own_us:7.1f} µs CPU/request  {own_rps:9.0f} req/s")
    print(f"ratio            {own_us / base_us:7.2f}x")


if __name__ == "__main__":
    main()
