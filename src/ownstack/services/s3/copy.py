"""CopyObject: a new object from an existing one's bytes (a multipart source becomes a
single-part object with a fresh MD5 ETag)."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.errors import BlobNotFound

from .access import check_owner, owned_bucket
from .acl_ops import object_acl_on_write
from .base import canonical_user_id, no_such_key
from .body import object_chunks
from .checksums import ALGORITHMS, Digester, member
from .conditions import check_copy_source
from .copy_source import parse_copy_source
from .encryption import (
    copy_source_opener,
    refuse_unsupported_encryption,
    sealed,
    write_sealer,
)
from .headers import stored_headers, timestamp
from .lifecycle_rules import add_expiration
from .names import check_key, check_metadata, storage_class
from .object_lock import lock_on_write
from .records import ObjectRecord
from .tagging import tags_from_header
from .versioning import VersioningOps
from .versioning_ids import add_written_version_id, check_version_id
from .versioning_read import source_version
from .writes import check_condition_headers, commit_object, discard_segments, store_bytes

MAX_COPY_SOURCE = 5 * 1024**3
_DIRECTIVES = ("COPY", "REPLACE")


class CopyOps(VersioningOps):
    async def copy_object(self, ctx: RequestContext, params: Params) -> Result:
        refuse_unsupported_encryption(params)
        key = params["Key"]
        check_key(key, self.limits.max_key_bytes)
        bucket = await owned_bucket(self, ctx, params)
        lock = lock_on_write(ctx, bucket, params, self.clock.now(), "CopyObject")  # Object Lock
        check_condition_headers(params)
        written = object_acl_on_write(ctx, bucket, params, self.account_ids)  # owner, ACL
        metadata_directive = _directive(params, "MetadataDirective", "metadata")
        tagging_directive = _directive(params, "TaggingDirective", "tagging")
        src, src_version = await self._copy_source(ctx, params, metadata_directive)
        opened = copy_source_opener(ctx, params, src, self.sse_keys)  # encryption at rest
        sealer = write_sealer(ctx, params, bucket, self.sse_keys, src)
        algorithm = _checksum_algorithm(params, src)
        digester = Digester([algorithm])
        try:
            stored = await store_bytes(
                self.blobs,
                object_chunks(self.blobs, src, 0, src.size, opened),
                digester,
                known_size=src.size,
                inline_max=self.limits.inline_max,
                max_size=MAX_COPY_SOURCE,
                sealer=sealer,
            )
        except BlobNotFound as exc:
            # The source was overwritten or deleted while we read it.
            raise no_such_key(parse_copy_source(params["CopySource"]).key) from exc
        try:
            rec = self._copied_record(ctx, params, src, metadata_directive, tagging_directive)
            rec.owner_id, rec.acl = written
            rec.lock = lock  # never the source's: a copy gets its own (object_lock.py)
            rec.size = digester.size
            rec.etag = f'"{digester.md5_hex()}"'
            rec.checksums = {member(algorithm): digester.checksum_b64(algorithm)}
            rec.inline, rec.segments = stored.inline, stored.segments
            sse_out = sealed(sealer, rec)
            old = None
            if bucket.versioning:  # a new version (versioning.py)
                await self._put_version(ctx, bucket, key, rec, params, "ObjectCreated:Copy")
            else:
                notes = self.notes(ctx, bucket, "ObjectCreated:Copy", key, rec.size, rec.etag)
                old = await commit_object(self.meta, bucket, key, rec, params, notes)
        except Exception:  # not BaseException: a cancelled commit may still land (see
            # writes.discard_segments); then the new blob must stay referenced
            await discard_segments(self.blobs, stored.segments)
            raise
        if old is not None and not old.seq:  # a version's record (seq) keeps its bytes
            await discard_segments(self.blobs, old.segments)
        # No ChecksumType here: S3's CopyObjectResult names only the checksum value.
        result = {"ETag": rec.etag, "LastModified": timestamp(rec.last_modified), **rec.checksums}
        out = {"CopyObjectResult": result, **sse_out}
        if src_version is not None:
            out["CopySourceVersionId"] = src_version
        if bucket.versioning:
            add_written_version_id(out, rec.version_id)
        add_expiration(out, bucket, key, rec, self.limits.lifecycle_day_s)
        return out

    async def _copy_source(
        self, ctx: RequestContext, params: Params, metadata_directive: str
    ) -> tuple[ObjectRecord, str | None]:
        """The source object, after its access, conditions and copy rules are checked, and
        its version id when its bucket is versioning (else None)."""
        source = parse_copy_source(params["CopySource"])
        src_bucket = await self.bucket(ctx, source.bucket)
        expected = {"ExpectedBucketOwner": params.get("ExpectedSourceBucketOwner")}
        check_owner(ctx, src_bucket, expected)
        check_version_id(source.version_id)
        src = await source_version(self, src_bucket, source.key, source.version_id)
        check_copy_source(src.etag, src.last_modified, params, self.clock.now())
        same_key = (source.bucket, source.key) == (params["Bucket"], params["Key"])
        if same_key and source.version_id is None:  # copying a named version back is a restore
            _check_self_copy(params, metadata_directive)
        if src.size > MAX_COPY_SOURCE:
            raise ServiceError(
                "InvalidRequest",
                "The specified copy source is larger than the maximum allowable size for a copy"
                f" source: {MAX_COPY_SOURCE}",
            )
        return src, (src.version_id if src_bucket.versioning else None)

    def _copied_record(
        self,
        ctx: RequestContext,
        params: Params,
        src: ObjectRecord,
        metadata_directive: str,
        tagging_directive: str,
    ) -> ObjectRecord:
        """The new record's attributes (bytes and digests are filled in by the caller)."""
        rec = ObjectRecord(
            size=0,
            etag="",
            last_modified=self.clock.now(),
            checksum_type="FULL_OBJECT",
            storage_class=storage_class(params.get("StorageClass")),
            owner_id=canonical_user_id(ctx.account_id),
        )
        if metadata_directive == "REPLACE":
            rec.content_type = params.get("ContentType") or "binary/octet-stream"
            rec.metadata = check_metadata(
                params.get("Metadata") or {}, self.limits.max_metadata_bytes
            )
            rec.headers = stored_headers(params)
        else:
            rec.content_type = src.content_type
            rec.metadata = dict(src.metadata)
            rec.headers = dict(src.headers)
            if params.get("WebsiteRedirectLocation") is not None:
                rec.headers["WebsiteRedirectLocation"] = params["WebsiteRedirectLocation"]
        if tagging_directive == "REPLACE":
            rec.tags = tags_from_header(params.get("Tagging"))
        else:
            rec.tags = dict(src.tags)
        return rec


