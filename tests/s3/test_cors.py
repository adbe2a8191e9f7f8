"""S3 CORS against a real server: Put/Get/DeleteBucketCors with boto3 (and raw XML for what
boto3 will not send), preflights and actual requests over raw HTTP, path and virtual-host style.

The expected answers are S3's, as recorded against AWS (see docs/s3-cors.md): a preflight's
error XML carries Method and ResourceType, a matched request gets Access-Control-Allow-Origin
(the origin, or `*` for a rule allowing exactly `*`), -Allow-Methods (the rule's), -Expose-Headers,
-Max-Age, -Allow-Credentials (not with `*`) and `Vary`; a request no rule admits gets none.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ORIGIN = "https://app.example.com"
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of"
    " Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers"
    " are not whitelisted by the resource's CORS spec."
)
MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
RULES: list[dict[str, Any]] = [
    {
        "ID": "app",
        "AllowedHeaders": ["Content-Type", "x-amz-*"],
        "AllowedMethods": ["GET", "PUT", "HEAD"],
        "AllowedOrigins": [ORIGIN, "https://*.example.org"],
        "ExposeHeaders": ["ETag", "x-amz-request-id"],
        "MaxAgeSeconds": 3000,
    },
    {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]},
]
CORS_NAMES = (
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-max-age",
    "access-control-allow-credentials",
    "vary",
)


# --- helpers -------------------------------------------------------------------------------


class Answer:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body

    def cors(self) -> dict[str, str]:
        return {n: self.headers[n] for n in CORS_NAMES if n in self.headers}

    def error(self) -> dict[str, str]:
        from xml.etree.ElementTree import fromstring

        root = fromstring(self.body)
        assert root.tag == "Error"
        return {child.tag: child.text or "" for child in root}


def send(
    server: Any,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    host: str | None = None,
    body: bytes | None = None,
) -> Answer:
    """One raw HTTP request (`target`: a path, or a full URL of the server's)."""
    parts = urlsplit(target if "://" in target else server.endpoint + target)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{server.port}")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return Answer(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def preflight(
    server: Any, path: str, origin: str | None, method: str | None, req_headers: str | None = None
) -> Answer:
    headers = {}
    if origin is not None:
        headers["Origin"] = origin
    if method is not None:
        headers["Access-Control-Request-Method"] = method
    if req_headers is not None:
        headers["Access-Control-Request-Headers"] = req_headers
    return send(server, "OPTIONS", path, headers)


def put_cors_xml(server: Any, bucket: str, document: bytes) -> Answer:
    """PutBucketCors with an arbitrary document, correctly signed (Content-MD5 included)."""
    url = f"{server.endpoint}/{bucket}?cors"
    headers = {
        "Content-MD5": base64.b64encode(hashlib.md5(document).digest()).decode(),
        "x-amz-content-sha256": hashlib.sha256(document).hexdigest(),
    }
    req = AWSRequest(method="PUT", url=url, data=document, headers=headers)
    creds = Credentials(server.access_key, server.secret_key)
    S3SigV4Auth(creds, "s3", server.region).add_auth(req)
    framing = ("host", "content-length")
    signed = {k: v for k, v in req.prepare().headers.items() if k.lower() not in framing}
    return send(server, "PUT", url, signed, body=document)


def rule_xml(*elements: str) -> str:
    return "<CORSRule>" + "".join(elements) + "</CORSRule>"


def document(*rules: str) -> bytes:
    xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"
    return f'<CORSConfiguration xmlns="{xmlns}">{"".join(rules)}</CORSConfiguration>'.encode()


GOOD = rule_xml("<AllowedOrigin>*</AllowedOrigin>", "<AllowedMethod>GET</AllowedMethod>")


def with_origin(s3: Any, origin: str) -> Any:
    """`s3` sending an Origin header on every request (as a browser's SDK would)."""

    def add(request: Any, **_: Any) -> None:
        request.headers["Origin"] = origin

    s3.meta.events.register_first("before-sign.s3.*", add)
    return s3


