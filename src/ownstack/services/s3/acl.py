"""S3 access control lists: the grants of a bucket's or an object's ACL, what a request asks
for (a canned ACL or x-amz-grant-* headers; acl_xml.py reads AccessControlPolicy documents),
how they are kept on a record, and whom they let do what.

A grant is (kind, grantee, permission): kind "id" names an account by its canonical user id,
kind "uri" one of S3's three groups. The default ACL, the owner's FULL_CONTROL, is kept as ""
(a record with it holds nothing more); any other as JSON text, [[kind, grantee, permission]...].

Which permission allows which action is AWS's table ("ACL permission to access policy
permission mapping", S3 User Guide, "Access control list (ACL) overview"); "public" is AWS's
"The meaning of public": an ACL is public when it grants anything to AllUsers or
AuthenticatedUsers.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ownstack.core.context import ANONYMOUS, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params

from .base import canonical_user_id

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY})
PUBLIC_GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS})
EC2_READER = "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c"
"""The canonical user aws-exec-read grants READ (Amazon EC2, reading AMI bundles)."""

FULL_CONTROL = "FULL_CONTROL"
READ = "READ"
WRITE = "WRITE"
READ_ACP = "READ_ACP"
WRITE_ACP = "WRITE_ACP"
PERMISSIONS = frozenset({FULL_CONTROL, READ, WRITE, READ_ACP, WRITE_ACP})

ID = "id"
URI = "uri"

PENDING = "s3:acl"
"""RequestContext.extra key: the gateway let an object request through on the condition that
the object's own ACL grants it (acl_ops.acl_checked decides, once the record is read). Its
value names the grantees that count: "g" the groups, "c" the caller's own account."""
GROUP_KIND = "g"
ACCOUNT_KIND = "c"

BUCKET_CANNED = frozenset(
    {
        "private",
        "public-read",
        "public-read-write",
        "authenticated-read",
        "aws-exec-read",
        "bucket-owner-read",
        "bucket-owner-full-control",
        "log-delivery-write",
    }
)
OBJECT_CANNED = BUCKET_CANNED - {"log-delivery-write"}
"""The canned ACLs an object write takes (the S3 model's ObjectCannedACL)."""
OWNER_ENFORCED_CANNED = frozenset({"private", "bucket-owner-full-control"})
"""The canned ACLs a bucket with ACLs disabled (BucketOwnerEnforced) still takes."""

GRANT_HEADERS = {
    "GrantFullControl": ("x-amz-grant-full-control", FULL_CONTROL),
    "GrantRead": ("x-amz-grant-read", READ),
    "GrantReadACP": ("x-amz-grant-read-acp", READ_ACP),
    "GrantWrite": ("x-amz-grant-write", WRITE),
    "GrantWriteACP": ("x-amz-grant-write-acp", WRITE_ACP),
}

BUCKET_LEVEL = False
OBJECT_LEVEL = True
ACTIONS: dict[str, tuple[bool, str]] = {
    "s3:ListBucket": (BUCKET_LEVEL, READ),
    "s3:ListBucketVersions": (BUCKET_LEVEL, READ),
    "s3:ListBucketMultipartUploads": (BUCKET_LEVEL, READ),
    "s3:PutObject": (BUCKET_LEVEL, WRITE),
    "s3:DeleteObject": (BUCKET_LEVEL, WRITE),
    "s3:GetBucketAcl": (BUCKET_LEVEL, READ_ACP),
    "s3:PutBucketAcl": (BUCKET_LEVEL, WRITE_ACP),
    "s3:GetObject": (OBJECT_LEVEL, READ),
    "s3:GetObjectVersion": (OBJECT_LEVEL, READ),
    "s3:GetObjectAcl": (OBJECT_LEVEL, READ_ACP),
    "s3:GetObjectVersionAcl": (OBJECT_LEVEL, READ_ACP),
    "s3:PutObjectAcl": (OBJECT_LEVEL, WRITE_ACP),
    "s3:PutObjectVersionAcl": (OBJECT_LEVEL, WRITE_ACP),
}
"""Action -> (whose ACL decides: the object's or the bucket's, the permission it needs)."""


