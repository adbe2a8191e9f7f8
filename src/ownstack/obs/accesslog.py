"""One JSON line per request on the "ownstack.access" logger.

Built only when the logger is enabled, serialized with one json.dumps, and never carrying
credentials: presigned URLs' X-Amz-Signature / X-Amz-Credential / X-Amz-Security-Token values
are blanked before the path is logged.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

ACCESS_LOGGER = "ownstack.access"

# SigV2 presigned URLs (which boto3 still makes for S3 by default) sign with `Signature`.
_SECRET_PARAMS = (
    "x-amz-signature=",
    "x-amz-credential=",
    "x-amz-security-token=",
    "signature=",
)


def redact_query(query: str) -> str:
    """The query string with the values of signing parameters replaced by "REDACTED"."""
    lowered_query = query.lower()
    if "x-amz-" not in lowered_query and "signature=" not in lowered_query:
        return query
    parts = query.split("&")
    for i, part in enumerate(parts):
        lowered = part.lower()
        for prefix in _SECRET_PARAMS:
            if lowered.startswith(prefix):
                parts[i] = part[: len(prefix)] + "REDACTED"
                break
    return "&".join(parts)


def loggable_path(path: str, query: str) -> str:
    return f"{path}?{redact_query(query)}" if query else path


@dataclass(slots=True)
class AccessEntry:
    request_id: str
    remote: str
    method: str
    path: str
    query: str
    service: str
    operation: str
    status: int
    error_code: str
    bytes_in: int | None
    bytes_out: int | None
    duration_ms: float
    principal: str


class AccessLog:
    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(ACCESS_LOGGER)
        # strftime once per second, not once per request.
        self._second = -1
        self._second_text = ""

    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)

    def write(self, entry: AccessEntry) -> None:
        line = json.dumps(
            {
                "time": self._timestamp(),
                "request_id": entry.request_id,
                "remote": entry.remote,
                "method": entry.method,
                "path": loggable_path(entry.path, entry.query),
                "service": entry.service,
                "operation": entry.operation,
                "status": entry.status,
                "error_code": entry.error_code,
                "bytes_in": entry.bytes_in,
                "bytes_out": entry.bytes_out,
                "duration_ms": round(entry.duration_ms, 3),
                "principal": entry.principal,
            },
            separators=(",", ":"),
        )
        # makeRecord + handle skips Logger.info's caller lookup (a stack walk per request).
        record = self.logger.makeRecord(self.logger.name, logging.INFO, "", 0, line, (), None)
        self.logger.handle(record)

    def _timestamp(self) -> str:
        now = time.time()
        whole = int(now)
        if whole != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
            self._second = whole
        return f"{self._second_text}.{int((now - whole) * 1000):03d}Z"
