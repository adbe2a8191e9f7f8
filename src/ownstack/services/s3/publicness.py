"""Whether a bucket policy is public, as S3 decides it for Block Public Access and
GetBucketPolicyStatus (S3 User Guide, "Blocking public access to your Amazon S3 storage", "The
meaning of 'public'"). One definition for both.

S3 starts from "public" and looks for what makes a policy non-public: every Allow statement
must grant to fixed values only, either a fixed Principal (no "*", no wildcard in it), or, for
Principal "*", a condition that pins the caller to a fixed value of one of the keys below (no
wildcard, no policy variable; for aws:SourceIp a CIDR no wider than /8 for IPv4 or /32 for
IPv6, S3 not saying how wide is too wide). A condition that does not hold for an absent key
(...IfExists, Null, ForAllValues:) or a negated one (StringNotEquals...) pins nothing. An Allow
with NotPrincipal allows everyone it does not name: public. An ACL's publicness is acl.py's
is_public.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from typing import Any

_PINNING_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:sourceaccount",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
    }
)
_WIDEST_V4 = 8
_WIDEST_V6 = 32


@functools.lru_cache(maxsize=256)
def is_public_policy(text: str) -> bool:
    """Whether the bucket policy `text` (JSON) grants public access."""
    try:
        doc = json.loads(text)
    except ValueError:
        return False
    return any(_public_statement(s) for s in statements(doc))


@functools.lru_cache(maxsize=256)
def without_allows(text: str) -> str:
    """The policy's Deny statements alone (RestrictPublicBuckets: a public policy lets no one
    outside the owner's account in, and still keeps out whom it denies); "" when it has none."""
    doc = json.loads(text)
    denies = [s for s in statements(doc) if s.get("Effect") != "Allow"]
    if not denies:
        return ""
    kept = {k: v for k, v in doc.items() if k != "Statement"}
    return json.dumps({**kept, "Statement": denies})


def _public_statement(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if "NotPrincipal" in statement:
        return True
    if not _open_principal(statement.get("Principal")):
        return False
    return not _pinned(statement.get("Condition"))


def _open_principal(principal: Any) -> bool:
    """A principal that is not a fixed value: "*", or one holding a wildcard or variable."""
    if isinstance(principal, dict):
        return any(not _fixed(v) for value in principal.values() for v in as_list(value))
    return any(not _fixed(v) for v in as_list(principal))


def _pinned(conditions: Any) -> bool:
    if not isinstance(conditions, dict):
        return False
    for operator, keys in conditions.items():
        if not isinstance(keys, dict) or not _positive(str(operator)):
            continue
        for key, values in keys.items():
            name = str(key).lower()
            if name not in _PINNING_KEYS:
                continue
            found = as_list(values)
            if not found or not all(_fixed(v) for v in found):
                continue
            if name == "aws:sourceip" and not all(_narrow_cidr(str(v)) for v in found):
                continue
            return True
    return False


def _positive(operator: str) -> bool:
    """An operator that holds only when the key has one of the values given."""
    if operator.endswith("IfExists") or operator == "Null":
        return False
    if operator.startswith("ForAllValues:"):
        return False
    base = operator.removeprefix("ForAnyValue:")
    return not base.startswith(("StringNot", "ArnNot", "NotIp", "Numeric", "Date", "Bool"))


def _fixed(value: Any) -> bool:
    text = str(value)
    return "*" not in text and "?" not in text and "${" not in text


def _narrow_cidr(text: str) -> bool:
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return False
    widest = _WIDEST_V4 if network.version == 4 else _WIDEST_V6
    return network.prefixlen >= widest


def statements(doc: Any) -> list[dict[str, Any]]:
    found = doc.get("Statement", []) if isinstance(doc, dict) else []
    listed = found if isinstance(found, list) else [found]
    return [s for s in listed if isinstance(s, dict)]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
