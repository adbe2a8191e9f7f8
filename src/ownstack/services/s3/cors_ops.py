"""Put/Get/DeleteBucketCors, and the configuration the gateway matches browsers' requests
against (`bucket_cors`: preflights and actual requests; see gateway/cors.py)."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.service import STATUS, Params, Result

from .access import owned_bucket, update_bucket
from .base import S3Base, no_such_bucket
from .cors import CorsConfig, compiled, no_such_cors, parse_configuration, stored_text
from .cors import wire_configuration as cors_document
from .records import BUCKETS, BucketRecord


class CorsOps(S3Base):
    async def put_bucket_cors(self, ctx: RequestContext, params: Params) -> Result:
        await owned_bucket(self, ctx, params)
        text = stored_text(parse_configuration(params.get("CORSConfiguration")))

        def change(bucket: BucketRecord) -> None:
            bucket.cors = text

        await update_bucket(self, ctx, params, change)
        return {}

    async def get_bucket_cors(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        if not bucket.cors:
            raise no_such_cors(bucket.name)
        return cors_document(bucket.cors)

    async def delete_bucket_cors(self, ctx: RequestContext, params: Params) -> Result:
        def change(bucket: BucketRecord) -> None:
            bucket.cors = ""

        await update_bucket(self, ctx, params, change)
        return {STATUS: 204}

    async def bucket_cors(self, name: str) -> CorsConfig | None:
        """The bucket's compiled CORS rules, None when it has none; NoSuchBucket when there is
        no such bucket. Unauthenticated by design: browsers send preflights without
        credentials, and S3 answers them from the configuration alone."""
        raw = await self.meta.get(BUCKETS, name)
        if raw is None:
            raise no_such_bucket(name)
        text = self._buckets.decoded(name, raw).cors
        return compiled(text) if text else None
