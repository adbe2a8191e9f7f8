"""S3 Object Lock, the rules without I/O: a bucket's lock configuration, a version's retention
and legal hold, what a write stores, and which changes and removals each allows
(docs/s3-object-lock.md; the operations are in object_lock_ops.py).

State:
- BucketRecord.object_lock: "" (Object Lock never enabled: every path checks this and nothing
  more), else a LockConfig as JSON text (its default retention, if any). It is never cleared:
  S3 has no way to disable Object Lock.
- ObjectRecord.lock / UploadRecord.lock: "" (no retention, no legal hold ever applied), else a
  VersionLock as JSON text. A version's record is written with it (PutObject, CopyObject,
  CompleteMultipartUpload) and rewritten by PutObjectRetention / PutObjectLegalHold.

A version is protected while its legal hold is ON, or while it has a retention whose date is
still in the future: COMPLIANCE protects it from everyone, GOVERNANCE from everyone who does not
both send `x-amz-bypass-governance-retention: true` and hold s3:BypassGovernanceRetention.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.records import JsonRecord
from ownstack.core.service import Params, Result

from .base import S3Base
from .errors import malformed_xml
from .records import BucketRecord, ObjectRecord, UploadRecord

GOVERNANCE = "GOVERNANCE"
COMPLIANCE = "COMPLIANCE"
MODES = (GOVERNANCE, COMPLIANCE)
HOLD_STATES = ("ON", "OFF")
DAY_S = 86_400
YEAR_DAYS = 365
MAX_DAYS = 36_500
MAX_YEARS = 100
ENABLED = "Enabled"

PROTECTED = "Access Denied because object protected by object lock."
_MODE_HEADER = "x-amz-object-lock-mode"
_DATE_HEADER = "x-amz-object-lock-retain-until-date"
_HOLD_HEADER = "x-amz-object-lock-legal-hold"
_BYPASS_HEADER = "x-amz-bypass-governance-retention"
_INTEGRITY_MEMBERS = (
    "ContentMD5",
    "ChecksumCRC32",
    "ChecksumCRC32C",
    "ChecksumCRC64NVME",
    "ChecksumSHA1",
    "ChecksumSHA256",
    "ChecksumAlgorithm",
)
"""What proves a body's integrity: Content-MD5, an x-amz-checksum-* header, or the SDKs'
x-amz-sdk-checksum-algorithm (its value then comes as an aws-chunked trailer)."""

BYPASS_ACTION = "s3:BypassGovernanceRetention"
OK, BYPASS, DENY = "ok", "bypass", "deny"
"""Verdicts: allowed; allowed only with a governance bypass; refused to everyone."""


@dataclass(slots=True)
class LockConfig(JsonRecord):
    """A bucket's Object Lock configuration: Object Lock is enabled, and its default retention
    (mode "" for none) applies to new versions written without retention of their own."""

    mode: str = ""
    days: int = 0
    years: int = 0

    def default_until_ms(self, created: float) -> int:
        """A new version's retain-until date: its creation time plus the default period (a
        year counts 365 days)."""
        days = self.days or self.years * YEAR_DAYS
        return math.floor((created + days * DAY_S) * 1000)

    def wire(self) -> Result:
        """GetObjectLockConfiguration's document."""
        out: Result = {"ObjectLockEnabled": ENABLED}
        if self.mode:
            period = {"Days": self.days} if self.days else {"Years": self.years}
            out["Rule"] = {"DefaultRetention": {"Mode": self.mode, **period}}
        return out


@dataclass(slots=True)
class VersionLock(JsonRecord):
    """One version's retention (mode "" for none) and legal hold ("" when none was ever
    applied, else "ON" or "OFF")."""

    mode: str = ""
    until_ms: int = 0
    hold: str = ""

    def retained(self, now_ms: int) -> bool:
        return bool(self.mode) and self.until_ms > now_ms

    def text(self) -> str:
        return "" if not self.mode and not self.hold else self.encode().decode()


