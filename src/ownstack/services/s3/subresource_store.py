"""Where bucket sub-resource documents live, each as the JSON text of exactly what its Get
answers.

- One-per-bucket documents ("website", "accelerate") are members of the bucket record's
  `subresources`: small, and read with the record (the website endpoint needs it per request).
- Configurations S3 keys by id (metrics, analytics, intelligent-tiering, inventory; up to 1,000
  of each) are records of their own, in `configs_ns(bucket id)` under "<kind>/<id>", so that a
  bucket with many of them does not make its record (decoded by every object request) large.
  The bucket record keeps only how many there are of each kind (`subresources["<kind>"]`).

Every change is a compare-and-set of the bucket record: a one-per-bucket document is written in
it; adding or removing a configuration rewrites the count in the same commit as the
configuration's record, and replacing one is checked against the record's version. So changes
to a bucket's configurations are serialised (the 1,000 limit holds under concurrency), atomic
and durable when acknowledged. A bucket without sub-resources pays for an empty dict when its
record is decoded; no object read or write looks at any of this. DeleteBucket removes the
configuration records after the bucket (`purge_configurations`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Check, Delete, MetaStore, Op, Put, prefix_end

from .access import check_owner, conflict, owned_bucket, update_bucket
from .base import S3Base, no_such_bucket
from .records import BUCKETS, BucketRecord

MAX_CONFIGURATIONS = 1000
"""Per kind and bucket (each Put*Configuration page: "up to 1,000 ... configurations")."""
LIST_PAGE = 100
"""Configurations per List*Configurations page, as S3 pages them."""


@dataclass(frozen=True, slots=True)
class Kind:
    """One family of id-keyed configurations."""

    name: str
    """Its sub-resource name (the query word): "metrics", "intelligent-tiering"..."""
    member: str
    """The document's member in requests and Get answers: "MetricsConfiguration"..."""

    @property
    def list_member(self) -> str:
        return f"{self.member}List"

    def key(self, config_id: str) -> str:
        return f"{self.name}/{config_id}"


METRICS = Kind("metrics", "MetricsConfiguration")
ANALYTICS = Kind("analytics", "AnalyticsConfiguration")
INTELLIGENT_TIERING = Kind("intelligent-tiering", "IntelligentTieringConfiguration")
INVENTORY = Kind("inventory", "InventoryConfiguration")


def document(bucket: BucketRecord, name: str) -> dict[str, Any] | None:
    """The stored document `name`, or None."""
    text = bucket.subresources.get(name)
    if not text:
        return None
    found: dict[str, Any] = json.loads(text)
    return found