@pytest.fixture(scope="module")
def s3(server: Any) -> Any:
    return server.client("s3")


@pytest.fixture(scope="module")
def bucket(s3: Any) -> Iterator[str]:
    """A bucket with RULES and an object `k` (public-read through a policy, so that anonymous
    browser GETs are served)."""
    name = f"cors-{time.time_ns()}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"hello cors")
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": RULES})
    s3.delete_public_access_block(Bucket=name)  # new buckets block public policies, as on AWS
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
        f'"Action":"s3:GetObject","Resource":"arn:aws:s3:::{name}/*"}}]}}'
    )
    s3.put_bucket_policy(Bucket=name, Policy=policy)
    yield name
    s3.delete_bucket_policy(Bucket=name)
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


@pytest.fixture
def plain(s3: Any) -> Iterator[str]:
    """A bucket without CORS, with an object `k`."""
    name = f"cors-plain-{time.time_ns()}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"plain")
    yield name
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


# --- the configuration -----------------------------------------------------------------------


def test_get_without_configuration_is_no_such_cors_configuration(s3: Any, plain: str) -> None:
    with pytest.raises(ClientError) as info:
        s3.get_bucket_cors(Bucket=plain)
    err = info.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert err["Error"] == {
        "Code": "NoSuchCORSConfiguration",
        "Message": "The CORS configuration does not exist",
        "BucketName": plain,
    }


def test_put_get_answers_the_rules_exactly_and_delete_removes_them(
    server: Any, s3: Any, plain: str
) -> None:
    rules = [
        *RULES,
        {"AllowedMethods": ["POST", "DELETE"], "AllowedOrigins": ["", "http://test.com:80"]},
        {"AllowedHeaders": ["x-AMZ-Meta-*"], "AllowedMethods": ["PUT"], "AllowedOrigins": ["a"]},
    ]
    put = s3.put_bucket_cors(Bucket=plain, CORSConfiguration={"CORSRules": rules})
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_bucket_cors(Bucket=plain)["CORSRules"] == rules
    replaced = [{"AllowedMethods": ["HEAD"], "AllowedOrigins": ["https://only.example"]}]
    s3.put_bucket_cors(Bucket=plain, CORSConfiguration={"CORSRules": replaced})
    assert s3.get_bucket_cors(Bucket=plain)["CORSRules"] == replaced
    for _ in range(2):  # 204 whether or not there is a configuration
        gone = s3.delete_bucket_cors(Bucket=plain)
        assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as info:
        s3.get_bucket_cors(Bucket=plain)
    assert info.value.response["Error"]["Code"] == "NoSuchCORSConfiguration"
    answer = preflight(server, f"/{plain}/k", "https://only.example", "HEAD")
    assert answer.status == 403  # deleted rules admit nothing
    assert answer.error()["Message"] == "CORSResponse: CORS is not enabled for this bucket."


def test_the_document_as_get_bucket_cors_answers_it(server: Any, s3: Any, bucket: str) -> None:
    answer = send(server, "GET", f"/{bucket}?cors", signed_headers(server, f"/{bucket}?cors"))
    assert answer.status == 200
    assert answer.body.decode().endswith(
        '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule>'
        "<ID>app</ID><AllowedHeader>Content-Type</AllowedHeader><AllowedHeader>x-amz-*"
        "</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>"
        f"<AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>{ORIGIN}</AllowedOrigin>"
        "<AllowedOrigin>https://*.example.org</AllowedOrigin><ExposeHeader>ETag</ExposeHeader>"
        "<ExposeHeader>x-amz-request-id</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds>"
        "</CORSRule><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*"
        "</AllowedOrigin></CORSRule></CORSConfiguration>"
    )


def signed_headers(server: Any, path: str) -> dict[str, str]:
    req = AWSRequest(method="GET", url=f"{server.endpoint}{path}")
    req.headers["x-amz-content-sha256"] = hashlib.sha256(b"").hexdigest()
    S3SigV4Auth(Credentials(server.access_key, server.secret_key), "s3", server.region).add_auth(
        req
    )
    return {k: v for k, v in req.prepare().headers.items() if k.lower() != "host"}