@functools.lru_cache(maxsize=1024)
def bucket_lock(text: str) -> LockConfig | None:
    """The configuration of BucketRecord.object_lock (None: Object Lock not enabled).
    Remembered: every write to a lock bucket asks, and configurations are few."""
    return LockConfig.decode(text.encode()) if text else None


@functools.lru_cache(maxsize=4096)
def _version_lock(text: str) -> VersionLock:
    return VersionLock.decode(text.encode())


def version_lock(text: str) -> VersionLock:
    """A version's lock state, as a fresh (mutable) copy."""
    if not text:
        return VersionLock()
    found = _version_lock(text)
    return VersionLock(found.mode, found.until_ms, found.hold)


def now_ms(now: float) -> int:
    return math.floor(now * 1000)


def epoch_ms(value: datetime) -> int:
    when = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return math.floor(when.timestamp() * 1000)


def as_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


# --- errors ----------------------------------------------------------------------------------


def protected() -> ServiceError:
    """What S3 answers any change a version's lock forbids."""
    return ServiceError("AccessDenied", PROTECTED, 403)


def lock_missing() -> ServiceError:
    """Retention and legal-hold operations on a bucket without Object Lock."""
    return ServiceError("InvalidRequest", "Bucket is missing Object Lock Configuration")


def lock_missing_on_write() -> ServiceError:
    """PutObject, CopyObject and CreateMultipartUpload carrying lock headers to a bucket
    without Object Lock (S3 words it without spaces there)."""
    return ServiceError("InvalidRequest", "Bucket is missing ObjectLockConfiguration")


def no_lock_configuration(bucket: str) -> ServiceError:
    return ServiceError(
        "ObjectLockConfigurationNotFoundError",
        "Object Lock configuration does not exist for this bucket",
        404,
        fields={"BucketName": bucket},
    )


def no_version_lock() -> ServiceError:
    """GetObjectRetention / GetObjectLegalHold of a version that has none."""
    return ServiceError(
        "NoSuchObjectLockConfiguration",
        "The specified object does not have a ObjectLock configuration",
        404,
    )


def versioning_locked() -> ServiceError:
    return ServiceError(
        "InvalidBucketState",
        "An Object Lock configuration is present on this bucket, so the versioning state cannot"
        " be changed.",
        409,
    )


def versioning_required() -> ServiceError:
    return ServiceError(
        "InvalidBucketState",
        "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
        409,
    )


def _invalid_argument(message: str, name: str, value: object = None) -> ServiceError:
    fields = {"ArgumentName": name}
    if value is not None:
        fields["ArgumentValue"] = str(value)
    return ServiceError("InvalidArgument", message, fields=fields)


def _in_the_past(name: str, value: object = None) -> ServiceError:
    return _invalid_argument("The retain until date must be in the future!", name, value)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


# --- buckets ---------------------------------------------------------------------------------


def lock_on_create(rec: BucketRecord, params: Params) -> None:
    """CreateBucket with x-amz-bucket-object-lock-enabled: true: Object Lock enabled (no
    default retention) and versioning with it, in the bucket's first record."""
    if params.get("ObjectLockEnabledForBucket") is True:
        rec.versioning = ENABLED
        rec.object_lock = LockConfig().encode().decode()


def check_versioning_change(bucket: BucketRecord, status: str) -> None:
    """PutBucketVersioning: a lock bucket's versioning stays Enabled (checked on the record
    the change is compare-and-set on)."""
    if bucket.object_lock and status != ENABLED:
        raise versioning_locked()


def parse_lock_configuration(config: Any) -> LockConfig:
    """PutObjectLockConfiguration's document: MalformedXML for anything outside S3's schema,
    InvalidArgument for a period that is not a positive number (or too large)."""
    if not isinstance(config, dict) or config.get("ObjectLockEnabled") != ENABLED:
        raise malformed_xml()
    if "Rule" not in config:
        return LockConfig()
    rule = config.get("Rule")
    retention = rule.get("DefaultRetention") if isinstance(rule, dict) else None
    if not isinstance(retention, dict):
        raise malformed_xml()
    mode, days, years = retention.get("Mode"), retention.get("Days"), retention.get("Years")
    if mode not in MODES or (days is None) == (years is None):
        raise malformed_xml()
    if days is not None:
        name, value, limit = "Days", days, MAX_DAYS
    else:
        name, value, limit = "Years", years, MAX_YEARS
    if not isinstance(value, int) or value <= 0:
        raise _invalid_argument("Default retention period must be a positive integer value.", name)
    if value > limit:
        raise _invalid_argument("Default retention period too large.", name)
    return LockConfig(str(mode), days or 0, years or 0)


