"""Code.Location: a link that downloads a function's (or a layer's) zip from ownstack itself,
as AWS hands out a presigned S3 URL valid for ten minutes.

The link is `<scheme>://<host the client used>/_ownstack/lambda/code/<token>`; the token names
the blob and its size, expires, and is signed (HMAC-SHA256) with a key kept in the metadata
port (made once, shared by every process and restart). The gateway serves the path without
SigV4 (gateway/internal.py): the token is the credential, as a presigned URL's signature is.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import os

from ownstack.core.clock import Clock
from ownstack.core.context import RequestContext
from ownstack.core.http import Response
from ownstack.ports.errors import BlobNotFound, ConditionFailed
from ownstack.ports.meta import ABSENT, MetaStore, Put

from .code import CodeStore
from .records import KEYS, CodeRecord, KeyRecord

PATH = "/_ownstack/lambda/code/"
EXPIRES_S = 600
_KEY = "code-links"


class CodeLinks:
    def __init__(self, meta: MetaStore, store: CodeStore, clock: Clock) -> None:
        self._meta = meta
        self._store = store
        self._clock = clock
        self._secret: bytes | None = None
        self._lock = asyncio.Lock()

    async def link(self, ctx: RequestContext, code: CodeRecord) -> str:
        expires = int(self._clock.now()) + EXPIRES_S
        claim = f"{code.blob_id}|{code.size}|{expires}".encode()
        signature = hmac.new(await self._key(), claim, hashlib.sha256).digest()
        token = f"{_b64(claim)}.{_b64(signature)}"
        return f"{ctx.scheme}://{ctx.host or 'localhost'}{PATH}{token}"

    async def download(self, token: str) -> Response:
        """The zip a token names; 403 for a token that is forged or expired, 404 for code
        deleted since."""
        claim = await self._verify(token)
        if claim is None:
            return _error(403, "AccessDenied", "Request has expired or its signature is invalid")
        blob_id, size = claim
        try:
            body = await self._store.blobs.open_range(blob_id, 0, size)
        except BlobNotFound:
            return _error(404, "NoSuchKey", "The specified key does not exist.")
        return Response(200, [("Content-Type", "application/zip")], body)

    async def _verify(self, token: str) -> tuple[str, int] | None:
        encoded, _, signature = token.partition(".")
        try:
            claim, given = _unb64(encoded), _unb64(signature)
        except (binascii.Error, ValueError):
            return None
        expected = hmac.new(await self._key(), claim, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, given):
            return None
        blob_id, size, expires = claim.decode().rsplit("|", 2)
        if int(expires) < self._clock.now():
            return None
        return blob_id, int(size)

    async def _key(self) -> bytes:
        if self._secret is not None:
            return self._secret
        async with self._lock:
            if self._secret is None:
                self._secret = await self._load_or_create()
        return self._secret

    async def _load_or_create(self) -> bytes:
        found = await self._meta.get(KEYS, _KEY)
        if found is None:
            made = KeyRecord(base64.b64encode(os.urandom(32)).decode())
            try:
                await self._meta.commit([Put(KEYS, _KEY, made.encode(), expect=ABSENT)])
                return base64.b64decode(made.secret)
            except ConditionFailed:  # another process made it first
                found = await self._meta.get(KEYS, _KEY)
        assert found is not None
        return base64.b64decode(KeyRecord.decode(found.value).secret)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _error(status: int, code: str, message: str) -> Response:
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Response(status, [("Content-Type", "application/xml")], body.encode())