def encoded(doc: dict[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


async def store(
    svc: S3Base, ctx: RequestContext, params: Params, name: str, doc: dict[str, Any] | None
) -> BucketRecord:
    """Replace document `name` with `doc` (None: remove it)."""
    text = encoded(doc) if doc is not None else None

    def change(bucket: BucketRecord) -> None:
        _set(bucket, name, text)

    return await update_bucket(svc, ctx, params, change)


def _set(bucket: BucketRecord, name: str, text: str | None) -> None:
    # A fresh dict: the record being changed may share its members with a memoised copy.
    entries = dict(bucket.subresources)
    if text is None:
        entries.pop(name, None)
    else:
        entries[name] = text
    bucket.subresources = entries


def no_such_configuration() -> ServiceError:
    return ServiceError("NoSuchConfiguration", "The specified configuration does not exist.", 404)


def too_many_configurations() -> ServiceError:
    return ServiceError(
        "TooManyConfigurations",
        "You are attempting to create a new configuration but have already reached the"
        " 1,000-configuration limit.",
    )


def configs_ns(bucket_id: str) -> str:
    return f"s3:subres:{bucket_id}"


async def put_configuration(
    svc: S3Base,
    ctx: RequestContext,
    params: Params,
    kind: Kind,
    config_id: str,
    doc: dict[str, Any],
) -> None:
    """Store (or replace, whole) configuration `config_id` of `kind`."""
    key, text = kind.key(config_id), encoded(doc).encode()

    async def change(bucket: BucketRecord, raw_version: int) -> list[Op]:
        ns = configs_ns(bucket.id)
        if await svc.meta.get(ns, key) is not None:  # a replacement: the count stays
            return [Check(BUCKETS, bucket.name, raw_version), Put(ns, key, text)]
        count = _count(bucket, kind)
        if count >= MAX_CONFIGURATIONS:
            raise too_many_configurations()
        _set(bucket, kind.name, str(count + 1))
        return [Put(BUCKETS, bucket.name, bucket.encode(), expect=raw_version), Put(ns, key, text)]

    await _counted_change(svc, ctx, params, change)


async def get_configuration(svc: S3Base, ctx: RequestContext, params: Params, kind: Kind) -> Result:
    bucket = await owned_bucket(svc, ctx, params)
    found = await svc.meta.get(configs_ns(bucket.id), kind.key(str(params["Id"])))
    if found is None:
        raise no_such_configuration()
    return {kind.member: json.loads(found.value)}


async def delete_configuration(
    svc: S3Base, ctx: RequestContext, params: Params, kind: Kind
) -> None:
    key = kind.key(str(params["Id"]))

    async def change(bucket: BucketRecord, raw_version: int) -> list[Op]:
        ns = configs_ns(bucket.id)
        found = await svc.meta.get(ns, key)
        if found is None:
            raise no_such_configuration()
        count = _count(bucket, kind) - 1
        _set(bucket, kind.name, str(count) if count > 0 else None)
        return [
            Put(BUCKETS, bucket.name, bucket.encode(), expect=raw_version),
            Delete(ns, key, expect=found.version),
        ]

    await _counted_change(svc, ctx, params, change)


async def _counted_change(
    svc: S3Base,
    ctx: RequestContext,
    params: Params,
    change: Callable[[BucketRecord, int], Awaitable[list[Op]]],
) -> None:
    """Commit what `change(bucket, its record's version)` returns, starting over when the
    bucket record (or a configuration) changed meanwhile."""
    name = params["Bucket"]
    for _ in range(_RETRIES):
        raw = await svc.meta.get(BUCKETS, name)
        if raw is None:
            raise no_such_bucket(name)
        bucket = BucketRecord.decode(raw.value)
        check_owner(ctx, bucket, params)
        ops = await change(bucket, raw.version)
        try:
            await svc.meta.commit(ops)
            return
        except ConditionFailed:
            continue
    raise conflict()


async def list_configurations(
    svc: S3Base, ctx: RequestContext, params: Params, kind: Kind
) -> Result:
    """One page of `kind`'s configurations in id order, from just after the id the
    ContinuationToken names."""
    bucket = await owned_bucket(svc, ctx, params)
    token = params.get("ContinuationToken")
    prefix = f"{kind.name}/"
    start = prefix + _token_id(token) + "\x00" if token is not None else prefix
    found = await svc.meta.scan(
        configs_ns(bucket.id), start=start, end=prefix_end(prefix), limit=LIST_PAGE + 1
    )
    page = found[:LIST_PAGE]
    out: Result = {
        kind.list_member: [json.loads(rec.value) for rec in page],
        "IsTruncated": len(found) > LIST_PAGE,
    }
    if token is not None:
        out["ContinuationToken"] = token
    if len(found) > LIST_PAGE:
        out["NextContinuationToken"] = opaque_token(page[-1].key[len(prefix) :])
    return out


async def purge_configurations(meta: MetaStore, bucket: BucketRecord) -> None:
    """After DeleteBucket deleted `bucket`'s record: remove its configuration records (a crash
    before this ends leaves records no bucket names: a re-created bucket has a new id)."""
    if not any(name in _KIND_NAMES for name in bucket.subresources):
        return
    ns = configs_ns(bucket.id)
    while found := await meta.scan(ns, limit=_PURGE_BATCH):
        await meta.commit([Delete(ns, rec.key) for rec in found])


def _token_id(token: Any) -> str:
    found = token_text(str(token)) if token else None
    if found is None:
        raise ServiceError(
            "InvalidArgument",
            "The continuation token provided is incorrect",
            fields={"ArgumentName": "continuation-token"},
        )
    return found


def _count(bucket: BucketRecord, kind: Kind) -> int:
    return int(bucket.subresources.get(kind.name) or 0)


_RETRIES = 5
_PURGE_BATCH = 500
_KIND_NAMES = frozenset(k.name for k in (METRICS, ANALYTICS, INTELLIGENT_TIERING, INVENTORY))
