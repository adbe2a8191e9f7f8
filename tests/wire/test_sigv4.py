"""SigV4 header and presigned-query verification against requests signed by botocore itself."""

from __future__ import annotations

import hashlib
from typing import Any

import botocore.auth
import pytest
from test_sigv4_support import (
    ACCESS_KEY,
    CREDS,
    REGION,
    SECRET,
    client_request,
    drain,
    error_of,
    presigned_request,
    run,
    sign_with,
    verifier_at,
)

from ownstack.core.clock import ManualClock
from ownstack.core.http import BytesBody, Headers, Request
from ownstack.wire.sigv4 import SigningScope, SigV4Verifier, peek_scope
from ownstack.wire.sigv4_canonical import parse_amz_date, parse_http_date

S3_SIG_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
CORAL_SIG_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
S3_SCOPE_DATE_LEN = 8

KEYS = [
    "plain.txt",
    "a//b",
    "../up/./dot/..",
    "with space and  two",
    "unicodé/中文/ключ",
    "plus+sign",
    "tilde~x",
    "percent%41literal",
    "semi;colon=eq&amp$@!*'(),",
    "/leading-slash",
]


def s3_get(key: str = "k") -> Request:
    return client_request("s3", lambda c: c.get_object(Bucket="bkt", Key=key))


def s3_put(key: str, body: bytes) -> Request:
    return client_request("s3", lambda c: c.put_object(Bucket="bkt", Key=key, Body=body))


def verify(req: Request, *, s3: bool = True, offset: float = 0.0) -> SigningScope:
    return run(verifier_at(req, offset).verify(req, s3=s3))


def failure(req: Request, *, s3: bool = True, offset: float = 0.0, verifier: Any = None) -> Any:
    v = verifier or verifier_at(req, offset)
    return error_of(v.verify(req, s3=s3))


# -- header auth ------------------------------------------------------------------------------


def test_botocore_s3_get_verifies_and_returns_scope() -> None:
    req = s3_get()
    scope = verify(req)
    assert scope.access_key == ACCESS_KEY
    assert (scope.region, scope.service) == (REGION, "s3")
    assert len(scope.date) == S3_SCOPE_DATE_LEN


def test_wrong_secret_is_signature_does_not_match_with_s3_details() -> None:
    req = s3_get()
    stamp = req.headers["x-amz-date"]
    v = verifier_at(req)
    v._secrets = lambda key: "not-the-secret"
    err = failure(req, verifier=v)
    assert (err.code, err.status, err.message) == ("SignatureDoesNotMatch", 403, S3_SIG_MESSAGE)
    assert err.fields["AWSAccessKeyId"] == ACCESS_KEY
    assert err.fields["StringToSign"].startswith(f"AWS4-HMAC-SHA256\n{stamp}\n")
    assert err.fields["CanonicalRequest"].startswith("GET\n/bkt/k\n\n")


def test_unknown_access_key() -> None:
    req = s3_get()
    v = SigV4Verifier(lambda key: None, ManualClock(0))
    err = failure(req, verifier=v)
    assert (err.code, err.status) == ("InvalidAccessKeyId", 403)
    assert err.message == "The AWS Access Key Id you provided does not exist in our records."
    assert err.fields == {"AWSAccessKeyId": ACCESS_KEY}


def test_no_auth_at_all_s3_and_others() -> None:
    req = Request("GET", "/bkt/k", "", Headers([("Host", "h")]), BytesBody(b""))
    v = SigV4Verifier(lambda key: SECRET, ManualClock())
    s3 = error_of(v.verify(req, s3=True))
    assert (s3.code, s3.status, s3.message) == ("AccessDenied", 403, "Access Denied")
    other = error_of(v.verify(req, s3=False))
    assert (other.code, other.status) == ("MissingAuthenticationToken", 403)
    assert other.message == "Request is missing Authentication Token"


def test_empty_authorization_header_is_no_auth() -> None:
    headers = Headers([("Host", "h"), ("Authorization", "")])
    req = Request("PUT", "/bkt/k", "", headers, BytesBody(b"x"))
    v = SigV4Verifier(lambda key: SECRET, ManualClock())
    err = error_of(v.verify(req, s3=True))
    assert (err.code, err.status, err.message) == ("AccessDenied", 403, "Access Denied")


