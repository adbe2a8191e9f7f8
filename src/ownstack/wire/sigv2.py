"""S3 Signature Version 2 verification: `Authorization: AWS AKID:signature` headers and
presigned `?AWSAccessKeyId=..&Signature=..&Expires=..` URLs (HMAC-SHA1, base64).

AWS S3 still accepts V2, and real clients still send it: botocore presigns S3 URLs with it by
default in us-east-1, s3cmd and old SDKs sign headers with it. Only S3 speaks V2 here; every
other service is SigV4 only. The payload is not signed in V2 (Content-MD5, when sent, is the
service's to check), so the body is left untouched.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass

from ownstack.core.clock import Clock
from ownstack.core.errors import ServiceError
from ownstack.core.http import Request
from ownstack.wire import sigv4_errors as errs
from ownstack.wire.sigv2_canonical import (
    QueryPairs,
    query_value,
    resource_candidates,
    signed_parts,
    split_query,
    string_to_sign,
)
from ownstack.wire.sigv4 import SecretLookup
from ownstack.wire.sigv4_canonical import format_iso, parse_amz_date, parse_http_date

HEADER_PREFIX = "AWS "
_V4_QUERY_NAMES = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")


@dataclass(frozen=True, slots=True)
class _Claim:
    """What the client claims: who signed, the signature, and the date line it signed."""

    access_key: str
    signature: str
    date_lines: tuple[str, ...]
    presigned: bool


def is_sigv2(req: Request) -> bool:
    """True for an S3 V2-signed request. Query-protocol services' old V2 query signing carries
    `SignatureVersion` and is not this."""
    header = req.headers.get("authorization")
    if header is not None:
        return header.startswith(HEADER_PREFIX)
    query = req.query
    if "AWSAccessKeyId=" not in query and "Signature=" not in query:
        return False
    if "AWSAccessKeyId" not in query and query.count("Signature") == query.count("X-Amz-Signature"):
        # SigV4 presigned: every "Signature" is inside "X-Amz-Signature", so no item is
        # named Signature (such an item starts the query or follows '&', never '-').
        return False
    # Which names are present is all that matters here; decoding every value (query_value)
    # cost a SigV4 presigned request (whose X-Amz-Signature passes the test above) ~3 us.
    names = {item.partition("=")[0] for item in query.split("&") if item}
    if "SignatureVersion" in names:
        return False
    return "AWSAccessKeyId" in names or "Signature" in names


class SigV2Verifier:
    """Checks S3 V2 signatures against the secrets `secrets` knows."""

    def __init__(self, secrets: SecretLookup, clock: Clock, *, max_skew: float = 900.0) -> None:
        self._secrets = secrets
        self._clock = clock
        self._max_skew = max_skew

    def verify(
        self,
        req: Request,
        *,
        vhost_bucket: str | None = None,
        secrets: SecretLookup | None = None,
    ) -> str:
        """The verified access key id; raises ServiceError as S3 words it. `vhost_bucket` is
        the bucket a virtual-hosted request's Host names (it leads the signed resource)."""
        pairs = split_query(req.query)
        claim = self._claim(req, pairs)
        secret = (secrets or self._secrets)(claim.access_key)
        if secret is None:
            raise errs.unknown_key(errs.S3, claim.access_key)
        self._check_signature(req, pairs, claim, secret, vhost_bucket)
        return claim.access_key

    # -- what the client claims -----------------------------------------------------------------

    def _claim(self, req: Request, pairs: QueryPairs) -> _Claim:
        header = req.headers.get("authorization")
        query_signed = any(
            query_value(pairs, name) is not None for name in ("Signature", *_V4_QUERY_NAMES)
        )
        if header is not None and query_signed:
            raise _two_mechanisms(header)
        if header is not None:
            return self._header_claim(req, header)
        return self._query_claim(pairs)

    def _header_claim(self, req: Request, header: str) -> _Claim:
        access_key, colon, signature = header[len(HEADER_PREFIX) :].strip().partition(":")
        if not colon or not access_key or not signature:
            raise _malformed_header(header)
        amz_date = req.headers.get("x-amz-date")
        date = req.headers.get("date")
        signed_at = _http_time(amz_date if amz_date is not None else date)
        if signed_at is None:
            raise errs.bad_date(errs.S3)
        now = self._clock.now()
        if abs(now - signed_at) > self._max_skew:
            shown = amz_date if amz_date is not None else date
            raise errs.too_skewed(errs.S3, shown or "", now, self._max_skew)
        # AWS: with x-amz-date present the Date line is empty; botocore signs the Date header
        # it sets itself, so a request carrying both may have been signed either way.
        lines = ("", date or "") if amz_date is not None else (date or "",)
        return _Claim(access_key, signature.strip(), lines, presigned=False)

    def _query_claim(self, pairs: QueryPairs) -> _Claim:
        access_key = query_value(pairs, "AWSAccessKeyId")
        signature = query_value(pairs, "Signature")
        expires = query_value(pairs, "Expires")
        if not access_key or not signature or expires is None:
            raise ServiceError(
                "AccessDenied",
                "Query-string authentication requires the Signature, Expires and "
                "AWSAccessKeyId parameters",
                403,
            )
        try:
            expires_at = int(expires)
        except ValueError:
            raise ServiceError(
                "AccessDenied", f"Invalid date (should be seconds since epoch): {expires}", 403
            ) from None
        # V2 Expires is an absolute epoch with no upper bound (V4's 7-day limit is V4's).
        now = self._clock.now()
        if now > expires_at:
            raise _expired(expires_at, now)
        return _Claim(access_key, signature, (expires,), presigned=True)

    # -- the signature --------------------------------------------------------------------------

    @staticmethod
    def _check_signature(
        req: Request, pairs: QueryPairs, claim: _Claim, secret: str, vhost_bucket: str | None
    ) -> None:
        parts = signed_parts(req.method, req.headers, pairs, presigned=claim.presigned)
        key = secret.encode()
        provided = claim.signature.encode()
        first = ""
        for resource in resource_candidates(req.path, pairs, vhost_bucket):
            for date_line in claim.date_lines:
                sts = string_to_sign(parts, date_line, resource)
                expected = base64.b64encode(hmac.digest(key, sts.encode(), "sha1"))
                if hmac.compare_digest(expected, provided):
                    return
                first = first or sts
        raise _bad_signature(claim, first)


