"""S3Blobs: the blob port on an upstream S3-compatible store (one bucket, keys under a prefix).

A blob is the object `<prefix><id>`, the id 32 random hex digits chosen here: the key is made
from the id, never the other way round, and an id of any other shape is not found without
asking the upstream. Blobs are immutable and each put writes a new key, so there is no
overwrite to race with. Durability is the upstream's: a put returns after it acknowledged.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

from ownstack.backends.s3.api import MissingKey, S3Api
from ownstack.backends.s3.http import Response
from ownstack.backends.s3.writer import BlobWriter
from ownstack.core.http import FileRange
from ownstack.ports.blobs import BlobRef, ChunkObserver
from ownstack.ports.errors import BlobNotFound

STREAM_CHUNK = 1 << 20
LISTED_TIME_GRANULARITY_S = 1.0
"""S3 lists Last-Modified to the whole second (truncated): a blob listed at second T was
written in [T, T+1)."""
_ID = re.compile(r"[0-9a-f]{32}")


def check_range(offset: int, length: int) -> None:
    """A negative range is a caller bug; one past the end is found out by the upstream."""
    if offset < 0 or length < 0:
        raise ValueError(f"range [{offset}, {offset + length}) outside the blob")


class S3Blobs:
    def __init__(
        self,
        api: S3Api,
        prefix: str,
        *,
        part_size: int = 8 << 20,
        inline_read_limit: int = 8 << 20,
        spool_dir: Path | None = None,
    ) -> None:
        """`part_size`: bytes buffered per part (and the largest single PutObject).
        `inline_read_limit`: `open_range` returns bytes up to this; a longer range is
        downloaded into an unnamed temp file in `spool_dir` and returned as a FileRange."""
        self._api = api
        self._prefix = prefix
        self._part_size = part_size
        self._inline_read_limit = inline_read_limit
        self._spool_dir = spool_dir

    @property
    def prefix(self) -> str:
        return self._prefix

    def key(self, blob_id: str) -> str:
        """The upstream key of a blob; BlobNotFound for anything that is not one of our ids."""
        if not _ID.fullmatch(blob_id):
            raise BlobNotFound(blob_id)
        return self._prefix + blob_id

    async def put(
        self, chunks: AsyncIterable[bytes], observe: ChunkObserver | None = None
    ) -> BlobRef:
        blob_id = secrets.token_hex(16)
        writer = BlobWriter(self._api, self.key(blob_id), self._part_size)
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                if observe is not None:
                    observe(chunk)
                await writer.write(chunk)
            size = await writer.finish()
        except BaseException:
            await writer.discard()
            raise
        return BlobRef(blob_id, size)

    async def open_range(self, blob_id: str, offset: int, length: int) -> FileRange | bytes:
        """Bytes for a range up to `inline_read_limit`. A longer one cannot be handed over as
        a stream (the port takes a FileRange or bytes), and holding it in memory is what the
        engine must not do: it is spooled to an unnamed temp file instead."""
        if length <= self._inline_read_limit:
            return b"".join([chunk async for chunk in self.stream(blob_id, offset, length)])
        resp = await self._open(blob_id, offset, length)
        return await self._spool(resp, offset, length)

    async def stream(self, blob_id: str, offset: int, length: int) -> AsyncIterator[bytes]:
        if length == 0:
            await self._check_empty_range(blob_id, offset)
            return
        resp = await self._open(blob_id, offset, length)
        try:
            async for chunk in resp.chunks(STREAM_CHUNK):
                yield chunk
        finally:
            resp.release()

    async def delete(self, blob_id: str) -> None:
        try:
            key = self.key(blob_id)
        except BlobNotFound:
            return
        await self._api.delete_object(key)  # S3 answers 204 for a missing key too

    async def ids_older_than(self, cutoff: float) -> AsyncIterator[str]:
        """ListableBlobs: blobs whose Last-Modified shows them written before `cutoff`, by the
        upstream's clock. Listed times are whole seconds, so a blob is listed only once it is
        certainly older (up to a second late, never early). S3 dates a multipart object by
        its upload's start, so a blob still uploading for longer than the sweeper's grace
        period could be listed: the grace period must exceed the longest upload."""
        async for item in self._api.list_keys(self._prefix):
            blob_id = item.key[len(self._prefix) :]
            if _ID.fullmatch(blob_id) and item.last_modified + LISTED_TIME_GRANULARITY_S <= cutoff:
                yield blob_id

    async def health(self) -> None:
        await self._api.head_bucket()

    async def close(self) -> None:
        await self._api.close()

    async def _open(self, blob_id: str, offset: int, length: int) -> Response:
        key = self.key(blob_id)
        check_range(offset, length)
        try:
            return await self._api.get_range(key, offset, length)
        except MissingKey as exc:
            raise BlobNotFound(blob_id) from exc

    async def _check_empty_range(self, blob_id: str, offset: int) -> None:
        key = self.key(blob_id)
        check_range(offset, 0)
        try:
            size = await self._api.object_size(key)
        except MissingKey as exc:
            raise BlobNotFound(blob_id) from exc
        if offset > size:
            raise ValueError(f"range [{offset}, {offset}) outside blob of {size} bytes")

    async def _spool(self, resp: Response, offset: int, length: int) -> FileRange:
        """The response body written at `offset` of a temp file (sparse before it), so the
        FileRange has the offset and length asked for. The caller owns the fd."""
        loop = asyncio.get_running_loop()
        spool = tempfile.TemporaryFile(dir=self._spool_dir)  # noqa: SIM115  # the fd is handed on
        fd = os.dup(spool.fileno())
        spool.close()
        try:
            pos = offset
            async for chunk in resp.chunks(STREAM_CHUNK):
                await loop.run_in_executor(None, _write_at, fd, chunk, pos)
                pos += len(chunk)
        except BaseException:
            os.close(fd)
            raise
        finally:
            resp.release()
        return FileRange(fd, offset, length)


def _write_at(fd: int, data: bytes, pos: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, pos)
        view = view[written:]
        pos += written
