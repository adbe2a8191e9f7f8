"""S3 Signature Version 2 verification against requests signed by botocore itself
(HmacV1Auth for headers, HmacV1QueryAuth for presigned URLs, and a real client with
signature_version='s3' for virtual-hosted addressing)."""

from __future__ import annotations

import base64
import hmac
import time
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

import botocore.auth
import pytest
from test_sigv4_support import ACCESS_KEY, CREDS, SECRET, client_request, secrets, sign_with

from ownstack.core.clock import ManualClock
from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody, Headers, Request
from ownstack.wire.sigv2 import SigV2Verifier, is_sigv2
from ownstack.wire.sigv2_canonical import resource_candidates, split_query

SIG_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
BASE = "http://localhost:4566"
KEYS = ["plain.txt", "with space.txt", "plus+sign", "ünï/中文.bin", "a//b", "q?x=1&y", "~t"]


def url_for(bucket: str, key: str = "", query: str = "") -> str:
    path = f"/{bucket}/{quote(key, safe='/~')}" if key else f"/{bucket}"
    return f"{BASE}{path}{'?' + query if query else ''}"


def header_signed(method: str, url: str, headers: dict[str, str] | None = None) -> Request:
    return sign_with(botocore.auth.HmacV1Auth(CREDS), method, url, headers=headers)


def presigned(
    method: str, url: str, expires: int = 3600, headers: dict[str, str] | None = None
) -> Request:
    signer = botocore.auth.HmacV1QueryAuth(CREDS, expires=expires)
    return sign_with(signer, method, url, headers=headers)


def verifier(offset: float = 0.0) -> SigV2Verifier:
    """A verifier whose clock reads now (when botocore signed) plus `offset` seconds."""
    return SigV2Verifier(secrets, ManualClock(time.time() + offset))


def refused(req: Request, ver: SigV2Verifier | None = None, **kw: Any) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        (ver or verifier()).verify(req, **kw)
    return info.value


# -- header auth ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_header_get_and_put_with_metadata_verify(key: str) -> None:
    get = header_signed("GET", url_for("bkt", key))
    assert is_sigv2(get)
    assert verifier().verify(get) == ACCESS_KEY
    meta = {
        "Content-Type": "text/plain",
        "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==",
        "x-amz-meta-Color": "  blue  ",
        "X-Amz-Meta-Alpha": "a, b",
        "x-amz-storage-class": "STANDARD",
    }
    put = header_signed("PUT", url_for("bkt", key), meta)
    assert verifier().verify(put) == ACCESS_KEY


@pytest.mark.parametrize(
    "query",
    [
        "tagging",
        "acl",
        "uploads",
        "partNumber=2&uploadId=abc%2Bdef%2F0",
        "uploadId=Up-Id-0",
        "versionId=3%2FLg4Z",
        "response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22"
        "&response-content-type=text%2Fplain&response-cache-control=no-cache",
        "list-type=2&prefix=a%2Fb&delimiter=%2F",
        "delete",
        "cors",
        "location",
    ],
)
def test_header_subresources_verify(query: str) -> None:
    req = header_signed("GET", url_for("bkt", "k e+y", query))
    assert verifier().verify(req) == ACCESS_KEY


def test_wrong_secret_is_signature_does_not_match_with_string_to_sign() -> None:
    wrong = botocore.auth.HmacV1Auth(type(CREDS)(ACCESS_KEY, "not-the-secret"))
    req = sign_with(wrong, "GET", url_for("bkt", "k", "acl"), headers={"x-amz-meta-a": "1"})
    err = refused(req)
    assert (err.code, err.status, err.message) == ("SignatureDoesNotMatch", 403, SIG_MESSAGE)
    date = req.headers.get("date")
    sts = f"GET\n\n\n{date}\nx-amz-meta-a:1\n/bkt/k?acl"
    assert err.fields["StringToSign"] == sts
    assert err.fields["AWSAccessKeyId"] == ACCESS_KEY
    assert err.fields["SignatureProvided"] == req.headers["authorization"].split(":")[1]
    assert err.fields["StringToSignBytes"].startswith("47 45 54 0a 0a 0a")


def test_tampered_request_is_refused() -> None:
    req = header_signed("PUT", url_for("bkt", "k"), {"x-amz-meta-a": "1"})
    req.headers["x-amz-meta-a"] = "2"
    assert refused(req).code == "SignatureDoesNotMatch"
    moved = header_signed("GET", url_for("bkt", "k"))
    moved.path = "/bkt/other"
    assert refused(moved).code == "SignatureDoesNotMatch"


def test_unknown_access_key() -> None:
    other = botocore.auth.HmacV1Auth(type(CREDS)("AKIDUNKNOWN", SECRET))
    err = refused(sign_with(other, "GET", url_for("bkt")))
    assert (err.code, err.status) == ("InvalidAccessKeyId", 403)
    assert err.message == "The AWS Access Key Id you provided does not exist in our records."
    assert err.fields == {"AWSAccessKeyId": "AKIDUNKNOWN"}


