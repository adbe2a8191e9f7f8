"""The authentication errors AWS returns, worded per service family.

S3 speaks its own dialect (AccessDenied, InvalidAccessKeyId, RequestTimeTooSkewed...); the
query-protocol services (STS, IAM, SNS, SQS) and the JSON services (DynamoDB, Kinesis, Lambda...)
share the Coral wording but not the status codes. Verification code asks this module for an
error by meaning and gets the right code, status and message for the service being called.
"""

from __future__ import annotations

from dataclasses import dataclass

from ownstack.core.errors import ServiceError
from ownstack.wire.sigv4_canonical import format_amz_date, format_iso, parse_amz_date

_S3_SIG_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
_CORAL_SIG_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
_TOKEN_INVALID = "The security token included in the request is invalid."  # noqa: S105
_UNSIGNED_HEADERS = "There were headers present in the request which were not signed"


@dataclass(frozen=True, slots=True)
class AuthDialect:
    """How one family of services words authentication failures."""

    missing_code: str
    missing_message: str
    unknown_key_code: str
    unknown_key_message: str
    signature_code: str
    signature_message: str
    status: int
    """Status of signature/token errors (403 for S3 and query services, 400 for most JSON ones)."""
    incomplete_code: str = "IncompleteSignature"
    """A malformed signature's code (the JSON services add `Exception`)."""


S3 = AuthDialect(
    "AccessDenied",
    "Access Denied",
    "InvalidAccessKeyId",
    "The AWS Access Key Id you provided does not exist in our records.",
    "SignatureDoesNotMatch",
    _S3_SIG_MESSAGE,
    403,
)
QUERY = AuthDialect(
    "MissingAuthenticationToken",
    "Request is missing Authentication Token",
    "InvalidClientTokenId",
    _TOKEN_INVALID,
    "SignatureDoesNotMatch",
    _CORAL_SIG_MESSAGE,
    403,
)
JSON = AuthDialect(
    "MissingAuthenticationTokenException",
    "Request is missing Authentication Token",
    "UnrecognizedClientException",
    _TOKEN_INVALID,
    "InvalidSignatureException",
    _CORAL_SIG_MESSAGE,
    400,
    "IncompleteSignatureException",
)
JSON_403 = AuthDialect(
    JSON.missing_code,
    JSON.missing_message,
    JSON.unknown_key_code,
    JSON.unknown_key_message,
    JSON.signature_code,
    JSON.signature_message,
    403,
    JSON.incomplete_code,
)

# Services whose wire protocol is JSON and that answer auth failures with Coral's JSON codes.
_JSON_SERVICES = frozenset(
    {"dynamodb", "kinesis", "logs", "events", "secretsmanager", "ssm", "kms", "firehose"}
)
_JSON_403_SERVICES = frozenset({"lambda", "states"})


def dialect_for(service: str, *, s3: bool) -> AuthDialect:
    if s3:
        return S3
    if service in _JSON_SERVICES:
        return JSON
    if service in _JSON_403_SERVICES:
        return JSON_403
    return QUERY


def missing_auth(d: AuthDialect) -> ServiceError:
    return ServiceError(d.missing_code, d.missing_message, d.status)


def unknown_key(d: AuthDialect, access_key: str) -> ServiceError:
    fields = {"AWSAccessKeyId": access_key} if d is S3 else None
    return ServiceError(d.unknown_key_code, d.unknown_key_message, d.status, fields=fields)


def bad_signature(
    d: AuthDialect, access_key: str, string_to_sign: str, provided: str, canonical: str
) -> ServiceError:
    if d is not S3:
        return ServiceError(d.signature_code, d.signature_message, d.status)
    # S3 echoes what it signed so a client author can diff it against their own.
    fields = {
        "AWSAccessKeyId": access_key,
        "StringToSign": string_to_sign,
        "SignatureProvided": provided,
        "CanonicalRequest": canonical,
    }
    return ServiceError(d.signature_code, d.signature_message, d.status, fields=fields)


def signature_error(d: AuthDialect, message: str) -> ServiceError:
    """The dialect's signature error with a specific message (expired, scope date...)."""
    return ServiceError(d.signature_code, message, d.status)


