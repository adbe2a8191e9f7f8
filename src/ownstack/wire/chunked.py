"""Streaming decoder for `Content-Encoding: aws-chunked` request bodies.

Frames are `hex-size;chunk-signature=<sig>\\r\\n<data>\\r\\n` (signed) or
`hex-size\\r\\n<data>\\r\\n` (STREAMING-UNSIGNED-PAYLOAD-TRAILER), ended by a 0-size chunk and
optional trailer lines (`x-amz-checksum-crc32:...`, and `x-amz-trailer-signature:...` when
trailers are signed).

The decoder never holds more than one network read: chunk data is handed to the consumer as it
arrives and hashed on the way through. A chunk's signature can only be checked once the whole
chunk has passed, so a tampered chunk surfaces as a ServiceError from a later read; the consumer
(a blob put) discards what it wrote. When the decoded length reaches x-amz-decoded-content-length
the rest of the framing (final chunk, trailers) is parsed before the last bytes are returned, so
a consumer that stops reading at content_length still gets every check and the trailers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import Enum, auto

from ownstack.core.errors import ServiceError
from ownstack.core.http import BodyReader, Headers

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
_READ_SIZE = 1 << 18
_MAX_LINE = 4096
_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_SIGNATURE = re.compile(rb"[0-9a-f]{64}")


def incomplete_body() -> ServiceError:
    return ServiceError(
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        400,
    )


def malformed_trailer() -> ServiceError:
    return ServiceError(
        "MalformedTrailerError",
        "The request contained trailing data that was not well-formed or did not conform to "
        "our published schema.",
        400,
    )


def chunk_signature_mismatch() -> ServiceError:
    return ServiceError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        403,
    )


@dataclass(slots=True)
class ChunkSigner:
    """Computes the chained signatures: each chunk's string to sign carries the previous
    signature, seeded with the request's own (header) signature."""

    key: bytes
    amz_date: str
    scope: str
    previous: str

    def next_chunk(self, data_sha256_hex: str) -> str:
        return self._advance(
            f"AWS4-HMAC-SHA256-PAYLOAD\n{self.amz_date}\n{self.scope}\n{self.previous}\n"
            f"{EMPTY_SHA256}\n{data_sha256_hex}"
        )

    def trailer(self, trailer_sha256_hex: str) -> str:
        return self._advance(
            f"AWS4-HMAC-SHA256-TRAILER\n{self.amz_date}\n{self.scope}\n{self.previous}\n"
            f"{trailer_sha256_hex}"
        )

    def _advance(self, string_to_sign: str) -> str:
        sig = hmac.digest(self.key, string_to_sign.encode(), "sha256").hex()
        self.previous = sig
        return sig


class _State(Enum):
    HEADER = auto()
    DATA = auto()
    DATA_END = auto()
    TRAILER = auto()
    DONE = auto()


