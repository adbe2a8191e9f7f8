"""The blob port: object bytes, by opaque id.

An id is chosen by the store, never derived from an object key (a key is user input and may hold
`../`, `\\` or any unicode: it never becomes a file path). `put` is durable when it returns: the
bytes are fsynced and the blob is in its final place. A failed or cancelled `put` leaves nothing
behind. Blobs are immutable; an overwrite is a new blob plus a metadata commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ownstack.core.http import FileRange


@dataclass(frozen=True, slots=True)
class BlobRef:
    id: str
    size: int


ChunkObserver = Callable[[bytes], None]
"""Called with every chunk as it is stored (e.g. to hash it). Stores may call it from a worker
thread, overlapping hashing with network reads: it must be thread-safe for a single caller."""


@runtime_checkable
class BlobStore(Protocol):
    async def put(
        self, chunks: AsyncIterable[bytes], observe: ChunkObserver | None = None
    ) -> BlobRef:
        """Store the chunks as a new blob; durable on return. If reading `chunks` raises, the
        error propagates and nothing is kept."""
        ...

    async def open_range(self, blob_id: str, offset: int, length: int) -> FileRange | bytes:
        """The bytes [offset, offset+length) for sending: a FileRange (the caller owns the fd)
        where the store is file-backed, bytes otherwise. Raises BlobNotFound."""
        ...

    def stream(self, blob_id: str, offset: int, length: int) -> AsyncIterator[bytes]:
        """The bytes [offset, offset+length) as chunks (copies, compose). Raises BlobNotFound."""
        ...

    async def delete(self, blob_id: str) -> None:
        """Remove the blob; a missing blob is not an error."""
        ...

    async def health(self) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class ListableBlobs(Protocol):
    """Optional capability of a BlobStore: enumerate blobs by age, so blobs that no record
    references (a crash between a blob's put and its metadata commit) can be reclaimed."""

    def ids_older_than(self, cutoff: float) -> AsyncIterator[str]:
        """Ids of the blobs created before `cutoff` (epoch seconds; file stores: the final
        file's mtime), in no particular order, streamed: a store never lists them all at once.
        A blob deleted while this runs may or may not be listed."""
        ...
