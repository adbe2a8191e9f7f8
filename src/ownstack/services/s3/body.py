"""An object's bytes, whether inline in its record or spread over blob segments."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator

from ownstack.core.http import FileRange, Payload
from ownstack.ports.blobs import BlobStore

from .records import ObjectRecord
from .sse_store import Opened


def segment_slices(rec: ObjectRecord, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(blob_id, offset, length) for each segment overlapping [start, end)."""
    base = 0
    for seg in rec.segments:
        seg_end = base + seg.size
        lo, hi = max(start, base), min(end, seg_end)
        if lo < hi:
            yield seg.blob_id, lo - base, hi - lo
        base = seg_end
        if base >= end:
            return


async def object_chunks(
    blobs: BlobStore, rec: ObjectRecord, start: int, end: int, opened: Opened | None = None
) -> AsyncIterator[bytes]:
    """The bytes [start, end) of the object as chunks (copies); `opened`: its encryption."""
    if opened is not None:
        async for chunk in opened.chunks(blobs, rec, start, end):
            yield chunk
        return
    if rec.inline is not None:
        if start < end:
            yield rec.inline[start:end]
        return
    for blob_id, offset, length in segment_slices(rec, start, end):
        async for chunk in blobs.stream(blob_id, offset, length):
            yield chunk


async def object_payload(
    blobs: BlobStore, rec: ObjectRecord, start: int, end: int, opened: Opened | None = None
) -> Payload:
    """The bytes [start, end) for a GET body: a slice of the inline bytes, or one file range
    (or bytes) per overlapping segment for the server to send back to back. An encrypted
    object (`opened`) is decrypted (sse_store.py)."""
    if opened is not None:
        return await opened.payload(blobs, rec, start, end)
    if rec.inline is not None:
        if start == 0 and end >= len(rec.inline):
            return rec.inline
        return rec.inline[start:end]
    parts: list[FileRange | bytes] = []
    try:
        for blob_id, offset, length in segment_slices(rec, start, end):
            parts.append(await blobs.open_range(blob_id, offset, length))
    except BaseException:
        _close_ranges(parts)
        raise
    if len(parts) == 1:
        return parts[0]
    return parts if parts else b""


def _close_ranges(parts: list[FileRange | bytes]) -> None:
    # We own the fds until handed to the server: don't leak them when a later segment fails.
    for part in parts:
        if isinstance(part, FileRange):
            with contextlib.suppress(OSError):
                os.close(part.fd)
