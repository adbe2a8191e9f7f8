"""An AuditEvent as a CloudTrail event record (eventVersion 1.09): the shape AWS documents in
"CloudTrail record contents" and "CloudTrail userIdentity element", so tools that read
CloudTrail logs read these."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ownstack.core.context import (
    ANONYMOUS,
    ASSUMED_ROLE,
    FEDERATED_USER,
    ROOT,
    SERVICE,
    USER,
    Principal,
)

from .audit_redact import MAX_TEXT, loggable_parameters

if TYPE_CHECKING:
    from .audit import AuditEvent

EVENT_VERSION = "1.09"

ANONYMOUS_ACCOUNT = "ANONYMOUS_PRINCIPAL"
"""How CloudTrail names the account of an unsigned (anonymous) S3 request."""

# Data events (data-plane calls on or in a resource), by event source; everything else is a
# management event. From CloudTrail's "Logging data events" and S3's "CloudTrail events" pages.
_DATA_EVENTS: dict[str, frozenset[str]] = {
    "s3.amazonaws.com": frozenset(
        {
            "AbortMultipartUpload",
            "CompleteMultipartUpload",
            "CopyObject",
            "CreateMultipartUpload",
            "DeleteObject",
            "DeleteObjectTagging",
            "DeleteObjects",
            "GetObject",
            "GetObjectAcl",
            "GetObjectAttributes",
            "GetObjectLegalHold",
            "GetObjectRetention",
            "GetObjectTagging",
            "GetObjectTorrent",
            "HeadObject",
            "ListObjectVersions",
            "ListObjects",
            "ListObjectsV2",
            "ListParts",
            "PutObject",
            "PutObjectAcl",
            "PutObjectLegalHold",
            "PutObjectRetention",
            "PutObjectTagging",
            "RestoreObject",
            "SelectObjectContent",
            "UploadPart",
            "UploadPartCopy",
        }
    ),
    "sqs.amazonaws.com": frozenset(
        {
            "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ReceiveMessage",
            "SendMessage",
            "SendMessageBatch",
        }
    ),
    "sns.amazonaws.com": frozenset({"Publish", "PublishBatch"}),
    "lambda.amazonaws.com": frozenset({"Invoke", "InvokeWithResponseStream"}),
    "dynamodb.amazonaws.com": frozenset(
        {
            "BatchExecuteStatement",
            "BatchGetItem",
            "BatchWriteItem",
            "DeleteItem",
            "ExecuteStatement",
            "ExecuteTransaction",
            "GetItem",
            "PutItem",
            "Query",
            "Scan",
            "TransactGetItems",
            "TransactWriteItems",
            "UpdateItem",
        }
    ),
}

# ARN service -> the CloudFormation-style service name in resource types (AWS::S3::Bucket).
_SERVICE_TYPE_NAMES = {
    "s3": "S3",
    "sqs": "SQS",
    "sns": "SNS",
    "iam": "IAM",
    "sts": "STS",
    "lambda": "Lambda",
    "dynamodb": "DynamoDB",
    "kms": "KMS",
    "logs": "Logs",
    "events": "Events",
    "cloudformation": "CloudFormation",
}

_RESOURCE_TYPE_NAMES = {
    "user": "User",
    "role": "Role",
    "group": "Group",
    "policy": "Policy",
    "instance-profile": "InstanceProfile",
    "assumed-role": "AssumedRole",
    "federated-user": "FederatedUser",
    "function": "Function",
    "table": "Table",
    "stack": "Stack",
    "key": "Key",
}


def event_category(event_source: str, event_name: str) -> str:
    data = _DATA_EVENTS.get(event_source)
    return "Data" if data is not None and event_name in data else "Management"


def iso_time(epoch: float) -> str:
    return _iso_second(int(epoch))


@functools.lru_cache(maxsize=64)
def _iso_second(second: int) -> str:
    """Cached: a busy log writes many records within each second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))


def cloudtrail_record(event: AuditEvent, event_id: str, event_time: float) -> dict[str, Any]:
    """The record, keys in CloudTrail's order. errorCode/errorMessage appear only on failures and
    resources only when the call names any, as in CloudTrail's own records."""
    principal = event.principal
    # A session's principal holds its tags (a dict): not a cache key; its identity is made anew.
    identity = user_identity(principal) if principal.session else _shared_identity(principal)
    category = event_category(event.event_source, event.event_name)
    source_ip = event.source_ip or identity.get("invokedBy", "")
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": identity,
        "eventTime": iso_time(event_time),
        "eventSource": event.event_source,
        "eventName": event.event_name,
        "awsRegion": event.region,
        "sourceIPAddress": source_ip,
        "userAgent": event.user_agent[:MAX_TEXT],
    }
    if event.error_code:
        record["errorCode"] = event.error_code
        record["errorMessage"] = event.error_message[:MAX_TEXT]
    recipient = event.recipient_account or event.principal.account_id
    record["requestParameters"] = loggable_parameters(event.request_parameters)
    record["responseElements"] = None
    record["requestID"] = event.request_id
    record["eventID"] = event_id
    record["readOnly"] = event.read_only
    if event.resources:
        record["resources"] = _shared_resources(tuple(event.resources), recipient)
    record["eventType"] = "AwsApiCall"
    record["managementEvent"] = category == "Management"
    record["recipientAccountId"] = recipient
    record["eventCategory"] = category
    return record


