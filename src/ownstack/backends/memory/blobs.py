"""MemoryBlobs: the blob port over a dict of immutable byte strings."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterable, AsyncIterator

from ownstack.core.clock import Clock, SystemClock
from ownstack.core.http import FileRange
from ownstack.ports.blobs import BlobRef, ChunkObserver
from ownstack.ports.errors import BlobNotFound

STREAM_CHUNK = 1 << 20


def check_range(offset: int, length: int, size: int) -> None:
    """A range outside the blob is a caller bug (the service validates Range headers first)."""
    if offset < 0 or length < 0 or offset + length > size:
        raise ValueError(f"range [{offset}, {offset + length}) outside blob of {size} bytes")


class MemoryBlobs:
    def __init__(self, clock: Clock | None = None) -> None:
        self._blobs: dict[str, bytes] = {}
        self._created: dict[str, float] = {}
        """Blob id -> when its put completed (the clock's `now`), for `ids_older_than`."""
        self._clock = clock or SystemClock()

    def __len__(self) -> int:
        """How many blobs are stored."""
        return len(self._blobs)

    async def put(
        self, chunks: AsyncIterable[bytes], observe: ChunkObserver | None = None
    ) -> BlobRef:
        parts: list[bytes] = []
        async for chunk in chunks:
            if not chunk:
                continue
            if observe is not None:
                observe(chunk)
            parts.append(bytes(chunk))
        blob_id = secrets.token_hex(16)
        data = b"".join(parts)
        self._blobs[blob_id] = data
        self._created[blob_id] = self._clock.now()
        return BlobRef(blob_id, len(data))

    def _data(self, blob_id: str) -> bytes:
        data = self._blobs.get(blob_id)
        if data is None:
            raise BlobNotFound(blob_id)
        return data

    async def open_range(self, blob_id: str, offset: int, length: int) -> FileRange | bytes:
        data = self._data(blob_id)
        check_range(offset, length, len(data))
        return data[offset : offset + length]

    async def stream(self, blob_id: str, offset: int, length: int) -> AsyncIterator[bytes]:
        data = self._data(blob_id)
        check_range(offset, length, len(data))
        view = memoryview(data)
        end = offset + length
        for pos in range(offset, end, STREAM_CHUNK):
            yield bytes(view[pos : min(end, pos + STREAM_CHUNK)])

    async def delete(self, blob_id: str) -> None:
        self._blobs.pop(blob_id, None)
        self._created.pop(blob_id, None)

    async def ids_older_than(self, cutoff: float) -> AsyncIterator[str]:
        """ListableBlobs: blobs put before `cutoff` by the injected clock."""
        # A snapshot: the caller deletes while iterating, which would break a live dict view.
        old = [blob_id for blob_id, created in self._created.items() if created < cutoff]
        for blob_id in old:
            yield blob_id

    async def health(self) -> None:
        return None

    async def close(self) -> None:
        return None
