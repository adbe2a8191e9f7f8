"""Deployment packages and layer contents: checked, stored as a blob in Lambda's blob store,
and unpacked under the data dir for the sandboxes (`code_dir`).

A package is taken in whole before anything is stored: its SHA-256 (CodeSha256, base64) and
size (CodeSize) computed, and it is unpacked (unpack.py: AWS's size limit and a safe
extraction) into a staging directory. Then the blob is put (durable), and the directory renamed
to its final name, derived from the blob's id. The caller commits the record naming the blob;
if that fails it `discard`s both. An unpacked directory is a cache: `code_dir` unpacks it again
from the blob when it is missing (a restart on another host, another process sharing the
stores, a cleaned data dir).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from ownstack.ports.blobs import BlobStore

from .records import CodeRecord
from .unpack import UNZIPPED_LIMIT, remove_tree, unpack

INLINE_ZIP_LIMIT = 52_428_800
"""50 MB: the largest zip a request may carry inline (ZipFile)."""
SPOOL_IN_MEMORY = 8 << 20
_CHUNK = 1 << 20


class CodeStore:
    def __init__(self, blobs: BlobStore, root: Path) -> None:
        self.blobs = blobs
        self.root = root
        """<data>/lambda: `code/` holds unpacked packages, `tmp/` spooled downloads."""
        self._locks: dict[str, asyncio.Lock] = {}

    def spool(self) -> IO[bytes]:
        """A seekable temporary file for a package read from elsewhere (S3)."""
        spool_dir = self.root / "tmp"
        spool_dir.mkdir(parents=True, exist_ok=True)
        return tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY, "w+b", dir=str(spool_dir))

    async def intake(self, package: IO[bytes], limit: int = UNZIPPED_LIMIT) -> CodeRecord:
        """Check, store and unpack the zip in `package` (seekable, at any position)."""
        staging = self.root / "code" / f".intake-{os.urandom(8).hex()}"
        size, digest, unzipped = await asyncio.to_thread(_check_and_unpack, package, staging, limit)
        try:
            ref = await self.blobs.put(_chunks(package))
            await asyncio.to_thread(os.rename, staging, self.directory(ref.id))
        except BaseException:
            await asyncio.to_thread(remove_tree, staging)
            raise
        return CodeRecord(ref.id, size, digest, unzipped)

    async def discard(self, code: CodeRecord) -> None:
        """Forget a package no record names (any more)."""
        await asyncio.to_thread(remove_tree, self.directory(code.blob_id))
        await self.blobs.delete(code.blob_id)

    def directory(self, blob_id: str) -> Path:
        # Blob ids are opaque: the directory is named after a digest of one, never the id.
        return self.root / "code" / hashlib.sha256(blob_id.encode()).hexdigest()[:40]

    async def code_dir(self, code: CodeRecord) -> Path:
        """The unpacked package, unpacked again from its blob if missing."""
        target = self.directory(code.blob_id)
        if target.is_dir():
            return target
        lock = self._locks.setdefault(code.blob_id, asyncio.Lock())
        async with lock:
            if not target.is_dir():
                await self._restore(code, target)
        self._locks.pop(code.blob_id, None)
        return target

    async def _restore(self, code: CodeRecord, target: Path) -> None:
        with self.spool() as package:
            async for chunk in self.blobs.stream(code.blob_id, 0, code.size):
                package.write(chunk)
            await asyncio.to_thread(unpack, package, target)

    async def read(self, code: CodeRecord) -> AsyncIterator[bytes]:
        async for chunk in self.blobs.stream(code.blob_id, 0, code.size):
            yield chunk


def _check_and_unpack(package: IO[bytes], staging: Path, limit: int) -> tuple[int, str, int]:
    package.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := package.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    package.seek(0)
    unzipped = unpack(package, staging, limit)
    package.seek(0)
    return size, base64.b64encode(digest.digest()).decode(), unzipped


async def _chunks(package: IO[bytes]) -> AsyncIterator[bytes]:
    package.seek(0)
    while chunk := package.read(_CHUNK):
        yield chunk
