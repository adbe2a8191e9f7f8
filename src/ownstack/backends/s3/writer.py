"""One put's way upstream: bytes are gathered up to a part; a blob that fits in one part is a
single PutObject, a bigger one becomes a multipart upload whose parts go up while the next part
is still being read (one part in flight, so memory stays at about two parts per put).

A put of unknown length cannot be one streamed PutObject (S3 needs the length up front, and
aws-chunked encoding is not something every compatible store takes), hence this shape.
`discard` undoes whatever reached the upstream: it aborts the multipart upload (S3 then drops
its parts) and deletes the key if a PutObject or CompleteMultipartUpload may have landed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ownstack.backends.s3.api import S3Api, content_md5
from ownstack.ports.errors import PortError

log = logging.getLogger(__name__)

MIN_PART = 5 << 20
"""S3's smallest part (all but the last)."""
MAX_PARTS = 10_000
HASH_INLINE = 256 << 10
"""Bodies up to this are MD5-hashed on the event loop; bigger ones in a thread (~10 ms for a
default 8 MiB part, which the loop should not stall for)."""


class BlobWriter:
    def __init__(self, api: S3Api, key: str, part_size: int) -> None:
        self._api = api
        self._key = key
        self._part_size = part_size
        self._pending: list[bytes] = []
        self._pending_size = 0
        self.size = 0
        self._upload_id: str | None = None
        self._etags: list[str] = []
        self._in_flight: asyncio.Task[str] | None = None
        self._may_exist = False
        """A PutObject or CompleteMultipartUpload was sent: the key may exist upstream."""

    async def write(self, chunk: bytes) -> None:
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        self.size += len(chunk)
        while self._pending_size > self._part_size:  # exactly one part: a single PUT
            await self._send_part(self._take(self._part_size))

    async def finish(self) -> int:
        """Send what is left and commit; returns the size once the upstream acknowledged."""
        if self._upload_id is None:
            body = self._take(self._pending_size)
            self._may_exist = True
            await self._api.put_object(self._key, body, await _md5(body))
            return self.size
        if self._pending_size:
            await self._send_part(self._take(self._pending_size))
        await self._settle_in_flight()
        self._may_exist = True
        await self._api.complete_upload(self._key, self._upload_id, self._etags)
        self._upload_id = None
        return self.size

    async def discard(self) -> None:
        """Leave nothing upstream. Shielded: a put cancelled again while cleaning up still
        cleans up (in the background)."""
        await asyncio.shield(self._discard())

    async def _discard(self) -> None:
        if self._in_flight is not None:
            self._in_flight.cancel()
            with contextlib.suppress(BaseException):
                await self._in_flight
        try:
            if self._upload_id is not None:
                await self._api.abort_upload(self._key, self._upload_id)
            if self._may_exist:
                await self._api.delete_object(self._key)
        except PortError as exc:
            # The upstream is gone too: an incomplete upload is invisible (and a bucket
            # lifecycle rule can expire it); a key that did land is an unreferenced blob,
            # which the S3 service's sweeper reclaims through ids_older_than.
            log.warning("s3 blobs: could not clean up %s after a failed put: %s", self._key, exc)

    def _take(self, size: int) -> bytes:
        """The first `size` pending bytes as one buffer."""
        data = b"".join(self._pending)
        self._pending = [data[size:]] if len(data) > size else []
        self._pending_size = len(data) - size
        return data[:size] if len(data) > size else data

    async def _send_part(self, body: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = await self._api.create_upload(self._key)
        await self._settle_in_flight()
        number = len(self._etags) + 1
        if number > MAX_PARTS:
            raise PortError(f"blob exceeds {MAX_PARTS} parts of {self._part_size} bytes")
        md5 = await _md5(body)
        self._in_flight = asyncio.create_task(
            self._api.upload_part(self._key, self._upload_id, number, body, md5)
        )

    async def _settle_in_flight(self) -> None:
        task, self._in_flight = self._in_flight, None
        if task is not None:
            self._etags.append(await task)


async def _md5(body: bytes) -> str:
    if len(body) <= HASH_INLINE:
        return content_md5(body)
    return await asyncio.to_thread(content_md5, body)