# --- object writes ---------------------------------------------------------------------------


def lock_on_write(
    ctx: RequestContext, bucket: BucketRecord, params: Params, now: float, operation: str
) -> str:
    """The lock state (VersionLock text, "" for none) a write gives its new version:
    PutObject, CopyObject (a copy never keeps its source's lock) and CreateMultipartUpload
    (its object gets it at completion). The request's own retention and legal hold, else the
    bucket's default retention. Every refusal S3 makes is made here, before a byte is read:
    bad headers, a bucket without Object Lock, and (PutObject) a body without a digest."""
    mode = params.get("ObjectLockMode")
    until = params.get("ObjectLockRetainUntilDate")
    hold = params.get("ObjectLockLegalHoldStatus")
    if mode is None and until is None and hold is None:
        if not bucket.object_lock:
            return ""  # the hot path: one attribute and three lookups
        config = bucket_lock(bucket.object_lock)
        if config is None or not config.mode:
            return ""
        lock = VersionLock(config.mode, config.default_until_ms(now))
    else:
        lock = _requested_lock(mode, until, hold, now)
        if ctx.principal.is_anonymous:
            raise _invalid_argument(
                "Put Object requests with Object Lock parameters require AWS Signature Version 4",
                "Authorization",
            )
        config = bucket_lock(bucket.object_lock)
        if config is None:
            raise lock_missing_on_write()
        if not lock.mode and config.mode:  # a legal hold alone: the default retention too
            lock.mode, lock.until_ms = config.mode, config.default_until_ms(now)
    if operation == "PutObject":
        require_integrity(params, "Put Object")
    return lock.text()


def _requested_lock(mode: Any, until: Any, hold: Any, now: float) -> VersionLock:
    """The lock headers, checked as S3 checks them (before the bucket's lock is looked at)."""
    if hold is not None and hold not in HOLD_STATES:
        raise _invalid_argument("Legal Hold must be either of 'ON' or 'OFF'", _HOLD_HEADER, hold)
    if (mode is None) != (until is None):
        missing = _DATE_HEADER if until is None else _MODE_HEADER
        raise _invalid_argument(f"{_DATE_HEADER} and {_MODE_HEADER} must both be supplied", missing)
    lock = VersionLock(hold=str(hold or ""))
    if mode is None:
        return lock
    if mode not in MODES:
        raise _invalid_argument("Unknown wormMode directive.", _MODE_HEADER, mode)
    if not isinstance(until, datetime):
        raise _invalid_argument(
            "The retain until date must be provided in ISO 8601 format", _DATE_HEADER, until
        )
    until_ms = epoch_ms(until)
    if until_ms <= now_ms(now):
        raise _in_the_past(_DATE_HEADER, _iso(until))
    lock.mode, lock.until_ms = str(mode), until_ms
    return lock


def require_integrity(params: Params, request: str) -> None:
    """An upload whose version is locked must carry Content-MD5 or a checksum (S3's rule for
    PutObject, and UploadPart of a locked upload): the SigV4 payload hash does not count."""
    if not any(params.get(name) for name in _INTEGRITY_MEMBERS):
        raise ServiceError(
            "InvalidRequest",
            f"Content-MD5 OR x-amz-checksum- HTTP header is required for {request} requests"
            " with Object Lock parameters",
        )


def check_part_integrity(upload: UploadRecord, params: Params) -> None:
    """UploadPart of an upload whose object will be locked."""
    if upload.lock:
        require_integrity(params, "Put Part")