@pytest.mark.parametrize("offset", [900.0, -900.0])
def test_skew_just_inside_window_passes(offset: float) -> None:
    req = s3_get()
    assert verify(req, offset=offset).service == "s3"


@pytest.mark.parametrize("offset", [901.0, -901.0])
def test_skew_just_outside_window_is_request_time_too_skewed(offset: float) -> None:
    req = s3_get()
    err = failure(req, offset=offset)
    assert (err.code, err.status) == ("RequestTimeTooSkewed", 403)
    assert err.message == (
        "The difference between the request time and the current time is too large."
    )
    assert err.fields["RequestTime"] == req.headers["x-amz-date"]
    assert err.fields["MaxAllowedSkewMilliseconds"] == "900000"


def test_sts_skew_uses_coral_signature_expired_wording() -> None:
    req = client_request("sts", lambda c: c.get_caller_identity())
    err = failure(req, s3=False, offset=901.0)
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)
    assert err.message.startswith(f"Signature expired: {req.headers['x-amz-date']} is now earlier")
    assert err.message.endswith(" - 15 min.)")


def test_unsigned_x_amz_header_is_rejected() -> None:
    req = s3_get()
    req.headers.add("x-amz-meta-sneaky", "1")
    err = failure(req)
    assert (err.code, err.status) == ("AccessDenied", 403)
    assert err.message == "There were headers present in the request which were not signed"
    assert err.fields == {"HeadersNotSigned": "x-amz-meta-sneaky"}


def test_missing_content_sha256_header_on_s3() -> None:
    req = s3_get()
    del req.headers["x-amz-content-sha256"]
    err = failure(req)
    assert (err.code, err.status) == ("InvalidRequest", 400)
    assert err.message == "Missing required header for this request: x-amz-content-sha256"


def test_invalid_content_sha256_value_is_invalid_argument() -> None:
    req = s3_get()
    req.headers["x-amz-content-sha256"] = "not-a-hash"
    err = failure(req)
    assert (err.code, err.status) == ("InvalidArgument", 400)
    assert err.fields == {"ArgumentName": "x-amz-content-sha256", "ArgumentValue": "not-a-hash"}


def test_sigv4a_is_not_implemented() -> None:
    req = s3_get()
    req.headers["authorization"] = "AWS4-ECDSA-P256-SHA256 Credential=AK/20130524/s3/aws4_request"
    err = failure(req)
    assert (err.code, err.status) == ("NotImplemented", 501)


def test_sigv2_is_unsupported_mechanism() -> None:
    req = s3_get()
    req.headers["authorization"] = f"AWS {ACCESS_KEY}:c2lnbmF0dXJl"
    err = failure(req)
    assert (err.code, err.status) == ("InvalidRequest", 400)
    assert err.message.startswith("The authorization mechanism you have provided is not supported")


def test_credential_date_must_match_x_amz_date() -> None:
    req = s3_get()
    auth = req.headers["authorization"]
    date = req.headers["x-amz-date"][:8]
    req.headers["authorization"] = auth.replace(f"/{date}/", "/20000101/")
    err = failure(req)
    assert (err.code, err.status) == ("AuthorizationHeaderMalformed", 400)
    assert err.message == (
        "The authorization header is malformed; Invalid credential date. "
        "Date is not the same as X-Amz-Date."
    )


# -- keys and query strings as real clients send them -----------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_s3_keys_with_awkward_characters_verify(key: str) -> None:
    body = b"hello"
    req = s3_put(key, body)
    assert verify(req).service == "s3"
    assert run(drain(req.body)) == body


@pytest.mark.parametrize("key", KEYS)
def test_s3_keys_tampered_path_fails(key: str) -> None:
    req = s3_get(key)
    req.path = req.path + "x"
    assert failure(req).code == "SignatureDoesNotMatch"


def test_query_with_spaces_plus_and_unicode_verifies() -> None:
    def call(c: Any) -> object:
        return c.list_objects_v2(Bucket="bkt", Prefix="a b+c/é~", StartAfter="x=y&z")

    req = client_request("s3", call)
    assert "prefix=a%20b%2Bc" in req.query
    assert verify(req).service == "s3"


def test_form_encoded_plus_for_space_in_query_is_accepted() -> None:
    # Signed as %20 (what every SDK signs) but sent as '+' (form encoding, e.g. some proxies).
    signer = botocore.auth.S3SigV4Auth(CREDS, "s3", REGION)
    headers = {"x-amz-content-sha256": botocore.auth.EMPTY_SHA256_HASH}
    req = sign_with(signer, "GET", "http://h/bkt?prefix=a%20b", headers=headers)
    req.query = req.query.replace("%20", "+")
    assert verify(req).service == "s3"