def wrong_scope_service(d: AuthDialect, expected: str) -> ServiceError:
    """A credential scope naming another service than the one the request reached."""
    return signature_error(d, f"Credential should be scoped to correct service: '{expected}'. ")


def unsigned_headers(d: AuthDialect, names: list[str]) -> ServiceError:
    if d is S3:
        fields = {"HeadersNotSigned": ", ".join(names)}
        return ServiceError("AccessDenied", _UNSIGNED_HEADERS, 403, fields=fields)
    return ServiceError(d.signature_code, f"{_UNSIGNED_HEADERS}: {', '.join(names)}", d.status)


def malformed(d: AuthDialect, message: str, *, query: bool = False) -> ServiceError:
    """A structurally invalid Authorization header or presign query."""
    if d is S3 and query:
        return ServiceError("AuthorizationQueryParametersError", message, 400)
    if d is S3:
        return ServiceError(
            "AuthorizationHeaderMalformed", f"The authorization header is malformed; {message}", 400
        )
    return ServiceError(d.incomplete_code, message, 400)


def too_skewed(d: AuthDialect, request_time: str, now: float, max_skew: float) -> ServiceError:
    if d is S3:
        fields = {
            "RequestTime": request_time,
            "ServerTime": format_iso(now),
            "MaxAllowedSkewMilliseconds": str(int(max_skew * 1000)),
        }
        return ServiceError(
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            403,
            fields=fields,
        )
    minutes = f"{max_skew / 60:g} min."
    signed_at = parse_amz_date(request_time) or 0.0
    if signed_at < now:
        earliest = format_amz_date(now - max_skew)
        return signature_error(
            d,
            f"Signature expired: {request_time} is now earlier than {earliest} "
            f"({format_amz_date(now)} - {minutes})",
        )
    latest = format_amz_date(now + max_skew)
    return signature_error(
        d,
        f"Signature not yet current: {request_time} is still later than {latest} "
        f"({format_amz_date(now)} + {minutes})",
    )


def bad_date(d: AuthDialect) -> ServiceError:
    if d is S3:
        return ServiceError(
            "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", 403
        )
    return ServiceError(
        d.incomplete_code,
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        400,
    )


def unsupported_algorithm(d: AuthDialect) -> ServiceError:
    if d is S3:
        return ServiceError(
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. "
            "Please use AWS4-HMAC-SHA256.",
            400,
        )
    return ServiceError(d.incomplete_code, "Unsupported AWS 'algorithm'", 400)


def two_mechanisms(d: AuthDialect) -> ServiceError:
    if d is S3:
        return ServiceError(
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified",
            400,
            fields={"ArgumentName": "Authorization", "ArgumentValue": "AWS4-HMAC-SHA256"},
        )
    return ServiceError(d.incomplete_code, "Only one auth mechanism allowed", 400)


def not_valid_yet() -> ServiceError:
    return ServiceError("AccessDenied", "Request is not valid yet", 403)


def presign_expired(expires: int, expired_at: float, now: float) -> ServiceError:
    fields = {
        "X-Amz-Expires": str(expires),
        "Expires": format_iso(expired_at),
        "ServerTime": format_iso(now),
    }
    return ServiceError("AccessDenied", "Request has expired", 403, fields=fields)


def sigv4a_not_implemented() -> ServiceError:
    return ServiceError(
        "NotImplemented",
        "SigV4a (AWS4-ECDSA-P256-SHA256) signing is not implemented by ownstack; "
        "sign with AWS4-HMAC-SHA256.",
        501,
        sender_fault=False,
    )


def missing_content_sha256() -> ServiceError:
    return ServiceError(
        "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", 400
    )


def invalid_content_sha256(value: str) -> ServiceError:
    return ServiceError(
        "InvalidArgument",
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
        400,
        fields={"ArgumentName": "x-amz-content-sha256", "ArgumentValue": value},
    )


def content_sha256_mismatch(client: str, computed: str) -> ServiceError:
    return ServiceError(
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        400,
        fields={"ClientComputedContentSHA256": client, "S3ComputedContentSHA256": computed},
    )


def body_too_large(limit: int) -> ServiceError:
    return ServiceError(
        "RequestEntityTooLarge", f"Request body must be less than {limit} bytes.", 413
    )
