"""How S3 state is laid out in the metadata port. Shared by every S3 module: change with care,
existing data dirs depend on it.

Namespaces and keys:
  BUCKETS                         bucket name -> BucketRecord (bucket names are global, as on AWS)
  objects_ns(bucket_id)           object key  -> ObjectRecord
  uploads_ns(bucket_id)           upload_key(key, upload_id) -> UploadRecord
  parts_ns(bucket_id, upload_id)  part_key(n) -> PartRecord
  configs_ns(bucket_id)           "<kind>/<id>" -> a metrics/analytics/... configuration's JSON
                                  (subresource_store.py)

Object bytes are either inline in the record (small objects: one metadata commit, no file) or a
list of blob segments (one for a PUT, one per part for a completed multipart upload: completing
an upload copies no data).

Versioning (a bucket whose BucketRecord.versioning is "Enabled" or "Suspended"; services/s3/
versioning*.py) adds two namespaces:
  versions_ns(bucket_id)          version_key(key, suffix) -> ObjectRecord or MarkerRecord
  heads_ns(bucket_id)             object key  -> HeadRecord

- versions_ns holds EVERY version a versioning write made, the current one included, and the
  delete markers; suffix is the version id (32 characters) or, for the "null" version, its 11-
  character order token alone. Ids begin with that token, which counts down with the version's
  sequence number, so a key's versions list newest first in key order, and a version is found
  by its id in one read. objects_ns keeps exactly what it always held: the current version of
  each key that is not a delete marker (a copy of its versions_ns record, `seq` > 0), or a
  record written without versioning (`seq` == 0: the bucket's "null" version from before
  versioning, which lives nowhere else until a versioning write of its key copies it over).
  ListObjects/V2, GET and HEAD read objects_ns as before; ListObjectVersions reads versions_ns
  (and the `seq` == 0 records of objects_ns).
  Why a copy and not a move between the two namespaces: a version's record (and so its blob
  references) then stays in one place from its creating commit to its permanent deletion,
  which the orphan sweep's argument needs (sweep.py): bytes only ever move from parts to
  objects_ns to versions_ns, the order in which it scans them.
- heads_ns: one small record per key with versions: the newest version's sequence number and
  where the null version is. Every versioning write of a key compare-and-sets it, so writes of
  one key are ordered (and their sequence numbers increase) even across processes, and a new
  version plus the change of the previous current one is always ONE commit.
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


def versions_ns(bucket_id: str) -> str:
    return f"s3:ver:{bucket_id}"


def heads_ns(bucket_id: str) -> str:
    return f"s3:vhead:{bucket_id}"


def version_key(key: str, suffix: str) -> str:
    """NUL sorts first: a key's versions sort together, before any longer key's."""
    return f"{key}\x00{suffix}"


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
    ownership: str = ""
    """Object Ownership (ownership.py): BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter,
    "none" once DeleteBucketOwnershipControls removed it; "" (a bucket from before ownership
    was kept) acts as BucketOwnerEnforced."""
    acl: str = ""
    """The bucket ACL's grants (acl.py: JSON text), empty for the default (owner full control)."""
    public_access_block: str = ""
    """Block Public Access (public_access.py): four "0"/"1" flags, empty for no configuration."""
    notification: str = ""
    """The notification configuration (notify_rules.NotificationConfig as JSON text), empty
    for none: a write to a bucket without one checks this and nothing more."""
    versioning: str = ""
    """"" (never versioned), "Enabled" or "Suspended": the write paths branch on it first."""
    lifecycle: str = ""
    """The lifecycle configuration (lifecycle_rules.LifecycleConfig as JSON text), empty for
    none: a request to a bucket without one checks this and nothing more."""
    cors: str = ""
    """The CORS rules PutBucketCors stored (cors.py: JSON text), empty for none: a request with
    an Origin to a bucket without them checks this and nothing more."""
    subresources: dict[str, str] = field(default_factory=dict)
    """Sub-resource documents by name ("website", "accelerate": the JSON text of what their Get
    answers) and how many id-keyed configurations of each kind the bucket has ("metrics": "3";
    the configurations are records of their own): subresource_store.py."""
    encryption: str = ""
    """The default encryption PutBucketEncryption stored (bucket_encryption.py: JSON text),
    empty for none: a write to a bucket without one checks this and nothing more."""
    object_lock: str = ""
    """Object Lock (object_lock.py: its LockConfig as JSON text), empty when never enabled: a
    write to a bucket without it checks this and nothing more. Never cleared once set."""


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
    acl: str = ""
    """The object ACL's grants (acl.py: JSON text), empty for the default (owner full control)."""
    transitioned: bool = False
    """S3 Lifecycle moved the object to `storage_class`: ownstack keeps its bytes online, so it
    stays readable (no RestoreObject needed), unlike an object written to an archive class."""
    seq: int = 0
    """Its version's sequence number (versions_ns); 0 for a record written without versioning."""
    sse: str = ""
    """How the bytes are encrypted at rest (sse_cipher.Sealing as JSON text), empty when not."""
    lock: str = ""
    """The version's Object Lock retention and legal hold (object_lock.VersionLock as JSON
    text), empty when it has neither."""

    @staticmethod
    def segments_of(raw: bytes) -> list[Segment]:
        """The segments of an encoded record, without building the rest of it (its inline
        bytes, its dicts): all a PutObject needs of the record it replaces. None when it is a
        version's record (seq > 0): its versions_ns record still holds those blobs."""
        found = _SEGMENTS_DECODER.decode(raw)
        return [] if found.seq else found.segments


@dataclass(slots=True)
class _SegmentsOnly:
    segments: list[Segment] = field(default_factory=list)
    seq: int = 0


@dataclass(slots=True)
class MarkerRecord(JsonRecord):
    """A delete marker (versions_ns only). Its first member tells it from an ObjectRecord."""

    marker: bool = True
    version_id: str = "null"
    last_modified: float = 0.0
    seq: int = 0
    owner_id: str = ""
    owner_name: str = ""


def is_marker(raw: bytes) -> bool:
    """Whether a versions_ns value is a MarkerRecord (an ObjectRecord's JSON begins "size")."""
    return raw.startswith(b'{"marker":')


@dataclass(slots=True)
class HeadRecord(JsonRecord):
    seq: int = 0
    """The newest version's sequence number."""
    null_seq: int = 0
    """The null version's sequence number (its versions_ns suffix), 0 when there is none."""


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
    acl: str = ""
    """The ACL its object will have (acl.py: JSON text), empty for the default."""
    sse: str = ""
    """The upload's encryption (sse_cipher.Sealing as JSON text, no IVs), empty when none."""
    lock: str = ""
    """The Object Lock state its object will have (object_lock.VersionLock as JSON text)."""


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
    sse: str = ""
    """The IV (base64) its blob is encrypted from, when its upload is encrypted."""


_SEGMENTS_DECODER = msgspec.json.Decoder(_SegmentsOnly)
