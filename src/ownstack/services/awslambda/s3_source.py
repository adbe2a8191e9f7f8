"""Reading a deployment package from ownstack's own S3 (Code.S3Bucket/S3Key/S3ObjectVersion).

Lambda reads the object with the caller's permissions, as AWS does (a caller without
s3:GetObject on it cannot make a function of it, nor read it back through GetFunction). The
composition root (app.py) hands in two callables, so this service never imports the S3
service: S3's own GetObject handler, and the gateway's check of one more permission for the
current request (`authorize`). S3's answers become Lambda's InvalidParameterValueException,
in AWS's words.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import replace
from typing import IO, Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import FileRange
from ownstack.core.service import Params, Result

from .errors import invalid
from .unpack import too_big_unzipped

GetObject = Callable[[RequestContext, Params], Awaitable[Result]]
Authorize = Callable[[RequestContext, str, str], Awaitable[None]]
"""authorize(ctx, action, resource): raises the service's AccessDenied unless the request's
principal may do `action` on `resource` (policies evaluated as for the request itself)."""
_READ = 1 << 20


class S3Packages:
    def __init__(self, get_object: GetObject, authorize: Authorize | None) -> None:
        self._get_object = get_object
        self._authorize = authorize

    async def read_into(
        self,
        ctx: RequestContext,
        bucket: str,
        key: str,
        version: str | None,
        sink: IO[bytes],
        limit: int,
    ) -> None:
        """Write the object's bytes to `sink`; at most `limit` of them."""
        s3ctx = replace(ctx, service="s3", operation="GetObject")
        params: Params = {"Bucket": bucket, "Key": key}
        if version:
            params["VersionId"] = version
        try:
            if self._authorize is not None:
                await self._authorize(s3ctx, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}")
            result = await self._get_object(s3ctx, params)
        except ServiceError as err:
            raise _as_lambda_error(err, bucket, key) from err
        body = result.get("Body", b"")
        if int(result.get("ContentLength") or 0) > limit:
            _close(body)
            raise too_big_unzipped(limit)
        await _write(body, sink)


def _as_lambda_error(err: ServiceError, bucket: str, key: str) -> ServiceError:
    if err.code in ("AccessDenied", "AccessDeniedException"):
        return invalid(
            "Your access has been denied by S3, please make sure your request credentials have "
            f"permission to GetObject for {bucket}/{key}. S3 Error Code: AccessDenied. S3 Error "
            "Message: Access Denied"
        )
    return invalid(
        f"Error occurred while GetObject. S3 Error Code: {err.code}. S3 Error Message: "
        f"{err.message}"
    )


async def _write(body: Any, sink: IO[bytes]) -> None:
    if isinstance(body, bytes | bytearray | memoryview):
        sink.write(body)
    elif isinstance(body, FileRange):
        await asyncio.to_thread(_copy_range, body, sink)
    elif isinstance(body, list):
        for part in body:
            await _write(part, sink)
    elif isinstance(body, AsyncIterable):
        async for chunk in body:
            sink.write(chunk)


def _copy_range(part: FileRange, sink: IO[bytes]) -> None:
    try:
        offset, left = part.offset, part.length
        while left > 0:
            chunk = os.pread(part.fd, min(_READ, left), offset)
            if not chunk:
                break
            sink.write(chunk)
            offset += len(chunk)
            left -= len(chunk)
    finally:
        os.close(part.fd)


def _close(body: Any) -> None:
    parts = body if isinstance(body, list) else [body]
    for part in parts:
        if isinstance(part, FileRange):
            os.close(part.fd)
