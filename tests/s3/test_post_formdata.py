"""The POST Object form reader (wire/formdata.py) against a simple reference: whatever the
fields and file bytes (delimiter look-alikes included) and however the body arrives in pieces
(a delimiter split across reads), the reader yields exactly the fields before the file and
the file's bytes, streamed or read whole, and ignores what follows the file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from postkit import encode_form

from ownstack.core.errors import ServiceError
from ownstack.core.http import read_chunks
from ownstack.wire.formdata import MAX_PRE_DATA, boundary_of, read_form

BOUNDARY = "----ownstackBoundary7MA4YWxk"


class PiecesBody:
    """A request body that arrives in the given piece sizes (then the rest at once)."""

    def __init__(self, data: bytes, pieces: list[int]) -> None:
        self._data = data
        self._pieces = list(pieces)
        self._pos = 0

    @property
    def content_length(self) -> int | None:
        return None

    async def read(self, n: int = -1) -> bytes:
        size = self._pieces.pop(0) if self._pieces else len(self._data)
        size = max(1, size) if n < 0 else max(1, min(size, n))
        chunk = self._data[self._pos : self._pos + size]
        self._pos += len(chunk)
        return chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return read_chunks(self)


async def _read(body: bytes, pieces: list[int], whole: bool) -> tuple[list[tuple[str, str]], bytes]:
    head = await read_form(PiecesBody(body, pieces), BOUNDARY)
    assert head.file is not None
    if whole:
        small = await head.file.read_small(1 << 20)
        assert small is not None
        return head.fields, small
    return head.fields, b"".join([chunk async for chunk in head.file])


_NAMES = st.text("abcdefghijklmnopqrstuvwxyz-_", min_size=1, max_size=12).filter(
    lambda n: n != "file"
)
_TRICKY = st.sampled_from([b"\r\n", b"\r\n--", b"--", f"\r\n--{BOUNDARY[:-1]}".encode(), b"\r"])
_CONTENT = st.lists(st.binary(max_size=64) | _TRICKY, max_size=30).map(b"".join)


@settings(max_examples=150, deadline=None)
@given(
    fields=st.lists(st.tuples(_NAMES, st.text(max_size=40)), max_size=6),
    content=_CONTENT,
    pieces=st.lists(st.integers(1, 50), max_size=40),
    whole=st.booleans(),
)
def test_fields_and_file_whatever_the_pieces(
    fields: list[tuple[str, str]], content: bytes, pieces: list[int], whole: bool
) -> None:
    parts = [*fields, ("file", ("f.bin", content, "application/octet-stream")), ("after", "x")]
    body, _ = encode_form(parts, BOUNDARY)
    got_fields, got_content = asyncio.run(_read(body, pieces, whole))
    # Values cross the wire as UTF-8 text; \r\n inside a value is the value's own.
    assert got_fields == fields
    assert got_content == content


def test_boundary_of_content_types() -> None:
    assert boundary_of(f"multipart/form-data; boundary={BOUNDARY}") == BOUNDARY
    assert boundary_of('Multipart/Form-Data; charset=utf-8; boundary="a b"') == "a b"
    assert boundary_of("application/x-www-form-urlencoded") is None
    with pytest.raises(ServiceError) as err:
        boundary_of("multipart/form-data")
    assert err.value.code == "MalformedPOSTRequest"


def test_the_file_name_and_a_preamble() -> None:
    body, _ = encode_form([("key", "k"), ("file", ("süß.txt", b"data", "text/plain"))], BOUNDARY)
    head = asyncio.run(read_form(PiecesBody(b"preamble text\r\n" + body, []), BOUNDARY))
    assert head.fields == [("key", "k")]
    assert head.file is not None
    assert (head.file.filename, head.file.content_type) == ("süß.txt", "text/plain")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"no delimiter at all", "MalformedPOSTRequest"),
        (f"--{BOUNDARY}\r\nX-Other: 1\r\n\r\nv\r\n--{BOUNDARY}--\r\n", "MalformedPOSTRequest"),
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="key"\r\n\r\nnever ends',
            "MalformedPOSTRequest",
        ),
        ("x" * (MAX_PRE_DATA + 1), "MaxPostPreDataLengthExceededError"),
    ],
)
def test_malformed_bodies(body: bytes | str, code: str) -> None:
    data = body.encode() if isinstance(body, str) else body
    with pytest.raises(ServiceError) as err:
        asyncio.run(read_form(PiecesBody(data, [7] * 10), BOUNDARY))
    assert err.value.code == code


def test_a_form_that_ends_before_any_file() -> None:
    body, _ = encode_form([("key", "k"), ("policy", "p")], BOUNDARY)
    head = asyncio.run(read_form(PiecesBody(body, [3] * 100), BOUNDARY))
    assert head.fields == [("key", "k"), ("policy", "p")]
    assert head.file is None
