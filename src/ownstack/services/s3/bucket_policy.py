"""Bucket policies: Put/Get/DeleteBucketPolicy, GetBucketPolicyStatus, and the facts the
gateway authorises a request with (owner, policy, tags: `resource_facts`)."""

from __future__ import annotations

import json
from typing import Any

from ownstack.core.access import ResourceFacts
from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import STATUS, Params, Result
from ownstack.policy import PolicyError, parse_policy

from .access import owned_bucket, update_bucket
from .base import S3Base
from .public_access import effective_policy, refuse_public_policy
from .publicness import as_list, is_public_policy, statements
from .records import BUCKETS, BucketRecord, ObjectRecord, objects_ns

MAX_POLICY_BYTES = 20 * 1024
"""S3's bucket policy size limit."""
_BUCKET_ARN = "arn:aws:s3:::"
_NOT_JSON = "Policies must be valid JSON and the first byte must be '{'"


def malformed_policy(message: str) -> ServiceError:
    return ServiceError("MalformedPolicy", message, 400)


def no_such_policy(bucket: str) -> ServiceError:
    return ServiceError(
        "NoSuchBucketPolicy", "The bucket policy does not exist", 404, fields={"BucketName": bucket}
    )


class BucketPolicyOps(S3Base):
    async def put_bucket_policy(self, ctx: RequestContext, params: Params) -> Result:
        text = _policy_text(params.get("Policy"))
        _validate(text, params["Bucket"])

        def change(bucket: BucketRecord) -> None:
            refuse_public_policy(ctx, bucket, text)  # Block Public Access
            bucket.policy = text

        await update_bucket(self, ctx, params, change)
        return {STATUS: 204}  # S3 answers 204 No Content

    async def get_bucket_policy(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        if not bucket.policy:
            raise no_such_policy(bucket.name)
        return {"Policy": bucket.policy}

    async def delete_bucket_policy(self, ctx: RequestContext, params: Params) -> Result:
        def change(bucket: BucketRecord) -> None:
            bucket.policy = ""

        await update_bucket(self, ctx, params, change)
        return {STATUS: 204}

    async def get_bucket_policy_status(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        if not bucket.policy:
            raise no_such_policy(bucket.name)
        return {"PolicyStatus": {"IsPublic": is_public_policy(bucket.policy)}}

    async def resource_facts(self, ctx: RequestContext, arn: str) -> ResourceFacts | None:
        """The bucket an S3 ARN names (an object's ARN: its bucket, whose policy covers it)."""
        if not arn.startswith(_BUCKET_ARN):
            return None
        name = arn[len(_BUCKET_ARN) :].split("/", 1)[0]
        raw = await self.meta.get(BUCKETS, name)
        if raw is None:
            return None
        bucket = self._buckets.decoded(name, raw)
        policy = effective_policy(ctx, bucket)  # RestrictPublicBuckets
        return ResourceFacts(owner=bucket.account_id, policy=policy, tags=bucket.tags)

    async def existing_object_tags(self, ctx: RequestContext, arn: str) -> dict[str, str] | None:
        """The tags of the object an S3 object ARN names (s3:ExistingObjectTag/<key>); None
        when there is no such object."""
        if not arn.startswith(_BUCKET_ARN):
            return None
        name, _, key = arn[len(_BUCKET_ARN) :].partition("/")
        raw = await self.meta.get(BUCKETS, name)
        if raw is None or not key:
            return None
        found = await self.meta.get(objects_ns(self._buckets.decoded(name, raw).id), key)
        return dict(ObjectRecord.decode(found.value).tags) if found is not None else None


def _policy_text(value: Any) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise malformed_policy("Policy exceeds the maximum allowed document size.")
    if not text.lstrip().startswith("{"):
        raise malformed_policy(_NOT_JSON)
    return text


def _validate(text: str, bucket: str) -> None:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise malformed_policy(_NOT_JSON) from exc
    try:
        parse_policy(text, "resource")
    except PolicyError as exc:
        raise malformed_policy(exc.message) from exc
    for statement in statements(doc):
        for resource in as_list(statement.get("Resource", statement.get("NotResource"))):
            if not _in_bucket(str(resource), bucket):
                raise malformed_policy("Policy has invalid resource")


def _in_bucket(resource: str, bucket: str) -> bool:
    """A bucket policy may only name this bucket and its objects (wildcards allowed)."""
    if resource == "*":
        return True
    if not resource.startswith(_BUCKET_ARN):
        return False
    named = resource[len(_BUCKET_ARN) :].split("/", 1)[0]
    if "*" in named or "?" in named:
        return True
    return named == bucket