def test_tampered_query_fails() -> None:
    req = client_request("s3", lambda c: c.list_objects_v2(Bucket="bkt", Prefix="p"))
    req.query = req.query.replace("prefix=p", "prefix=q")
    assert failure(req).code == "SignatureDoesNotMatch"


NON_S3_PATHS = [
    "/things/a%20b/c%2Bd",
    "/a//b/./c/../d",
    "/f/arn%3Aaws%3Ax~y",
    "/caf%C3%A9/%E4%B8%AD",
]


@pytest.mark.parametrize("path", NON_S3_PATHS)
def test_non_s3_path_signed_by_botocore_single_encoding(path: str) -> None:
    signer = botocore.auth.SigV4Auth(CREDS, "execute-api", REGION)
    req = sign_with(signer, "GET", f"http://h{path}?q=1")
    assert verify(req, s3=False).service == "execute-api"


class _DoubleEncodingSigner(botocore.auth.SigV4Auth):  # type: ignore[misc]
    """Signs as the JS SDK and the SigV4 spec do for non-S3 services: normalise, then
    encode the already-encoded path again."""

    def _normalize_url_path(self, path: str) -> str:
        from urllib.parse import quote

        from botocore.utils import normalize_url_path

        return quote(normalize_url_path(path), safe="/~")


@pytest.mark.parametrize("path", NON_S3_PATHS)
def test_non_s3_path_double_encoded_per_spec(path: str) -> None:
    req = sign_with(_DoubleEncodingSigner(CREDS, "execute-api", REGION), "GET", f"http://h{path}")
    assert verify(req, s3=False).service == "execute-api"


# -- payloads ---------------------------------------------------------------------------------


def test_payload_hash_mismatch_detected_at_eof() -> None:
    req = s3_put("k", b"original-bytes")
    assert verify(req).service == "s3"
    req2 = s3_put("k", b"original-bytes")
    v = verifier_at(req2)
    req2.body = BytesBody(b"tampered-bytes")
    run(v.verify(req2, s3=True))
    err = error_of(drain(req2.body))
    assert (err.code, err.status) == ("XAmzContentSHA256Mismatch", 400)
    assert err.message == (
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    )


def test_payload_hash_mismatch_detected_when_reading_exactly_content_length() -> None:
    req = s3_put("k", b"0123456789")
    v = verifier_at(req)
    req.body = BytesBody(b"9876543210")
    run(v.verify(req, s3=True))
    err = error_of(req.body.read(10))
    assert err.code == "XAmzContentSHA256Mismatch"


def test_sts_form_body_is_hashed_and_kept_readable() -> None:
    req = client_request("sts", lambda c: c.get_caller_identity())
    assert "x-amz-content-sha256" not in req.headers
    scope = verify(req, s3=False)
    assert scope.service == "sts"
    assert run(drain(req.body)) == b"Action=GetCallerIdentity&Version=2011-06-15"


def _knows_no_key(req: Request) -> SigV4Verifier:
    """A verifier at the request's signing time that knows no key."""
    return SigV4Verifier(lambda k: None, ManualClock(_signed_at(req)))


def _signed_at(req: Request) -> float:
    signed_at = parse_amz_date(req.headers.get("x-amz-date") or "")
    assert signed_at is not None
    return signed_at


def test_json_and_query_services_judge_the_time_before_the_key() -> None:
    # STS, DynamoDB...: a request signed too long ago is "Signature expired" even when its
    # key is unknown (S3 names the unknown key first).
    req = client_request("dynamodb", lambda c: c.list_tables())
    late = SigV4Verifier(lambda k: None, ManualClock(_signed_at(req) + 3600))
    err = error_of(late.verify(req, s3=False))
    assert (err.code, err.status) == ("InvalidSignatureException", 400)
    assert err.message.startswith("Signature expired: ")


def test_the_reached_service_words_errors_and_refuses_a_foreign_scope() -> None:
    req = client_request("sts", lambda c: c.get_caller_identity())
    # The request reached DynamoDB (its X-Amz-Target said so) with an STS scope.
    err = error_of(
        verifier_at(req).verify(req, s3=False, service="dynamodb", scope_service="dynamodb")
    )
    assert (err.code, err.status) == ("InvalidSignatureException", 400)
    assert err.message == "Credential should be scoped to correct service: 'dynamodb'. "


