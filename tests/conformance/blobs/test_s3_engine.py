"""The s3 engine beyond the port's suite: multipart upstream for big blobs, nothing left upstream
by a failed put, an unreachable or stalled upstream, options and credentials."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.kit import S3_BUCKET, run, s3_options, s3_upstream, s3_upstream_keys
from ownstack.backends import s3
from ownstack.backends.s3 import S3Blobs
from ownstack.core.clock import ManualClock
from ownstack.core.http import FileRange
from ownstack.ports.engine import EngineContext
from ownstack.ports.errors import BackendUnavailable, BlobNotFound

MiB = 1 << 20


def open_store(data_dir: Path, **options: Any) -> S3Blobs:
    ctx = EngineContext(data_dir=data_dir, options=options, clock=ManualClock())
    return s3.open_blobs(ctx)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[S3Blobs]:
    opened = open_store(tmp_path, **s3_options(tmp_path))
    yield opened
    run(opened.close())


async def small_chunks(data: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    for pos in range(0, len(data), size):
        yield data[pos : pos + size]


def upstream_head(key: str) -> dict[str, Any]:
    result: dict[str, Any] = s3_upstream().client("s3").head_object(Bucket=S3_BUCKET, Key=key)
    return result


async def read_range(store: S3Blobs, blob_id: str, offset: int, length: int) -> bytes:
    got = await store.open_range(blob_id, offset, length)
    if isinstance(got, bytes):
        return got
    try:
        return os.pread(got.fd, got.length, got.offset)
    finally:
        os.close(got.fd)


async def read_stream(store: S3Blobs, blob_id: str, offset: int, length: int) -> bytes:
    return b"".join([c async for c in store.stream(blob_id, offset, length)])


# -- big blobs go up as multipart uploads ------------------------------------------------------


@pytest.mark.slow
def test_a_20_mib_stream_goes_up_in_parts_and_reads_back_exact(store: S3Blobs) -> None:
    data = random.Random(20).randbytes(20 * MiB)
    cuts = [(0, 1), (8 * MiB - 3, 6), (16 * MiB - 1, 2), (5 * MiB, 11 * MiB + 7)]
    cuts += [(20 * MiB - 10, 10), (0, 20 * MiB)]

    async def go() -> None:
        ref = await store.put(small_chunks(data))
        assert ref.size == len(data)
        for offset, length in cuts:
            want = data[offset : offset + length]
            assert await read_range(store, ref.id, offset, length) == want
            assert await read_stream(store, ref.id, offset, length) == want
        head = upstream_head(store.key(ref.id))
        assert head["ContentLength"] == 20 * MiB
        assert head["ETag"].endswith('-3"')  # three parts of 8, 8 and 4 MiB

    run(go())
    assert s3_upstream_keys(store.prefix)[1] == []  # no upload left open


def test_a_blob_of_exactly_one_part_is_a_single_put(store: S3Blobs) -> None:
    data = os.urandom(8 * MiB)
    ref = run(store.put(small_chunks(data, MiB)))
    assert not upstream_head(store.key(ref.id))["ETag"].endswith('-1"')
    assert run(read_stream(store, ref.id, 0, len(data))) == data


def test_a_long_range_is_spooled_to_a_file_range(tmp_path: Path) -> None:
    store = open_store(tmp_path, **s3_options(tmp_path, inline_read_limit=1000))
    data = os.urandom(3 * MiB + 5)

    async def go() -> None:
        ref = await store.put(small_chunks(data))
        assert await store.open_range(ref.id, 10, 1000) == data[10:1010]
        got = await store.open_range(ref.id, MiB + 1, 2 * MiB)
        assert isinstance(got, FileRange)
        assert (got.offset, got.length) == (MiB + 1, 2 * MiB)
        try:
            assert os.pread(got.fd, got.length, got.offset) == data[MiB + 1 : 3 * MiB + 1]
        finally:
            os.close(got.fd)
        await store.close()

    run(go())
    assert os.listdir(tmp_path) == []  # the spool file had no name


# -- a failed put leaves nothing upstream --------------------------------------------------------


class SourceGoneError(Exception):
    pass


@pytest.mark.parametrize("fail_after", [1 * MiB, 9 * MiB, 17 * MiB])
def test_a_source_failing_midway_leaves_nothing_upstream(store: S3Blobs, fail_after: int) -> None:
    async def failing() -> AsyncIterator[bytes]:
        sent = 0
        async for chunk in small_chunks(os.urandom(24 * MiB), 256 * 1024):
            if sent >= fail_after:
                raise SourceGoneError("source went away")
            sent += len(chunk)
            yield chunk

    async def go() -> None:
        with pytest.raises(SourceGoneError, match="source went away"):
            await store.put(failing())

    run(go())
    assert s3_upstream_keys(store.prefix) == ([], [])


def test_a_put_cancelled_while_a_part_is_in_flight_leaves_nothing(store: S3Blobs) -> None:
    async def stalls_after_a_part() -> AsyncIterator[bytes]:
        async for chunk in small_chunks(os.urandom(9 * MiB), MiB):
            yield chunk
        await asyncio.Event().wait()

    async def go() -> None:
        task = asyncio.create_task(store.put(stalls_after_a_part()))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(go())
    assert s3_upstream_keys(store.prefix) == ([], [])


# -- an upstream that is down or stalls ------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def one_chunk() -> AsyncIterator[bytes]:
    yield b"payload"


def assert_every_call_unavailable(store: S3Blobs, within_s: float) -> list[str]:
    blob_id = "0" * 32
    calls = {
        "put": lambda: store.put(one_chunk()),
        "open_range": lambda: store.open_range(blob_id, 0, 5),
        "stream": lambda: read_stream(store, blob_id, 0, 5),
        "delete": lambda: store.delete(blob_id),
        "health": store.health,
    }
    messages = []
    for name, call in calls.items():
        started = time.monotonic()
        with pytest.raises(BackendUnavailable) as failed:
            run(call())
        assert time.monotonic() - started < within_s, name
        messages.append(str(failed.value))
    return messages


def test_an_upstream_that_is_down_is_backend_unavailable(tmp_path: Path) -> None:
    port = closed_port()
    store = open_store(
        tmp_path, endpoint=f"http://127.0.0.1:{port}", bucket="b", access_key="a", secret_key="s"
    )
    for message in assert_every_call_unavailable(store, within_s=2.0):
        assert f"cannot connect to http://127.0.0.1:{port}" in message


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A server that accepts connections and reads, but never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for sock in accepted:
        sock.close()
    listener.close()


def test_an_upstream_that_stalls_times_out_as_backend_unavailable(
    tmp_path: Path, silent_port: int
) -> None:
    store = open_store(
        tmp_path,
        endpoint=f"http://127.0.0.1:{silent_port}",
        bucket="b",
        access_key="a",
        secret_key="s",
        read_timeout=0.3,
    )
    for message in assert_every_call_unavailable(store, within_s=1.5):
        assert message.endswith(f"to 127.0.0.1:{silent_port}: timed out")


def test_wrong_credentials_and_a_missing_bucket_are_unavailable(tmp_path: Path) -> None:
    good = s3_options(tmp_path)
    wrong_secret = open_store(tmp_path, **{**good, "secret_key": "not-the-secret"})
    with pytest.raises(BackendUnavailable, match="HeadBucket failed: 403"):
        run(wrong_secret.health())
    no_bucket = open_store(tmp_path, **{**good, "bucket": "no-such-bucket-here"})
    with pytest.raises(BackendUnavailable, match="HeadBucket failed: 404"):
        run(no_bucket.health())
    with pytest.raises(BackendUnavailable, match="PutObject failed: 404 NoSuchBucket"):
        run(no_bucket.put(one_chunk()))


def test_a_deleted_blob_is_not_found_and_ids_never_reach_the_upstream(store: S3Blobs) -> None:
    ref = run(store.put(one_chunk()))
    run(store.delete(ref.id))
    with pytest.raises(BlobNotFound):
        run(store.open_range(ref.id, 0, 7))
    for bad in ("../" + ref.id, ref.id.upper(), ref.id + "/x"):
        with pytest.raises(BlobNotFound):
            store.key(bad)


# -- options -----------------------------------------------------------------------------------


def test_credentials_default_to_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = s3_options(tmp_path)
    monkeypatch.setenv(s3.ACCESS_KEY_ENV, options.pop("access_key"))
    monkeypatch.setenv(s3.SECRET_KEY_ENV, options.pop("secret_key"))
    store = open_store(tmp_path, **options)
    assert run(store.health()) is None
    run(store.close())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bucket": "b", "access_key": "a", "secret_key": "s"}, "needs the 'endpoint' option"),
        ({"endpoint": "http://h:1", "access_key": "a", "secret_key": "s"}, "'bucket'"),
        ({"endpoint": "http://h:1", "bucket": "b"}, "needs access_key and secret_key"),
        (
            {"endpoint": "ftp://h", "bucket": "b", "access_key": "a", "secret_key": "s"},
            "endpoint must be http(s)://host[:port], not 'ftp://h'",
        ),
        (
            {
                **{"endpoint": "http://h", "bucket": "b", "access_key": "a", "secret_key": "s"},
                "part_size": MiB,
            },
            "part_size must be at least 5242880 bytes",
        ),
    ],
)
def test_bad_options_are_refused_at_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, Any], message: str
) -> None:
    monkeypatch.delenv(s3.ACCESS_KEY_ENV, raising=False)
    monkeypatch.delenv(s3.SECRET_KEY_ENV, raising=False)
    with pytest.raises(ValueError) as refused:
        open_store(tmp_path, **options)
    assert message in str(refused.value)


def test_a_pooled_connection_the_upstream_closed_is_replaced_transparently(
    tmp_path: Path,
) -> None:
    """The upstream drops idle keep-alive connections without saying so: the next request on
    one fails before any answer and is sent again on a new connection."""
    connections: list[int] = []

    async def answer_once_then_hang_up(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        connections.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    async def go() -> None:
        server = await asyncio.start_server(answer_once_then_hang_up, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        endpoint = f"http://127.0.0.1:{port}"
        store = open_store(tmp_path, endpoint=endpoint, bucket="b", access_key="a", secret_key="s")
        for idle_s in (0.0, 0.05, 0.0):  # the hang-up seen before the next request, or not
            assert await store.health() is None
            await asyncio.sleep(idle_s)
        await store.close()
        server.close()
        await server.wait_closed()

    run(go())
    assert len(connections) == 3
