"""ACL operations (Get/PutBucketAcl, Get/PutObjectAcl), the ACL an object or bucket write asks
for (object_acl_on_write, new_bucket_access), and the ACL side of authorisation: what the
gateway asks (acl_grantees) and the object check it may leave to the handler (acl_checked).

How a request gets in through an ACL (gateway/authz/s3_acl.py does the gateway's half): when
the IAM evaluation finds no allow and no explicit deny, and the bucket has ACLs enabled, the
grants that name the caller (a group, or its account) stand for a resource policy naming it,
with IAM's rules for that (across accounts the caller's identity policies must allow too). A
bucket's ACL is read from the bucket record the gateway has already read. An object's ACL is
in the object record: for GetObject, HeadObject and Get/PutObjectAcl the gateway lets the
request through marked (acl.PENDING) and the handler, which reads the record anyway, checks
the grant (acl_checked): no second read. A request of the bucket owner's account on an
object it owns needs no ACL at all; on an object another account owns (ACLs enabled), the
object's ACL must grant it, as on S3 (a bucket policy covers only the bucket owner's objects).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed

from .access import access_denied, check_owner, conflict, owned_bucket, update_bucket
from .acl import (
    ACCOUNT_KIND,
    ACTIONS,
    GROUP_KIND,
    OBJECT_LEVEL,
    PENDING,
    READ,
    READ_ACP,
    WRITE_ACP,
    Grants,
    Requested,
    check_ids,
    encode,
    grants_of,
    grants_others,
    invalid_argument,
    is_public,
    known_ids,
    not_supported,
    possible_kinds,
    requested,
    requester_kinds,
)
from .acl_xml import CANONICAL_USER_ID, acl_document, put_request
from .base import S3Base, no_such_key
from .ownership import (
    ENFORCED,
    acls_enabled,
    bucket_owner_id,
    check_mode,
    invalid_with_ownership,
    object_owner_id,
    writer_owns,
)
from .public_access import ALL_ON, ignores_public_acls, refuse_public_acl
from .records import BUCKETS, BucketRecord, MarkerRecord, ObjectRecord, objects_ns
from .versioning_ids import check_version_id, no_such_version
from .versioning_read import marker_not_allowed, read_version
from .versioning_store import Located, locate

_ARN = "arn:aws:s3:::"
_RETRIES = 64  # an object's ACL under concurrent puts: see access._RETRIES
_DEFERRED = {
    "s3:GetObject": ("GetObject", "HeadObject"),
    "s3:GetObjectVersion": ("GetObject", "HeadObject"),
    "s3:GetObjectAcl": ("GetObjectAcl",),
    "s3:GetObjectVersionAcl": ("GetObjectAcl",),
    "s3:PutObjectAcl": ("PutObjectAcl",),
    "s3:PutObjectVersionAcl": ("PutObjectAcl",),
}
"""Object actions whose ACL the handler checks (acl_checked), by the operations that do."""
_EVERY_KIND = GROUP_KIND + ACCOUNT_KIND
AccountIds = Callable[[], Iterable[str]]
"""S3Base.account_ids: the accounts whose canonical user ids a grant may name."""


@dataclass(frozen=True, slots=True)
class AclMatch:
    """What an ACL grants the caller for one action: the kinds of grant (acl.GROUP_KIND,
    acl.ACCOUNT_KIND) that do, or, `deferred`, that could (the handler checks the object)."""

    kinds: frozenset[str]
    deferred: bool = False


def object_acl_on_write(
    ctx: RequestContext, bucket: BucketRecord, params: Params, account_ids: AccountIds
) -> tuple[str, str]:
    """The owner and the ACL (as kept) of the object PutObject, CopyObject or
    CreateMultipartUpload writes. Without ACLs (BucketOwnerEnforced) only no ACL,
    bucket-owner-full-control or private is taken (AccessControlListNotSupported); with them,
    a public one is refused under BlockPublicAcls."""
    if params.get("ACL") is None and not _grant_headers(params):
        return writer_owns(ctx, bucket, None), ""
    wanted = requested(params, bucket=False)
    bucket_owner = bucket_owner_id(bucket)
    if not acls_enabled(bucket):
        if not wanted.owner_only(bucket_owner):
            raise not_supported()
        return bucket_owner, ""
    owner = writer_owns(ctx, bucket, wanted.canned or None)
    grants = wanted.resolve(owner, bucket_owner, bucket=False)
    if is_public(grants):
        refuse_public_acl(ctx, bucket, "s3:PutObject", f"{_ARN}{bucket.name}/{params['Key']}")
    if wanted.explicit:
        check_ids(grants, _known(account_ids, owner, bucket_owner))
    return owner, encode(grants, owner)


def _grant_headers(params: Params) -> bool:
    return bool(
        params.get("GrantFullControl")
        or params.get("GrantRead")
        or params.get("GrantReadACP")
        or params.get("GrantWrite")
        or params.get("GrantWriteACP")
    )


def new_bucket_access(rec: BucketRecord, params: Params, account_ids: AccountIds) -> None:
    """CreateBucket: the new bucket's Object Ownership (x-amz-object-ownership, default
    BucketOwnerEnforced), Block Public Access (all four on, as S3 sets it) and ACL. An ACL
    granting anyone but the owner needs ACLs enabled (InvalidBucketAclWithObjectOwnership); a
    public one is refused, Block Public Access being on."""
    mode = params.get("ObjectOwnership")
    rec.ownership = ENFORCED if mode is None else check_mode(mode, "x-amz-object-ownership")
    rec.public_access_block = ALL_ON
    wanted = requested(params, bucket=True)
    if not wanted.given:
        return
    owner = bucket_owner_id(rec)
    grants = wanted.resolve(owner, owner, bucket=True)
    if not acls_enabled(rec):
        if grants_others(grants, owner):
            raise invalid_with_ownership()
        return
    if is_public(grants):
        raise ServiceError(
            "InvalidBucketAclWithBlockPublicAccessError",
            "Bucket cannot have public ACLs set with BlockPublicAccess enabled",
            400,
        )
    if wanted.explicit:
        check_ids(grants, _known(account_ids, owner))
    rec.acl = encode(grants, owner)


def _known(account_ids: AccountIds, *more: str) -> Callable[[str], bool]:
    """Whether a canonical user id is one a grant may name: an account this server holds."""
    return (known_ids(account_ids()) | frozenset(more)).__contains__


async def acl_checked(
    ctx: RequestContext,
    bucket: BucketRecord,
    read: Awaitable[ObjectRecord],
    permission: str = READ,
) -> ObjectRecord:
    """The object `read` reads, once its ACL is found to let the caller do what needs
    `permission`, when it must: the gateway left the decision to it (acl.PENDING), or the
    object is another account's (ACLs enabled). A request the gateway let through only for an
    object's ACL learns nothing of a key that does not exist unless it may list the bucket."""
    pending = ctx.extra.get(PENDING)
    if pending is None:
        rec = await read
        if acls_enabled(bucket) and rec.owner_id and rec.owner_id != bucket_owner_id(bucket):
            _require(ctx, bucket, rec, permission, _EVERY_KIND)
        return rec
    try:
        rec = await read
    except ServiceError as exc:
        if exc.code == "NoSuchKey" and not _may_list(ctx, bucket, pending):
            raise access_denied() from exc
        raise
    _require(ctx, bucket, rec, permission, pending)
    return rec


