"""S3 POST policies (browser-based uploads): the signature over the policy, the policy
document, and its conditions, as S3 documents them ("Creating a POST Policy", "Browser-Based
Uploads Using POST", Signature Version 4 and 2).

The policy is a base64 JSON document `{"expiration": ..., "conditions": [...]}`. Its base64
text is the string to sign: hex HMAC-SHA256 with the SigV4 signing key of the credential's
scope (x-amz-signature), or base64 HMAC-SHA1 with the secret key (Signature Version 2's
`signature`). Conditions: exact matches (`{"acl": "private"}`, `["eq", "$acl", "private"]`),
prefixes (`["starts-with", "$key", "user/"]`, "" matches anything; a Content-Type list
"a/b,c/d" passes when each entry does) and `["content-length-range", min, max]` on the file's
size. Every form field must be named by a condition except the signature, the file, the policy
and fields named x-ignore-* (V2 also exempts AWSAccessKeyId and signature).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ownstack.core.errors import ServiceError
from ownstack.core.http import BodyReader, read_chunks

V4_ALGORITHM = "AWS4-HMAC-SHA256"
EXEMPT_FIELDS = frozenset({"x-amz-signature", "file", "policy", "awsaccesskeyid", "signature"})
"""Fields no condition needs to name (with those starting x-ignore-)."""
_IGNORED_PREFIX = "x-ignore-"
_EXPIRATION = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")
_OPERATIONS = ("eq", "starts-with", "content-length-range")


@dataclass(frozen=True, slots=True)
class Condition:
    operation: str
    """"eq" or "starts-with"."""
    field: str
    """The form field it names, lower-cased, without its `$`."""
    value: str
    text: str
    """The condition as S3 quotes it when it fails: ["eq", "$key", "user/a"]."""


@dataclass(slots=True)
class Policy:
    expiration: float
    conditions: list[Condition] = field(default_factory=list)
    length_range: tuple[int, int] | None = None
    covered: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Credential:
    """A SigV4 form's x-amz-credential: <access key>/<yyyymmdd>/<region>/<service>/aws4_request."""

    access_key: str
    date: str
    region: str
    service: str


# --- errors ------------------------------------------------------------------------------------


def invalid_policy(message: str) -> ServiceError:
    return ServiceError("InvalidPolicyDocument", f"Invalid Policy: {message}", 400)


def policy_denied(message: str) -> ServiceError:
    return ServiceError("AccessDenied", f"Invalid according to Policy: {message}", 403)


def missing_field(name: str) -> ServiceError:
    return ServiceError(
        "InvalidArgument",
        f"Bucket POST must contain a field named '{name}'.  If it is specified, please check "
        "the order of the fields.",
        400,
        fields={"ArgumentName": name, "ArgumentValue": ""},
    )


def entity_too_small(size: int, minimum: int) -> ServiceError:
    return ServiceError(
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed size",
        400,
        fields={"ProposedSize": str(size), "MinSizeAllowed": str(minimum)},
    )


def entity_too_large(size: int, maximum: int) -> ServiceError:
    return ServiceError(
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        400,
        fields={"ProposedSize": str(size), "MaxSizeAllowed": str(maximum)},
    )


def _credential_error(credential: str, message: str) -> ServiceError:
    return ServiceError(
        "InvalidArgument",
        message,
        400,
        fields={"ArgumentName": "x-amz-credential", "ArgumentValue": credential},
    )


def signature_mismatch(access_key: str, string_to_sign: str, provided: str) -> ServiceError:
    data = string_to_sign.encode()
    return ServiceError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        403,
        fields={
            "AWSAccessKeyId": access_key,
            "StringToSign": string_to_sign,
            "SignatureProvided": provided,
            "StringToSignBytes": " ".join(f"{byte:02x}" for byte in data),
        },
    )


# --- signatures --------------------------------------------------------------------------------


