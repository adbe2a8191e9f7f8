"""Bucket sub-resources held as one document each: website, request payment, transfer
acceleration and server access logging (docs/s3-bucket-subresources.md says which settings
ownstack honours and why the others are refused).

- Website: stored and returned exactly; served by the website endpoint (gateway/website.py,
  which asks `website_site`).
- RequestPayment: Payer BucketOwner is what every ownstack bucket is, so it is accepted (it
  changes nothing); Payer Requester would make other accounts' requests carry
  x-amz-request-payer and be refused without it, which ownstack does not enforce: 501.
- Accelerate: Status Suspended is stored and returned; Enabled would open the bucket's
  s3-accelerate endpoint, which ownstack does not gate per bucket: 501.
- Logging: an empty BucketLoggingStatus (logging off, every bucket's state) is accepted;
  LoggingEnabled would deliver access-log objects, which ownstack does not do: 501, after
  S3's own checks of the target bucket.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import STATUS, Params, Result

from .access import owned_bucket
from .base import S3Base, no_such_bucket
from .records import BUCKETS
from .subresource_schema import check_document
from .subresource_store import document, store
from .website_config import Site, check_website, site_of

WEBSITE = "website"
ACCELERATE = "accelerate"


def setting_not_implemented(setting: str) -> ServiceError:
    """What a Put answers for a setting S3 would act on and ownstack cannot (yet)."""
    return ServiceError(
        "NotImplemented",
        f"{setting} is not implemented by ownstack.",
        501,
        sender_fault=False,
    )


def no_such_website(bucket: str) -> ServiceError:
    return ServiceError(
        "NoSuchWebsiteConfiguration",
        "The specified bucket does not have a website configuration",
        404,
        fields={"BucketName": bucket},
    )


@lru_cache(maxsize=256)
def _site(text: str) -> Site:
    """The Site of a stored configuration's text (the website endpoint asks per request)."""
    return site_of(json.loads(text))


class SubresourceOps(S3Base):
    # --- website ------------------------------------------------------------------------------

    async def put_bucket_website(self, ctx: RequestContext, params: Params) -> Result:
        config = check_website(params.get("WebsiteConfiguration"))
        await store(self, ctx, params, WEBSITE, config)
        return {}

    async def get_bucket_website(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        config = document(bucket, WEBSITE)
        if config is None:
            raise no_such_website(bucket.name)
        return config

    async def delete_bucket_website(self, ctx: RequestContext, params: Params) -> Result:
        await store(self, ctx, params, WEBSITE, None)
        return {STATUS: 204}

    async def website_site(self, name: str) -> Site | None:
        """For the website endpoint: the bucket's website (None without one); NoSuchBucket
        when there is no such bucket. Not an operation: the endpoint serves anyone, and reads
        objects through the normal (authorised) GetObject."""
        raw = await self.meta.get(BUCKETS, name)
        if raw is None:
            raise no_such_bucket(name)
        text = self._buckets.decoded(name, raw).subresources.get(WEBSITE)
        return _site(text) if text else None

    # --- request payment ----------------------------------------------------------------------

    async def get_bucket_request_payment(self, ctx: RequestContext, params: Params) -> Result:
        await owned_bucket(self, ctx, params)
        return {"Payer": "BucketOwner"}

    async def put_bucket_request_payment(self, ctx: RequestContext, params: Params) -> Result:
        config = check_document(
            "PutBucketRequestPayment",
            "RequestPaymentConfiguration",
            params.get("RequestPaymentConfiguration"),
        )
        await owned_bucket(self, ctx, params)
        if config["Payer"] == "Requester":
            raise setting_not_implemented("Requester Pays (Payer Requester)")
        return {}

    # --- transfer acceleration ----------------------------------------------------------------

    async def get_bucket_accelerate_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        return document(bucket, ACCELERATE) or {}

    async def put_bucket_accelerate_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        if "." in bucket.name:
            raise ServiceError(
                "InvalidRequest",
                "S3 Transfer Acceleration is not supported for buckets with periods (.) in"
                " their names",
            )
        config: Any = params.get("AccelerateConfiguration")
        if not isinstance(config, dict) or config.get("Status") is None:
            raise ServiceError(
                "IllegalAccelerateConfigurationException",
                "The Accelerate element must be specified",
            )
        check_document("PutBucketAccelerateConfiguration", "AccelerateConfiguration", config)
        if config["Status"] == "Enabled":
            raise setting_not_implemented("Transfer Acceleration (Status Enabled)")
        await store(self, ctx, params, ACCELERATE, {"Status": config["Status"]})
        return {}

    # --- server access logging ----------------------------------------------------------------

    async def get_bucket_logging(self, ctx: RequestContext, params: Params) -> Result:
        await owned_bucket(self, ctx, params)
        return {}  # logging off: an empty BucketLoggingStatus

    async def put_bucket_logging(self, ctx: RequestContext, params: Params) -> Result:
        status = check_document(
            "PutBucketLogging", "BucketLoggingStatus", params.get("BucketLoggingStatus")
        )
        bucket = await owned_bucket(self, ctx, params)
        enabled = status.get("LoggingEnabled")
        if enabled is None:
            return {}  # turning logging off: it is off
        target = str(enabled["TargetBucket"])
        raw = await self.meta.get(BUCKETS, target)
        if raw is None:
            raise _invalid_target("The target bucket for logging does not exist", target)
        found = self._buckets.decoded(target, raw)
        if found.account_id != bucket.account_id:
            raise _invalid_target(
                "The owner for the bucket to be logged and the target bucket must be the same.",
                target,
            )
        if found.region != bucket.region:
            raise ServiceError(
                "CrossLocationLoggingProhibited",
                "Cross S3 location logging not allowed. ",
                403,
                fields={"TargetBucketLocation": found.region},
            )
        raise setting_not_implemented("Server access log delivery (LoggingEnabled)")


def _invalid_target(message: str, target: str) -> ServiceError:
    return ServiceError("InvalidTargetBucketForLogging", message, fields={"TargetBucket": target})
