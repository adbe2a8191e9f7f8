"""IAM's value checks on a shape-checked document, in the order IAM reports them, with its
words. Each raises GrammarError(message)."""

from __future__ import annotations

import re

from .conditions import parse_operator
from .grammar import GrammarError, RawDocument, RawStatement
from .variables import parse_template

LEGACY = "The policy failed legacy parsing"
NO_PRINCIPAL_ALLOWED = "Policy document should not specify a principal."
MISSING_PRINCIPAL = "Missing required field Principal"
EMPTY_PRINCIPAL = "Missing required field Principal cannot be empty!"
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
SID_FORMAT = (
    "Statement IDs (SID) must be alpha-numeric. "
    "Check that your input satisfies the regular expression [0-9A-Za-z]*"
)
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
TWO_COLONS = "Actions/Condition can contain only one colon."
TRUST_ACTIONS = "AssumeRole policy may only specify STS AssumeRole actions."
TRUST_RESOURCE = "Has prohibited field Resource"
TRUST_NOT_RESOURCE = "AssumeRole policy must not contain resources."
TRUST_NOT_PRINCIPAL = "Allow with NotPrincipal is not allowed."
VENDOR_NOT_QUALIFIED = "Resource vendor must be fully qualified and cannot contain regexes."
IAM_PATHS = (
    "user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, "
    "policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/"
)

_ALNUM = re.compile(r"[0-9A-Za-z]*")
_VENDOR = re.compile(r"[A-Za-z0-9.\-]*")
_PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"})
_IAM_PREFIXES = tuple(p.strip() for p in IAM_PATHS.split(","))


def check_document(doc: RawDocument, kind: str) -> None:
    statements = doc.statements
    for st in statements:
        _check_legacy(st)
    if kind != "resource":
        _check_sids(statements, alphanumeric=kind in ("identity", "boundary"))
    for st in statements:
        _check_principal_presence(st, kind)
    for st in statements:
        if not (st.action or st.not_action):
            raise GrammarError(NO_ACTIONS)
    for st in statements:
        _check_resource_presence(st, kind)
    for st in statements:
        for resource in st.resource or ():
            check_resource(resource)
    for st in statements:
        for resource in st.not_resource or ():
            check_resource(resource)
    for st in statements:
        for action in (st.action or []) + (st.not_action or []):
            _check_action(action, trust=kind == "trust")
    allow_not = any(s.not_principal is not None and s.effect == "Allow" for s in statements)
    if kind == "trust" and allow_not:
        raise GrammarError(TRUST_NOT_PRINCIPAL)


def _check_sids(statements: list[RawStatement], *, alphanumeric: bool) -> None:
    seen: set[str] = set()
    for st in statements:
        if st.sid is None:
            continue
        if st.sid in seen:
            raise GrammarError(DUPLICATE_SID)
        seen.add(st.sid)
    if alphanumeric and not all(_ALNUM.fullmatch(s.sid or "") for s in statements):
        raise GrammarError(SID_FORMAT)


def _check_principal_presence(st: RawStatement, kind: str) -> None:
    element = st.principal if st.principal is not None else st.not_principal
    if kind in ("identity", "boundary", "session"):
        if element is not None:
            raise GrammarError(NO_PRINCIPAL_ALLOWED)
        return
    if element is None:
        raise GrammarError(MISSING_PRINCIPAL)
    if element in ({}, "", []):
        raise GrammarError(EMPTY_PRINCIPAL)


def _check_legacy(st: RawStatement) -> None:
    if st.effect not in ("Allow", "Deny"):
        raise GrammarError(LEGACY)
    for name, _key, values in st.condition:
        op = parse_operator(name)
        parse = None if op is None or op.base is None else op.base.parse
        if parse is None:
            continue
        for value in values:
            if parse_template(value) is None and parse(value) is None:
                raise GrammarError(LEGACY)
    for resource in (st.resource or []) + (st.not_resource or []):
        parts = resource.split(":")
        if resource == "*" or len(parts) < 3 or parts[1] not in _PARTITIONS:
            continue
        # `arn:aws:svc` alone passes; an empty service or a partial ARN does not.
        if not parts[2] or (len(parts) > 3 and len(parts) < 6):
            raise GrammarError(LEGACY)


def _check_resource_presence(st: RawStatement, kind: str) -> None:
    if kind == "trust":
        if st.resource is not None:
            raise GrammarError(TRUST_RESOURCE)
        if st.not_resource is not None:
            raise GrammarError(TRUST_NOT_RESOURCE)
        return
    if kind == "resource":
        return
    if not (st.resource or st.not_resource):
        raise GrammarError(NO_RESOURCES)


def check_resource(resource: str) -> None:
    """A Resource entry: `*` or an ARN, with IAM's words for each way it can be wrong."""
    if resource == "*":
        return
    _first, colon, rest = resource.partition(":")
    if not colon:
        raise GrammarError(f'Resource {resource} must be in ARN format or "*".')
    partition, colon, rest = rest.partition(":")
    if partition not in _PARTITIONS and "*" not in partition and "?" not in partition:
        raise GrammarError(_bad_partition(partition, rest, colon))
    if not colon:
        raise GrammarError(VENDOR_NOT_QUALIFIED)
    service, _colon, rest = rest.partition(":")
    region, _colon, rest = rest.partition(":")
    if service in ("iam", "s3") and region:
        raise GrammarError(
            f"IAM resource {resource} cannot contain region information."
            if service == "iam"
            else f"Resource {resource} can not contain region information."
        )
    _account, _colon, path = rest.partition(":")
    if service == "iam" and rest and not (path.startswith("*") or path.startswith(_IAM_PREFIXES)):
        raise GrammarError(f'IAM resource path must either be "*" or start with {IAM_PATHS}.')


def _bad_partition(partition: str, rest: str, colon: str) -> str:
    parts = rest.split(":")
    shown = [
        parts[0] if colon else "*",
        parts[1] if len(parts) > 1 else "*",
        parts[2] if len(parts) > 2 else "*",
        ":".join(parts[3:]) if len(parts) > 3 else "*",
    ]
    return f'Partition "{partition}" is not valid for resource "arn:{partition}:{":".join(shown)}".'


def _check_action(action: str, *, trust: bool) -> None:
    if action == "*":
        if trust:
            raise GrammarError(TRUST_ACTIONS)
        return
    parts = action.split(":")
    if len(parts) == 1:
        raise GrammarError(NO_VENDOR)
    if len(parts) > 2:
        raise GrammarError(TWO_COLONS)
    if not _VENDOR.fullmatch(parts[0]):
        raise GrammarError(f"Vendor {parts[0]} is not valid")
    if trust and parts[0].lower() != "sts":
        raise GrammarError(TRUST_ACTIONS)
