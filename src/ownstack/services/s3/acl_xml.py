"""ACLs as the S3 API spells them: the Owner and Grants GetBucketAcl and GetObjectAcl answer,
and what PutBucketAcl and PutObjectAcl ask for (exactly one of a canned ACL, grant headers or
an AccessControlPolicy document)."""

from __future__ import annotations

from typing import Any

from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result

from .acl import (
    GROUPS,
    ID,
    PERMISSIONS,
    URI,
    Grant,
    Grants,
    Requested,
    invalid_argument,
    malformed_acl,
    requested,
    unresolvable_email,
)

CANONICAL_USER_ID = "CanonicalUser/ID"


def acl_document(owner_id: str, grants: Grants, owner_name: str = "") -> Result:
    owner = {"ID": owner_id, **({"DisplayName": owner_name} if owner_name else {})}
    return {"Owner": owner, "Grants": [_grant(g) for g in grants]}


def _grant(grant: Grant) -> dict[str, Any]:
    if grant.kind == URI:
        grantee = {"Type": "Group", "URI": grant.grantee}
    else:
        grantee = {"Type": "CanonicalUser", "ID": grant.grantee}
    return {"Grantee": grantee, "Permission": grant.permission}


def put_request(params: Params, *, bucket: bool) -> Requested:
    """What a PutBucketAcl or PutObjectAcl asks for."""
    from_headers = requested(params, bucket=bucket)
    body = params.get("AccessControlPolicy")
    if body is None and not from_headers.given:
        raise ServiceError(
            "MissingSecurityHeader",
            "Your request was missing a required header",
            fields={"MissingHeaderName": "x-amz-acl"},
        )
    if body is not None and from_headers.given:
        raise ServiceError("UnexpectedContent", "This request does not support content")
    return from_headers if body is None else from_document(body)


def from_document(acp: Any) -> Requested:
    """An AccessControlPolicy: its Owner and its grants (ids are checked when it is stored)."""
    if not isinstance(acp, dict) or not isinstance(acp.get("Owner"), dict):
        raise malformed_acl()
    if not isinstance(acp.get("Grants"), list):
        raise malformed_acl()
    grants = tuple(_document_grant(item) for item in acp["Grants"])
    owner = str(acp["Owner"].get("ID") or "")
    return Requested(grants=grants, explicit=True, owner=owner, id_field=CANONICAL_USER_ID)


def _document_grant(item: Any) -> Grant:
    grantee = item.get("Grantee") if isinstance(item, dict) else None
    permission = item.get("Permission") if isinstance(item, dict) else None
    if not isinstance(grantee, dict) or permission not in PERMISSIONS:
        raise malformed_acl()
    kind = grantee.get("Type")
    if kind == "CanonicalUser":
        canonical = grantee.get("ID")
        if not canonical:
            raise malformed_acl()
        return Grant(ID, str(canonical), str(permission))
    if kind == "Group":
        uri = str(grantee.get("URI") or "")
        if uri not in GROUPS:
            raise invalid_argument("Invalid group uri", "Group/URI", uri)
        return Grant(URI, uri, str(permission))
    if kind == "AmazonCustomerByEmail":
        raise unresolvable_email()
    raise malformed_acl()