BAD_DOCUMENTS = [
    pytest.param(document(), ("MalformedXML", MALFORMED), id="no-rules"),
    pytest.param(b"<CORSConfiguration><CORSRule>", ("MalformedXML", MALFORMED), id="not-xml"),
    pytest.param(
        document(rule_xml("<AllowedOrigin>*</AllowedOrigin>")),
        ("MalformedXML", MALFORMED),
        id="no-method",
    ),
    pytest.param(
        document(rule_xml("<AllowedMethod>GET</AllowedMethod>")),
        ("MalformedXML", MALFORMED),
        id="no-origin",
    ),
    pytest.param(
        document(
            rule_xml("<AllowedOrigin>*</AllowedOrigin>", "<AllowedMethod>PATCH</AllowedMethod>")
        ),
        (
            "InvalidRequest",
            "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
        ),
        id="method-patch",
    ),
    pytest.param(
        document(
            rule_xml("<AllowedOrigin>*</AllowedOrigin>", "<AllowedMethod>get</AllowedMethod>")
        ),
        (
            "InvalidRequest",
            "Found unsupported HTTP method in CORS config. Unsupported method is get",
        ),
        id="method-lowercase",
    ),
    pytest.param(
        document(rule_xml("<AllowedOrigin>*</AllowedOrigin>", "<AllowedMethod/>")),
        ("InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is "),
        id="method-empty",
    ),
    pytest.param(
        document(
            rule_xml(
                "<AllowedOrigin>https://*.*.com</AllowedOrigin>",
                "<AllowedMethod>GET</AllowedMethod>",
            )
        ),
        ("InvalidRequest", 'AllowedOrigin "https://*.*.com" can not have more than one wildcard.'),
        id="origin-two-wildcards",
    ),
    pytest.param(
        document(
            rule_xml(
                "<AllowedOrigin>*</AllowedOrigin>",
                "<AllowedMethod>GET</AllowedMethod>",
                "<AllowedHeader>x-*-*</AllowedHeader>",
            )
        ),
        ("InvalidRequest", 'AllowedHeader "x-*-*" can not have more than one wildcard.'),
        id="header-two-wildcards",
    ),
    pytest.param(
        document(
            rule_xml(
                "<AllowedOrigin>*</AllowedOrigin>",
                "<AllowedMethod>GET</AllowedMethod>",
                "<ExposeHeader>x-amz-meta-*</ExposeHeader>",
            )
        ),
        (
            "InvalidRequest",
            'ExposeHeader "x-amz-meta-*" contains wildcard. We currently do not support wildcard'
            " for ExposeHeader.",
        ),
        id="expose-wildcard",
    ),
    pytest.param(
        document(
            rule_xml(
                "<AllowedOrigin>*</AllowedOrigin>",
                "<AllowedMethod>GET</AllowedMethod>",
                "<ExposeHeader>x-evil&#13;&#10;Set-Cookie: a=b</ExposeHeader>",
            )
        ),
        ("InvalidRequest", 'ExposeHeader "x-evil\r\nSet-Cookie: a=b" contains invalid character.'),
        id="expose-crlf",
    ),
    pytest.param(
        document(
            rule_xml(
                f"<ID>{'i' * 256}</ID>",
                "<AllowedOrigin>*</AllowedOrigin>",
                "<AllowedMethod>GET</AllowedMethod>",
            )
        ),
        ("InvalidArgument", "ID length should not exceed allowed limit of 255"),
        id="id-256",
    ),
    pytest.param(
        document(
            rule_xml(
                "<AllowedOrigin>*</AllowedOrigin>",
                "<AllowedMethod>GET</AllowedMethod>",
                "<MaxAgeSeconds>soon</MaxAgeSeconds>",
            )
        ),
        ("MalformedXML", MALFORMED),
        id="max-age-text",
    ),
    pytest.param(
        document(
            rule_xml(
                "<AllowedOrigin>*</AllowedOrigin>",
                "<AllowedMethod>GET</AllowedMethod>",
                "<MaxAgeSeconds>-1</MaxAgeSeconds>",
            )
        ),
        ("MalformedXML", 'MaxAgeSeconds "-1" is not a valid value.'),
        id="max-age-negative",
    ),
    pytest.param(
        document(
            rule_xml(
                "<AllowedOrigin>*</AllowedOrigin>",
                "<AllowedMethod>GET</AllowedMethod>",
                "<MaxAgeSeconds>2147483648</MaxAgeSeconds>",
            )
        ),
        ("MalformedXML", 'MaxAgeSeconds "2147483648" is not a valid value.'),
        id="max-age-over-int",
    ),
    pytest.param(
        document(*[GOOD] * 101),
        (
            "InvalidRequest",
            "The number of CORS rules should not exceed allowed limit of 100 rules.",
        ),
        id="101-rules",
    ),
    pytest.param(
        document(
            rule_xml(
                *[
                    f"<AllowedOrigin>https://{i:05d}.example.com</AllowedOrigin>"
                    for i in range(1700)
                ],
                "<AllowedMethod>GET</AllowedMethod>",
            )
        ),
        ("MaxMessageLengthExceeded", "Your request was too big."),
        id="over-64KB",
    ),
]