class ChunkedDecoder:
    """A BodyReader yielding the decoded payload of an aws-chunked body."""

    def __init__(
        self,
        raw: BodyReader,
        headers: Headers,
        *,
        signer: ChunkSigner | None,
        decoded_length: int | None,
        trailer_names: frozenset[str] = frozenset(),
        signed_trailer: bool = False,
    ) -> None:
        self.trailers: dict[str, str] = {}
        self._raw = raw
        self._headers = headers
        self._signer = signer
        self._decoded_length = decoded_length
        self._trailer_names = trailer_names
        self._signed_trailer = signed_trailer
        self._buf = bytearray()
        self._raw_eof = False
        self._state = _State.HEADER
        self._remaining = 0
        self._chunk_sig = ""
        self._hash = hashlib.sha256()
        self._total = 0
        self._pending = b""
        _strip_aws_chunked(headers)

    @property
    def content_length(self) -> int | None:
        return self._decoded_length

    async def read(self, n: int = -1) -> bytes:
        if n < 0:
            parts = [self._pending]
            self._pending = b""
            while piece := await self._next_piece():
                parts.append(piece)
            return b"".join(parts)
        if n == 0:
            return b""
        piece = self._pending or await self._next_piece()
        self._pending = piece[n:]
        return piece[:n] if len(piece) > n else piece

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        if self._pending:
            pending, self._pending = self._pending, b""
            yield pending
        while piece := await self._next_piece():
            yield piece

    async def _next_piece(self) -> bytes:
        """The next decoded data (b"" at the end), running the framing state machine."""
        while True:
            piece = await self._advance()
            if piece is None:
                continue
            if piece and self._total == self._decoded_length:
                await self._drain_framing()
            return piece

    async def _drain_framing(self) -> None:
        while self._state is not _State.DONE:
            if await self._advance():
                raise incomplete_body()

    async def _advance(self) -> bytes | None:
        """One step: data bytes, b"" when done, or None when only framing was consumed."""
        state = self._state
        if state is _State.DATA:
            return await self._data()
        if state is _State.HEADER:
            await self._chunk_header()
            return None
        if state is _State.DATA_END:
            await self._data_end()
            return None
        if state is _State.TRAILER:
            await self._trailers()
            return None
        return b""

    async def _fill(self) -> bool:
        """Append one network read to the buffer; False at the end of the raw body."""
        if self._raw_eof:
            return False
        data = await self._raw.read(_READ_SIZE)
        if not data:
            self._raw_eof = True
            return False
        self._buf += data
        return True

    async def _line(self) -> bytes | None:
        """The next CRLF- (or LF-) terminated line without its ending; None at EOF."""
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end >= 0:
                line = bytes(self._buf[:end])
                del self._buf[: end + 1]
                return line[:-1] if line.endswith(b"\r") else line
            if len(self._buf) > _MAX_LINE:
                raise incomplete_body()
            start = len(self._buf)
            if not await self._fill():
                return None

    async def _chunk_header(self) -> None:
        line = await self._line()
        if line is None:
            raise incomplete_body()
        size_part, _, ext = line.partition(b";")
        if not _SIZE.fullmatch(size_part):
            raise incomplete_body()
        size = int(size_part, 16)
        self._chunk_sig = self._chunk_signature(ext)
        if size == 0:
            self._verify_chunk(EMPTY_SHA256)
            self._state = _State.TRAILER
            return
        self._remaining = size
        self._hash = hashlib.sha256()
        self._state = _State.DATA

    def _chunk_signature(self, ext: bytes) -> str:
        if self._signer is None:
            return ""  # unsigned framing: any extension is ignored
        name, _, value = ext.partition(b"=")
        if name.strip() != b"chunk-signature" or not _SIGNATURE.fullmatch(value.strip()):
            raise incomplete_body()
        return value.strip().decode()

    def _verify_chunk(self, data_sha256_hex: str) -> None:
        if self._signer is None:
            return
        expected = self._signer.next_chunk(data_sha256_hex)
        if not hmac.compare_digest(expected, self._chunk_sig):
            raise chunk_signature_mismatch()

    async def _data(self) -> bytes:
        if self._buf:
            take = min(self._remaining, len(self._buf))
            piece = bytes(self._buf[:take])
            del self._buf[:take]
        else:
            # Nothing buffered: read the chunk's data straight through, no extra copy.
            piece = b"" if self._raw_eof else await self._raw.read(min(self._remaining, _READ_SIZE))
            if not piece:
                self._raw_eof = True
                raise incomplete_body()
        self._remaining -= len(piece)
        self._total += len(piece)
        if self._decoded_length is not None and self._total > self._decoded_length:
            raise incomplete_body()
        if self._signer is not None:
            self._hash.update(piece)
        if self._remaining == 0:
            self._state = _State.DATA_END
        return piece

    async def _data_end(self) -> None:
        while len(self._buf) < 2:
            if not await self._fill():
                raise incomplete_body()
        if self._buf[:2] != b"\r\n":
            raise incomplete_body()
        del self._buf[:2]
        if self._signer is not None:
            self._verify_chunk(self._hash.hexdigest())
        self._state = _State.HEADER

    async def _trailers(self) -> None:
        found: dict[str, str] = {}
        signed_text: list[str] = []
        signature = ""
        while (line := await self._line()) is not None and line:
            name, sep, value = line.decode("utf-8", "replace").partition(":")
            name = name.strip().lower()
            if not sep or not name:
                raise malformed_trailer()
            if name == "x-amz-trailer-signature":
                signature = value.strip()
                continue
            if name not in self._trailer_names:
                raise malformed_trailer()
            found[name] = value.strip()
            signed_text.append(f"{name}:{value.strip()}\n")
        self._check_trailers(found, "".join(signed_text), signature)
        self._finish(found)

    def _check_trailers(self, found: dict[str, str], signed_text: str, signature: str) -> None:
        if self._trailer_names - found.keys():
            raise malformed_trailer()
        if not (self._signed_trailer and self._signer is not None):
            return
        digest = hashlib.sha256(signed_text.encode()).hexdigest()
        if not hmac.compare_digest(self._signer.trailer(digest), signature):
            raise chunk_signature_mismatch()

    def _finish(self, found: dict[str, str]) -> None:
        if self._decoded_length is not None and self._total != self._decoded_length:
            raise incomplete_body()
        self.trailers = found
        for name, value in found.items():
            self._headers[name] = value
        self._state = _State.DONE


def _strip_aws_chunked(headers: Headers) -> None:
    """aws-chunked is transfer framing, not the object's Content-Encoding: drop it."""
    encoding = headers.get("content-encoding")
    if encoding is None:
        return
    kept = [e.strip() for e in encoding.split(",") if e.strip() and e.strip() != "aws-chunked"]
    if kept:
        headers["content-encoding"] = ",".join(kept)
    else:
        del headers["content-encoding"]
