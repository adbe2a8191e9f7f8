"""Taking in a deployment package or layer content: inline (ZipFile, base64 in the request) or
from ownstack's S3 (S3Bucket, S3Key, S3ObjectVersion), then stored and unpacked (code.py)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from ownstack.core.context import RequestContext

from .base import LambdaBase
from .code import INLINE_ZIP_LIMIT
from .errors import invalid, too_large
from .records import CodeRecord
from .settings import unsupported
from .unpack import UNZIPPED_LIMIT

REQUEST_LIMIT = 69_905_067
"""What AWS names in its 413 for a request with more than 50 MB of zip inline: 50 MB as base64."""


class IntakeOps(LambdaBase):
    async def take_code(
        self, ctx: RequestContext, source: Mapping[str, Any], operation: str
    ) -> CodeRecord:
        zipped = source.get("ZipFile")
        if zipped is not None:
            if len(zipped) > INLINE_ZIP_LIMIT:
                raise too_large(operation, REQUEST_LIMIT)
            return await self.code.intake(io.BytesIO(zipped))
        bucket, key = source.get("S3Bucket"), source.get("S3Key")
        if not (bucket and key):
            raise invalid("Please provide a source for function code.")
        if self.packages is None:
            raise unsupported("S3Bucket", "This server has no S3 to read packages from.")
        with self.code.spool() as package:
            await self.packages.read_into(
                ctx, bucket, key, source.get("S3ObjectVersion"), package, UNZIPPED_LIMIT
            )
            return await self.code.intake(package)