@pytest.mark.parametrize(("body", "expected"), BAD_DOCUMENTS)
def test_bad_documents_are_refused_and_change_nothing(
    server: Any, s3: Any, bucket: str, body: bytes, expected: tuple[str, str]
) -> None:
    answer = put_cors_xml(server, bucket, body)
    assert answer.status == 400
    error = answer.error()
    assert (error["Code"], error["Message"]) == expected
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == RULES


def test_limits_themselves_are_accepted(server: Any, s3: Any, plain: str) -> None:
    """100 rules, a 255-character ID and the largest MaxAgeSeconds are all fine."""
    last = rule_xml(
        f"<ID>{'i' * 255}</ID>",
        "<AllowedOrigin>*</AllowedOrigin>",
        "<AllowedMethod>GET</AllowedMethod>",
        "<MaxAgeSeconds>2147483647</MaxAgeSeconds>",
    )
    assert put_cors_xml(server, plain, document(*[GOOD] * 99, last)).status == 200
    rules = s3.get_bucket_cors(Bucket=plain)["CORSRules"]
    assert len(rules) == 100
    assert rules[-1]["ID"] == "i" * 255
    assert rules[-1]["MaxAgeSeconds"] == 2147483647


def test_configuration_of_a_missing_bucket_is_no_such_bucket(s3: Any) -> None:
    for call in (s3.get_bucket_cors, s3.delete_bucket_cors):
        with pytest.raises(ClientError) as info:
            call(Bucket="cors-no-such-bucket")
        assert info.value.response["Error"]["Code"] == "NoSuchBucket"
    with pytest.raises(ClientError) as info:
        s3.put_bucket_cors(Bucket="cors-no-such-bucket", CORSConfiguration={"CORSRules": RULES})
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"


# --- preflights ----------------------------------------------------------------------------


def test_preflight_answers_with_the_first_matching_rule(server: Any, bucket: str) -> None:
    answer = preflight(
        server, f"/{bucket}/k", ORIGIN, "PUT", "content-type,X-Amz-Date, x-amz-meta-color"
    )
    assert answer.status == 200
    assert answer.body == b""
    assert answer.headers["content-length"] == "0"
    assert "content-type" not in answer.headers
    assert answer.cors() == {
        "access-control-allow-origin": ORIGIN,
        "access-control-allow-methods": "GET, PUT, HEAD",
        "access-control-allow-headers": "content-type, x-amz-date, x-amz-meta-color",
        "access-control-expose-headers": "ETag, x-amz-request-id",
        "access-control-max-age": "3000",
        "access-control-allow-credentials": "true",
        "vary": VARY,
    }
    assert answer.headers["x-amz-request-id"]


