"""Object and bucket tag sets: Put/Get/DeleteObjectTagging, Put/Get/DeleteBucketTagging."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.errors import ConditionFailed

from .access import conflict, owned_bucket, update_bucket
from .base import no_such_key
from .notify_ops import NotificationOps
from .records import BucketRecord
from .versioning_read import named_version

MAX_OBJECT_TAGS = 10
MAX_BUCKET_TAGS = 50
_RETRIES = 5
_TAG_PUNCTUATION = set(" +-=._:/@")


def invalid_tag(message: str, **fields: str) -> ServiceError:
    # S3 names the offending tag in the error: TagKey, and TagValue for a bad value.
    named = {name: value for name, value in fields.items() if value}
    return ServiceError("InvalidTag", message, fields=named or None)


def check_tags(pairs: Iterable[tuple[str, str]], *, bucket: bool) -> dict[str, str]:
    """A validated tag set, in the order given."""
    tags: dict[str, str] = {}
    for key, value in pairs:
        if key in tags:
            raise invalid_tag("Cannot provide multiple Tags with the same key", TagKey=key)
        _check_tag(key, value, bucket=bucket)
        tags[key] = value
    if bucket and len(tags) > MAX_BUCKET_TAGS:
        raise ServiceError("BadRequest", "Bucket tag count cannot be greater than 50")
    if not bucket and len(tags) > MAX_OBJECT_TAGS:
        raise ServiceError("BadRequest", "Object tags cannot be greater than 10")
    return tags


def _check_tag(key: str, value: str, *, bucket: bool) -> None:
    if len(key) > 128:
        raise invalid_tag("The TagKey you have provided is too long, max 128")
    if len(value) > 256:
        raise invalid_tag("The TagValue you have provided is too long, max 256")
    if not key or not _allowed(key):
        raise invalid_tag("The TagKey you have provided is invalid", TagKey=key)
    if not _allowed(value):
        raise invalid_tag("The TagValue you have provided is invalid", TagKey=key, TagValue=value)
    if key.lower().startswith("aws:"):
        # S3 words the same refusal differently for buckets and objects.
        message = (
            "System tags cannot be added/updated by requester"
            if bucket
            else "Your TagKey cannot be prefixed with aws:"
        )
        raise invalid_tag(message, TagKey=key)


def _allowed(text: str) -> bool:
    """Letters, numbers and spaces representable in UTF-8, and + - = . _ : / @ (AWS's rule)."""
    return all(ch in _TAG_PUNCTUATION or unicodedata.category(ch)[0] in "LNZ" for ch in text)


def tags_from_header(value: str | None) -> dict[str, str]:
    """The x-amz-tagging header: URL query form ("k1=v1&k2=v2"). A name without "=" is a tag
    with an empty value, as on S3 ("k1=v1&k2" tags k2 with "")."""
    if not value:
        return {}
    try:
        # errors="strict": percent-escapes that are not UTF-8 are refused, not replaced.
        pairs = parse_qsl(value, keep_blank_values=True, errors="strict")
    except ValueError as exc:  # UnicodeDecodeError
        raise _bad_tagging_header(value) from exc
    if len({name for name, _ in pairs}) != len(pairs):
        raise _bad_tagging_header(value)
    if not all(_allowed(name) and _allowed(tag) for name, tag in pairs):
        # A character no tag may hold ("k1=v1,k2=v2") makes the header itself malformed.
        raise _bad_tagging_header(value)
    return check_tags(pairs, bucket=False)


def _bad_tagging_header(value: str) -> ServiceError:
    # S3 answers a malformed header or a repeated tag name with InvalidArgument (not
    # InvalidTag, which is for the tags themselves).
    return ServiceError(
        "InvalidArgument",
        "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query"
        " parameters without tag name duplicates.",
        fields={"ArgumentName": "x-amz-tagging", "ArgumentValue": value},
    )


def tag_set(tags: dict[str, str]) -> list[dict[str, str]]:
    # S3 documents no order; sorted by key, as other S3 stores answer, so clients (and test
    # suites) that compare tag lists in order see one stable order.
    return [{"Key": k, "Value": tags[k]} for k in sorted(tags)]


def tag_pairs(config: Any) -> list[tuple[str, str]]:
    """The Tags of a CreateBucketConfiguration, as (key, value) pairs."""
    tag_list = (config or {}).get("Tags") or []
    return [(str(t.get("Key") or ""), str(t.get("Value") or "")) for t in tag_list]


def _pairs(tagging: Any) -> list[tuple[str, str]]:
    tag_list = (tagging or {}).get("TagSet") or []
    return [(str(t.get("Key", "")), str(t.get("Value", ""))) for t in tag_list]


class TaggingOps(NotificationOps):
    async def put_object_tagging(self, ctx: RequestContext, params: Params) -> Result:
        tags = check_tags(_pairs(params.get("Tagging")), bucket=False)
        return await self._set_object_tags(ctx, params, tags, "ObjectTagging:Put", "PUT")

    async def get_object_tagging(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        try:
            found = await named_version(self.meta, bucket, params, "GET")
        except ServiceError as exc:
            # Here alone S3 names the missing key as "bucket/key" (Put/DeleteObjectTagging
            # name the bare key).
            if exc.code == "NoSuchKey":
                raise no_such_key(f"{bucket.name}/{params['Key']}") from exc
            raise
        out: Result = {"TagSet": tag_set(found[0].tags)}
        if bucket.versioning:
            out["VersionId"] = found[0].version_id
        return out

    async def delete_object_tagging(self, ctx: RequestContext, params: Params) -> Result:
        return await self._set_object_tags(ctx, params, {}, "ObjectTagging:Delete", "DELETE")

    async def _set_object_tags(
        self, ctx: RequestContext, params: Params, tags: dict[str, str], event: str, method: str
    ) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        key = params["Key"]
        # Compare-and-set so a concurrent overwrite is never undone by a stale record.
        for _ in range(_RETRIES):
            rec, found = await named_version(self.meta, bucket, params, method)
            rec.tags = tags
            version = rec.version_id if bucket.versioning else "null"
            notes = self.notes(ctx, bucket, event, key, rec.size, rec.etag, version)
            try:
                await self.meta.commit([*found.rewrite(bucket, key, rec), *notes])
            except ConditionFailed:
                continue
            return {"VersionId": rec.version_id} if bucket.versioning else {}
        raise conflict()

    async def put_bucket_tagging(self, ctx: RequestContext, params: Params) -> Result:
        tags = check_tags(_pairs(params.get("Tagging")), bucket=True)
        await self._set_bucket_tags(ctx, params, tags)
        return {STATUS: 204}  # S3 answers 204 No Content; the model names no status

    async def get_bucket_tagging(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        if not bucket.tags:
            raise ServiceError(
                "NoSuchTagSet",
                "The TagSet does not exist",
                404,
                fields={"BucketName": bucket.name},
            )
        return {"TagSet": tag_set(bucket.tags)}

    async def delete_bucket_tagging(self, ctx: RequestContext, params: Params) -> Result:
        await self._set_bucket_tags(ctx, params, {})
        return {}

    async def _set_bucket_tags(
        self, ctx: RequestContext, params: Params, tags: dict[str, str]
    ) -> None:
        def change(bucket: BucketRecord) -> None:
            bucket.tags = tags

        await update_bucket(self, ctx, params, change)