def test_skew_over_15_minutes_is_request_time_too_skewed() -> None:
    req = header_signed("GET", url_for("bkt", "k"))
    assert verifier(-899).verify(req) == ACCESS_KEY
    err = refused(req, verifier(901))
    assert (err.code, err.status) == ("RequestTimeTooSkewed", 403)
    assert err.fields["RequestTime"] == req.headers["date"]
    assert err.fields["MaxAllowedSkewMilliseconds"] == "900000"
    assert refused(req, verifier(-901)).code == "RequestTimeTooSkewed"


def test_missing_date_is_access_denied() -> None:
    req = header_signed("GET", url_for("bkt", "k"))
    del req.headers["date"]
    err = refused(req)
    assert (err.code, err.status, err.message) == (
        "AccessDenied",
        403,
        "AWS authentication requires a valid Date or x-amz-date header",
    )


def test_x_amz_date_signs_an_empty_date_line() -> None:
    """AWS's rule: with x-amz-date present the Date line is empty."""
    now = formatdate(time.time(), usegmt=True)
    sts = f"GET\n\n\n\nx-amz-date:{now}\n/bkt/k"
    req = hand_signed("GET", "/bkt/k", sts, [("x-amz-date", now)])
    assert verifier().verify(req) == ACCESS_KEY


def test_malformed_header_is_invalid_argument() -> None:
    req = Request("GET", "/bkt", "", Headers([("Authorization", "AWS nocolon")]), BytesBody(b""))
    err = refused(req)
    assert (err.code, err.status) == ("InvalidArgument", 400)
    assert err.message == "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"
    assert err.fields == {"ArgumentName": "Authorization", "ArgumentValue": "AWS nocolon"}


def test_header_and_query_signature_together_is_invalid_argument() -> None:
    req = header_signed("GET", url_for("bkt", "k", "Signature=abc"))
    err = refused(req)
    assert (err.code, err.status) == ("InvalidArgument", 400)
    assert err.message.startswith("Only one auth mechanism allowed")


def test_virtual_hosted_client_signs_bucket_in_resource() -> None:
    """A real boto3 client (signature_version='s3', virtual addressing) signs /bucket/key."""
    req = client_request(
        "s3",
        lambda c: c.put_object(Bucket="vbucket", Key="dir/a b+c", Body=b"x", Metadata={"m": "1"}),
        signature_version="s3",
        s3={"addressing_style": "virtual"},
    )
    assert req.headers["host"].startswith("vbucket.")
    assert req.headers["authorization"].startswith("AWS ")
    assert verifier().verify(req, vhost_bucket="vbucket") == ACCESS_KEY
    assert refused(req).code == "SignatureDoesNotMatch"  # without its bucket the resource differs
    root = client_request(
        "s3",
        lambda c: c.list_objects(Bucket="vbucket"),
        signature_version="s3",
        s3={"addressing_style": "virtual"},
    )
    assert verifier().verify(root, vhost_bucket="vbucket") == ACCESS_KEY


def test_path_style_bucket_only_request_signed_with_trailing_slash() -> None:
    """botocore signs CreateBucket on `/bucket` as `/bucket/`; AWS accepts it."""
    req = client_request("s3", lambda c: c.create_bucket(Bucket="pbucket"), signature_version="s3")
    assert req.path == "/pbucket"
    assert verifier().verify(req) == ACCESS_KEY
    assert resource_candidates("/pbucket", [], None) == ["/pbucket", "/pbucket/"]


# -- presigned (query) auth -----------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_presigned_get_verifies_until_expires(key: str) -> None:
    req = presigned("GET", url_for("bkt", key), expires=60)
    assert is_sigv2(req)
    assert "authorization" not in req.headers
    assert verifier(59).verify(req) == ACCESS_KEY


def test_presigned_with_overrides_and_content_type_in_query() -> None:
    query = "response-content-disposition=attachment%3B%20filename%3Dx.txt&versionId=v1"
    req = presigned("GET", url_for("bkt", "k", query))
    assert verifier().verify(req) == ACCESS_KEY
    signed = {"Content-Type": "text/csv", "x-amz-acl": "x"}
    put = presigned("PUT", url_for("bkt", "k"), headers=signed)
    assert "content-type=text%2Fcsv" in put.query
    assert "x-amz-acl=x" in put.query
    assert verifier().verify(put) == ACCESS_KEY


