"""Small responses go out at the end of the loop iteration (server_batch.py); whatever follows
them on the same connection (sendfile, a stream, 100 Continue, a close) must still come after
them, byte for byte."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from gateway.serverkit import MiB, Running, closed_by_server, read_reply


def test_small_reply_then_sendfile_in_one_pipeline(srv: Running, data_file: Path) -> None:
    data = data_file.read_bytes()
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(
        b"GET /hello HTTP/1.1\r\n\r\n"
        b"GET /file?0-" + str(2 * MiB).encode() + b" HTTP/1.1\r\n\r\n"
        b"GET /hello HTTP/1.1\r\n\r\n"
        b"GET /chunked HTTP/1.1\r\n\r\n"
        b"GET /hello HTTP/1.1\r\n\r\n"
    )
    assert read_reply(f).body == b"hello GET"
    assert read_reply(f).body == data[: 2 * MiB]
    assert read_reply(f).body == b"hello GET"
    assert read_reply(f).status == 200
    assert read_reply(f).body == b"hello GET"
    sock.close()


def test_small_reply_then_continue_on_the_same_connection(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(
        b"GET /hello HTTP/1.1\r\n\r\n"
        b"PUT /hash HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
    )
    assert read_reply(f).body == b"hello GET"
    assert f.readline() == b"HTTP/1.1 100 Continue\r\n"
    assert f.readline() == b"\r\n"
    sock.sendall(b"12345")
    assert read_reply(f).status == 200
    sock.close()


def test_small_reply_then_close_is_delivered(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(b"GET /hello HTTP/1.1\r\n\r\nGET /hello HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert read_reply(f).body == b"hello GET"
    last = read_reply(f)
    assert (last.body, last.headers["connection"]) == (b"hello GET", "close")
    assert closed_by_server(sock)


def test_many_connections_each_get_their_own_replies(srv: Running) -> None:
    errors: list[str] = []

    def client(n: int) -> None:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            f = sock.makefile("rb")
            for _ in range(50):
                sock.sendall(b"GET /hello HTTP/1.1\r\n\r\n")
                body = read_reply(f).body
                if body != b"hello GET":
                    errors.append(f"client {n}: {body!r}")
                    return

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_sendfile_step_grows_only_on_whole_fast_calls() -> None:
    from ownstack.gateway.server_send import SENDFILE_STEP, SENDFILE_STEP_MAX, _next_step

    step = SENDFILE_STEP
    step = _next_step(step, step, step, 0.0001)  # cached: a whole call at > 1 GB/s
    assert step == 2 * SENDFILE_STEP
    assert _next_step(step, step // 2, step, 0.0001) == SENDFILE_STEP  # the socket was full
    assert _next_step(step, step, step, 1.0) == SENDFILE_STEP  # a cold read
    big = SENDFILE_STEP_MAX
    assert _next_step(big, big, big, 0.0001) == SENDFILE_STEP_MAX