def test_sts_tampered_body_and_unknown_key_use_sts_wording() -> None:
    req = client_request("sts", lambda c: c.get_caller_identity())
    v = verifier_at(req)
    req.body = BytesBody(b"Action=GetSessionToken&Version=2011-06-15")
    err = error_of(v.verify(req, s3=False))
    assert (err.code, err.status, err.message) == ("SignatureDoesNotMatch", 403, CORAL_SIG_MESSAGE)
    unknown = error_of(_knows_no_key(req).verify(req, s3=False))
    assert (unknown.code, unknown.status) == ("InvalidClientTokenId", 403)
    assert unknown.message == "The security token included in the request is invalid."


def test_dynamodb_uses_json_service_codes() -> None:
    req = client_request("dynamodb", lambda c: c.list_tables())
    assert verify(req, s3=False).service == "dynamodb"
    unknown = error_of(_knows_no_key(req).verify(req, s3=False))
    assert (unknown.code, unknown.status) == ("UnrecognizedClientException", 400)
    v = verifier_at(req)
    req.body = BytesBody(b'{"Limit": 1}')
    bad = error_of(v.verify(req, s3=False))
    assert (bad.code, bad.status) == ("InvalidSignatureException", 400)


# -- presigned URLs ---------------------------------------------------------------------------


def presign(key: str = "k", expires: int = 3600, method: str = "get_object") -> Request:
    captured: list[Request] = []

    def call(c: Any) -> object:
        url = c.generate_presigned_url(method, {"Bucket": "bkt", "Key": key}, ExpiresIn=expires)
        captured.append(presigned_request("GET" if method == "get_object" else "PUT", url))
        raise RuntimeError("done")

    with pytest.raises(RuntimeError):
        client_request("s3", call, signature_version="s3v4")
    return captured[0]


@pytest.mark.parametrize("key", KEYS)
def test_presigned_get_verifies_for_awkward_keys(key: str) -> None:
    req = presign(key)
    assert verify(req, offset=3599).service == "s3"


def test_presigned_expired_is_access_denied_with_times() -> None:
    req = presign(expires=60)
    err = failure(req, offset=60)
    assert (err.code, err.status, err.message) == ("AccessDenied", 403, "Request has expired")
    assert err.fields["X-Amz-Expires"] == "60"
    assert set(err.fields) == {"X-Amz-Expires", "Expires", "ServerTime"}


def test_presigned_zero_expiry_is_already_expired() -> None:
    # botocore (CRT) refuses to presign with 0, so edit the URL; expiry is checked first.
    req = presign(expires=60)
    req.query = req.query.replace("X-Amz-Expires=60", "X-Amz-Expires=0")
    err = failure(req)
    assert (err.code, err.status, err.message) == ("AccessDenied", 403, "Request has expired")


def test_presigned_expiry_over_a_week_is_rejected() -> None:
    err = failure(presign(expires=604801))
    assert (err.code, err.status) == ("AuthorizationQueryParametersError", 400)
    assert err.message == "X-Amz-Expires must be less than a week (in seconds) that is 604800"
    assert verify(presign(expires=604800), offset=604799).service == "s3"


def test_presigned_negative_and_non_numeric_expiry() -> None:
    req = presign()
    req.query = req.query.replace("X-Amz-Expires=3600", "X-Amz-Expires=-1")
    err = failure(req)
    assert (err.code, err.message) == (
        "AuthorizationQueryParametersError",
        "X-Amz-Expires must be non-negative",
    )
    req.query = req.query.replace("X-Amz-Expires=-1", "X-Amz-Expires=abc")
    assert failure(req).message == "X-Amz-Expires should be a number"


def test_presigned_missing_parameter() -> None:
    req = presign()
    req.query = "&".join(p for p in req.query.split("&") if not p.startswith("X-Amz-SignedHeaders"))
    err = failure(req)
    assert (err.code, err.status) == ("AuthorizationQueryParametersError", 400)
    assert err.message.startswith("Query-string authentication version 4 requires the")


def test_presigned_not_yet_valid_and_tampered() -> None:
    req = presign()
    assert failure(req, offset=-901).message == "Request is not valid yet"
    req.path = "/bkt/other"
    assert failure(req).code == "SignatureDoesNotMatch"