@dataclass(frozen=True, slots=True)
class Grant:
    kind: str
    grantee: str
    permission: str


Grants = tuple[Grant, ...]


@dataclass(frozen=True, slots=True)
class Requested:
    """The ACL a request asks for: a canned one by name, or explicit grants (headers or an
    AccessControlPolicy document), or nothing."""

    canned: str = ""
    grants: Grants = ()
    explicit: bool = False
    owner: str = ""
    """An AccessControlPolicy's Owner/ID (empty for headers)."""
    id_field: str = ID
    """What an invalid id is called in InvalidArgument: "id" (headers), "CanonicalUser/ID"."""

    @property
    def given(self) -> bool:
        return bool(self.canned) or self.explicit

    def resolve(self, owner: str, bucket_owner: str, *, bucket: bool) -> Grants:
        """The grants, with a canned ACL's owner and bucket owner filled in."""
        if self.explicit:
            return self.grants
        return canned_grants(self.canned or "private", owner, bucket_owner, bucket=bucket)

    def owner_only(self, owner: str) -> bool:
        """What a bucket with ACLs disabled accepts: no ACL, private or
        bucket-owner-full-control, or explicit grants of FULL_CONTROL to `owner` alone."""
        if self.explicit:
            return all(g == Grant(ID, owner, FULL_CONTROL) for g in self.grants)
        return not self.canned or self.canned in OWNER_ENFORCED_CANNED


def canned_grants(name: str, owner: str, bucket_owner: str, *, bucket: bool) -> Grants:
    """AWS's table of canned ACLs ("Canned ACL", S3 User Guide). bucket-owner-read and
    bucket-owner-full-control are ignored on a bucket ("Amazon S3 ignores it")."""
    base = (Grant(ID, owner, FULL_CONTROL),)
    if name == "public-read":
        return (*base, Grant(URI, ALL_USERS, READ))
    if name == "public-read-write":
        return (*base, Grant(URI, ALL_USERS, READ), Grant(URI, ALL_USERS, WRITE))
    if name == "authenticated-read":
        return (*base, Grant(URI, AUTHENTICATED_USERS, READ))
    if name == "aws-exec-read":
        return (*base, Grant(ID, EC2_READER, READ))
    if name == "log-delivery-write":
        return (*base, Grant(URI, LOG_DELIVERY, WRITE), Grant(URI, LOG_DELIVERY, READ_ACP))
    if bucket or bucket_owner == owner:
        return base
    if name == "bucket-owner-read":
        return (*base, Grant(ID, bucket_owner, READ))
    if name == "bucket-owner-full-control":
        return (*base, Grant(ID, bucket_owner, FULL_CONTROL))
    return base


def requested(params: Params, *, bucket: bool) -> Requested:
    """The canned ACL or the x-amz-grant-* headers of a request (not both); their syntax is
    checked here, the ids they name when the ACL is stored (check_ids)."""
    canned = params.get("ACL")
    headers = [(member, params[member]) for member in GRANT_HEADERS if params.get(member)]
    if canned is not None and headers:
        raise ServiceError(
            "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed"
        )
    if canned is not None:
        if canned not in (BUCKET_CANNED if bucket else OBJECT_CANNED):
            raise invalid_argument("", "x-amz-acl", str(canned))
        return Requested(canned=str(canned))
    if not headers:
        return Requested()
    grants: list[Grant] = []
    for member, value in headers:
        header, permission = GRANT_HEADERS[member]
        grants.extend(Grant(kind, who, permission) for kind, who in _grantees(header, str(value)))
    return Requested(grants=tuple(grants), explicit=True)


def _grantees(header: str, value: str) -> Iterable[tuple[str, str]]:
    for item in value.split(","):
        kind, sep, who = item.strip().partition("=")
        kind, who = kind.strip(), who.strip().strip('"')
        if not sep or kind not in (ID, URI, "emailAddress"):
            raise invalid_argument("Argument format not recognized", header, item.strip())
        if kind == "emailAddress":
            raise unresolvable_email()
        if kind == URI and who not in GROUPS:
            raise invalid_argument("Invalid group uri", URI, who)
        yield kind, who


