"""FsBlobs: the blob port on plain files (see layout.py for where, putter.py for how)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

from ownstack.backends.fs.layout import Layout, new_id
from ownstack.backends.fs.listing import ids_older_than
from ownstack.backends.fs.putter import PutJob
from ownstack.backends.fs.reaper import Reaper
from ownstack.backends.fs.staging import Staging
from ownstack.core.http import FileRange
from ownstack.ports.blobs import BlobRef, ChunkObserver
from ownstack.ports.errors import BackendUnavailable, BlobNotFound, PortError

STREAM_CHUNK = 1 << 20


def check_range(offset: int, length: int, size: int) -> None:
    """A range outside the blob is a caller bug (the service validates Range headers first)."""
    if offset < 0 or length < 0 or offset + length > size:
        raise ValueError(f"range [{offset}, {offset + length}) outside blob of {size} bytes")


class FsBlobs:
    def __init__(self, root: Path, *, direct_io: bool = True) -> None:
        """`direct_io=False` writes every blob through the page cache (see staging.py)."""
        self._layout = Layout(root)
        self._staging = Staging(direct_io)
        self._reaper = Reaper()
        try:
            self._layout.prepare()
        except OSError as exc:
            raise BackendUnavailable(f"cannot open blob dir {root}: {exc}") from exc

    @property
    def root(self) -> Path:
        return self._layout.root

    @property
    def direct_io(self) -> bool:
        """Whether big blobs are still written with O_DIRECT: off when asked, or for good
        once the file system refused it."""
        return self._staging.direct_io

    async def put(
        self, chunks: AsyncIterable[bytes], observe: ChunkObserver | None = None
    ) -> BlobRef:
        blob_id = new_id()
        layout = self._layout
        job = PutJob(
            asyncio.get_running_loop(),
            layout.temp_path(blob_id),
            layout.path(blob_id),
            observe,
            layout.ensure_parent,
            self._staging.writer,
        )
        try:
            async for chunk in chunks:
                if chunk and not await job.feed(chunk):
                    break
            job.finish()
            size = await job.outcome()
        except BaseException:
            job.abort()
            await job.settled()
            raise
        return BlobRef(blob_id, size)

    async def open_range(self, blob_id: str, offset: int, length: int) -> FileRange | bytes:
        fd = self._open(blob_id)
        try:
            check_range(offset, length, os.fstat(fd).st_size)
        except BaseException:
            os.close(fd)
            raise
        return FileRange(fd, offset, length)

    async def stream(self, blob_id: str, offset: int, length: int) -> AsyncIterator[bytes]:
        fd = self._open(blob_id)
        try:
            check_range(offset, length, os.fstat(fd).st_size)
            loop = asyncio.get_running_loop()
            pos, end = offset, offset + length
            while pos < end:
                size = min(STREAM_CHUNK, end - pos)
                chunk = await loop.run_in_executor(None, os.pread, fd, size, pos)
                if not chunk:
                    raise PortError(f"blob {blob_id!r} is shorter than expected")
                pos += len(chunk)
                yield chunk
        finally:
            os.close(fd)

    async def delete(self, blob_id: str) -> None:
        try:
            path = self._layout.path(blob_id)
        except BlobNotFound:
            return
        trash = self._layout.trash_path(blob_id)
        # Inline, like _open: a rename in one file system is a directory update (microseconds);
        # the unlink, which can take ~40 ms for a big file, happens on the reaper's thread.
        try:
            os.rename(path, trash)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise BackendUnavailable(f"cannot delete blob {blob_id!r}: {exc}") from exc
        self._reaper.unlink_later(trash)

    def ids_older_than(self, cutoff: float) -> AsyncIterator[str]:
        """ListableBlobs: blobs whose final file's mtime (the time of its last write) is
        before `cutoff`."""
        return ids_older_than(self._layout.root, cutoff)

    async def health(self) -> None:
        if not os.access(self._layout.tmp, os.W_OK | os.X_OK):
            raise BackendUnavailable(f"blob dir {self._layout.root} is not writable")

    async def close(self) -> None:
        self._staging.close()
        await asyncio.to_thread(self._reaper.close)

    def _open(self, blob_id: str) -> int:
        # Inline, not in a thread: opening a file is a directory lookup (microseconds, hot in
        # the dentry cache), cheaper than the hop to a worker thread.
        path = self._layout.path(blob_id)
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError as exc:
            raise BlobNotFound(blob_id) from exc
        except OSError as exc:
            raise BackendUnavailable(f"cannot open blob {blob_id!r}: {exc}") from exc
