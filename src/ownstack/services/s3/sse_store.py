"""Encrypted object bytes: writing them (`Sealer`) and reading them back (`Opened`).

A `Sealer` is made per write (PutObject, CopyObject, UploadPart, UploadPartCopy) by
encryption.py; it holds the plain data key for the length of the request only. Digests
(MD5 / ETag, CRCs, SHAs) are taken of the plaintext, before encryption, so ETags (SSE-S3) and
checksums are those of the object's bytes, as on S3.

An `Opened` is an encrypted object whose data key was recovered for one read (GET, HEAD, a
copy's source). Ranges decrypt only what they send (sse_cipher.py). A GET of an encrypted blob
cannot use sendfile (the bytes must pass through the cipher): up to `_BUFFER_MAX` bytes are read
and decrypted at once, larger bodies stream in `_CHUNK` steps off the event loop. The blob files
are opened before the response starts (as for a plain object), so an overwrite or delete racing
the GET is seen as BlobNotFound and retried, never as a torn body.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

from ownstack.core.http import FileRange, Payload
from ownstack.core.service import Result
from ownstack.ports.blobs import BlobRef, BlobStore
from ownstack.ports.errors import PortError

from .records import ObjectRecord, PartRecord
from .sse_cipher import (
    SSE_C,
    Ctr,
    Sealing,
    b64,
    crypt,
    customer_etag,
    encode,
    new_iv,
    unb64,
)

_OFFLOAD = 256 * 1024
"""Chunks at least this long are digested and encrypted in a worker thread."""
_BUFFER_MAX = 256 * 1024
_CHUNK = 1 << 20


@dataclass(slots=True)
class Sealer:
    """Encrypts the bytes of one write under `data_key` and records how (`finish`)."""

    data_key: bytes
    sealing: Sealing
    """The record to store, its IVs filled in as pieces are written."""
    output: Result
    """The response members that say how the object is encrypted."""
    ivs: list[str] = field(default_factory=list)

    def seal_inline(self, data: bytes) -> bytes:
        iv = new_iv()
        self.ivs = [b64(iv)]
        return crypt(self.data_key, iv, 0, data)

    async def put_blob(
        self, blobs: BlobStore, chunks: AsyncIterable[bytes], observe: Callable[[bytes], None]
    ) -> BlobRef:
        """One encrypted blob of `chunks`; `observe` sees the plaintext."""
        iv = new_iv()
        ref = await blobs.put(_encrypting(chunks, Ctr(self.data_key, iv), observe))
        self.ivs = [b64(iv)]
        return ref

    async def put_object_blob(
        self, blobs: BlobStore, chunks: AsyncIterable[bytes], observe: Callable[[bytes], None]
    ) -> BlobRef:
        """put_blob for a whole object (writes.store_bytes): an empty one keeps no blob, so
        it has no IV to record either."""
        ref = await self.put_blob(blobs, chunks, observe)
        if not ref.size:
            self.ivs = []
        return ref

    def upload_record(self) -> str:
        """The sealing an UploadRecord keeps: the wrapped key, no IVs (each part has its own)."""
        return encode(Sealing(self.sealing.mode, self.sealing.key, [], *self._salt_check()))

    def finish(self, rec: ObjectRecord) -> None:
        """Record the encryption in `rec` (whose bytes this sealer stored); an SSE-C object's
        ETag becomes one that is not the MD5 of its bytes."""
        rec.sse = encode(
            Sealing(self.sealing.mode, self.sealing.key, self.ivs, *self._salt_check())
        )
        if self.sealing.mode == SSE_C:
            rec.etag = customer_etag(self.data_key, rec.etag.strip('"'))

    def finish_part(self, part: PartRecord) -> None:
        part.sse = self.ivs[0]
        if self.sealing.mode == SSE_C:
            part.etag = customer_etag(self.data_key, part.etag.strip('"'))

    def _salt_check(self) -> tuple[str, str]:
        return self.sealing.salt, self.sealing.check


@dataclass(slots=True)
class Opened:
    """An encrypted object's data key and IVs, recovered for one read."""

    data_key: bytes
    ivs: list[bytes]
    output: Result

    def inline(self, data: bytes, start: int, end: int) -> bytes:
        return crypt(self.data_key, self.ivs[0], start, data[start:end])

    async def payload(self, blobs: BlobStore, rec: ObjectRecord, start: int, end: int) -> Payload:
        """The plaintext bytes [start, end) for a GET body."""
        if rec.inline is not None:
            return self.inline(rec.inline, start, end)
        opened: list[tuple[FileRange | bytes, int, int]] = []
        try:
            for index, blob_id, offset, length in _slices(rec, start, end):
                opened.append((await blobs.open_range(blob_id, offset, length), index, offset))
        except BaseException:
            _close(opened)
            raise
        if end - start > _BUFFER_MAX:
            return self._stream(opened)
        try:
            return b"".join(
                crypt(self.data_key, self.ivs[index], offset, _read(part))
                for part, index, offset in opened
            )
        finally:
            _close(opened)

    async def _stream(
        self, opened: list[tuple[FileRange | bytes, int, int]]
    ) -> AsyncIterator[bytes]:
        try:
            for part, index, offset in opened:
                ctr = Ctr(self.data_key, self.ivs[index], offset)
                if isinstance(part, bytes):
                    yield ctr.update(part)
                    continue
                pos, left = part.offset, part.length
                while left:
                    size = min(_CHUNK, left)
                    yield await asyncio.to_thread(_pread_crypt, part.fd, size, pos, ctr)
                    pos += size
                    left -= size
        finally:
            _close(opened)

    async def chunks(
        self, blobs: BlobStore, rec: ObjectRecord, start: int, end: int
    ) -> AsyncIterator[bytes]:
        """The plaintext bytes [start, end) as chunks (a copy's source)."""
        if rec.inline is not None:
            if start < end:
                yield self.inline(rec.inline, start, end)
            return
        for index, blob_id, offset, length in _slices(rec, start, end):
            ctr = Ctr(self.data_key, self.ivs[index], offset)
            async for chunk in blobs.stream(blob_id, offset, length):
                yield ctr.update(chunk)