def test_preflight_origin_wildcards(server: Any, bucket: str) -> None:
    sub = preflight(server, f"/{bucket}/k", "https://www.example.org", "HEAD")
    assert sub.status == 200
    assert sub.cors()["access-control-allow-origin"] == "https://www.example.org"
    # Only the second rule (`*`, GET) admits another origin: `*`, no credentials.
    anyone = preflight(server, f"/{bucket}/k", "http://random:1234", "GET")
    assert anyone.status == 200
    assert anyone.cors() == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET",
        "vary": VARY,
    }
    # The scheme is part of the origin; a trailing slash makes another one.
    for origin in ("http://app.example.com", f"{ORIGIN}/", "https://example.org"):
        assert preflight(server, f"/{bucket}/k", origin, "PUT").status == 403


def test_preflight_not_allowed_is_access_forbidden(server: Any, bucket: str) -> None:
    cases = [
        (f"/{bucket}/k", "http://elsewhere", "PUT", None, "OBJECT"),
        (f"/{bucket}/k", ORIGIN, "DELETE", None, "OBJECT"),
        (f"/{bucket}/k", ORIGIN, "PUT", "x-custom", "OBJECT"),
        (f"/{bucket}", ORIGIN, "POST", None, "BUCKET"),
        (f"/{bucket}/k", "http://elsewhere", "GET", "authorization", "OBJECT"),
    ]
    for path, origin, method, headers, kind in cases:
        answer = preflight(server, path, origin, method, headers)
        assert answer.status == 403, (origin, method, headers)
        assert answer.cors() == {}
        error = answer.error()
        assert list(error) == ["Code", "Message", "Method", "ResourceType", "RequestId", "HostId"]
        assert (error["Code"], error["Message"]) == ("AccessForbidden", NOT_ALLOWED)
        assert (error["Method"], error["ResourceType"]) == (method, kind)


def test_preflight_without_origin_or_method_is_bad_request(server: Any, bucket: str) -> None:
    for origin, method in ((None, "GET"), (None, None), ("", "GET")):
        answer = preflight(server, f"/{bucket}/k", origin, method)
        assert answer.status == 400
        error = answer.error()
        assert (error["Code"], error["Message"]) == (
            "BadRequest",
            "Insufficient information. Origin request header needed.",
        )
    answer = preflight(server, f"/{bucket}/k", ORIGIN, None)
    assert answer.status == 400
    error = answer.error()
    assert (error["Code"], error["Message"]) == (
        "BadRequest",
        "Invalid Access-Control-Request-Method: null",
    )


def test_preflight_to_a_bucket_without_cors_or_no_bucket(server: Any, plain: str) -> None:
    cases = [
        (f"/{plain}/k", "PUT", "CORSResponse: CORS is not enabled for this bucket.", "PUT"),
        (f"/{plain}/k", None, "CORSResponse: CORS is not enabled for this bucket.", "OPTIONS"),
        ("/cors-no-such-bucket/k", "GET", "CORSResponse: Bucket not found", "GET"),
        ("/cors-no-such-bucket/k", None, "CORSResponse: Bucket not found", "OPTIONS"),
    ]
    for path, method, message, named in cases:
        answer = preflight(server, path, ORIGIN, method)
        assert answer.status == 403
        error = answer.error()
        assert (error["Code"], error["Message"]) == ("AccessForbidden", message)
        assert (error["Method"], error["ResourceType"]) == (named, "BUCKET")
        assert answer.cors() == {}


def test_preflight_virtual_host_style(server: Any, bucket: str) -> None:
    host = f"{bucket}.localhost:{server.port}"
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}
    answer = send(server, "OPTIONS", "/k", headers, host=host)
    assert answer.status == 200
    assert answer.cors()["access-control-allow-origin"] == ORIGIN
    denied = send(server, "OPTIONS", "/", {**headers, "Origin": "http://x"}, host=host)
    assert denied.status == 403
    assert (denied.error()["Method"], denied.error()["ResourceType"]) == ("PUT", "BUCKET")
    headers["Access-Control-Request-Method"] = "GET"
    aws_host = f"{bucket}.s3.us-east-1.amazonaws.com"
    assert send(server, "OPTIONS", "/k", headers, host=aws_host).status == 200