def check_bypass_header(bucket: BucketRecord, params: Params) -> None:
    """DeleteObject / DeleteObjects: the bypass header (true or false) is refused on a bucket
    without Object Lock."""
    if params.get("BypassGovernanceRetention") is not None and not bucket.object_lock:
        raise _invalid_argument(
            f"{_BYPASS_HEADER} is only applicable to Object Lock enabled buckets.",
            _BYPASS_HEADER,
        )


# --- retention and legal hold ----------------------------------------------------------------


def parse_retention(value: Any) -> tuple[str, int | None]:
    """PutObjectRetention's document: (mode, retain-until ms), ("", None) for an empty one
    (which removes the retention). MalformedXML unless both or neither are given."""
    if not isinstance(value, dict):
        raise malformed_xml()
    mode, until = value.get("Mode"), value.get("RetainUntilDate")
    if mode is None and until is None:
        return "", None
    if mode not in MODES or not isinstance(until, datetime):
        raise malformed_xml()
    return str(mode), epoch_ms(until)


def check_future(until_ms: int | None, now: float) -> None:
    if until_ms is not None and until_ms <= now_ms(now):
        raise _in_the_past("RetainUntilDate")


def parse_legal_hold(value: Any) -> str:
    status = value.get("Status") if isinstance(value, dict) else None
    if status not in HOLD_STATES:
        raise malformed_xml()
    return str(status)


def retention_change(current: VersionLock, mode: str, until_ms: int | None, now: float) -> str:
    """Whether a version's retention may become (mode, until): extending it in its mode is
    always allowed; COMPLIANCE can never be shortened, removed or changed while it holds;
    GOVERNANCE only with a bypass."""
    if not current.retained(now_ms(now)):
        return OK
    later = until_ms is not None and until_ms >= current.until_ms
    if mode == current.mode and later:
        return OK
    return DENY if current.mode == COMPLIANCE else BYPASS


def removal_verdict(lock: VersionLock, now: float) -> str:
    """Whether a version may be removed for good now (a delete naming it, lifecycle)."""
    if lock.hold == "ON":
        return DENY
    if not lock.retained(now_ms(now)):
        return OK
    return DENY if lock.mode == COMPLIANCE else BYPASS


def lock_headers(lock: VersionLock, retention: bool, hold: bool) -> Result:
    """GetObject / HeadObject's lock headers, those the caller may see."""
    out: Result = {}
    if retention and lock.mode:
        out["ObjectLockMode"] = lock.mode
        out["ObjectLockRetainUntilDate"] = as_datetime(lock.until_ms)
    if hold and lock.hold:
        out["ObjectLockLegalHoldStatus"] = lock.hold
    return out


# --- permissions (the gateway evaluates them) ---------------------------------------------


def object_arn(bucket: BucketRecord, key: str) -> str:
    return f"arn:aws:s3:::{bucket.name}/{key}"


async def may(
    svc: S3Base, ctx: RequestContext, bucket: BucketRecord, key: str, action: str
) -> bool:
    """Whether the caller holds `action` on the object (IAM and the bucket policy, as the
    gateway evaluates them). The account's root on its own bucket without a bucket policy
    holds everything (the gateway's own shortcut, taken here without asking it). Without a
    gateway (the service driven directly) only that root does."""
    principal = ctx.principal
    if principal.is_root and principal.account_id == bucket.account_id and not bucket.policy:
        return True
    authorize = svc.authorize_action
    if authorize is None:
        return False
    try:
        await authorize(ctx, action, object_arn(bucket, key))
    except ServiceError:
        return False
    return True


async def lock_output(
    svc: S3Base, ctx: RequestContext, bucket: BucketRecord, key: str, rec: ObjectRecord
) -> Result:
    """GetObject / HeadObject's x-amz-object-lock-* headers of a version with lock state:
    retention only to a caller with s3:GetObjectRetention, the legal hold only to one with
    s3:GetObjectLegalHold (as S3 answers them). Called only when `rec.lock` is set."""
    lock = version_lock(rec.lock)
    retention = bool(lock.mode) and await may(svc, ctx, bucket, key, "s3:GetObjectRetention")
    hold = bool(lock.hold) and await may(svc, ctx, bucket, key, "s3:GetObjectLegalHold")
    return lock_headers(lock, retention, hold)
