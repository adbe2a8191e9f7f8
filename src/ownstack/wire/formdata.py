"""A streaming multipart/form-data reader for S3's POST Object (browser-based uploads).

S3 reads the form's fields up to the part named `file`, then the file's content up to the
next boundary; everything after the file is ignored. So the reader keeps the fields (at most
`MAX_PRE_DATA` bytes of them, boundaries included, as S3 caps them) and hands the file's
content on as a `BodyReader` that streams from the request body: a 5 GiB upload never sits in
memory. A small file (its end within `small` bytes) can be had whole instead, with its exact
size, so a caller can check it before storing anything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value

from ownstack.core.errors import ServiceError
from ownstack.core.http import BodyReader

MAX_PRE_DATA = 20 * 1024
"""S3: "The form data and boundaries (excluding the contents of the file) cannot exceed
20KB"."""
_READ_SIZE = 256 * 1024
_EPILOGUE_DRAIN = 64 * 1024
"""What is read (and ignored) after the file so the connection can be kept; a longer tail
is left unread and the connection closes after the answer."""
_LWSP = b" \t"


def malformed() -> ServiceError:
    return ServiceError(
        "MalformedPOSTRequest",
        "The body of your POST request is not well-formed multipart/form-data.",
        400,
    )


def pre_data_too_large() -> ServiceError:
    return ServiceError(
        "MaxPostPreDataLengthExceededError",
        "Your POST request fields preceding the upload file were too large.",
        400,
    )


def boundary_of(content_type: str) -> str | None:
    """The boundary of a `multipart/form-data` Content-Type; None for another type. A
    multipart/form-data type without a usable boundary raises MalformedPOSTRequest."""
    msg = Message()
    msg["content-type"] = content_type
    if msg.get_content_type() != "multipart/form-data":
        return None
    boundary = msg.get_param("boundary")
    if not isinstance(boundary, str) or not 0 < len(boundary) <= 70:
        raise malformed()
    return boundary


@dataclass(slots=True)
class FormHead:
    """What precedes the file: the fields in order (names as sent), and the file, if any."""

    fields: list[tuple[str, str]]
    file: FileStream | None


class _Source:
    """The request body with a buffer of bytes read but not yet used."""

    __slots__ = ("body", "buf", "eof", "used")

    def __init__(self, body: BodyReader) -> None:
        self.body = body
        self.buf = b""
        self.eof = False
        self.used = 0  # bytes taken out of `buf` so far

    async def more(self) -> bool:
        """Append the next chunk of the body to the buffer; False at its end."""
        if self.eof:
            return False
        chunk = await self.body.read(_READ_SIZE)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf + chunk if self.buf else chunk
        return True

    def take(self, n: int) -> bytes:
        data, self.buf = self.buf[:n], self.buf[n:]
        self.used += n
        return data


async def read_form(body: BodyReader, boundary: str, file_field: str = "file") -> FormHead:
    """The fields up to the part named `file_field` (case-insensitively) and that part's
    stream. Raises MalformedPOSTRequest for a body that is not multipart/form-data with this
    boundary, MaxPostPreDataLengthExceededError past MAX_PRE_DATA."""
    src = _Source(body)
    parser = _HeadParser(src, boundary.encode("latin-1"))
    return await parser.run(file_field.lower())