def parse_credential(text: str) -> Credential:
    parts = text.split("/")
    if len(parts) != 5 or not all(parts[:4]):
        raise _credential_error(
            text,
            "the Credential is mal-formed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        )
    access_key, date, region, service, terminal = parts
    if terminal != "aws4_request":
        raise _credential_error(
            text, f'incorrect terminal "{terminal}". This endpoint uses "aws4_request".'
        )
    if len(date) != 8 or not date.isdigit():
        raise _credential_error(
            text,
            f'incorrect date format "{date}". This date in the credential must be in the '
            'format "yyyyMMdd".',
        )
    if service != "s3":
        raise _credential_error(
            text, f'incorrect service "{service}". This endpoint belongs to "s3".'
        )
    return Credential(access_key, date, region, service)


def check_algorithm(value: str) -> None:
    if value != V4_ALGORITHM:
        raise ServiceError(
            "InvalidArgument",
            "Only AWS4-HMAC-SHA256 is supported",
            400,
            fields={"ArgumentName": "x-amz-algorithm", "ArgumentValue": value},
        )


def v4_signature(secret: str, credential: Credential, policy: str) -> str:
    """Hex HMAC-SHA256 of the base64 policy with the credential scope's signing key."""
    key = ("AWS4" + secret).encode()
    for part in (credential.date, credential.region, credential.service, "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def v2_signature(secret: str, policy: str) -> str:
    """Base64 HMAC-SHA1 of the base64 policy with the secret key (Signature Version 2)."""
    return base64.b64encode(hmac.digest(secret.encode(), policy.encode(), "sha1")).decode()


def signatures_match(expected: str, provided: str) -> bool:
    return hmac.compare_digest(expected.encode(), provided.encode())


# --- the policy document -----------------------------------------------------------------------


def parse_policy(text: str) -> Policy:
    """The policy document of a (verified) `policy` field; InvalidPolicyDocument when it is
    not one."""
    document = _document(text)
    for name in document:
        if name not in ("expiration", "conditions"):
            raise invalid_policy(f'Unexpected: "{name}"')
    if "expiration" not in document:
        raise invalid_policy("Policy missing expiration.")
    policy = Policy(_expiration(document["expiration"]))
    if "conditions" not in document:
        raise invalid_policy("Policy missing conditions.")
    conditions = document["conditions"]
    if not isinstance(conditions, list):
        raise invalid_policy("Invalid 'conditions' value: must be a List.")
    for raw in conditions:
        _add_condition(policy, raw)
    return policy


def _document(text: str) -> dict[str, Any]:
    if not text.strip():
        raise invalid_policy("Expecting '{' but found End-of-Input")
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid_policy("invalid Base64 encoding.") from exc
    try:
        document = json.loads(decoded.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise invalid_policy("Invalid JSON.") from exc
    if not isinstance(document, dict):
        raise invalid_policy("Invalid JSON.")
    return document


def _expiration(value: object) -> float:
    text = value if isinstance(value, str) else json.dumps(value)
    if not isinstance(value, str) or not _EXPIRATION.fullmatch(value):
        raise invalid_policy(f"Invalid 'expiration' value: '{text}'")
    seconds, _, fraction = value[:-1].partition(".")
    try:
        moment = datetime.strptime(seconds, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise invalid_policy(f"Invalid 'expiration' value: '{text}'") from exc
    return moment.timestamp() + (float(f"0.{fraction}") if fraction else 0.0)


def _add_condition(policy: Policy, raw: object) -> None:
    if isinstance(raw, dict):
        if len(raw) != 1:
            raise invalid_policy(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property "
                "specified."
            )
        ((name, value),) = raw.items()
        if not isinstance(value, str):
            raise invalid_policy("Invalid Simple-Condition: value must be a string.")
        _add_match(policy, "eq", f"${name}", value)
        return
    if not isinstance(raw, list):
        raise invalid_policy("Invalid condition test: must be a List or Object.")
    if not raw or not isinstance(raw[0], str):
        raise invalid_policy("Invalid Condition: missing operation identifier.")
    operation = raw[0].lower()
    if operation not in _OPERATIONS:
        raise invalid_policy(f"Invalid Condition: unknown operation '{raw[0]}'.")
    if len(raw) != 3:
        raise invalid_policy(f"Invalid {raw[0]}: wrong number of arguments.")
    if operation == "content-length-range":
        _add_range(policy, raw[1], raw[2])
        return
    name, value = raw[1], raw[2]
    if not isinstance(name, str) or not isinstance(value, str):
        raise invalid_policy(f"Invalid {raw[0]}: the field name and value must be strings.")
    _add_match(policy, operation, name, value, raw)


def _add_match(
    policy: Policy, operation: str, name: str, value: str, raw: Sequence[object] | None = None
) -> None:
    shown = raw if raw is not None else ["eq", name, value]
    text = json.dumps(list(shown), ensure_ascii=False)
    field_name = name.removeprefix("$").lower()
    policy.conditions.append(Condition(operation, field_name, value, text))
    policy.covered.add(field_name)


def _add_range(policy: Policy, low: object, high: object) -> None:
    minimum, maximum = _bound(low), _bound(high)
    if minimum is None or maximum is None or minimum > maximum:
        raise invalid_policy(
            "Invalid content-length-range: the minimum and maximum must be integers, "
            "0 <= minimum <= maximum."
        )
    if policy.length_range is not None:  # several ranges: the upload must fit every one
        minimum = max(minimum, policy.length_range[0])
        maximum = min(maximum, policy.length_range[1])
    policy.length_range = (minimum, maximum)


def _bound(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


# --- checking a form against it ----------------------------------------------------------------


def check_expiry(policy: Policy, now: float) -> None:
    if now >= policy.expiration:
        raise policy_denied("Policy expired.")


def check_conditions(policy: Policy, fields: Mapping[str, str], bucket: str) -> None:
    """Each eq / starts-with condition against the form (`fields`: lower-cased names; the key
    already has ${filename} substituted); AccessDenied names the first that fails."""
    for condition in policy.conditions:
        actual = bucket if condition.field == "bucket" else fields.get(condition.field, "")
        if not _holds(condition, actual):
            raise policy_denied(f"Policy Condition failed: {condition.text}")


def _holds(condition: Condition, actual: str) -> bool:
    if condition.operation == "eq":
        return actual == condition.value
    if condition.field == "content-type" and "," in actual:
        return all(item.strip().startswith(condition.value) for item in actual.split(","))
    return actual.startswith(condition.value)


def check_covered(policy: Policy, names: Sequence[str]) -> None:
    """AccessDenied for a form field no condition names (`names`: lower-cased, in order)."""
    for name in names:
        if name in EXEMPT_FIELDS or name.startswith(_IGNORED_PREFIX):
            continue
        if name not in policy.covered:
            raise policy_denied(f"Extra input fields: {name}")


def check_size(policy: Policy, size: int) -> None:
    """content-length-range against a file whose size is known."""
    if policy.length_range is None:
        return
    low, high = policy.length_range
    if size < low:
        raise entity_too_small(size, low)
    if size > high:
        raise entity_too_large(size, high)


class SizeChecked:
    """A file stream held to the policy's content-length-range while it is read: the upload
    fails (and stores nothing) once it passes the maximum, or ends short of the minimum.
    `estimate`, when known, is the size the request's length implies (S3 reports it)."""

    def __init__(self, body: BodyReader, bounds: tuple[int, int], estimate: int | None) -> None:
        self._body = body
        self._low, self._high = bounds
        self._estimate = estimate
        self._count = 0

    @property
    def content_length(self) -> int | None:
        return None

    async def read(self, n: int = -1) -> bytes:
        chunk = await self._body.read(n)
        self._count += len(chunk)
        if self._count > self._high:
            proposed = max(self._count, self._estimate or 0)
            raise entity_too_large(proposed, self._high)
        if not chunk and n != 0 and self._count < self._low:
            raise entity_too_small(self._count, self._low)
        return chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return read_chunks(self)
