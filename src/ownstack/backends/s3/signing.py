"""SigV4 for the upstream requests: a small signer of our own, for the few request shapes the
engine sends (path-style, query already percent-encoded, every header signed).

botocore's S3SigV4Auth gives the same signatures (a test checks it header for header) but costs
~120 us of CPU per request (it rebuilds an AWSRequest, parses the URL, derives the key each
time); this costs ~15 us: the signing key is derived once per day.

Payloads are sent as UNSIGNED-PAYLOAD: a part is up to `part_size` bytes, and hashing it with
SHA-256 for the signature would add a second full pass over it; its integrity is carried by
Content-MD5 instead (see api.py), which S3 checks before it stores anything.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
ALGORITHM = "AWS4-HMAC-SHA256"


class Signer:
    def __init__(self, access_key: str, secret_key: str, region: str) -> None:
        self._access_key = access_key
        self._secret = ("AWS4" + secret_key).encode()
        self._region = region
        self._day = ""
        self._key = b""

    def headers(
        self,
        method: str,
        host: str,
        target: str,
        headers: dict[str, str],
        now: datetime | None = None,
    ) -> list[tuple[str, str]]:
        """`headers` plus X-Amz-Date, X-Amz-Content-SHA256 and Authorization for a request to
        `target` (path and query as sent, already percent-encoded) on `host` (the Host
        header). `now` is for tests; the wall clock otherwise (SigV4 is checked against it)."""
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        signed = {name.lower(): value.strip() for name, value in headers.items()}
        signed["host"] = host
        signed["x-amz-date"] = stamp
        signed["x-amz-content-sha256"] = UNSIGNED_PAYLOAD
        names = sorted(signed)
        path, _, query = target.partition("?")
        canonical = "\n".join(
            [
                method,
                path,
                _canonical_query(query),
                "".join(f"{name}:{signed[name]}\n" for name in names),
                ";".join(names),
                UNSIGNED_PAYLOAD,
            ]
        )
        scope = f"{stamp[:8]}/{self._region}/s3/aws4_request"
        to_sign = f"{ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        signature = hmac.new(self._signing_key(stamp[:8]), to_sign.encode(), "sha256").hexdigest()
        auth = (
            f"{ALGORITHM} Credential={self._access_key}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}"
        )
        out = [(name, value) for name, value in headers.items()]
        out += [
            ("X-Amz-Date", stamp),
            ("X-Amz-Content-SHA256", UNSIGNED_PAYLOAD),
            ("Authorization", auth),
        ]
        return out

    def _signing_key(self, day: str) -> bytes:
        if day != self._day:
            key = self._secret
            for part in (day, self._region, "s3", "aws4_request"):
                key = hmac.new(key, part.encode(), "sha256").digest()
            self._day, self._key = day, key
        return self._key


def _canonical_query(query: str) -> str:
    """Parameters sorted by name, each as name=value (our queries are already encoded the way
    SigV4 wants: RFC 3986 unreserved characters left as they are, everything else %XX)."""
    if not query:
        return ""
    pairs = [p if "=" in p else p + "=" for p in query.split("&")]
    return "&".join(sorted(pairs, key=lambda p: tuple(p.split("=", 1))))
