"""S3 object operations whose permissions differ from their names: versioned forms, copies
(read the source, write the target), multipart uploads, tagging on write, batch deletes.

Sources: AWS's "Required permissions for Amazon S3 API operations"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html), "Object
operations" section, and the Permissions sections of the API pages: GetObject, HeadObject and
DeleteObject ("with a versionId specified" -> the *Version action), GetObjectAttributes (GetObject +
GetObjectAttributes, or GetObjectVersion + GetObjectVersionAttributes), CopyObject and
UploadPartCopy (read on the source, s3:PutObject on the target), PutObject (s3:PutObjectTagging
too when the request carries tags), DeleteObjects (s3:DeleteObject / s3:DeleteObjectVersion for
each object), DeleteBucketTagging (s3:PutBucketTagging).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ownstack.core.errors import ServiceError
from ownstack.services.s3.copy_source import parse_copy_source

from .conditions import aws_tag_conditions
from .derive import ActionRule, ExceptionFactory, Rules, renamed, single
from .model import Builder, Params, Requirement, Scope

_ONE_OBJECT = frozenset({"Bucket", "Key", "VersionId"})


def by_version(plain: tuple[str, ...], versioned: tuple[str, ...]) -> ExceptionFactory:
    """`plain` actions, or `versioned` ones when the request names a version (VersionId)."""

    def factory(rules: Rules, members: frozenset[str]) -> Builder:
        without = tuple(rules.rule(a, members) for a in plain)
        with_version = tuple(rules.rule(a, members) for a in versioned)

        def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
            chosen = without if params.get("VersionId") is None else with_version
            return tuple(rule(params, scope) for rule in chosen)

        return build

    return factory


def _write(action: str) -> ExceptionFactory:
    """`action` on the object, and s3:PutObjectTagging when the request tags it."""

    def factory(rules: Rules, members: frozenset[str]) -> Builder:
        write = rules.rule(action, members)
        tagging = rules.rule("PutObjectTagging", members)

        def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
            if params.get("Tagging"):
                return (write(params, scope), tagging(params, scope))
            return (write(params, scope),)

        return build

    return factory


def _source(params: Params) -> dict[str, Any] | None:
    """The copy source as one-object params, or None when CopySource is malformed (the handler
    answers that with S3's InvalidArgument; the requirement names no source then)."""
    try:
        source = parse_copy_source(str(params.get("CopySource") or ""))
    except ServiceError:
        return None
    return {"Bucket": source.bucket, "Key": source.key, "VersionId": source.version_id}


def _copy(tags_target: bool) -> ExceptionFactory:
    """Read the source (its version, when named), write the target (+ its tags)."""

    def factory(rules: Rules, members: frozenset[str]) -> Builder:
        read = rules.rule("GetObject", _ONE_OBJECT)
        read_version = rules.rule("GetObjectVersion", _ONE_OBJECT)
        write = rules.rule("PutObject", members)
        tagging = rules.rule("PutObjectTagging", members)

        def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
            source = _source(params)
            if source is None:
                first = Requirement(read.action, "*")
            else:
                first = (read if source["VersionId"] is None else read_version)(source, scope)
            if tags_target and params.get("Tagging"):
                return (first, write(params, scope), tagging(params, scope))
            return (first, write(params, scope))

        return build

    return factory


def _delete_objects(rules: Rules, members: frozenset[str]) -> Builder:
    delete = rules.rule("DeleteObject", _ONE_OBJECT)
    delete_version = rules.rule("DeleteObjectVersion", _ONE_OBJECT)

    def one(bucket: Any, entry: Any, scope: Scope) -> Requirement:
        version = entry.get("VersionId") if isinstance(entry, Mapping) else None
        key = entry.get("Key") if isinstance(entry, Mapping) else None
        params = {"Bucket": bucket, "Key": key, "VersionId": version}
        return (delete if version is None else delete_version)(params, scope)

    def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
        bucket = params.get("Bucket")
        delete_spec = params.get("Delete")
        entries = delete_spec.get("Objects") if isinstance(delete_spec, Mapping) else None
        if not entries:
            # No object named (a malformed request): permission to delete any object in the
            # bucket, so the refusal does not depend on the request being well formed.
            return (delete({"Bucket": bucket, "Key": "*"}, scope),)
        return tuple(one(bucket, entry, scope) for entry in entries)

    return build


def _bucket_tagging(rules: Rules, members: frozenset[str]) -> Builder:
    # The reference lists no request-tag keys for s3:PutBucketTagging; the tags it writes are
    # offered as aws:RequestTag/aws:TagKeys all the same, as for every other tagging call.
    tags = aws_tag_conditions(["Tagging"], ())
    rule: ActionRule = rules.rule("PutBucketTagging", members, extra=list(tags.values()))
    return single(rule)


def _versioned(plain: str, versioned: str) -> ExceptionFactory:
    return by_version((plain,), (versioned,))


OBJECT_EXCEPTIONS: dict[str, ExceptionFactory] = {
    "GetObject": _versioned("GetObject", "GetObjectVersion"),
    "HeadObject": _versioned("GetObject", "GetObjectVersion"),
    "DeleteObject": _versioned("DeleteObject", "DeleteObjectVersion"),
    "GetObjectTagging": _versioned("GetObjectTagging", "GetObjectVersionTagging"),
    "PutObjectTagging": _versioned("PutObjectTagging", "PutObjectVersionTagging"),
    "DeleteObjectTagging": _versioned("DeleteObjectTagging", "DeleteObjectVersionTagging"),
    "GetObjectAcl": _versioned("GetObjectAcl", "GetObjectVersionAcl"),
    "PutObjectAcl": _versioned("PutObjectAcl", "PutObjectVersionAcl"),
    "GetObjectAttributes": by_version(
        ("GetObject", "GetObjectAttributes"), ("GetObjectVersion", "GetObjectVersionAttributes")
    ),
    "PutObject": _write("PutObject"),
    "CopyObject": _copy(tags_target=True),
    "UploadPartCopy": _copy(tags_target=False),
    "CreateMultipartUpload": renamed("PutObject"),
    "UploadPart": renamed("PutObject"),
    "CompleteMultipartUpload": renamed("PutObject"),
    "ListParts": renamed("ListMultipartUploadParts"),
    "DeleteObjects": _delete_objects,
    "PutBucketTagging": _bucket_tagging,
    "DeleteBucketTagging": renamed("PutBucketTagging"),
}