@functools.lru_cache(maxsize=1024)
def _shared_identity(principal: Principal) -> dict[str, Any]:
    """user_identity of a principal without a session, made once (a caller's requests share
    it): the records that carry it are encoded, never changed."""
    return user_identity(principal)


def user_identity(principal: Principal) -> dict[str, Any]:
    """CloudTrail's userIdentity element for each principal kind."""
    kind = principal.kind
    if kind == SERVICE:
        return {"type": "AWSService", "invokedBy": _service_name(principal)}
    if kind == ANONYMOUS or principal.is_anonymous:
        return {"type": "AWSAccount", "principalId": "", "accountId": ANONYMOUS_ACCOUNT}
    identity: dict[str, Any] = {
        "type": _IDENTITY_TYPES.get(kind, "Unknown"),
        "principalId": principal.user_id,
        "arn": principal.arn,
        "accountId": principal.account_id,
        "accessKeyId": principal.access_key,
    }
    if kind == USER:
        identity["userName"] = principal.name or _last_segment(principal.arn)
    context = _session_context(principal)
    if context is not None:
        identity["sessionContext"] = context
    return identity


_IDENTITY_TYPES = {
    ROOT: "Root",
    USER: "IAMUser",
    ASSUMED_ROLE: "AssumedRole",
    FEDERATED_USER: "FederatedUser",
}


def _session_context(principal: Principal) -> dict[str, Any] | None:
    """Present for temporary credentials: who issued the session (a role for a role session, the
    IAM user for a federated user), when, with MFA or not, and the source identity."""
    session = principal.session
    if session is None and principal.kind not in (ASSUMED_ROLE, FEDERATED_USER):
        return None
    context: dict[str, Any] = {}
    issuer = _session_issuer(principal)
    if issuer is not None:
        context["sessionIssuer"] = issuer
    context["attributes"] = {
        "creationDate": iso_time(session.issued) if session is not None else "",
        "mfaAuthenticated": "true" if session is not None and session.mfa else "false",
    }
    if session is not None and session.source_identity:
        context["sourceIdentity"] = session.source_identity
    return context


def _session_issuer(principal: Principal) -> dict[str, Any] | None:
    if principal.kind == ASSUMED_ROLE:
        # A role session's aws:userid is "<role id>:<session name>": the role's id is the issuer's.
        return {
            "type": "Role",
            "principalId": principal.user_id.partition(":")[0],
            "arn": principal.source_arn,
            "accountId": principal.account_id,
            "userName": _last_segment(principal.source_arn),
        }
    if principal.kind == FEDERATED_USER and principal.source_arn:
        # The Principal does not carry the issuing user's id, only its ARN.
        is_root = principal.source_arn.endswith(":root")
        return {
            "type": "Root" if is_root else "IAMUser",
            "principalId": principal.account_id if is_root else "",
            "arn": principal.source_arn,
            "accountId": principal.account_id,
            "userName": "" if is_root else _last_segment(principal.source_arn),
        }
    return None


def _service_name(principal: Principal) -> str:
    return principal.name or principal.arn or principal.user_id


def _last_segment(arn: str) -> str:
    """A user's or role's name from its ARN (paths come before the name)."""
    return arn.rpartition("/")[2] if "/" in arn else ""


@functools.lru_cache(maxsize=1024)
def _shared_resources(arns: tuple[str, ...], recipient_account: str) -> list[dict[str, str]]:
    """resources, made once per resource list (one table or bucket takes many calls): shared
    by records that are encoded, never changed."""
    return resources(arns, recipient_account)


def resources(arns: Sequence[str], recipient_account: str) -> list[dict[str, str]]:
    return [_resource(arn, recipient_account) for arn in arns]


def _resource(arn: str, recipient_account: str) -> dict[str, str]:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return {"ARN": arn}
    service, account, resource = parts[2], parts[4], parts[5]
    if service == "s3":
        # S3 ARNs name no account. CloudTrail gives the bucket's owner and no account for an
        # object; the recipient of the call is the bucket's owner.
        if "/" in resource:
            return {"ARN": arn, "type": "AWS::S3::Object"}
        return {"ARN": arn, "accountId": recipient_account, "type": "AWS::S3::Bucket"}
    entry = {"ARN": arn, "accountId": account}
    resource_type = _resource_type(service, resource)
    if resource_type:
        entry["type"] = resource_type
    return entry


def _resource_type(service: str, resource: str) -> str:
    service_name = _SERVICE_TYPE_NAMES.get(service)
    if service_name is None:
        return ""
    if service == "sqs":
        return "AWS::SQS::Queue"
    if service == "sns":
        # arn:aws:sns:region:account:topic, and :topic:subscription-id for a subscription
        return "AWS::SNS::Subscription" if ":" in resource else "AWS::SNS::Topic"
    head = resource.split("/", 1)[0].split(":", 1)[0]
    if service == "iam" and head == "root":
        return "AWS::IAM::Account"
    name = _RESOURCE_TYPE_NAMES.get(head)
    return f"AWS::{service_name}::{name}" if name else ""
