"""HTTP messages as the gateway hands them to the wire layer and back.

Bodies stream both ways: a request body is read on demand through `BodyReader` (so a 5 GiB
upload never sits in memory, and `Expect: 100-continue` is answered only when someone reads),
and a response body is bytes, an async iterable of chunks, or a `FileRange` that the server
may send with sendfile.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol


class BodyReader(Protocol):
    """A request body, read once, front to back."""

    @property
    def content_length(self) -> int | None:
        """The declared length (Content-Length), or None when chunked / unknown."""
        ...

    async def read(self, n: int = -1) -> bytes:
        """Up to n bytes (all remaining when n < 0); b"" at the end of the body."""
        ...

    def __aiter__(self) -> AsyncIterator[bytes]:
        """The remaining body as chunks of whatever size arrived."""
        ...


class BytesBody:
    """A BodyReader over bytes already in memory (small bodies, tests, re-wrapped payloads)."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._len = len(data)

    @property
    def content_length(self) -> int | None:
        return self._len

    async def read(self, n: int = -1) -> bytes:
        end = self._len if n < 0 else min(self._len, self._pos + n)
        chunk = bytes(self._data[self._pos : end])
        self._pos = end
        return chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return read_chunks(self)

    def take_buffered(self) -> bytes:
        """The rest of the body at once (see take_buffered)."""
        rest = bytes(self._data[self._pos :])
        self._pos = self._len
        return rest


async def read_chunks(body: BodyReader, size: int = 1 << 20) -> AsyncIterator[bytes]:
    """The rest of `body` as chunks of up to `size` bytes, by repeated reads: the iterator of
    readers whose reading is all done in `read` (in-memory bodies, hashing wrappers)."""
    while True:
        chunk = await body.read(size)
        if not chunk:
            return
        yield chunk


def take_buffered(body: BodyReader) -> bytes | None:
    """The rest of `body` at once if it is all in memory already, else None (nothing read).

    A reader whose body may be in memory offers a `take_buffered()` method saying so. Taking it
    skips the chunk iterator, an async generator whose set-up and steps cost more than parsing
    a small JSON request."""
    take = getattr(body, "take_buffered", None)
    return take() if take is not None else None


async def read_all(body: BodyReader, limit: int) -> bytes | None:
    """The whole body, or None when it is longer than `limit` bytes."""
    declared = body.content_length
    if declared is not None and declared > limit:
        return None
    whole = take_buffered(body)
    if whole is not None:
        return whole if len(whole) <= limit else None
    parts: list[bytes] = []
    total = 0
    async for chunk in body:
        total += len(chunk)
        if total > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class FileRange:
    """`length` bytes of an open file from `offset`. The server owns closing `fd` after sending;
    `fd` stays valid even if the file is unlinked meanwhile (POSIX), so a concurrent overwrite
    never tears a GET."""

    fd: int
    offset: int
    length: int


Payload = bytes | AsyncIterable[bytes] | FileRange | list[FileRange | bytes]
"""A response body: bytes, a chunk stream, a file range, or a sequence of file ranges and byte
strings sent back to back (a multipart object's parts)."""


class Headers:
    """Request headers: names lower-cased, repeated headers joined with ',' (RFC 9110 5.3)."""

    __slots__ = ("_items",)

    def __init__(self, pairs: list[tuple[str, str]] | None = None) -> None:
        self._items: dict[str, str] = {}
        for name, value in pairs or ():
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        old = self._items.get(key)
        self._items[key] = value if old is None else f"{old},{value}"

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._items.get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __setitem__(self, name: str, value: str) -> None:
        self._items[name.lower()] = value

    def __delitem__(self, name: str) -> None:
        del self._items[name.lower()]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items.items())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass(slots=True)
class Request:
    """One HTTP request. `path` and `query` are raw, exactly as received (percent-encoded):
    S3's canonical URI must not be normalised, and keys may legitimately contain `//` or `..`."""

    method: str
    path: str
    query: str
    headers: Headers
    body: BodyReader
    remote: str = ""
    http_version: str = "1.1"
    secure: bool = False
    """Received over TLS (the HTTPS listener): S3's SSE-C and aws:SecureTransport need it."""


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Payload = b""