class _HeadParser:
    def __init__(self, src: _Source, boundary: bytes) -> None:
        self.src = src
        self.dash = b"--" + boundary
        self.delimiter = b"\r\n--" + boundary

    async def run(self, file_field: str) -> FormHead:
        fields: list[tuple[str, str]] = []
        if not await self._first_delimiter():
            return FormHead(fields, None)
        while True:
            headers = await self._headers()
            name, filename = _disposition(headers)
            if name.lower() == file_field:
                content_type = headers.get("content-type", "")
                stream = FileStream(self.src, self.delimiter, filename, content_type)
                stream.start = self.src.used
                return FormHead(fields, stream)
            value = await self._until_delimiter()
            fields.append((name, value.decode("utf-8", "replace")))
            if not await self._after_delimiter():
                return FormHead(fields, None)

    def _check_budget(self, pending: int) -> None:
        if self.src.used + pending > MAX_PRE_DATA:
            raise pre_data_too_large()

    async def _find(self, needle: bytes, start: int = 0) -> int:
        """The position of `needle` in the buffer, reading on as needed (within the budget)."""
        src = self.src
        while True:
            found = src.buf.find(needle, start)
            if found >= 0:
                self._check_budget(found + len(needle))
                return found
            self._check_budget(len(src.buf))
            start = max(0, len(src.buf) - len(needle) + 1)
            if not await src.more():
                raise malformed()

    async def _first_delimiter(self) -> bool:
        """Skip the preamble and the first delimiter; False when the body has no parts."""
        src = self.src
        while len(src.buf) < len(self.dash) and await src.more():
            pass
        if src.buf.startswith(self.dash):
            src.take(len(self.dash))
        else:
            src.take((await self._find(self.delimiter)) + len(self.delimiter))
        return await self._after_delimiter()

    async def _after_delimiter(self) -> bool:
        """After a delimiter: `--` closes the body (False), padding then CRLF opens a part."""
        src = self.src
        while len(src.buf) < 2 and await src.more():
            pass
        if src.buf.startswith(b"--"):
            return False
        end = await self._find(b"\r\n")
        if src.buf[:end].strip(_LWSP):
            raise malformed()
        src.take(end + 2)
        return True

    async def _headers(self) -> dict[str, str]:
        src = self.src
        if not src.buf.startswith(b"\r\n"):
            end = await self._find(b"\r\n\r\n")
            block = src.take(end + 2)
        else:
            block = b""
        src.take(2)
        headers: dict[str, str] = {}
        for line in block.split(b"\r\n"):
            if not line:
                continue
            name, colon, value = line.partition(b":")
            if not colon or not name.strip():
                raise malformed()
            try:
                text = value.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise malformed() from exc
            headers[name.decode("latin-1").strip().lower()] = text
        return headers

    async def _until_delimiter(self) -> bytes:
        found = await self._find(self.delimiter)
        value = self.src.take(found)
        self.src.take(len(self.delimiter))
        return value


def _disposition(headers: dict[str, str]) -> tuple[str, str | None]:
    """The part's field name and file name (None when it names none)."""
    value = headers.get("content-disposition")
    if value is None:
        raise malformed()
    msg = Message()
    msg["content-disposition"] = value
    if msg.get_content_disposition() != "form-data":
        raise malformed()
    name = msg.get_param("name", header="content-disposition")
    if name is None:
        raise malformed()
    filename = msg.get_param("filename", header="content-disposition")
    return _param_text(name), None if filename is None else _param_text(filename)


def _param_text(value: str | tuple[str | None, str | None, str]) -> str:
    return str(collapse_rfc2231_value(value))


class FileStream:
    """The file part's content (a BodyReader): from the request body up to the next boundary.
    Reading past the body's end without finding one raises MalformedPOSTRequest."""

    def __init__(self, src: _Source, delimiter: bytes, filename: str | None, content_type: str):
        self._src = src
        self._delimiter = delimiter
        self.filename = filename
        self.content_type = content_type
        self.start = 0
        """Bytes of the request body before the file's content."""
        self._done = False

    @property
    def content_length(self) -> int | None:
        return None

    async def read(self, n: int = -1) -> bytes:
        if n < 0:
            return b"".join([chunk async for chunk in self])
        return await self._next(n) if n else b""

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            chunk = await self._next(_READ_SIZE)
            if not chunk:
                return
            yield chunk

    async def read_small(self, limit: int) -> bytes | None:
        """The whole content when it ends within `limit` bytes (the stream is then at its
        end); None otherwise, with nothing consumed (streaming goes on from the start)."""
        src = self._src
        while True:
            found = src.buf.find(self._delimiter)
            if found >= 0:
                if found > limit:
                    return None
                data = src.take(found)
                await self._finish()
                return data
            if len(src.buf) > limit + len(self._delimiter):
                return None
            if not await src.more():
                raise malformed()

    async def _next(self, n: int) -> bytes:
        """Up to n content bytes; b"" at the content's end."""
        if self._done:
            return b""
        src, delimiter = self._src, self._delimiter
        while True:
            found = src.buf.find(delimiter)
            if found >= 0:
                if found == 0:
                    await self._finish()
                    return b""
                return src.take(min(found, n))
            # Bytes that cannot start a delimiter can go out now; keep a possible prefix.
            safe = len(src.buf) - len(delimiter) + 1
            if safe > 0:
                return src.take(min(safe, n))
            if not await src.more():
                raise malformed()

    async def _finish(self) -> None:
        """At the boundary after the file: what follows is ignored, as S3 ignores it; a short
        tail is read so the connection stays usable."""
        self._done = True
        src = self._src
        src.buf = b""
        drained = 0
        while drained < _EPILOGUE_DRAIN and await src.more():
            drained += len(src.buf)
            src.buf = b""
