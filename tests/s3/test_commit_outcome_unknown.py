"""A write whose metadata commit may have landed must never delete the blob it just stored.

If the handler is cancelled while awaiting the commit (server shutdown past its grace, a
timeout), the engine may still apply it: the sqlite writer thread does not know its caller left.
The new blob must then stay, or a committed object would point at deleted bytes. (If nothing
references it after all, the start-up orphan sweep reclaims it.) The engine here applies each
commit and then reports a cancellation: the worst case, made deterministic.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.http import BytesBody
from ownstack.ports.meta import Op
from ownstack.services.s3.base import S3Limits
from ownstack.services.s3.service import S3Service

ACCOUNT = "123456789012"
DATA = b"bytes that were acknowledged by the engine " * 100


class CommitThenCancel(MemoryMeta):
    """A meta engine whose commits land, but whose caller is cancelled while waiting."""

    armed = False

    async def commit(self, ops: Sequence[Op]) -> int:
        version = await super().commit(ops)
        if self.armed:
            raise asyncio.CancelledError
        return version


def _ctx() -> RequestContext:
    arn = f"arn:aws:iam::{ACCOUNT}:root"
    return RequestContext("t", ACCOUNT, "us-east-1", Principal(ACCOUNT, arn, ACCOUNT, "AKIA"))


async def _read(svc: S3Service, key: str) -> bytes:
    got = await svc.get_object(_ctx(), {"Bucket": "outcome-unknown", "Key": key})
    return await _payload_bytes(svc, got["Body"])


async def _payload_bytes(svc: S3Service, payload: Any) -> bytes:
    if isinstance(payload, bytes):
        return payload
    parts = payload if isinstance(payload, list) else [payload]
    return b"".join(p if isinstance(p, bytes) else b"" for p in parts)


def _service() -> tuple[S3Service, CommitThenCancel, MemoryBlobs]:
    meta, blobs = CommitThenCancel(), MemoryBlobs()
    # inline_max=0: every object is a blob, the case where a wrong cleanup loses bytes.
    svc = S3Service(meta, blobs, ManualClock(), S3Limits(inline_max=0))
    return svc, meta, blobs


def test_cancelled_put_keeps_the_blob_its_committed_record_references() -> None:
    async def scenario() -> None:
        svc, meta, blobs = _service()
        await svc.create_bucket(_ctx(), {"Bucket": "outcome-unknown"})
        meta.armed = True
        with pytest.raises(asyncio.CancelledError):
            await svc.put_object(
                _ctx(), {"Bucket": "outcome-unknown", "Key": "k", "Body": BytesBody(DATA)}
            )
        meta.armed = False
        assert len(blobs) == 1
        assert await _read(svc, "k") == DATA

    asyncio.run(scenario())


def test_cancelled_copy_keeps_the_blob_its_committed_record_references() -> None:
    async def scenario() -> None:
        svc, meta, blobs = _service()
        await svc.create_bucket(_ctx(), {"Bucket": "outcome-unknown"})
        await svc.put_object(
            _ctx(), {"Bucket": "outcome-unknown", "Key": "src", "Body": BytesBody(DATA)}
        )
        meta.armed = True
        with pytest.raises(asyncio.CancelledError):
            await svc.copy_object(
                _ctx(),
                {"Bucket": "outcome-unknown", "Key": "dst", "CopySource": "outcome-unknown/src"},
            )
        meta.armed = False
        assert len(blobs) == 2
        assert await _read(svc, "dst") == DATA

    asyncio.run(scenario())


def test_cancelled_upload_part_keeps_the_part_blob() -> None:
    async def scenario() -> None:
        svc, meta, blobs = _service()
        await svc.create_bucket(_ctx(), {"Bucket": "outcome-unknown"})
        created = await svc.create_multipart_upload(
            _ctx(), {"Bucket": "outcome-unknown", "Key": "mp"}
        )
        upload = {"Bucket": "outcome-unknown", "Key": "mp", "UploadId": created["UploadId"]}
        meta.armed = True
        with pytest.raises(asyncio.CancelledError):
            await svc.upload_part(_ctx(), {**upload, "PartNumber": 1, "Body": BytesBody(DATA)})
        meta.armed = False
        parts = await svc.list_parts(_ctx(), upload)
        assert [p["PartNumber"] for p in parts["Parts"]] == [1]
        assert len(blobs) == 1

    asyncio.run(scenario())
