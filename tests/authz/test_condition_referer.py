"""Condition keys taken from the request's headers and its authentication: aws:Referer and
aws:UserAgent (present when the header is, absent otherwise), s3:authType and
s3:signatureversion (REST-HEADER, REST-QUERY-STRING, POST; AWS4-HMAC-SHA256 or AWS), through
a real server with boto3 and raw HTTP."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from authzkit import allow, deny, doc, error_code, make_user, unique
from botocore.config import Config
from botocore.exceptions import ClientError

SITE = "http://example.com"
V4 = Config(signature_version="s3v4")  # boto3 signs forms and URLs with SigV2 unless told
V2 = Config(signature_version="s3")


@pytest.fixture(scope="module")
def s3(authz_server: Any) -> Any:
    return authz_server.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = unique("ref")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="page.html", Body=b"<p>hi</p>")
    return name


def _get(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """A raw GET sending exactly `headers` (plus Host unless they hold one): http.client adds
    no User-Agent."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        conn.request("GET", parts.path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _denied(call: Any) -> ClientError:
    with pytest.raises(ClientError) as info:
        call()
    assert error_code(info.value) == "AccessDenied", info.value.response
    return info.value


def _keys(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_referer_string_like_lets_anonymous_gets_in(
    authz_server: Any, s3: Any, bucket: str
) -> None:
    url = f"{authz_server.endpoint}/{bucket}/page.html"
    policy = doc(
        allow(
            "s3:GetObject",
            f"arn:aws:s3:::{bucket}/*",
            Principal="*",
            Sid="FromOurSite",
            Condition={"StringLike": {"aws:Referer": [f"{SITE}/*", "http://www.example.com/*"]}},
        )
    )
    s3.delete_public_access_block(Bucket=bucket)  # a new bucket blocks public policies
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert _get(url, {"Referer": f"{SITE}/index.html"}) == (200, b"<p>hi</p>")
    assert _get(url, {"referer": "http://www.example.com/a/b"}) == (200, b"<p>hi</p>")
    for headers in ({"Referer": "http://evil.example.org/"}, {"Referer": SITE}, {}):
        status, body = _get(url, headers)
        assert status == 403 and b"<Code>AccessDenied</Code>" in body, headers
    # The header is caller-supplied: S3 still counts such a policy as public.
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    # Only GetObject was granted: an anonymous PUT with the right Referer is still refused.
    put = requests.put(
        f"{authz_server.endpoint}/{bucket}/new", data=b"x", headers={"Referer": f"{SITE}/"}
    )
    assert put.status_code == 403 and "<Code>AccessDenied</Code>" in put.text
    assert _keys(s3, bucket) == ["page.html"]


def test_referer_policy_guards_the_website_endpoint(
    authz_server: Any, s3: Any, bucket: str
) -> None:
    policy = doc(
        allow(
            "s3:GetObject",
            f"arn:aws:s3:::{bucket}/*",
            Principal="*",
            Condition={"StringLike": {"aws:Referer": f"{SITE}/*"}},
        )
    )
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    s3.put_bucket_website(
        Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "page.html"}}
    )
    host = f"{bucket}.s3-website.localhost:{authz_server.port}"
    url = f"{authz_server.endpoint}/"
    assert _get(url, {"Host": host, "Referer": f"{SITE}/x"}) == (200, b"<p>hi</p>")
    status, body = _get(url, {"Host": host, "Referer": "http://elsewhere.test/"})
    assert status == 403 and b"AccessDenied" in body


def test_user_agent_is_absent_without_the_header(authz_server: Any, s3: Any, bucket: str) -> None:
    url = f"{authz_server.endpoint}/{bucket}/page.html"
    policy = doc(
        allow(
            "s3:GetObject",
            f"arn:aws:s3:::{bucket}/*",
            Principal="*",
            Condition={"Null": {"aws:UserAgent": "false"}},
        )
    )
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert _get(url, {"User-Agent": "curl/8.0"}) == (200, b"<p>hi</p>")
    status, body = _get(url, {})
    assert status == 403 and b"<Code>AccessDenied</Code>" in body