def _require(
    ctx: RequestContext, bucket: BucketRecord, rec: ObjectRecord, permission: str, allowed: str
) -> None:
    if not acls_enabled(bucket):
        raise access_denied()  # disabled since the gateway looked: nothing grants it now
    owner = object_owner_id(bucket, rec)
    kinds = requester_kinds(
        ctx,
        grants_of(rec.acl, owner),
        permission,
        ignore_public=ignores_public_acls(bucket),
        owner=owner,
    )
    if not any(kind in allowed for kind in kinds):
        raise access_denied()


def _may_list(ctx: RequestContext, bucket: BucketRecord, allowed: str) -> bool:
    if not acls_enabled(bucket):
        return False
    owner = bucket_owner_id(bucket)
    ignore = ignores_public_acls(bucket)
    kinds = requester_kinds(ctx, grants_of(bucket.acl, owner), READ, ignore_public=ignore)
    return any(kind in allowed for kind in kinds)


def _check_document_owner(wanted: Requested, owner: str) -> None:
    """An AccessControlPolicy must name the resource's owner as its Owner."""
    if wanted.id_field == CANONICAL_USER_ID and wanted.owner != owner:
        raise invalid_argument("Invalid id", CANONICAL_USER_ID, wanted.owner)


class AclOps(S3Base):
    async def get_bucket_acl(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        owner = bucket_owner_id(bucket)
        grants = grants_of(bucket.acl if acls_enabled(bucket) else "", owner)
        return acl_document(owner, grants, bucket.owner_name)

    async def put_bucket_acl(self, ctx: RequestContext, params: Params) -> Result:
        wanted = put_request(params, bucket=True)

        def change(bucket: BucketRecord) -> None:
            owner = bucket_owner_id(bucket)
            _check_document_owner(wanted, owner)
            grants = wanted.resolve(owner, owner, bucket=True)
            if is_public(grants):
                refuse_public_acl(ctx, bucket, "s3:PutBucketAcl", f"{_ARN}{bucket.name}")
            if not acls_enabled(bucket):
                if not wanted.owner_only(owner):
                    raise not_supported()
                return
            if wanted.explicit:
                check_ids(grants, _known(self.account_ids, owner), wanted.id_field)
            bucket.acl = encode(grants, owner)

        await update_bucket(self, ctx, params, change)
        return {}

    async def get_object_acl(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await self.bucket(ctx, params["Bucket"])
        check_owner(ctx, bucket, params)
        version_id = params.get("VersionId")
        check_version_id(version_id)
        read = read_version(self, bucket, params["Key"], version_id, "GET")
        rec = await acl_checked(ctx, bucket, read, READ_ACP)
        owner = object_owner_id(bucket, rec)
        grants = grants_of(rec.acl if acls_enabled(bucket) else "", owner)
        return acl_document(owner, grants, rec.owner_name)

    async def put_object_acl(self, ctx: RequestContext, params: Params) -> Result:
        wanted = put_request(params, bucket=False)
        bucket = await self.bucket(ctx, params["Bucket"])
        check_owner(ctx, bucket, params)
        version_id = params.get("VersionId")
        check_version_id(version_id)
        key = params["Key"]
        for _ in range(_RETRIES):
            found = _Found()
            read = self._version_to_change(bucket, key, version_id, found)
            rec = await acl_checked(ctx, bucket, read, WRITE_ACP)
            text = self._object_acl_text(ctx, bucket, rec, wanted, key)
            if text == rec.acl:
                return {}
            rec.acl = text
            try:
                await self.meta.commit(found.located().rewrite(bucket, key, rec))
            except ConditionFailed:
                continue  # changed meanwhile: read it again
            return {}
        raise conflict()

    async def _version_to_change(
        self, bucket: BucketRecord, key: str, version_id: str | None, found: _Found
    ) -> ObjectRecord:
        located = await locate(self.meta, bucket, key, version_id)
        if located is None:
            raise no_such_key(key) if version_id is None else no_such_version(key, version_id)
        if isinstance(located.version, MarkerRecord):
            raise marker_not_allowed("PUT", located.version)
        found.value = located
        return located.version

    def _object_acl_text(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        rec: ObjectRecord,
        wanted: Requested,
        key: str,
    ) -> str:
        owner = object_owner_id(bucket, rec)
        bucket_owner = bucket_owner_id(bucket)
        _check_document_owner(wanted, owner)
        grants: Grants = wanted.resolve(owner, bucket_owner, bucket=False)
        if is_public(grants):
            refuse_public_acl(ctx, bucket, "s3:PutObjectAcl", f"{_ARN}{bucket.name}/{key}")
        if not acls_enabled(bucket):
            if not wanted.owner_only(owner):
                raise not_supported()
            return rec.acl
        if wanted.explicit:
            check_ids(grants, _known(self.account_ids, owner, bucket_owner), wanted.id_field)
        return encode(grants, owner)

    async def acl_grantees(self, ctx: RequestContext, arn: str, action: str) -> AclMatch | None:
        """For the gateway (gateway/authz/s3_acl.py): what the ACL that decides `action` on
        `arn` grants the caller; None when no ACL can (ACLs disabled, an action ACLs do not
        grant, no such bucket)."""
        target = ACTIONS.get(action)
        if target is None or not arn.startswith(_ARN):
            return None
        name, _, key = arn[len(_ARN) :].partition("/")
        raw = await self.meta.get(BUCKETS, name)
        if raw is None:
            return None
        bucket = self._buckets.decoded(name, raw)
        if not acls_enabled(bucket):
            return None
        level, permission = target
        ignore = ignores_public_acls(bucket)
        if level != OBJECT_LEVEL:
            owner = bucket_owner_id(bucket)
            grants = grants_of(bucket.acl, owner)
            return AclMatch(requester_kinds(ctx, grants, permission, ignore_public=ignore))
        if ctx.operation in _DEFERRED.get(action, ()):
            return AclMatch(possible_kinds(ctx, ignore_public=ignore), deferred=True)
        found = await self.meta.get(objects_ns(bucket.id), key)
        if found is None:
            return AclMatch(frozenset())
        rec = ObjectRecord.decode(found.value)
        owner = object_owner_id(bucket, rec)
        grants = grants_of(rec.acl, owner)
        kinds = requester_kinds(ctx, grants, permission, ignore_public=ignore, owner=owner)
        return AclMatch(kinds)


class _Found:
    """Where the version PutObjectAcl changes is stored (set by _version_to_change)."""

    value: Located | None = None

    def located(self) -> Located:
        assert self.value is not None
        return self.value