def test_presigned_expired_is_access_denied_request_has_expired() -> None:
    req = presigned("GET", url_for("bkt", "k"), expires=10)
    expires = int(split_value(req.query, "Expires"))
    err = refused(req, verifier(11))
    assert (err.code, err.status, err.message) == ("AccessDenied", 403, "Request has expired")
    assert err.fields["Expires"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
    assert set(err.fields) == {"Expires", "ServerTime"}


def test_presigned_has_no_seven_day_limit() -> None:
    req = presigned("GET", url_for("bkt", "k"), expires=30 * 86400)
    assert verifier(29 * 86400).verify(req) == ACCESS_KEY


def test_presigned_wrong_secret_and_tampering() -> None:
    wrong = botocore.auth.HmacV1QueryAuth(type(CREDS)(ACCESS_KEY, "nope"))
    err = refused(sign_with(wrong, "GET", url_for("bkt", "k")))
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)
    assert err.fields["StringToSign"].endswith("\n/bkt/k")
    req = presigned("GET", url_for("bkt", "k"))
    req.query = req.query.replace("Expires=", "Expires=1")
    assert refused(req).code == "SignatureDoesNotMatch"
    put = presigned("GET", url_for("bkt", "k"))
    put.method = "PUT"
    assert refused(put).code == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "AWSAccessKeyId=AKID&Expires=99999999999",
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
            "parameters",
        ),
        (
            "AWSAccessKeyId=AKID&Signature=abc",
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
            "parameters",
        ),
        (
            f"AWSAccessKeyId={ACCESS_KEY}&Signature=abc&Expires=tomorrow",
            "Invalid date (should be seconds since epoch): tomorrow",
        ),
    ],
)
def test_presigned_missing_pieces_are_access_denied(query: str, message: str) -> None:
    req = Request("GET", "/bkt/k", query, Headers([("Host", "h")]), BytesBody(b""))
    err = refused(req)
    assert (err.code, err.status, err.message) == ("AccessDenied", 403, message)


# -- detection and canonical pieces ---------------------------------------------------------


def test_is_sigv2_only_for_s3_shapes() -> None:
    def req(query: str, auth: str | None = None) -> Request:
        headers = Headers([("Authorization", auth)] if auth else [])
        return Request("GET", "/", query, headers, BytesBody(b""))

    assert is_sigv2(req("", "AWS AKID:sig"))
    assert not is_sigv2(req("", "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request"))
    assert is_sigv2(req("AWSAccessKeyId=A&Signature=s&Expires=1"))
    assert not is_sigv2(req("Action=List&AWSAccessKeyId=A&Signature=s&SignatureVersion=2"))
    assert not is_sigv2(req("prefix=Signature%3D"))
    assert not is_sigv2(req(""))


def test_resource_candidates_order_and_spelling() -> None:
    pairs = split_query("uploadId=a%2Fb&partNumber=3&cors&acl=&list-type=2")
    got = resource_candidates("/b/k%20x", pairs, None)
    assert got == [
        "/b/k%20x?acl=&cors&partNumber=3&uploadId=a/b",
        "/b/k%20x?acl&cors&partNumber=3&uploadId=a/b",
        "/b/k%20x?acl=&partNumber=3&uploadId=a/b",
        "/b/k%20x?acl&partNumber=3&uploadId=a/b",
    ]
    assert resource_candidates("/", [], "vb") == ["/vb/"]
    assert resource_candidates("/k", [], "vb") == ["/vb/k"]


def test_aws_documentation_example() -> None:
    """The GET example of AWS's "Signing and authenticating REST requests"."""
    sts = "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg"
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert sign(secret, sts) == "qgk2+6Sv9/oM7G3qLEjTH1a1l1g="
    headers = Headers(
        [
            ("Host", "awsexamplebucket1.us-west-1.s3.amazonaws.com"),
            ("Date", "Tue, 27 Mar 2007 19:36:42 +0000"),
            ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="),
        ]
    )
    req = Request("GET", "/photos/puppy.jpg", "", headers, BytesBody(b""))
    ver = SigV2Verifier(
        lambda k: secret if k == "AKIAIOSFODNN7EXAMPLE" else None, ManualClock(1175024202.0)
    )
    assert ver.verify(req, vhost_bucket="awsexamplebucket1") == "AKIAIOSFODNN7EXAMPLE"


# -- helpers --------------------------------------------------------------------------------


def sign(secret: str, string_to_sign: str) -> str:
    digest = hmac.digest(secret.encode(), string_to_sign.encode(), "sha1")
    return base64.b64encode(digest).decode()


def hand_signed(method: str, path: str, sts: str, headers: list[tuple[str, str]]) -> Request:
    auth = ("Authorization", f"AWS {ACCESS_KEY}:{sign(SECRET, sts)}")
    return Request(method, path, "", Headers([("Host", "h"), *headers, auth]), BytesBody(b""))


def split_value(query: str, name: str) -> str:
    for item in query.split("&"):
        key, _, value = item.partition("=")
        if key == name:
            return value
    raise AssertionError(f"{name} not in {query}")
