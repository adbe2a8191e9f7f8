"""Request bodies the wire layer may need to look at before parsing.

The query protocol names its operation (`Action`) inside a form-encoded POST body, yet
`Codec.match` is synchronous. Non-S3 bodies are small and must be read whole anyway (SigV4 hashes
them), so the gateway calls `buffer_request` for query/json services before `match`; the query
codec then finds `Action` in the buffered body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from ownstack.core.http import BodyReader, Request, read_all


class BufferedBody:
    """A BodyReader whose whole content is already in memory and can be looked at (`data`)
    without consuming it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._pos = 0

    @property
    def content_length(self) -> int | None:
        return len(self.data)

    async def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else min(len(self.data), self._pos + n)
        chunk = self.data[self._pos : end]
        self._pos = end
        return chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        chunk = await self.read()
        if chunk:
            yield chunk


async def buffer_request(req: Request, limit: int) -> Request | None:
    """`req` with its body read into a BufferedBody, or None when the body exceeds `limit`."""
    if isinstance(req.body, BufferedBody):
        return req
    data = await read_all(req.body, limit)
    if data is None:
        return None
    return replace(req, body=BufferedBody(data))


async def body_bytes(body: BodyReader, limit: int) -> bytes | None:
    """The whole body (without consuming a BufferedBody), or None beyond `limit`."""
    if isinstance(body, BufferedBody):
        return body.data if len(body.data) <= limit else None
    return await read_all(body, limit)
