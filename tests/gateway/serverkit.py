"""What the HTTP server tests share: the app under test, a server on a background loop, and a
minimal HTTP/1.1 reader for raw sockets (fixtures in conftest.py)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import queue
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvloop

from ownstack.core.http import FileRange, Request, Response
from ownstack.gateway.server import ClientDisconnected, HttpServer, ServerConfig
from ownstack.gateway.server_body import BodyTimeout

MiB = 1 << 20
FILE_SIZE = 8 * MiB


# -- the app under test ----------------------------------------------------------------------


class Endpoints:
    """Small endpoints, chosen by path prefix; what they observed goes to `events`."""

    def __init__(self, data_file: Path) -> None:
        self.data_file = data_file
        self.events: queue.Queue[Any] = queue.Queue()
        self.gate = threading.Event()  # /gated waits for it before reading
        self.opened_fds: list[int] = []

    async def __call__(self, req: Request) -> Response:
        name = req.path.split("/")[1] if req.path.startswith("/") else ""
        handler = getattr(self, "ep_" + name.replace("-", "_"), None)
        if handler is None:
            return Response(200, [("x-path", req.path), ("x-query", req.query)], b"raw")
        result: Response = await handler(req)
        return result

    async def ep_hello(self, req: Request) -> Response:
        return Response(200, [("Content-Type", "text/plain")], b"hello " + req.method.encode())

    async def ep_hash(self, req: Request) -> Response:
        size = int(req.query or "65536")
        digest = hashlib.sha256()
        total = 0
        while chunk := await req.body.read(size):
            assert len(chunk) <= size
            digest.update(chunk)
            total += len(chunk)
        declared = str(req.body.content_length)
        body = f"{total} {digest.hexdigest()} {declared}".encode()
        return Response(200, [], body)

    async def ep_echo(self, req: Request) -> Response:
        async def stream() -> AsyncIterator[bytes]:
            async for chunk in req.body:
                yield chunk

        return Response(200, [("Content-Type", "application/octet-stream")], stream())

    async def ep_reject(self, req: Request) -> Response:
        return Response(403, [("Content-Type", "application/xml")], b"<Error>AccessDenied</Error>")

    async def ep_head(self, req: Request) -> Response:
        return Response(200, [("Content-Length", "1234"), ("ETag", '"abc"')], b"")

    async def ep_chunked(self, req: Request) -> Response:
        async def stream() -> AsyncIterator[bytes]:
            for part in (b"first,", b"", b"second,", b"x" * 100_000):
                yield part

        return Response(200, [], stream())

    async def ep_sized_stream(self, req: Request) -> Response:
        async def stream() -> AsyncIterator[bytes]:
            yield b"abc"
            yield b"defg"

        return Response(200, [("Content-Length", "7")], stream())

    async def ep_file(self, req: Request) -> Response:
        ranges = [tuple(map(int, r.split("-"))) for r in req.query.split(",")]
        parts: list[FileRange | bytes] = []
        for offset, length in ranges:
            fd = os.open(self.data_file, os.O_RDONLY)
            self.opened_fds.append(fd)
            parts.append(FileRange(fd, offset, length))
        if len(parts) == 1:
            return Response(200, [], parts[0])
        mixed: list[FileRange | bytes] = []
        for part in parts:
            mixed += [part, b"|"]
        return Response(200, [], mixed)

    async def ep_upload(self, req: Request) -> Response:
        total = 0
        try:
            async for chunk in req.body:
                total += len(chunk)
        except ClientDisconnected as exc:
            self.events.put(("disconnected", total, type(exc)))
            raise
        self.events.put(("complete", total, None))
        return Response(200, [], b"ok")

    async def ep_upload_answer(self, req: Request) -> Response:
        """As an S3 PutObject does: a stalled body still gets an answer (400)."""
        total = 0
        try:
            async for chunk in req.body:
                total += len(chunk)
        except BodyTimeout:
            return Response(400, [], f"stalled after {total}".encode())
        return Response(200, [], b"ok")

    async def ep_gated(self, req: Request) -> Response:
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 10)
        total = 0
        async for chunk in req.body:
            total += len(chunk)
        return Response(200, [], str(total).encode())

    async def ep_slow(self, req: Request) -> Response:
        await asyncio.sleep(float(req.query))
        return Response(200, [], b"slow " + req.query.encode())

    async def ep_broken_stream(self, req: Request) -> Response:
        async def stream() -> AsyncIterator[bytes]:
            yield b"partial"
            raise RuntimeError("backend failed mid-stream")

        return Response(200, [], stream())

    async def ep_boom(self, req: Request) -> Response:
        raise RuntimeError("app bug")

    async def ep_empty(self, req: Request) -> Response:
        return Response(int(req.query), [], b"")

    async def ep_inject(self, req: Request) -> Response:
        return Response(200, [("x-bad", "a\r\nSet-Cookie: x=1")], b"")


# -- running the server in a background thread -----------------------------------------------


class Running:
    def __init__(self, app: Endpoints, config: ServerConfig, loop_kind: str) -> None:
        self.app = app
        self.loop = uvloop.new_event_loop() if loop_kind == "uvloop" else asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = HttpServer(app, config)
        self.call(self.server.start())
        self.port = self.server.port

    def call(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.call(self.server.stop(grace=1.0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        return sock


# -- a minimal HTTP/1.1 response reader for raw sockets -----------------------------------------


class Reply:
    def __init__(self, status: int, reason: str, headers: dict[str, str], body: bytes) -> None:
        self.status, self.reason, self.headers, self.body = status, reason, headers, body


def read_reply(f: Any, head_only: bool = False) -> Reply:
    status_line = f.readline().decode("latin-1")
    assert status_line.startswith("HTTP/1.1 "), status_line
    _, code, reason = status_line.rstrip("\r\n").split(" ", 2)
    headers: dict[str, str] = {}
    while (line := f.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if head_only or int(code) in (204, 304):
        return Reply(int(code), reason, headers, b"")
    if "content-length" in headers:
        return Reply(int(code), reason, headers, f.read(int(headers["content-length"])))
    if headers.get("transfer-encoding") == "chunked":
        return Reply(int(code), reason, headers, read_chunked(f))
    return Reply(int(code), reason, headers, f.read())


def read_chunked(f: Any) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int(f.readline().strip(), 16)
        if size == 0:
            assert f.readline() == b"\r\n"
            return b"".join(parts)
        parts.append(f.read(size))
        assert f.readline() == b"\r\n"


def request(sock: socket.socket, f: Any, raw: bytes, head_only: bool = False) -> Reply:
    sock.sendall(raw)
    return read_reply(f, head_only)


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