def test_preflight_never_reaches_authentication(server: Any, bucket: str) -> None:
    """Credentials, even invalid ones, play no part in a preflight (browsers send none)."""
    headers = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "PUT",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIANOBODY/20260101/us-east-1/s3/aws4_request"
        ", SignedHeaders=host, Signature=00",
    }
    assert send(server, "OPTIONS", f"/{bucket}/k", headers).status == 200
    presigned = f"/{bucket}/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00"
    answer = preflight(server, presigned, ORIGIN, "GET")
    assert answer.status == 200


def test_an_origin_that_is_not_plain_text_is_never_echoed(server: Any, bucket: str) -> None:
    """`https://*.example.org` would admit these by pattern; their control / non-ASCII
    characters make them no origin a browser sends, so nothing is reflected."""
    for origin in (
        "https://a\x01.example.org",
        "https://\xe9.example.org",
        "https://a b.example.org",
    ):
        raw = (
            f"OPTIONS /{bucket}/k HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {origin}\r\n"
            "Access-Control-Request-Method: GET\r\nConnection: close\r\n\r\n"
        ).encode("latin-1")
        head = raw_exchange(server, raw).split(b"\r\n\r\n", 1)[0].lower()
        assert b"access-control-allow-origin" not in head
        assert origin.encode("latin-1").lower() not in head
    raw = (
        f"GET /{bucket}/k HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {ORIGIN}\rX-Injected: 1\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    head = raw_exchange(server, raw).split(b"\r\n\r\n", 1)[0].lower()
    assert b"\r\nx-injected" not in head


def raw_exchange(server: Any, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# --- actual requests -------------------------------------------------------------------------


def test_get_from_an_allowed_origin_carries_the_headers(server: Any, bucket: str) -> None:
    answer = send(server, "GET", f"/{bucket}/k", {"Origin": ORIGIN})
    assert (answer.status, answer.body) == (200, b"hello cors")
    assert answer.cors() == {
        "access-control-allow-origin": ORIGIN,
        "access-control-allow-methods": "GET, PUT, HEAD",
        "access-control-expose-headers": "ETag, x-amz-request-id",
        "access-control-max-age": "3000",
        "access-control-allow-credentials": "true",
        "vary": VARY,
    }
    head = send(server, "HEAD", f"/{bucket}/k", {"Origin": "https://x.example.org"})
    assert head.status == 200
    assert head.cors()["access-control-allow-origin"] == "https://x.example.org"


def test_requests_no_rule_admits_get_no_headers(server: Any, bucket: str, plain: str) -> None:
    cases = [
        (f"/{bucket}/k", {}),  # no Origin: not a CORS request
        (f"/{bucket}/k", {"Referer": ORIGIN}),
        (f"/{bucket}/k", {"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"}),
        (f"/{bucket}/k", {"Origin": ORIGIN, "Access-Control-Request-Headers": "x-custom"}),
        (f"/{plain}/k", {"Origin": ORIGIN}),  # a bucket without CORS
    ]
    for path, headers in cases:
        answer = send(server, "GET", path, headers)
        assert answer.status in (200, 403)
        assert answer.cors() == {}, headers
    # A wildcard rule admits any origin, with `*`.
    anyone = send(server, "GET", f"/{bucket}/k", {"Origin": "http://random:1234"})
    assert anyone.cors()["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in anyone.cors()


def test_error_responses_carry_the_headers(server: Any, s3: Any, bucket: str) -> None:
    missing = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "nope"})
    answer = send(server, "GET", missing, {"Origin": ORIGIN})
    assert answer.status == 404
    assert answer.error()["Code"] == "NoSuchKey"
    assert answer.cors()["access-control-allow-origin"] == ORIGIN
    assert answer.cors()["vary"] == VARY
    # Anonymous PUT: refused by authorisation, still answered with the CORS headers.
    denied = send(server, "PUT", f"/{bucket}/new", {"Origin": ORIGIN}, body=b"x")
    assert denied.status == 403
    assert denied.error()["Code"] == "AccessDenied"
    assert denied.cors()["access-control-allow-origin"] == ORIGIN
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="new")
    # A presigned URL whose signature was tampered with: refused before any handler runs.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    forged = url.replace("Signature=", "Signature=AAAA", 1)
    bad = send(server, "GET", forged, {"Origin": ORIGIN})
    assert bad.status == 403
    assert bad.error()["Code"] == "SignatureDoesNotMatch"
    assert bad.cors()["access-control-allow-origin"] == ORIGIN


