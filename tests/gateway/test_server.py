"""The HTTP/1.1 server, driven over real sockets (raw and http.client), on uvloop and asyncio."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.serverkit import FILE_SIZE, MiB, Running, closed_by_server, read_reply, request
from ownstack.gateway.server import ClientDisconnected
from ownstack.gateway.server_body import BodyTimeout

# -- keep-alive, pipelining, request line -------------------------------------------------------


def test_keep_alive_serves_many_requests_on_one_connection(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    for method in ("GET", "PUT", "DELETE", "GET", "POST"):
        reply = request(sock, f, f"{method} /hello HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert (reply.status, reply.reason, reply.body) == (200, "OK", b"hello " + method.encode())
        assert reply.headers["content-length"] == str(len(reply.body))
        assert reply.headers["content-type"] == "text/plain"
        assert reply.headers["date"].endswith(" GMT")
        assert "connection" not in reply.headers
    sock.close()


def test_http_client_keep_alive_reuses_the_socket(srv: Running) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/hello")
    first = conn.getresponse()
    assert first.read() == b"hello GET"
    sock = conn.sock
    conn.request("PUT", "/hash", body=b"abc")
    second = conn.getresponse()
    assert second.read() == f"3 {hashlib.sha256(b'abc').hexdigest()} 3".encode()
    assert conn.sock is sock
    conn.close()


def test_http10_closes_unless_keep_alive_asked(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    reply = request(sock, f, b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert (reply.status, reply.headers["connection"]) == (200, "keep-alive")
    reply = request(sock, f, b"GET /hello HTTP/1.0\r\n\r\n")
    assert (reply.body, reply.headers["connection"]) == (b"hello GET", "close")
    assert closed_by_server(sock)


def test_connection_close_from_client_is_honoured(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    reply = request(sock, f, b"GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert (reply.body, reply.headers["connection"]) == (b"hello GET", "close")
    assert closed_by_server(sock)


def test_pipelined_requests_are_answered_in_order(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(
        b"GET /slow?0.2 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"PUT /hash HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
        b"GET /slow?0.01 HTTP/1.1\r\n\r\n"
        b"HEAD /hello HTTP/1.1\r\n\r\n"
        b"GET /a//b/../c HTTP/1.1\r\n\r\n"
    )
    assert read_reply(f).body == b"slow 0.2"
    assert read_reply(f).body == f"5 {hashlib.sha256(b'hello').hexdigest()} 5".encode()
    assert read_reply(f).body == b"slow 0.01"
    head = read_reply(f, head_only=True)
    assert head.headers["content-length"] == str(len(b"hello HEAD"))
    assert read_reply(f).headers["x-path"] == "/a//b/../c"
    sock.close()


def test_deep_pipeline_is_answered_in_order(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    count = 200  # far beyond the queue bound, so reading pauses and resumes along the way
    sock.sendall(b"".join(f"GET /n{i} HTTP/1.1\r\n\r\n".encode() for i in range(count)))
    paths = [read_reply(f).headers["x-path"] for _ in range(count)]
    assert paths == [f"/n{i}" for i in range(count)]
    sock.close()


def test_raw_path_and_query_are_preserved_exactly(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    target = "/bucket//a/../b%2Fc/./d%20e?list-type=2&prefix=a%2F%2F&delimiter=/&x"
    reply = request(sock, f, f"GET {target} HTTP/1.1\r\n\r\n".encode())
    assert reply.headers["x-path"] == "/bucket//a/../b%2Fc/./d%20e"
    assert reply.headers["x-query"] == "list-type=2&prefix=a%2F%2F&delimiter=/&x"
    reply = request(sock, f, b"GET /k? HTTP/1.1\r\n\r\n")
    assert (reply.headers["x-path"], reply.headers["x-query"]) == ("/k", "")
    sock.close()


# -- request bodies ----------------------------------------------------------------------------


def test_chunked_request_body(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    pieces = [b"a" * 10, b"b" * 70_000, b"c"]
    raw = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    reply = request(sock, f, b"PUT /hash?1000 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + raw)
    whole = b"".join(pieces)
    assert reply.body == f"{len(whole)} {hashlib.sha256(whole).hexdigest()} None".encode()
    sock.close()


def test_body_read_sizes_and_read_all(srv: Running) -> None:
    data = os.urandom(300_000)
    for size in ("1", "7", "1000000"):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        conn.request("PUT", f"/hash?{size}", body=data if size != "1" else data[:5000])
        sent = data if size != "1" else data[:5000]
        reply = conn.getresponse().read()
        assert reply == f"{len(sent)} {hashlib.sha256(sent).hexdigest()} {len(sent)}".encode()
        conn.close()


def test_large_streamed_body_echo(srv: Running) -> None:
    payload = os.urandom(50 * MiB)
    sock = srv.connect()
    f = sock.makefile("rb")
    head = f"PUT /echo HTTP/1.1\r\nContent-Length: {len(payload)}\r\n\r\n".encode()

    def send() -> None:
        sock.sendall(head)
        view = memoryview(payload)
        for start in range(0, len(payload), MiB):
            sock.sendall(view[start : start + MiB])

    sender = threading.Thread(target=send)
    sender.start()
    reply = read_reply(f)
    sender.join()
    assert reply.headers["transfer-encoding"] == "chunked"
    assert len(reply.body) == len(payload)
    assert hashlib.sha256(reply.body).digest() == hashlib.sha256(payload).digest()
    sock.close()


def test_unread_body_throttles_the_client(make_server: Callable[..., Running]) -> None:
    # A short header_timeout also shows that the server's own pause never counts as a stall.
    running = make_server(header_timeout=0.4)
    sock = running.connect()
    size = 64 * MiB
    done = threading.Event()

    def send() -> None:
        sock.sendall(f"PUT /gated HTTP/1.1\r\nContent-Length: {size}\r\n\r\n".encode())
        chunk = b"z" * MiB
        for _ in range(size // MiB):
            sock.sendall(chunk)
        done.set()

    sender = threading.Thread(target=send)
    sender.start()
    # The app does not read: the server stops reading the socket, so the upload cannot finish.
    assert not done.wait(1.0)
    running.app.gate.set()
    reply = read_reply(sock.makefile("rb"))
    sender.join()
    assert (reply.status, reply.body) == (200, str(size).encode())
    sock.close()


def test_expect_continue_sent_when_the_app_reads(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(b"PUT /hash HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    assert f.readline() == b"HTTP/1.1 100 Continue\r\n"
    assert f.readline() == b"\r\n"
    sock.sendall(b"12345")
    reply = read_reply(f)
    assert reply.body == f"5 {hashlib.sha256(b'12345').hexdigest()} 5".encode()
    assert "connection" not in reply.headers
    sock.close()


def test_expect_continue_not_sent_when_the_app_rejects_early(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(b"PUT /reject HTTP/1.1\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n")
    reply = read_reply(f)
    assert (reply.status, reply.reason) == (403, "Forbidden")
    assert reply.body == b"<Error>AccessDenied</Error>"
    # The unread body may still be on its way: the connection cannot be reused.
    assert reply.headers["connection"] == "close"
    assert closed_by_server(sock)


def test_early_reply_to_an_upload_without_expect_reaches_the_client(srv: Running) -> None:
    # http.client sends the whole body before reading: the server must keep draining it after
    # its early answer (a lingering close), or the client would hit a reset, not the 403.
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("PUT", "/reject", body=b"r" * (20 * MiB))
    reply = conn.getresponse()
    assert (reply.status, reply.read()) == (403, b"<Error>AccessDenied</Error>")
    assert reply.getheader("connection") == "close"
    conn.close()


def test_fully_received_unread_body_keeps_the_connection(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    reply = request(sock, f, b"PUT /reject HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
    assert reply.status == 403
    assert "connection" not in reply.headers
    assert request(sock, f, b"GET /hello HTTP/1.1\r\n\r\n").body == b"hello GET"
    sock.close()


def test_client_disconnect_mid_upload_raises_in_read(srv: Running) -> None:
    sock = srv.connect()
    sock.sendall(b"PUT /upload HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n" + b"u" * 300_000)
    time.sleep(0.2)
    sock.close()
    kind, total, exc_type = srv.app.events.get(timeout=10)
    assert (kind, exc_type) == ("disconnected", ClientDisconnected)
    assert 0 < total <= 300_000
    assert issubclass(ClientDisconnected, ConnectionError)


# -- responses ---------------------------------------------------------------------------------


def test_head_keeps_the_apps_content_length_and_sends_no_body(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    reply = request(sock, f, b"HEAD /head HTTP/1.1\r\n\r\n", head_only=True)
    assert (reply.status, reply.headers["content-length"], reply.headers["etag"]) == (
        200,
        "1234",
        '"abc"',
    )
    # Had any body bytes leaked, this reply would be garbage.
    assert request(sock, f, b"GET /hello HTTP/1.1\r\n\r\n").body == b"hello GET"
    sock.close()


def test_204_and_304_have_no_body_and_no_length(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    for status in (204, 304):
        reply = request(sock, f, f"GET /empty?{status} HTTP/1.1\r\n\r\n".encode())
        assert reply.status == status
        assert "content-length" not in reply.headers
        assert "transfer-encoding" not in reply.headers
    assert request(sock, f, b"GET /hello HTTP/1.1\r\n\r\n").body == b"hello GET"
    sock.close()


def test_chunked_response(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    reply = request(sock, f, b"GET /chunked HTTP/1.1\r\n\r\n")
    assert reply.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in reply.headers
    assert reply.body == b"first,second," + b"x" * 100_000
    assert request(sock, f, b"GET /hello HTTP/1.1\r\n\r\n").body == b"hello GET"
    sock.close()


def test_stream_with_declared_length_is_sent_raw(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    reply = request(sock, f, b"GET /sized-stream HTTP/1.1\r\n\r\n")
    assert (reply.headers["content-length"], reply.body) == ("7", b"abcdefg")
    assert "transfer-encoding" not in reply.headers
    sock.close()


def test_stream_to_http10_client_ends_with_close(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    reply = request(sock, f, b"GET /chunked HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert reply.headers["connection"] == "close"
    assert reply.body == b"first,second," + b"x" * 100_000


@pytest.mark.parametrize(
    "ranges",
    [
        [(0, FILE_SIZE)],
        [(12345, 5 * MiB + 7)],
        [(100, 1000)],
        [(FILE_SIZE - 1, 1)],
        [(0, 0)],
        [(10, 20), (3 * MiB, 2 * MiB), (0, 70_000), (FILE_SIZE - 5, 5)],
    ],
)
def test_file_range_responses_are_byte_exact(
    srv: Running, data_file: Path, ranges: list[tuple[int, int]]
) -> None:
    data = data_file.read_bytes()
    sock = srv.connect()
    f = sock.makefile("rb")
    query = ",".join(f"{o}-{n}" for o, n in ranges)
    srv.app.opened_fds.clear()
    reply = request(sock, f, f"GET /file?{query} HTTP/1.1\r\n\r\n".encode())
    if len(ranges) == 1:
        expected = data[ranges[0][0] : ranges[0][0] + ranges[0][1]]
    else:
        expected = b"".join(data[o : o + n] + b"|" for o, n in ranges)
    assert reply.headers["content-length"] == str(len(expected))
    assert reply.body == expected
    # The connection is still in sync afterwards, and the server closed every fd it was given.
    assert request(sock, f, b"GET /hello HTTP/1.1\r\n\r\n").body == b"hello GET"
    for fd in srv.app.opened_fds:
        assert not _fd_points_to(fd, data_file)
    sock.close()


def test_file_range_fd_closed_on_head(srv: Running, data_file: Path) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    srv.app.opened_fds.clear()
    reply = request(sock, f, b"HEAD /file?0-100000 HTTP/1.1\r\n\r\n", head_only=True)
    assert reply.headers["content-length"] == "100000"
    assert request(sock, f, b"GET /hello HTTP/1.1\r\n\r\n").body == b"hello GET"
    assert not _fd_points_to(srv.app.opened_fds[0], data_file)
    sock.close()


def test_client_disconnect_mid_sendfile_closes_the_fd(srv: Running, data_file: Path) -> None:
    sock = srv.connect()
    srv.app.opened_fds.clear()
    sock.sendall(f"GET /file?0-{FILE_SIZE} HTTP/1.1\r\n\r\n".encode())
    sock.recv(1000)
    sock.close()
    assert _wait_until(lambda: not _fd_points_to(srv.app.opened_fds[0], data_file))
    assert request_ok(srv)


def _fd_points_to(fd: int, path: Path) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}") == str(path)
    except FileNotFoundError:
        return False


def _wait_until(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.02)
    return False


def request_ok(srv: Running) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/hello")
    ok = conn.getresponse().read() == b"hello GET"
    conn.close()
    return ok


# -- errors and limits -------------------------------------------------------------------------


def test_malformed_request_gets_400_and_close(srv: Running) -> None:
    for raw in (
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        b"GET / HTTP/9\r\n\r\n",
    ):
        sock = srv.connect()
        f = sock.makefile("rb")
        reply = request(sock, f, raw)
        assert (reply.status, reply.reason, reply.body) == (400, "Bad Request", b"Bad Request")
        assert reply.headers["connection"] == "close"
        assert closed_by_server(sock)


def test_malformed_request_after_a_good_one(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(b"GET /slow?0.1 HTTP/1.1\r\n\r\nNOT HTTP AT ALL\r\n\r\n")
    assert read_reply(f).body == b"slow 0.1"
    assert read_reply(f).status == 400
    assert closed_by_server(sock)


def test_oversized_headers_get_431(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    big = b"x-big: " + b"v" * (70 * 1024) + b"\r\n"
    reply = request(sock, f, b"GET / HTTP/1.1\r\n" + big + b"\r\n")
    assert (reply.status, reply.reason) == (431, "Request Header Fields Too Large")
    assert closed_by_server(sock)


def test_app_exception_gives_500_and_close(srv: Running, caplog: pytest.LogCaptureFixture) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    with caplog.at_level("ERROR", logger="ownstack.gateway.server"):
        reply = request(sock, f, b"GET /boom HTTP/1.1\r\n\r\n")
    assert (reply.status, reply.body) == (500, b"Internal Server Error")
    assert reply.headers["connection"] == "close"
    assert closed_by_server(sock)
    assert any("app bug" in (r.exc_text or "") for r in caplog.records)


def test_header_injection_is_refused(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    reply = request(sock, f, b"GET /inject HTTP/1.1\r\n\r\n")
    assert reply.status == 500
    assert "set-cookie" not in reply.headers


def test_upgrade_header_is_ignored(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(
        b"GET /hello HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        b"HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\nGET /hello HTTP/1.1\r\n\r\n"
    )
    assert read_reply(f).body == b"hello GET"
    assert read_reply(f).body == b"hello GET"
    sock.close()


def test_trickled_oversized_headers_get_431(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(b"GET / HTTP/1.1\r\nx-big: ")
    for _ in range(80):  # never ends the header; each piece arrives in its own read
        try:
            sock.sendall(b"v" * 1024)
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(0.002)
    reply = read_reply(f)
    assert (reply.status, reply.headers["connection"]) == (431, "close")


def test_file_shorter_than_a_small_range_gets_500(srv: Running, data_file: Path) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    srv.app.opened_fds.clear()
    reply = request(sock, f, f"GET /file?{FILE_SIZE - 10}-1000 HTTP/1.1\r\n\r\n".encode())
    assert (reply.status, reply.headers["connection"]) == (500, "close")
    assert _wait_until(lambda: not _fd_points_to(srv.app.opened_fds[0], data_file))


def test_file_shorter_than_a_large_range_cuts_the_connection(srv: Running, data_file: Path) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    srv.app.opened_fds.clear()
    sock.sendall(f"GET /file?{FILE_SIZE - MiB}-{2 * MiB} HTTP/1.1\r\n\r\n".encode())
    assert f.readline() == b"HTTP/1.1 200 OK\r\n"
    while (line := f.readline()) != b"\r\n":
        if line.lower().startswith(b"content-length"):
            assert line == f"Content-Length: {2 * MiB}\r\n".encode()
    assert len(f.read()) == MiB  # what the file had, then the connection ends
    assert _wait_until(lambda: not _fd_points_to(srv.app.opened_fds[0], data_file))
    assert request_ok(srv)


def test_stream_failing_midway_cuts_the_connection(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    sock.sendall(b"GET /broken-stream HTTP/1.1\r\n\r\n")
    assert f.readline() == b"HTTP/1.1 200 OK\r\n"
    while f.readline() != b"\r\n":
        pass
    # The chunked stream never gets its terminating 0-chunk: the client sees the truncation.
    assert f.read() == b"7\r\npartial\r\n"


def test_head_of_a_stream_has_no_body_or_framing(srv: Running) -> None:
    sock = srv.connect()
    f = sock.makefile("rb")
    reply = request(sock, f, b"HEAD /chunked HTTP/1.1\r\n\r\n", head_only=True)
    assert reply.status == 200
    assert "content-length" not in reply.headers
    assert "transfer-encoding" not in reply.headers
    assert request(sock, f, b"GET /hello HTTP/1.1\r\n\r\n").body == b"hello GET"
    sock.close()


# -- timeouts and shutdown ---------------------------------------------------------------------


def test_slow_headers_are_cut_off(make_server: Callable[..., Running]) -> None:
    running = make_server(header_timeout=0.3)
    sock = running.connect()
    sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n")  # never finished
    assert closed_by_server(sock)


def test_stalled_request_body_is_cut_off(make_server: Callable[..., Running]) -> None:
    running = make_server(header_timeout=0.3)
    sock = running.connect()
    sock.sendall(b"PUT /upload HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + b"s" * 10)
    kind, total, exc_type = running.app.events.get(timeout=10)
    # The reader learns the client is still there but stalled: the app may still answer it.
    assert (kind, total, exc_type) == ("disconnected", 10, BodyTimeout)
    assert issubclass(BodyTimeout, ClientDisconnected)
    assert closed_by_server(sock)


def test_stalled_body_can_still_be_answered(make_server: Callable[..., Running]) -> None:
    running = make_server(header_timeout=0.3)
    sock = running.connect()
    f = sock.makefile("rb")
    sock.sendall(b"PUT /upload-answer HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + b"s" * 10)
    reply = read_reply(f)
    assert (reply.status, reply.headers["connection"]) == (400, "close")
    assert reply.body == b"stalled after 10"
    assert closed_by_server(sock)


def test_expect_continue_wait_is_not_a_stall(make_server: Callable[..., Running]) -> None:
    running = make_server(header_timeout=0.3)
    sock = running.connect()
    f = sock.makefile("rb")
    sock.sendall(b"PUT /gated HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    time.sleep(0.8)  # the app has not asked for the body yet: the client rightly waits
    running.app.gate.set()
    assert f.readline() == b"HTTP/1.1 100 Continue\r\n"
    assert f.readline() == b"\r\n"
    sock.sendall(b"abc")
    assert read_reply(f).body == b"3"
    sock.close()


def test_idle_keep_alive_connection_is_closed(make_server: Callable[..., Running]) -> None:
    running = make_server(keepalive_timeout=0.3)
    sock = running.connect()
    f = sock.makefile("rb")
    assert request(sock, f, b"GET /hello HTTP/1.1\r\n\r\n").body == b"hello GET"
    assert closed_by_server(sock)


def test_stop_lets_in_flight_requests_finish(make_server: Callable[..., Running]) -> None:
    running = make_server()
    busy = running.connect()
    idle = running.connect()
    f = busy.makefile("rb")
    busy.sendall(b"GET /slow?0.3 HTTP/1.1\r\n\r\n")
    time.sleep(0.1)
    stopping = asyncio.run_coroutine_threadsafe(running.server.stop(grace=5), running.loop)
    reply = read_reply(f)
    assert (reply.body, reply.headers["connection"]) == (b"slow 0.3", "close")
    assert closed_by_server(idle)
    stopping.result(5)
    with pytest.raises(ConnectionRefusedError):
        running.connect()