def check_ids(grants: Grants, known: Callable[[str], bool], field: str = ID) -> None:
    """InvalidArgument for a grant naming a canonical user id no account here has."""
    for grant in grants:
        if grant.kind == ID and grant.grantee != EC2_READER and not known(grant.grantee):
            raise invalid_argument("Invalid id", field, grant.grantee)


def known_ids(account_ids: Iterable[str]) -> frozenset[str]:
    return frozenset(canonical_user_id(account) for account in account_ids)


def encode(grants: Grants, owner: str) -> str:
    """How a record keeps `grants`: "" for the owner's FULL_CONTROL alone."""
    if grants == (Grant(ID, owner, FULL_CONTROL),):
        return ""
    return json.dumps([[g.kind, g.grantee, g.permission] for g in grants], separators=(",", ":"))


def grants_of(text: str, owner: str) -> Grants:
    """The grants a record keeps as `text` (see encode)."""
    if not text:
        return (Grant(ID, owner, FULL_CONTROL),)
    return _decoded(text)


@functools.lru_cache(maxsize=1024)
def _decoded(text: str) -> Grants:
    return tuple(Grant(str(k), str(g), str(p)) for k, g, p in json.loads(text))


def is_public(grants: Grants) -> bool:
    """AWS's "public" for an ACL: it grants anything to AllUsers or AuthenticatedUsers."""
    return any(g.kind == URI and g.grantee in PUBLIC_GROUPS for g in grants)


def grants_others(grants: Grants, owner: str) -> bool:
    """Whether the ACL grants anything to anyone but `owner`."""
    return any(g.kind != ID or g.grantee != owner for g in grants)


def requester_kinds(
    ctx: RequestContext, grants: Grants, permission: str, *, ignore_public: bool, owner: str = ""
) -> frozenset[str]:
    """Which kinds of grant give the caller `permission`: GROUP_KIND (AllUsers, or
    AuthenticatedUsers for a signed request), ACCOUNT_KIND (the caller's account by its
    canonical user id). The owner (`owner`: an object's) may always read and write its ACL."""
    anonymous = ctx.principal.kind == ANONYMOUS
    me = "" if anonymous else canonical_user_id(ctx.principal.account_id)
    kinds: set[str] = set()
    for grant in grants:
        if grant.permission != permission and grant.permission != FULL_CONTROL:
            continue
        if grant.kind == URI:
            if ignore_public and grant.grantee in PUBLIC_GROUPS:
                continue
            if grant.grantee == ALL_USERS or (grant.grantee == AUTHENTICATED_USERS and me):
                kinds.add(GROUP_KIND)
        elif me and grant.grantee == me:
            kinds.add(ACCOUNT_KIND)
    if me and owner == me and permission in (READ_ACP, WRITE_ACP):
        kinds.add(ACCOUNT_KIND)
    return frozenset(kinds)


def possible_kinds(ctx: RequestContext, *, ignore_public: bool) -> frozenset[str]:
    """The kinds of grant that could let the caller in (before the ACL is read)."""
    anonymous = ctx.principal.kind == ANONYMOUS
    kinds = set() if ignore_public else {GROUP_KIND}
    if not anonymous:
        kinds.add(ACCOUNT_KIND)
    return frozenset(kinds)


def invalid_argument(message: str, name: str, value: str) -> ServiceError:
    return ServiceError(
        "InvalidArgument", message, fields={"ArgumentName": name, "ArgumentValue": value}
    )


def unresolvable_email() -> ServiceError:
    return ServiceError(
        "UnresolvableGrantByEmailAddress",
        "The email address you provided does not match any account on record.",
    )


def malformed_acl() -> ServiceError:
    return ServiceError(
        "MalformedACLError",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


def not_supported() -> ServiceError:
    return ServiceError("AccessControlListNotSupported", "The bucket does not allow ACLs", 400)
