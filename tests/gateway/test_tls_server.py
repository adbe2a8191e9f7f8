"""The HTTP server with an SSLContext (ServerConfig.ssl_context), on uvloop and asyncio: file
ranges encrypted (never sendfile'd in plain text), uploads through the direct-receive path, an
early answer to an upload it does not read, and a quick stop with idle TLS clients."""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.serverkit import FILE_SIZE, MiB, Running, read_reply, request
from ownstack.gateway.tls import certificate_names, ensure_self_signed, server_context


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    folder = tmp_path_factory.mktemp("tls-server") / "tls"
    pair = ensure_self_signed(folder, certificate_names("127.0.0.1", (), "us-east-1"))
    return server_context(pair), pair.cert


@pytest.fixture
def tls_srv(
    make_server: Callable[..., Running], pki: tuple[ssl.SSLContext, Path]
) -> Iterator[tuple[Running, ssl.SSLContext]]:
    context, ca = pki
    yield make_server(ssl_context=context), ssl.create_default_context(cafile=str(ca))


def _connect(srv: Running, client: ssl.SSLContext) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    return client.wrap_socket(raw, server_hostname="127.0.0.1")


def test_file_ranges_are_encrypted_and_byte_exact(
    tls_srv: tuple[Running, ssl.SSLContext], data_file: Path
) -> None:
    srv, client = tls_srv
    data = data_file.read_bytes()
    sock = _connect(srv, client)
    f = sock.makefile("rb")
    whole = request(sock, f, f"GET /file?0-{FILE_SIZE} HTTP/1.1\r\n\r\n".encode())
    assert whole.body == data  # 8 MiB: over SENDFILE_MIN, so sendfile would have been used
    ranges = [(10, 20), (3 * MiB, 2 * MiB), (0, 70_000), (FILE_SIZE - 5, 5)]
    query = ",".join(f"{o}-{n}" for o, n in ranges)
    mixed = request(sock, f, f"GET /file?{query} HTTP/1.1\r\n\r\n".encode())
    assert mixed.body == b"".join(data[o : o + n] + b"|" for o, n in ranges)
    assert request(sock, f, b"GET /hello HTTP/1.1\r\n\r\n").body == b"hello GET"
    sock.close()


def test_a_large_upload_arrives_whole(tls_srv: tuple[Running, ssl.SSLContext]) -> None:
    srv, client = tls_srv
    body = os.urandom(3 * MiB + 11)  # past DIRECT_MIN: read straight into chunk buffers
    sock = _connect(srv, client)
    f = sock.makefile("rb")
    head = f"PUT /hash?{MiB} HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    reply = request(sock, f, head + body)
    assert reply.body == f"{len(body)} {hashlib.sha256(body).hexdigest()} {len(body)}".encode()
    sock.close()


def test_an_unread_upload_still_gets_its_early_answer(
    tls_srv: tuple[Running, ssl.SSLContext],
) -> None:
    """TLS has no half-close: the server's TLS shutdown reads and discards the rest of the
    upload, so a client that sends everything before reading gets the 403."""
    srv, client = tls_srv
    body = os.urandom(16 * MiB)
    sock = _connect(srv, client)
    f = sock.makefile("rb")
    sock.sendall(f"PUT /reject HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    sock.sendall(body)
    reply = read_reply(f)
    assert (reply.status, reply.body) == (403, b"<Error>AccessDenied</Error>")
    assert reply.headers["connection"] == "close"
    f.close()
    sock.close()
    # The client's close ends the server's side of it too (not LINGER_SECONDS later).
    connections = srv.server._shared.connections
    deadline = time.monotonic() + 5
    while connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not connections


def test_stop_does_not_wait_for_idle_clients_close_notify(
    make_server: Callable[..., Running], pki: tuple[ssl.SSLContext, Path]
) -> None:
    context, ca = pki
    srv = make_server(ssl_context=context)
    client = ssl.create_default_context(cafile=str(ca))
    idle = [_connect(srv, client) for _ in range(3)]
    for sock in idle:
        assert request(sock, sock.makefile("rb"), b"GET /hello HTTP/1.1\r\n\r\n").status == 200
    started = time.monotonic()
    srv.call(srv.server.stop(grace=5.0))
    assert time.monotonic() - started < 1.0
    for sock in idle:  # each got close_notify (a clean TLS end), none is left open
        assert sock.recv(1) == b""
        sock.close()
