"""How S3 state is laid out in the metadata port. Shared by every S3 module: change with care,
existing data dirs depend on it.

Namespaces and keys:
  BUCKETS                         bucket name -> BucketRecord (bucket names are global, as on AWS)
  objects_ns(bucket_id)           object key  -> ObjectRecord
  uploads_ns(bucket_id)           upload_key(key, upload_id) -> UploadRecord
  parts_ns(bucket_id, upload_id)  part_key(n) -> PartRecord

Object bytes are either inline in the record (small objects: one metadata commit, no file) or a
list of blob segments (one for a PUT, one per part for a completed multipart upload: completing
an upload copies no data).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from ownstack.core.records import JsonRecord

BUCKETS = "s3:buckets"

# Records are JsonRecords (core/records.py): JSON objects, one member per field, inline bytes
# as base64. For ASCII text the bytes are exactly what json.dumps wrote when these records
# began; other text is written as UTF-8 instead of \u escapes, the same JSON value either way.


def objects_ns(bucket_id: str) -> str:
    return f"s3:obj:{bucket_id}"


def uploads_ns(bucket_id: str) -> str:
    return f"s3:mpu:{bucket_id}"


def parts_ns(bucket_id: str, upload_id: str) -> str:
    return f"s3:part:{bucket_id}:{upload_id}"


def upload_key(key: str, upload_id: str) -> str:
    # NUL sorts first, so uploads list by key, then by upload id, as ListMultipartUploads does.
    return f"{key}\x00{upload_id}"


def part_key(part_number: int) -> str:
    return f"{part_number:05d}"


@dataclass(slots=True)
class BucketRecord(JsonRecord):
    name: str
    id: str
    """Opaque id naming the bucket's namespaces: a re-created bucket never sees old records."""
    account_id: str
    region: str
    created: float
    tags: dict[str, str] = field(default_factory=dict)
    owner_id: str = ""
    """Canonical user id of the owner (Owner/ID in listings)."""
    owner_name: str = ""
    policy: str = ""
    """The bucket policy as PutBucketPolicy stored it (JSON text), empty for none."""
    notification: str = ""
    """The notification configuration (notify_rules.NotificationConfig as JSON text), empty
    for none: a write to a bucket without one checks this and nothing more."""


@dataclass(slots=True)
class Segment:
    blob_id: str
    size: int


@dataclass(slots=True)
class ObjectRecord(JsonRecord):
    size: int
    etag: str
    """Quoted, as sent in the ETag header: '"<md5 hex>"' or '"<md5 of md5s>-<parts>"'."""
    last_modified: float
    content_type: str = "binary/octet-stream"
    metadata: dict[str, str] = field(default_factory=dict)
    """User metadata (x-amz-meta-*), names lower-cased."""
    headers: dict[str, str] = field(default_factory=dict)
    """Stored standard headers by model member name: CacheControl, ContentDisposition,
    ContentEncoding, ContentLanguage, Expires (as sent), WebsiteRedirectLocation."""
    checksums: dict[str, str] = field(default_factory=dict)
    """Model member name (ChecksumCRC32, ChecksumSHA256, ...) -> base64 value."""
    checksum_type: str = ""
    """FULL_OBJECT or COMPOSITE, when a checksum is stored."""
    part_sizes: list[int] = field(default_factory=list)
    """Sizes of the parts of a multipart object (GET ?partNumber=N, PartsCount)."""
    part_checksums: list[str] = field(default_factory=list)
    """The parts' own checksums (base64, the upload's algorithm, the one in `checksums`), in
    part order, when the object has a multipart checksum (GetObjectAttributes' ObjectParts)."""
    completion: str = ""
    """For a multipart object: its upload id and a digest of the part list that completed it,
    so that a retried CompleteMultipartUpload gets the same answer (see multipart_complete)."""
    inline: bytes | None = None
    segments: list[Segment] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    storage_class: str = "STANDARD"
    version_id: str = "null"
    owner_id: str = ""
    owner_name: str = ""

    @staticmethod
    def segments_of(raw: bytes) -> list[Segment]:
        """The segments of an encoded record, without building the rest of it (its inline
        bytes, its dicts): all a PutObject needs of the record it replaces."""
        return _SEGMENTS_DECODER.decode(raw).segments


@dataclass(slots=True)
class _SegmentsOnly:
    segments: list[Segment] = field(default_factory=list)


@dataclass(slots=True)
class UploadRecord(JsonRecord):
    key: str
    upload_id: str
    initiated: float
    content_type: str = "binary/octet-stream"
    metadata: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    checksum_algorithm: str = ""
    checksum_type: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    storage_class: str = "STANDARD"
    owner_id: str = ""
    owner_name: str = ""


@dataclass(slots=True)
class PartRecord(JsonRecord):
    part_number: int
    size: int
    etag: str
    last_modified: float
    blob_id: str
    checksums: dict[str, str] = field(default_factory=dict)
    default_crc64: str = ""
    """The part's CRC64NVME (base64) when its upload names no checksum algorithm: what the
    object's default full-object checksum is combined from at completion. Not listed."""


_SEGMENTS_DECODER = msgspec.json.Decoder(_SegmentsOnly)