def _http_time(value: str | None) -> float | None:
    """A V2 date: RFC 1123 as AWS documents it, or the ISO 8601 basic form some clients send
    in x-amz-date."""
    if not value:
        return None
    return parse_http_date(value) or parse_amz_date(value.strip())


def _bad_signature(claim: _Claim, string_to_sign: str) -> ServiceError:
    # S3 echoes what it signed (also as bytes) so a client author can diff it with their own.
    data = string_to_sign.encode()
    fields = {
        "AWSAccessKeyId": claim.access_key,
        "StringToSign": string_to_sign,
        "SignatureProvided": claim.signature,
        "StringToSignBytes": " ".join(f"{byte:02x}" for byte in data),
    }
    return ServiceError(errs.S3.signature_code, errs.S3.signature_message, 403, fields=fields)


def _expired(expires_at: int, now: float) -> ServiceError:
    fields = {"Expires": format_iso(expires_at), "ServerTime": format_iso(now)}
    return ServiceError("AccessDenied", "Request has expired", 403, fields=fields)


def _malformed_header(header: str) -> ServiceError:
    return ServiceError(
        "InvalidArgument",
        "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
        400,
        fields={"ArgumentName": "Authorization", "ArgumentValue": header},
    )


def _two_mechanisms(header: str) -> ServiceError:
    return ServiceError(
        "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
        "Signature query string parameter or the Authorization header should be specified",
        400,
        fields={"ArgumentName": "Authorization", "ArgumentValue": header},
    )
