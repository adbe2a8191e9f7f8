"""ListObjects, ListObjectsV2 and ListObjectVersions over the shared listing walk."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.meta import prefix_end

from .access import owned_bucket
from .base import S3Base
from .headers import timestamp
from .listing_common import (
    Encode,
    encoder,
    encoding_type,
    listed_object,
    max_count,
    object_entry,
    owner_of,
)
from .listing_scan import Page, scan_page, start_after
from .listing_versions import VersionPage, version_page, version_start
from .records import BucketRecord, MarkerRecord, is_marker, objects_ns
from .versioning_ids import check_version_id
from .versioning_store import decode_version

_KEY_TAG = "k"
_PREFIX_TAG = "p"


def _token(page: Page) -> str:
    """The opaque continuation token: where the page ended, and whether on a common prefix."""
    raw = (_PREFIX_TAG if page.last_was_prefix else _KEY_TAG) + page.last_key
    return opaque_token(raw)


def _token_start(token: str, prefix: str) -> str:
    raw = token_text(token) or ""
    if raw[:1] == _KEY_TAG:
        return max(raw[1:] + "\x00", prefix)
    if raw[:1] == _PREFIX_TAG and raw[1:]:
        return max(prefix_end(raw[1:]) or "\U0010ffff", prefix)
    raise ServiceError(
        "InvalidArgument",
        "The continuation token provided is incorrect",
        fields={"ArgumentName": "continuation-token"},
    )


def _common_prefixes(page: Page, encode: Encode) -> list[dict[str, str]]:
    return [{"Prefix": encode(cp)} for cp in page.prefixes]


def _echo(result: Result, params: Params, encode: Encode, members: tuple[str, ...]) -> None:
    """Request arguments S3 repeats in the response (encoded like the names they are)."""
    for member in members:
        value = params.get(member)
        # An empty delimiter (`delimiter=`) is no delimiter: S3 leaves the element out.
        if value is None or (member == "Delimiter" and value == ""):
            continue
        result[member] = encode(value) if isinstance(value, str) else value


class ListingOps(S3Base):
    async def _list_walk(
        self, bucket: BucketRecord, params: Params, start: str, max_keys: int
    ) -> Page:
        return await scan_page(
            self.meta,
            objects_ns(bucket.id),
            prefix=params.get("Prefix") or "",
            delimiter=params.get("Delimiter") or "",
            start=start,
            max_items=max_keys,
        )

    def _list_contents(
        self, bucket: BucketRecord, page: Page, encode: Encode, with_owner: bool
    ) -> list[dict[str, Any]]:
        contents = []
        for rec in page.entries:
            obj = listed_object(rec.value)
            entry = object_entry(obj, rec.key, encode)
            if with_owner:
                entry["Owner"] = owner_of(bucket, obj.owner_id, obj.owner_name)
            contents.append(entry)
        return contents

    async def list_objects(self, ctx: RequestContext, params: Params) -> Result:
        encode = encoder(encoding_type(params))
        bucket = await owned_bucket(self, ctx, params)
        max_keys = max_count(params, "MaxKeys", "max-keys")
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or ""
        marker = params.get("Marker") or ""
        page = await self._list_walk(
            bucket, params, start_after(marker, prefix, delimiter), max_keys
        )
        result: Result = {
            "Name": bucket.name,
            "Prefix": encode(prefix),
            "Marker": encode(marker),
            "MaxKeys": max_keys,
            "IsTruncated": page.truncated,
        }
        _echo(result, params, encode, ("Delimiter", "EncodingType"))
        # S3 returns NextMarker only with a delimiter; without one the last key is the marker.
        if page.truncated and delimiter:
            result["NextMarker"] = encode(page.last_key)
        contents = self._list_contents(bucket, page, encode, with_owner=True)
        if contents:
            result["Contents"] = contents
        if page.prefixes:
            result["CommonPrefixes"] = _common_prefixes(page, encode)
        return result

    async def list_objects_v2(self, ctx: RequestContext, params: Params) -> Result:
        encode = encoder(encoding_type(params))
        bucket = await owned_bucket(self, ctx, params)
        max_keys = max_count(params, "MaxKeys", "max-keys")
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or ""
        token = params.get("ContinuationToken")
        # An empty token (`continuation-token=`, which SDK paginators send on the first page)
        # is no token: S3 lists from the start (or StartAfter) and echoes the empty token.
        if token:
            start = _token_start(token, prefix)
        else:
            start = start_after(params.get("StartAfter") or "", prefix, delimiter)
        page = await self._list_walk(bucket, params, start, max_keys)
        result: Result = {
            "Name": bucket.name,
            "Prefix": encode(prefix),
            "MaxKeys": max_keys,
            "KeyCount": len(page.entries) + len(page.prefixes),
            "IsTruncated": page.truncated,
        }
        _echo(result, params, encode, ("Delimiter", "EncodingType", "StartAfter"))
        if token is not None:
            result["ContinuationToken"] = token
        if page.truncated:
            result["NextContinuationToken"] = _token(page)
        contents = self._list_contents(bucket, page, encode, bool(params.get("FetchOwner")))
        if contents:
            result["Contents"] = contents
        if page.prefixes:
            result["CommonPrefixes"] = _common_prefixes(page, encode)
        return result

    async def list_object_versions(self, ctx: RequestContext, params: Params) -> Result:
        encode = encoder(encoding_type(params))
        bucket = await owned_bucket(self, ctx, params)
        max_keys = max_count(params, "MaxKeys", "max-keys")
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or ""
        key_marker = params.get("KeyMarker") or ""
        version_marker = params.get("VersionIdMarker") or ""
        _check_version_marker(key_marker, version_marker)
        start, resume = await version_start(
            self.meta, bucket, key_marker, version_marker, prefix, delimiter
        )
        page = await version_page(
            self.meta,
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            start=start,
            resume_key=resume,
            max_items=max_keys,
        )
        result: Result = {
            "Name": bucket.name,
            "Prefix": encode(prefix),
            "KeyMarker": encode(key_marker),
            "VersionIdMarker": version_marker,
            "MaxKeys": max_keys,
            "IsTruncated": page.truncated,
        }
        _echo(result, params, encode, ("Delimiter", "EncodingType"))
        if page.truncated:
            result["NextKeyMarker"] = encode(page.last_key)
            if page.last_version is not None:
                result["NextVersionIdMarker"] = decode_version(page.last_version).version_id
        versions, markers = self._list_versions(bucket, page, encode)
        if versions:
            result["Versions"] = versions
        if markers:
            result["DeleteMarkers"] = markers
        if page.prefixes:
            result["CommonPrefixes"] = [{"Prefix": encode(cp)} for cp in page.prefixes]
        return result

    def _list_versions(
        self, bucket: BucketRecord, page: VersionPage, encode: Encode
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        versions: list[dict[str, Any]] = []
        markers: list[dict[str, Any]] = []
        for key, value, latest in page.entries:
            if is_marker(value):
                mark = MarkerRecord.decode(value)
                markers.append(
                    {
                        "Key": encode(key),
                        "VersionId": mark.version_id,
                        "IsLatest": latest,
                        "LastModified": timestamp(mark.last_modified),
                        "Owner": owner_of(bucket, mark.owner_id, mark.owner_name),
                    }
                )
                continue
            obj = listed_object(value)
            entry = object_entry(obj, key, encode)
            entry["VersionId"] = obj.version_id or "null"
            entry["IsLatest"] = latest
            entry["Owner"] = owner_of(bucket, obj.owner_id, obj.owner_name)
            versions.append(entry)
        return versions, markers


def _check_version_marker(key_marker: str, version_marker: str) -> None:
    if not version_marker:
        return
    if not key_marker:
        raise ServiceError(
            "InvalidArgument",
            "A version-id marker cannot be specified without a key marker.",
            fields={"ArgumentName": "version-id-marker", "ArgumentValue": version_marker},
        )
    check_version_id(version_marker, "version-id-marker")


__all__ = ["ListingOps"]