def test_user_agent_deny_stops_even_the_owner(authz_server: Any, s3: Any, bucket: str) -> None:
    policy = doc(
        deny(
            "s3:GetObject",
            f"arn:aws:s3:::{bucket}/*",
            Principal="*",
            Condition={"StringLike": {"aws:UserAgent": "*BadBot*"}},
        )
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    bot = authz_server.client("s3", config=Config(user_agent_extra="BadBot/1.0"))
    _denied(lambda: bot.get_object(Bucket=bucket, Key="page.html"))
    assert s3.get_object(Bucket=bucket, Key="page.html")["Body"].read() == b"<p>hi</p>"
    bot.delete_bucket_policy(Bucket=bucket)  # the root may always remove the policy
    assert bot.get_object(Bucket=bucket, Key="page.html")["Body"].read() == b"<p>hi</p>"


def test_malformed_referer_condition_is_refused_and_changes_nothing(
    authz_server: Any, s3: Any, bucket: str
) -> None:
    owner = {"AWS": f"arn:aws:iam::{authz_server.account_id}:root"}
    kept = doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*", Principal=owner))
    s3.put_bucket_policy(Bucket=bucket, Policy=kept)
    bad = doc(
        allow(
            "s3:GetObject",
            f"arn:aws:s3:::{bucket}/*",
            Principal=owner,
            Condition={"StringLike": {"aws:Referer": {"nested": "object"}}},
        )
    )
    with pytest.raises(ClientError) as info:
        s3.put_bucket_policy(Bucket=bucket, Policy=bad)
    assert error_code(info.value) == "MalformedPolicy"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(kept)


def _post(post: dict[str, Any], data: bytes) -> requests.Response:
    return requests.post(
        post["url"],
        data=post["fields"],
        files={"file": ("f.txt", data, "text/plain")},
        timeout=30,
    )


def _post_only_bucket(s3: Any, iam: Any, version: str) -> tuple[str, Any]:
    """A bucket whose policy lets a new user (no identity policy) PutObject only by a browser
    upload signed with `version`, and that user."""
    user = make_user(iam)
    name = unique("post")
    s3.create_bucket(Bucket=name)
    condition = {"StringEquals": {"s3:authType": "POST", "s3:signatureversion": version}}
    policy = doc(
        allow(
            "s3:PutObject",
            f"arn:aws:s3:::{name}/*",
            Principal={"AWS": user.arn},
            Condition=condition,
        )
    )
    s3.put_bucket_policy(Bucket=name, Policy=policy)
    return name, user


def test_auth_type_post_lets_browser_uploads_in_and_nothing_else(
    authz_server: Any, s3: Any, iam: Any
) -> None:
    bucket, user = _post_only_bucket(s3, iam, "AWS4-HMAC-SHA256")
    client = user.client(authz_server, "s3", config=V4)
    post = client.generate_presigned_post(bucket, "up/a.txt")
    resp = _post(post, b"posted")
    assert resp.status_code == 204, resp.text
    assert s3.get_object(Bucket=bucket, Key="up/a.txt")["Body"].read() == b"posted"
    # The same user, the same action, by the Authorization header or a presigned URL: refused.
    _denied(lambda: client.put_object(Bucket=bucket, Key="up/b.txt", Body=b"x"))
    url = client.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "up/c.txt"}, ExpiresIn=60
    )
    put = requests.put(url, data=b"x", timeout=10)
    assert put.status_code == 403 and "<Code>AccessDenied</Code>" in put.text
    # A form signed with Signature Version 2 is a POST too, but not AWS4-HMAC-SHA256.
    v2 = user.client(authz_server, "s3", config=V2)
    resp = _post(v2.generate_presigned_post(bucket, "up/d.txt"), b"v2")
    assert resp.status_code == 403 and "<Code>AccessDenied</Code>" in resp.text, resp.text
    # An unsigned form has no authentication type: the user's grant is not its.
    anonymous = requests.post(
        f"{authz_server.endpoint}/{bucket}",
        data={"key": "up/e.txt"},
        files={"file": ("f.txt", b"x", "text/plain")},
        timeout=10,
    )
    assert anonymous.status_code == 403 and "<Code>AccessDenied</Code>" in anonymous.text
    assert _keys(s3, bucket) == ["up/a.txt"]


def test_signature_version_of_a_v2_browser_upload_is_aws(
    authz_server: Any, s3: Any, iam: Any
) -> None:
    bucket, user = _post_only_bucket(s3, iam, "AWS")
    v2 = user.client(authz_server, "s3", config=V2)
    resp = _post(v2.generate_presigned_post(bucket, "v2.txt"), b"two")
    assert resp.status_code == 204, resp.text
    assert s3.get_object(Bucket=bucket, Key="v2.txt")["Body"].read() == b"two"
    v4 = user.client(authz_server, "s3", config=V4)
    resp = _post(v4.generate_presigned_post(bucket, "v4.txt"), b"four")
    assert resp.status_code == 403 and "<Code>AccessDenied</Code>" in resp.text, resp.text
    assert _keys(s3, bucket) == ["v2.txt"]


def test_auth_type_of_header_and_query_requests(authz_server: Any, s3: Any, iam: Any) -> None:
    user = make_user(iam)
    bucket = unique("auth")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    policy = doc(
        allow(
            "s3:GetObject",
            f"arn:aws:s3:::{bucket}/*",
            Principal={"AWS": user.arn},
            Condition={
                "StringEquals": {
                    "s3:authType": "REST-QUERY-STRING",
                    "s3:signatureversion": "AWS4-HMAC-SHA256",
                }
            },
        )
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    client = user.client(authz_server, "s3", config=V4)
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60
    )
    got = requests.get(url, timeout=10)
    assert (got.status_code, got.content) == (200, b"v")
    _denied(lambda: client.get_object(Bucket=bucket, Key="k"))
