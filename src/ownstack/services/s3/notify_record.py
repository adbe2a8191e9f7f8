"""The messages S3 event notifications carry, shaped as AWS shapes them.

- The event record SQS queues, SNS topics and Lambda functions receive ("Event message
  structure", S3 User Guide): {"Records": [{eventVersion, eventSource, awsRegion, eventTime,
  eventName, userIdentity, requestParameters, responseElements, s3}]}.
- The event EventBridge receives ("EventBridge event message structure"): {version, id,
  detail-type, source, account, time, region, resources, detail}.
- The s3:TestEvent S3 sends to a queue or topic when a configuration names it.

A record's sequencer is only known once the change has committed (it is the commit's
version, notify_outbox.py): records are built with an empty one, filled in at delivery.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from ownstack.core.context import ANONYMOUS, ROOT, SERVICE, Principal, RequestContext

from .records import BucketRecord

CREATED = "ObjectCreated"
REMOVED = "ObjectRemoved"
TAGGING = "ObjectTagging"
LIFECYCLE = "Lifecycle"
"""LifecycleExpiration:Delete, LifecycleExpiration:DeleteMarkerCreated, LifecycleTransition."""

_DETAIL_TYPES = {
    "ObjectCreated": "Object Created",
    "ObjectRemoved": "Object Deleted",
    "ObjectTagging:Put": "Object Tags Added",
    "ObjectTagging:Delete": "Object Tags Deleted",
}
_REASONS = {
    "ObjectCreated:Put": "PutObject",
    "ObjectCreated:Post": "POST Object",
    "ObjectCreated:Copy": "CopyObject",
    "ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "ObjectRemoved:Delete": "DeleteObject",
    "ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One object change that may be notified: what happened to which object, and who did it."""

    event: str
    """The event name without its "s3:" prefix: "ObjectCreated:Put"."""
    key: str
    size: int = 0
    etag: str = ""
    """As stored: quoted."""
    version_id: str = "null"


@dataclass(frozen=True, slots=True)
class Request:
    """What an event says about the request that caused it."""

    request_id: str
    host_id: str
    source_ip: str
    principal_id: str
    requester: str
    """EventBridge's "requester": the requesting account (or service principal)."""
    when: float


def request_of(ctx: RequestContext, host_id: str, when: float) -> Request:
    principal = ctx.principal
    return Request(
        request_id=ctx.request_id,
        host_id=host_id,
        source_ip=ctx.source_ip or "127.0.0.1",
        principal_id=principal_id(principal),
        requester=principal.account_id if principal.kind != ANONYMOUS else "anonymous",
        when=when,
    )


def principal_id(principal: Principal) -> str:
    """userIdentity.principalId: "AWS:<unique id>" for an IAM identity (a role session's is
    "AROA...:<session>"), the account for its root, as AWS names them."""
    if principal.kind == ANONYMOUS or principal.is_anonymous:
        return "ANONYMOUS_PRINCIPAL"
    if principal.kind == ROOT:
        return principal.account_id
    if principal.kind == SERVICE:  # S3 itself (lifecycle): "s3.amazonaws.com"
        return principal.user_id
    return f"AWS:{principal.user_id}"


def encoded_key(key: str) -> str:
    """The object key as event records carry it: URL-encoded as a form value ("red
    flower.jpg" becomes "red+flower.jpg"), slashes kept, UTF-8 percent-escaped."""
    return quote_plus(key, safe="/*").replace("~", "%7E")


def bucket_arn(bucket: BucketRecord) -> str:
    return f"arn:aws:s3:::{bucket.name}"


def iso_millis(when: float) -> str:
    whole = int(when)
    millis = int((when - whole) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


def iso_seconds(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(when)))


def event_record(
    bucket: BucketRecord, change: Change, request: Request, configuration_id: str
) -> dict[str, Any]:
    """The message a queue, topic or function receives, its sequencer still empty."""
    tagging = change.event.startswith(TAGGING)
    record = {
        # Tagging events are version 2.3 ("S3 Lifecycle, S3 Intelligent-Tiering, object ACL,
        # object tagging, and object restoration delete events"); the others 2.1.
        "eventVersion": "2.3" if tagging or change.event.startswith(LIFECYCLE) else "2.1",
        "eventSource": "aws:s3",
        "awsRegion": bucket.region,
        "eventTime": iso_millis(request.when),
        "eventName": change.event,
        "userIdentity": {"principalId": request.principal_id},
        "requestParameters": {"sourceIPAddress": request.source_ip},
        "responseElements": {
            "x-amz-request-id": request.request_id,
            "x-amz-id-2": request.host_id,
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket.name,
                "ownerIdentity": {"principalId": bucket.account_id},
                "arn": bucket_arn(bucket),
            },
            "object": _record_object(change),
        },
    }
    return {"Records": [record]}


def _record_object(change: Change) -> dict[str, Any]:
    """key; size and eTag for a created object; eTag for a tagging event (no size, no
    sequencer); versionId only for a version of a versioning bucket (not "null")."""
    obj: dict[str, Any] = {"key": encoded_key(change.key)}
    if change.event.startswith(CREATED):
        obj["size"] = change.size
    if not change.event.startswith((REMOVED, LIFECYCLE + "Expiration")):
        obj["eTag"] = change.etag.strip('"')
    if change.version_id != "null":
        obj["versionId"] = change.version_id
    if not change.event.startswith(TAGGING):
        obj["sequencer"] = ""
    return obj


def eventbridge_event(bucket: BucketRecord, change: Change, request: Request) -> dict[str, Any]:
    """The event EventBridge receives for `change`, its sequencer still empty."""
    category = change.event.split(":", 1)[0]
    detail_type = _DETAIL_TYPES.get(change.event) or _DETAIL_TYPES[category]
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket.name},
        "object": _detail_object(change),
        "request-id": request.request_id,
        "requester": request.requester,
        "source-ip-address": request.source_ip,
    }
    reason = _REASONS.get(change.event)
    if reason is not None:
        detail["reason"] = reason
    if category == REMOVED:
        marked = change.event == "ObjectRemoved:DeleteMarkerCreated"
        detail["deletion-type"] = "Delete Marker Created" if marked else "Permanently Deleted"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": bucket.account_id,
        "time": iso_seconds(request.when),
        "region": bucket.region,
        "resources": [bucket_arn(bucket)],
        "detail": detail,
    }


def _detail_object(change: Change) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": encoded_key(change.key)}
    if change.event.startswith(CREATED):
        obj["size"] = change.size
    if not change.event.startswith(REMOVED):
        obj["etag"] = change.etag.strip('"')
    if change.version_id != "null":
        obj["version-id"] = change.version_id
    if not change.event.startswith(TAGGING):
        obj["sequencer"] = ""
    return obj


def eventbridge_delivers(event: str) -> bool:
    """The changes S3 sends to EventBridge (every one of these, unfiltered)."""
    return event.split(":", 1)[0] in (CREATED, REMOVED, TAGGING)


def with_sequencer(message: dict[str, Any], sequencer: str) -> dict[str, Any]:
    """`message` (an event record or an EventBridge event) with its empty sequencer set."""
    records = message.get("Records")
    obj = records[0]["s3"]["object"] if records else message["detail"]["object"]
    if "sequencer" in obj:
        obj["sequencer"] = sequencer
    return message


def test_event(bucket: str, request_id: str, host_id: str, when: float) -> dict[str, Any]:
    """What S3 sends a queue or topic when a configuration names it."""
    return {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": iso_millis(when),
        "Bucket": bucket,
        "RequestId": request_id,
        "HostId": host_id,
    }