def _slices(rec: ObjectRecord, start: int, end: int) -> Iterator[tuple[int, str, int, int]]:
    """(segment index, blob_id, offset, length) for each segment overlapping [start, end)."""
    base = 0
    for index, seg in enumerate(rec.segments):
        seg_end = base + seg.size
        lo, hi = max(start, base), min(end, seg_end)
        if lo < hi:
            yield index, seg.blob_id, lo - base, hi - lo
        base = seg_end
        if base >= end:
            return


async def _encrypting(
    chunks: AsyncIterable[bytes], ctr: Ctr, observe: Callable[[bytes], None]
) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        if len(chunk) >= _OFFLOAD:
            yield await asyncio.to_thread(_observe_crypt, chunk, ctr, observe)
        else:
            observe(chunk)
            yield ctr.update(chunk)


def _observe_crypt(chunk: bytes, ctr: Ctr, observe: Callable[[bytes], None]) -> bytes:
    observe(chunk)
    return ctr.update(chunk)


def _read(part: FileRange | bytes) -> bytes:
    if isinstance(part, bytes):
        return part
    return _pread_all(part.fd, part.length, part.offset)


def _pread_all(fd: int, length: int, offset: int) -> bytes:
    pieces: list[bytes] = []
    while length:
        piece = os.pread(fd, length, offset)
        if not piece:
            raise PortError("a blob is shorter than its record says")
        pieces.append(piece)
        length -= len(piece)
        offset += len(piece)
    return b"".join(pieces)


def _pread_crypt(fd: int, length: int, offset: int, ctr: Ctr) -> bytes:
    return ctr.update(_pread_all(fd, length, offset))


def _close(opened: list[tuple[FileRange | bytes, int, int]]) -> None:
    for part, _, _ in opened:
        if isinstance(part, FileRange):
            with contextlib.suppress(OSError):
                os.close(part.fd)


def opened_from(data_key: bytes, sealing: Sealing, output: Result) -> Opened:
    return Opened(data_key, [unb64(iv) for iv in sealing.ivs], output)
