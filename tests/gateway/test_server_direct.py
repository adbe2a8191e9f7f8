"""Big Content-Length bodies bypass the parser and land in chunk buffers (server_direct.py):
the bytes must arrive exact and in order however the client splits them, and framing must stay
exact so the request after the body is parsed as a request."""

from __future__ import annotations

import hashlib
import os
import threading
import time

from gateway.serverkit import Running, read_reply
from ownstack.gateway.server_direct import CHUNK, DIRECT_MIN

MiB = 1 << 20


def _hash_reply(payload: bytes) -> bytes:
    return f"{len(payload)} {hashlib.sha256(payload).hexdigest()} {len(payload)}".encode()


def _put_hash(payload: bytes) -> bytes:
    return f"PUT /hash?1000000 HTTP/1.1\r\nContent-Length: {len(payload)}\r\n\r\n".encode()


def test_body_end_and_next_request_in_one_write(srv: Running) -> None:
    payload = os.urandom(2 * CHUNK + 12345)
    sock = srv.connect()
    f = sock.makefile("rb")
    head = _put_hash(payload)
    # The first write ends mid-body, so the rest goes the direct way; the second holds the
    # body's tail and a whole pipelined request: the tail must not swallow it.
    cut = len(head) + 1000
    wire = head + payload + b"GET /hello HTTP/1.1\r\n\r\n"
    sock.sendall(wire[:cut])
    time.sleep(0.05)
    sock.sendall(wire[cut:])
    assert read_reply(f).body == _hash_reply(payload)
    assert read_reply(f).body == b"hello GET"
    sock.close()


def test_bodies_split_at_odd_places_arrive_exact(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    for size in (DIRECT_MIN + 10, CHUNK, CHUNK + 1, 3 * CHUNK - 1):
        payload = os.urandom(size)
        wire = _put_hash(payload) + payload
        cuts = sorted({60, 61, 4097, CHUNK - 7, CHUNK + 3, len(wire) - 1})
        sender = threading.Thread(target=_send_in_pieces, args=(sock, wire, cuts))
        sender.start()
        reply = read_reply(f)
        sender.join()
        assert reply.body == _hash_reply(payload), size
    # Several direct bodies in a row on one connection: each starts on a fresh parser.
    assert read_reply_to(sock, f, b"GET /hello HTTP/1.1\r\n\r\n") == b"hello GET"
    sock.close()


def test_expect_continue_then_a_big_body(srv: Running) -> None:
    payload = os.urandom(5 * MiB + 3)
    sock = srv.connect()
    f = sock.makefile("rb")
    head = f"PUT /hash HTTP/1.1\r\nContent-Length: {len(payload)}\r\nExpect: 100-continue\r\n\r\n"
    sock.sendall(head.encode())
    assert f.readline() == b"HTTP/1.1 100 Continue\r\n"
    assert f.readline() == b"\r\n"
    sock.sendall(payload)
    assert read_reply(f).body == _hash_reply(payload)
    sock.close()


def test_disconnect_mid_direct_body(srv: Running) -> None:
    sock = srv.connect()
    sock.sendall(b"PUT /upload HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n" + b"u" * 1000)
    time.sleep(0.05)
    sock.sendall(b"v" * (CHUNK + 5000))  # direct from here on, and past one chunk
    time.sleep(0.2)
    sock.close()
    kind, total, _ = srv.app.events.get(timeout=10)
    assert kind == "disconnected"
    assert 0 < total <= CHUNK + 6000
    assert read_reply_to(*_fresh(srv), b"GET /hello HTTP/1.1\r\n\r\n") == b"hello GET"


def _send_in_pieces(sock: object, wire: bytes, cuts: list[int]) -> None:
    start = 0
    for cut in [*cuts, len(wire)]:
        sock.sendall(wire[start:cut])  # type: ignore[attr-defined]
        start = cut
        time.sleep(0.002)


def _fresh(srv: Running) -> tuple[object, object]:
    sock = srv.connect()
    return sock, sock.makefile("rb")


def read_reply_to(sock: object, f: object, raw: bytes) -> bytes:
    sock.sendall(raw)  # type: ignore[attr-defined]
    return read_reply(f).body
