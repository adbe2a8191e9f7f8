"""requestParameters as the audit log keeps them: no secrets, no payloads, bounded in size.

The audit log is read by more people than the data it describes (operators, auditors, log
shippers): a record must say *what* was asked without carrying what a caller sent to be kept
secret or stored. Members are matched by name, case-insensitively, at any depth, so botocore's
PascalCase names and CloudTrail's camelCase names both match. Over-matching (a user map key
that happens to be called "password") is the safe direction.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
"""CloudTrail's own marker for a member it logs as present but does not show."""

# Secrets: the value would let a reader act as someone or read something protected.
# Shown as HIDDEN (the caller did send one: that is evidence) but never their value.
_SECRET_MEMBERS = {
    "SecretAccessKey",  # an access key's secret (CreateAccessKey echoes, imports)
    "SessionToken",  # a temporary credential's token
    "Password",  # IAM login profiles, generic
    "NewPassword",  # ChangePassword
    "OldPassword",  # ChangePassword
    "PrivateKey",  # UploadServerCertificate
    "SSECustomerKey",  # S3 SSE-C: the object's encryption key itself
    "CopySourceSSECustomerKey",  # S3 SSE-C on the copy source
    "SAMLAssertion",  # AssumeRoleWithSAML: a bearer credential
    "WebIdentityToken",  # AssumeRoleWithWebIdentity: a bearer credential
    "TokenCode",  # an MFA code (AssumeRole, GetSessionToken)
    "AuthenticationCode1",  # EnableMFADevice
    "AuthenticationCode2",  # EnableMFADevice
    "ClientSecret",  # OIDC clients
    "Token",  # SNS ConfirmSubscription: whoever holds it can confirm the subscription
    "SecretString",  # Secrets Manager values
    "Plaintext",  # KMS Encrypt input
    "Variables",  # Lambda Environment.Variables: where functions keep their secrets
}

# Payloads: what a caller stores or sends on; data, not a description of the call.
# Shown as HIDDEN, as CloudTrail does for SQS message bodies and SNS messages.
_PAYLOAD_MEMBERS = {
    "MessageBody",  # SQS SendMessage, and each SendMessageBatch entry
    "Message",  # SNS Publish, and each PublishBatch entry
    "StringValue",  # SQS/SNS message attribute values are message content
    "BinaryValue",
    "StringListValues",
    "BinaryListValues",
    "Payload",  # Lambda Invoke
    "Item",  # DynamoDB PutItem, Put actions of batches and transactions: the stored item
    "ExpressionAttributeValues",  # DynamoDB: the values an expression writes or compares
    "AttributeUpdates",  # DynamoDB's legacy update: the values written
    "Expected",  # DynamoDB's legacy condition: the values compared
    "Parameters",  # DynamoDB PartiQL statement parameters
}

# Streamed or binary bodies: left out entirely (S3's CloudTrail records never show them).
DROPPED_MEMBERS = frozenset({"Body", "ZipFile", "SecretBinary", "CiphertextBlob"})

_HIDDEN_NAMES = frozenset(name.lower() for name in _SECRET_MEMBERS | _PAYLOAD_MEMBERS)
_DROPPED_NAMES = frozenset(name.lower() for name in DROPPED_MEMBERS)

# Policies are the evidence of who was granted what: CloudTrail logs them whole. Their own
# limits (a bucket policy's 20 KiB being the largest) bound them instead of the 1 KiB cap.
_POLICY_NAMES = frozenset(
    name.lower()
    for name in ("PolicyDocument", "AssumeRolePolicyDocument", "Policy", "PolicyInputList")
)

MAX_TEXT = 1024
"""Longest string value kept (characters); longer ones are cut and say so."""
MAX_POLICY_TEXT = 20 * 1024
MAX_ITEMS = 1000
"""Most elements of one list kept (DeleteObjects' own limit)."""
MAX_DEPTH = 10

_SCALARS = (bool, int, float)


def loggable_parameters(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A JSON-ready copy of `params` for an audit record (None stays None)."""
    if params is None:
        return None
    return _mapping(params, 0)


def _mapping(params: Mapping[Any, Any], depth: int) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in params.items():
        name = str(key)
        lowered = name.lower()
        if lowered in _DROPPED_NAMES:
            continue
        if lowered in _HIDDEN_NAMES:
            kept[name] = HIDDEN
            continue
        limit = MAX_POLICY_TEXT if lowered in _POLICY_NAMES else MAX_TEXT
        cleaned = _value(value, depth + 1, limit)
        if cleaned is not _OMIT:
            kept[name] = cleaned
    return kept


class _Omitted:
    """A value the record leaves out (bytes, streams, anything not plain data)."""


_OMIT = _Omitted()


def _value(value: Any, depth: int, limit: int) -> Any:
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, str):
        return _text(value, limit)
    if depth > MAX_DEPTH:
        return "...(nested too deep)"
    if isinstance(value, Mapping):
        return _mapping(value, depth)
    if isinstance(value, list | tuple):
        items = [_value(item, depth + 1, limit) for item in value[:MAX_ITEMS]]
        return [item for item in items if item is not _OMIT]
    if isinstance(value, datetime.datetime):
        return _iso(value)
    # bytes, file-like and async streams, and anything else that is not plain data: a body or
    # an object whose text form nobody reviewed, so it stays out.
    return _OMIT


def _text(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    return f"{value[:limit]}...(truncated, {len(value)} characters)"


def _iso(value: datetime.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def without_dropped(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """`params` without its top-level streamed/binary members (cheap: for the request path, so
    a queued event does not keep a request body alive until the next flush)."""
    if DROPPED_MEMBERS.isdisjoint(params):
        return params
    return {key: value for key, value in params.items() if key not in DROPPED_MEMBERS}
