"""CopyObject: a new object from an existing one's bytes (a multipart source becomes a
single-part object with a fresh MD5 ETag)."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.errors import BlobNotFound

from .access import check_owner, owned_bucket
from .base import canonical_user_id, no_such_key
from .body import object_chunks
from .checksums import ALGORITHMS, Digester, member
from .conditions import check_copy_source
from .copy_source import parse_copy_source
from .encryption import refuse_unsupported_encryption
from .headers import stored_headers, timestamp
from .names import check_key, check_metadata, storage_class
from .notify_ops import NotificationOps
from .reads import check_version_id
from .records import ObjectRecord
from .settings import refuse_unsupported_object_settings
from .tagging import tags_from_header
from .writes import check_condition_headers, commit_object, discard_segments, store_bytes

MAX_COPY_SOURCE = 5 * 1024**3
_DIRECTIVES = ("COPY", "REPLACE")


class CopyOps(NotificationOps):
    async def copy_object(self, ctx: RequestContext, params: Params) -> Result:
        refuse_unsupported_encryption(params)
        refuse_unsupported_object_settings(params)
        key = params["Key"]
        check_key(key, self.limits.max_key_bytes)
        bucket = await owned_bucket(self, ctx, params)
        check_condition_headers(params)
        metadata_directive = _directive(params, "MetadataDirective", "metadata")
        tagging_directive = _directive(params, "TaggingDirective", "tagging")
        src = await self._copy_source(ctx, params, metadata_directive)
        algorithm = _checksum_algorithm(params, src)
        digester = Digester([algorithm])
        try:
            stored = await store_bytes(
                self.blobs,
                object_chunks(self.blobs, src, 0, src.size),
                digester,
                known_size=src.size,
                inline_max=self.limits.inline_max,
                max_size=MAX_COPY_SOURCE,
            )
        except BlobNotFound as exc:
            # The source was overwritten or deleted while we read it.
            raise no_such_key(parse_copy_source(params["CopySource"]).key) from exc
        try:
            rec = self._copied_record(ctx, params, src, metadata_directive, tagging_directive)
            rec.size = digester.size
            rec.etag = f'"{digester.md5_hex()}"'
            rec.checksums = {member(algorithm): digester.checksum_b64(algorithm)}
            rec.inline, rec.segments = stored.inline, stored.segments
            notes = self.notes(ctx, bucket, "ObjectCreated:Copy", key, rec.size, rec.etag)
            old = await commit_object(self.meta, bucket, key, rec, params, notes)
        except Exception:  # not BaseException: a cancelled commit may still land (see
            # writes.discard_segments); then the new blob must stay referenced
            await discard_segments(self.blobs, stored.segments)
            raise
        if old is not None:
            await discard_segments(self.blobs, old.segments)
        # No ChecksumType here: S3's CopyObjectResult names only the checksum value.
        result = {"ETag": rec.etag, "LastModified": timestamp(rec.last_modified), **rec.checksums}
        return {"CopyObjectResult": result}

    async def _copy_source(
        self, ctx: RequestContext, params: Params, metadata_directive: str
    ) -> ObjectRecord:
        """The source object, after its access, conditions and copy rules are checked."""
        source = parse_copy_source(params["CopySource"])
        src_bucket = await self.bucket(ctx, source.bucket)
        expected = {"ExpectedBucketOwner": params.get("ExpectedSourceBucketOwner")}
        check_owner(ctx, src_bucket, expected)
        check_version_id(source.version_id)
        src, _ = await self.object_record(src_bucket, source.key)
        check_copy_source(src.etag, src.last_modified, params, self.clock.now())
        if (source.bucket, source.key) == (params["Bucket"], params["Key"]):
            _check_self_copy(params, metadata_directive)
        if src.size > MAX_COPY_SOURCE:
            raise ServiceError(
                "InvalidRequest",
                "The specified copy source is larger than the maximum allowable size for a copy"
                f" source: {MAX_COPY_SOURCE}",
            )
        return src

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
