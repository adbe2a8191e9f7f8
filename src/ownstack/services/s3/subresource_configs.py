"""The id-keyed bucket configurations: metrics, analytics, Intelligent-Tiering and inventory
(Put/Get/Delete by id, List in pages of 100). Stored whole and returned exactly
(subresource_store.py), or refused where S3 would act on them and ownstack does not
(docs/s3-bucket-subresources.md):

- metrics: CloudWatch request metrics, which ownstack does not serve: nothing observable
  through ownstack differs, so they are stored;
- analytics: storage class analysis shows only in the S3 console; a DataExport would write
  daily CSV objects into a bucket: 501;
- Intelligent-Tiering: a Disabled configuration does nothing and is stored; an Enabled one
  would archive unaccessed INTELLIGENT_TIERING objects (then unreadable until restored): 501;
- inventory: a disabled one (IsEnabled false) is stored; an enabled one would publish inventory
  lists into its destination bucket: 501.
"""

from __future__ import annotations

import re
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import STATUS, Params, Result

from .access import owned_bucket
from .base import S3Base
from .errors import malformed_xml
from .subresource_schema import check_document
from .subresource_store import (
    ANALYTICS,
    INTELLIGENT_TIERING,
    INVENTORY,
    METRICS,
    Kind,
    delete_configuration,
    get_configuration,
    list_configurations,
    put_configuration,
)
from .subresources import setting_not_implemented

_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""A configuration id: "a 64 character limit and can only contain letters, numbers, periods,
dashes, and underscores" (MetricsId); S3 answers any other id with MalformedXML."""
_BUCKET_ARN = re.compile(r"arn:[a-z-]+:s3:::[^/]+")
_TIER_DAYS = {"ARCHIVE_ACCESS": 90, "DEEP_ARCHIVE_ACCESS": 180}
_MAX_TIER_DAYS = 730


def _document(operation: str, kind: Kind, params: Params) -> dict[str, Any]:
    """The Put's document, schema-checked, with an id that is valid and the query's."""
    doc = check_document(operation, kind.member, params.get(kind.member))
    config_id = str(params["Id"])
    if _ID.fullmatch(config_id) is None:
        raise malformed_xml()
    if doc["Id"] != config_id:
        if kind is INVENTORY:
            raise ServiceError(
                "IdMismatch", "Document ID does not match the specified configuration ID."
            )
        raise malformed_xml()
    return doc


def _check_filter(raw: Any, predicates: tuple[str, ...]) -> None:
    """A filter names exactly one predicate (or a conjunction, of at least two)."""
    if raw is None:
        return
    named = [p for p in (*predicates, "And") if raw.get(p) is not None]
    if len(named) != 1:
        raise malformed_xml()
    conjunction = raw.get("And")
    if conjunction is not None:
        tags = len(conjunction.get("Tags") or ())
        others = sum(1 for k, v in conjunction.items() if k != "Tags" and v is not None)
        if tags + others < 2:
            raise malformed_xml()


class SubresourceConfigOps(S3Base):
    # --- metrics ------------------------------------------------------------------------------

    async def put_bucket_metrics_configuration(self, ctx: RequestContext, params: Params) -> Result:
        doc = _document("PutBucketMetricsConfiguration", METRICS, params)
        _check_filter(doc.get("Filter"), ("Prefix", "Tag", "AccessPointArn"))
        await put_configuration(self, ctx, params, METRICS, doc["Id"], doc)
        return {}

    async def get_bucket_metrics_configuration(self, ctx: RequestContext, params: Params) -> Result:
        return await get_configuration(self, ctx, params, METRICS)

    async def delete_bucket_metrics_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        await delete_configuration(self, ctx, params, METRICS)
        return {STATUS: 204}

    async def list_bucket_metrics_configurations(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        return await list_configurations(self, ctx, params, METRICS)

    # --- analytics ----------------------------------------------------------------------------

    async def put_bucket_analytics_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        doc = _document("PutBucketAnalyticsConfiguration", ANALYTICS, params)
        _check_filter(doc.get("Filter"), ("Prefix", "Tag"))
        if doc["StorageClassAnalysis"].get("DataExport") is not None:
            await owned_bucket(self, ctx, params)
            raise setting_not_implemented("Storage class analysis export (DataExport)")
        await put_configuration(self, ctx, params, ANALYTICS, doc["Id"], doc)
        return {}

    async def get_bucket_analytics_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        return await get_configuration(self, ctx, params, ANALYTICS)

    async def delete_bucket_analytics_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        await delete_configuration(self, ctx, params, ANALYTICS)
        return {STATUS: 204}

    async def list_bucket_analytics_configurations(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        return await list_configurations(self, ctx, params, ANALYTICS)

    # --- Intelligent-Tiering ------------------------------------------------------------------

    async def put_bucket_intelligent_tiering_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        doc = _document("PutBucketIntelligentTieringConfiguration", INTELLIGENT_TIERING, params)
        _check_filter(doc.get("Filter"), ("Prefix", "Tag"))
        _check_tierings(doc["Tierings"])
        if doc["Status"] == "Enabled":
            await owned_bucket(self, ctx, params)
            raise setting_not_implemented(
                "Intelligent-Tiering archive access tiers (Status Enabled)"
            )
        await put_configuration(self, ctx, params, INTELLIGENT_TIERING, doc["Id"], doc)
        return {}

    async def get_bucket_intelligent_tiering_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        return await get_configuration(self, ctx, params, INTELLIGENT_TIERING)

    async def delete_bucket_intelligent_tiering_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        await delete_configuration(self, ctx, params, INTELLIGENT_TIERING)
        return {STATUS: 204}

    async def list_bucket_intelligent_tiering_configurations(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        return await list_configurations(self, ctx, params, INTELLIGENT_TIERING)

    # --- inventory ----------------------------------------------------------------------------

    async def put_bucket_inventory_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        doc = _document("PutBucketInventoryConfiguration", INVENTORY, params)
        destination = str(doc["Destination"]["S3BucketDestination"]["Bucket"])
        if _BUCKET_ARN.fullmatch(destination) is None:
            raise ServiceError("InvalidS3DestinationBucket", "Invalid bucket ARN.")
        if doc["IsEnabled"]:
            await owned_bucket(self, ctx, params)
            raise setting_not_implemented("Inventory report delivery (IsEnabled true)")
        await put_configuration(self, ctx, params, INVENTORY, doc["Id"], doc)
        return {}

    async def get_bucket_inventory_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        return await get_configuration(self, ctx, params, INVENTORY)

    async def delete_bucket_inventory_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        await delete_configuration(self, ctx, params, INVENTORY)
        return {STATUS: 204}

    async def list_bucket_inventory_configurations(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        return await list_configurations(self, ctx, params, INVENTORY)


def _check_tierings(tierings: list[dict[str, Any]]) -> None:
    """Archive Access after at least 90 days, Deep Archive Access after at least 180, both
    at most 730 (IntelligentTieringDays)."""
    for tiering in tierings:
        tier, days = tiering["AccessTier"], int(tiering["Days"])
        if not _TIER_DAYS[tier] <= days <= _MAX_TIER_DAYS:
            raise ServiceError(
                "InvalidArgument",
                "The minimum number of days specified for Archive Access tier must be at least"
                " 90 days and Deep Archive Access tier must be at least 180 days. The maximum"
                " can be up to 2 years (730 days).",
                fields={"ArgumentName": "Days", "ArgumentValue": str(days)},
            )