def test_presigned_get_url(server: Any, s3: Any, bucket: str) -> None:
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    answer = send(server, "GET", url, {"Origin": "https://api.example.org"})
    assert (answer.status, answer.body) == (200, b"hello cors")
    assert answer.cors()["access-control-allow-origin"] == "https://api.example.org"
    assert answer.cors()["access-control-allow-credentials"] == "true"
    assert preflight(server, url, "https://api.example.org", "GET").status == 200


def test_signed_put_from_a_browser_origin(server: Any, bucket: str) -> None:
    client = with_origin(server.client("s3"), ORIGIN)
    put = client.put_object(Bucket=bucket, Key="from-browser", Body=b"b")
    headers = put["ResponseMetadata"]["HTTPHeaders"]
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-allow-methods"] == "GET, PUT, HEAD"
    # DELETE is in no rule: the object goes, the answer has no CORS headers.
    gone = client.delete_object(Bucket=bucket, Key="from-browser")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "access-control-allow-origin" not in gone["ResponseMetadata"]["HTTPHeaders"]


def test_virtual_host_style_get(server: Any, bucket: str) -> None:
    host = f"{bucket}.localhost:{server.port}"
    answer = send(server, "GET", "/k", {"Origin": ORIGIN}, host=host)
    assert (answer.status, answer.body) == (200, b"hello cors")
    assert answer.cors()["access-control-allow-origin"] == ORIGIN


# --- matching, on the compiled rules directly ------------------------------------------------


def test_matching_rules_of_origins_methods_and_headers() -> None:
    from ownstack.services.s3.cors import compiled, parse_configuration, stored_text

    rules = [
        {"AllowedOrigins": ["start*end"], "AllowedMethods": ["GET"], "MaxAgeSeconds": 1},
        {"AllowedOrigins": ["*suffix"], "AllowedMethods": ["GET"], "AllowedHeaders": ["X-A-*"]},
        {"AllowedOrigins": ["https://A.example"], "AllowedMethods": ["PUT"]},
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "MaxAgeSeconds": 2},
    ]
    config = compiled(stored_text(parse_configuration({"CORSRules": rules})))

    def first(origin: str, method: str = "GET", headers: str | None = None) -> int | None:
        found = config.match(origin, method, headers)
        return None if found is None else config.rules.index(found.rule)

    # `*` may stand for nothing, and a pattern is anchored at both ends.
    assert [first(o) for o in ("startend", "start12end", "0start12end")] == [0, 0, 3]
    assert [first(o) for o in ("suffix", "foo.suffix", "foo.suffix.get")] == [1, 1, 3]
    # Origins are case-sensitive; methods too (a browser upper-cases the standard ones).
    assert first("https://A.example", "PUT") == 2
    assert first("https://a.example", "PUT") is None
    assert first("https://A.example", "put") is None
    # Header names are not case-sensitive, and come back lower-cased; empty items are skipped.
    found = config.match("x.suffix", "GET", "x-a-one, X-A-TWO,,")
    assert found is not None and found.headers == ("x-a-one", "x-a-two")
    assert first("x.suffix", "GET", "x-b") is None  # rule 3 (`*`) allows no header either
    assert first("x.suffix", "GET", "x-a-1 x") is None  # not a field name