def test_presigned_unsigned_x_amz_header_is_rejected() -> None:
    req = presign()
    req.headers.add("x-amz-server-side-encryption", "AES256")
    assert failure(req).fields == {"HeadersNotSigned": "x-amz-server-side-encryption"}


def test_presigned_put_with_unsigned_payload() -> None:
    req = presign(method="put_object")
    req.body = BytesBody(b"any body at all")
    assert verify(req).service == "s3"
    assert run(drain(req.body)) == b"any body at all"


def test_non_s3_presigned_sts_url() -> None:
    signer = botocore.auth.SigV4QueryAuth(CREDS, "sts", REGION, expires=60)
    url = "http://h/?Action=GetCallerIdentity&Version=2011-06-15"
    req = sign_with(signer, "GET", url)
    assert verify(req, s3=False).service == "sts"


# -- peek_scope -------------------------------------------------------------------------------


def test_peek_scope_from_header_query_and_none() -> None:
    header = peek_scope(s3_get())
    assert header is not None and header.service == "s3" and header.access_key == ACCESS_KEY
    query = peek_scope(presign())
    assert query is not None and (query.region, query.service) == (REGION, "s3")
    bare = Request("GET", "/", "a=1", Headers(), BytesBody(b""))
    assert peek_scope(bare) is None
    sts = peek_scope(client_request("sts", lambda c: c.get_caller_identity()))
    assert sts is not None and sts.service == "sts"


def test_date_header_instead_of_x_amz_date() -> None:
    # botocore signs with the Date header when one is present (no X-Amz-Date then).
    signer = botocore.auth.SigV4Auth(CREDS, "sqs", REGION)
    req = sign_with(signer, "GET", "http://h/?Action=ListQueues", headers={"Date": "x"})
    assert "x-amz-date" not in req.headers
    stamp = parse_http_date(req.headers["date"])
    assert stamp is not None
    v = SigV4Verifier(lambda k: SECRET, ManualClock(stamp + 10))
    assert run(v.verify(req, s3=False)).service == "sqs"
    req.headers["date"] = "not a date"
    err = error_of(v.verify(req, s3=False))
    assert (err.code, err.status) == ("IncompleteSignature", 400)


def test_header_and_query_auth_together_is_invalid_argument() -> None:
    req = s3_get()
    req.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x"
    err = failure(req)
    assert (err.code, err.status) == ("InvalidArgument", 400)
    assert err.message.startswith("Only one auth mechanism allowed")


def test_partial_presign_params_are_a_query_parameters_error() -> None:
    req = Request(
        "GET", "/b/k", "X-Amz-Credential=AK%2Fx", Headers([("Host", "h")]), BytesBody(b"")
    )
    err = error_of(SigV4Verifier(lambda k: SECRET, ManualClock()).verify(req, s3=True))
    assert (err.code, err.status) == ("AuthorizationQueryParametersError", 400)


def test_non_s3_body_over_16_mib_is_rejected() -> None:
    big = b"A" * ((16 << 20) + 1)
    req = sign_with(botocore.auth.SigV4Auth(CREDS, "sqs", REGION), "POST", "http://h/", body=big)
    err = failure(req, s3=False)
    assert (err.code, err.status) == ("RequestEntityTooLarge", 413)


def test_empty_body_with_non_empty_hash_fails_at_verify() -> None:
    claimed = hashlib.sha256(b"abc").hexdigest()
    headers = {"X-Amz-Content-SHA256": claimed}
    signer = botocore.auth.SigV4Auth(CREDS, "s3", REGION)
    req = sign_with(signer, "GET", "http://h/bkt/k", headers=headers)
    err = failure(req)
    assert err.code == "XAmzContentSHA256Mismatch"
    assert err.fields["ClientComputedContentSHA256"] == claimed


def test_hash_checked_body_of_unknown_length_via_iteration() -> None:
    req = s3_put("k", b"x" * 5000)
    v = verifier_at(req)
    req.body = _UnknownLength(b"y" * 5000)
    run(v.verify(req, s3=True))

    async def consume() -> int:
        return sum([len(piece) async for piece in req.body])

    assert error_of(consume()).code == "XAmzContentSHA256Mismatch"


class _UnknownLength(BytesBody):
    @property
    def content_length(self) -> int | None:
        return None
