"""A request body that checks a signed x-amz-content-sha256 while it streams."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from ownstack.core.http import BodyReader, read_chunks
from ownstack.wire.sigv4_errors import content_sha256_mismatch


class HashCheckingBody:
    """Passes the body through unchanged, hashing it; at EOF raises XAmzContentSHA256Mismatch
    when the digest differs from the one the client signed, so the consumer (a blob put)
    discards what it wrote instead of committing it."""

    def __init__(self, inner: BodyReader, expected_hex: str) -> None:
        self._inner = inner
        self._expected = expected_hex.lower()
        self._hash = hashlib.sha256()
        self._done = False
        self._seen = 0

    @property
    def content_length(self) -> int | None:
        return self._inner.content_length

    async def read(self, n: int = -1) -> bytes:
        if self._done:
            return b""
        data = await self._inner.read(n)
        self._hash.update(data)
        self._seen += len(data)
        # The end is a read of everything, an empty read, or the declared length reached
        # (a consumer that stops at Content-Length never asks for the empty read).
        if n < 0 or not data or self._seen == self._inner.content_length:
            self._finish()
        return data

    def __aiter__(self) -> AsyncIterator[bytes]:
        return read_chunks(self)

    def _finish(self) -> None:
        self._done = True
        computed = self._hash.hexdigest()
        if computed != self._expected:
            raise content_sha256_mismatch(self._expected, computed)