def _directive(params: Params, name: str, label: str) -> str:
    value = params.get(name)
    if value is None:
        return "COPY"
    if value not in _DIRECTIVES:
        raise ServiceError(
            "InvalidArgument",
            f"Unknown {label} directive.",
            fields={"ArgumentName": f"x-amz-{label}-directive", "ArgumentValue": str(value)},
        )
    return str(value)


def _check_self_copy(params: Params, metadata_directive: str) -> None:
    """Copying an object onto itself must change something about it."""
    changes = (
        metadata_directive == "REPLACE",
        params.get("StorageClass") is not None,
        params.get("WebsiteRedirectLocation") is not None,
        params.get("ServerSideEncryption") is not None,
        params.get("SSEKMSKeyId") is not None,
        params.get("SSECustomerAlgorithm") is not None,
    )
    if not any(changes):
        raise ServiceError(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself"
            " without changing the object's metadata, storage class, website redirect location"
            " or encryption attributes.",
        )


def _checksum_algorithm(params: Params, src: ObjectRecord) -> str:
    """The checksum the copy stores: the requested one, else the source's algorithm (S3 keeps
    it), else S3's default."""
    requested = params.get("ChecksumAlgorithm")
    if isinstance(requested, str) and requested.upper() in ALGORITHMS:
        return requested.upper()
    for alg in ALGORITHMS:
        if member(alg) in src.checksums:
            return alg
    return "CRC64NVME"
