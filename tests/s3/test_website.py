"""The S3 website endpoint, driven with raw HTTP (a Host header naming
`<bucket>.s3-website...`) against a real server: index documents, folder redirects, error
documents, HTML error pages, RedirectAllRequestsTo, routing rules, object redirects, and what
anonymous readers may see (bucket policies decide, as for any anonymous GetObject)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

import pytest
from subresourcekit import put_public_policy, unique


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def visit(
    server: Any,
    host: str,
    path: str = "/",
    method: str = "GET",
    headers: dict[str, str] | None = None,
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        body = resp.read()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def public_read(bucket: str, *, listable: bool = False, deny: str = "") -> str:
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    ]
    if listable:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
            }
        )
    if deny:
        statements.append(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/{deny}",
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass
class Site:
    bucket: str
    host: str


SITE_OBJECTS = {
    "index.html": (b"<h1>home</h1>", "text/html"),
    "about.html": (b"<p>about</p>", "text/html"),
    "docs/index.html": (b"<h1>docs</h1>", "text/html"),
    "error.html": (b"<h1>oops</h1>", "text/html"),
    "private/secret.html": (b"secret", "text/html"),
    "data.bin": (bytes(range(256)) * 4, "application/octet-stream"),
    "new/page.html": (b"new page", "text/html"),
}


@pytest.fixture(scope="module")
def site(server: Any) -> Site:
    """A public website: index and error documents, routing rules, a private prefix, a
    listable bucket (a missing key is 404)."""
    s3 = server.client("s3")
    bucket = unique("site")
    s3.create_bucket(Bucket=bucket)
    for key, (body, content_type) in SITE_OBJECTS.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    s3.put_object(Bucket=bucket, Key="moved.html", Body=b"", WebsiteRedirectLocation="/about.html")
    put_public_policy(s3, bucket, public_read(bucket, listable=True, deny="private/*"))
    s3.put_bucket_website(
        Bucket=bucket,
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "ErrorDocument": {"Key": "error.html"},
            "RoutingRules": [
                {
                    "Condition": {"KeyPrefixEquals": "old/"},
                    "Redirect": {"ReplaceKeyPrefixWith": "new/"},
                },
                {
                    "Condition": {"KeyPrefixEquals": "away/"},
                    "Redirect": {
                        "Protocol": "https",
                        "HostName": "example.com",
                        "ReplaceKeyWith": "landing.html",
                        "HttpRedirectCode": "307",
                    },
                },
                {
                    "Condition": {"HttpErrorCodeReturnedEquals": "404", "KeyPrefixEquals": "gone/"},
                    "Redirect": {"HostName": "archive.example.com"},
                },
            ],
        },
    )
    return Site(bucket, f"{bucket}.s3-website.localhost:{server.port}")


def test_root_and_folders_serve_the_index_document(server: Any, site: Site) -> None:
    home = visit(server, site.host, "/")
    assert (home.status, home.body) == (200, b"<h1>home</h1>")
    assert home.header("content-type") == "text/html"
    assert home.header("etag")
    docs = visit(server, site.host, "/docs/")
    assert (docs.status, docs.body) == (200, b"<h1>docs</h1>")
    # Without its slash, a folder with an index document is a 302 to the folder.
    folder = visit(server, site.host, "/docs")
    assert folder.status == 302
    assert folder.header("location") == "/docs/"
    assert folder.body == b""


def test_objects_heads_ranges_and_conditions(server: Any, site: Site) -> None:
    about = visit(server, site.host, "/about.html")
    assert (about.status, about.body) == (200, b"<p>about</p>")
    head = visit(server, site.host, "/about.html", "HEAD")
    assert (head.status, head.body) == (200, b"")
    assert head.header("content-length") == str(len(b"<p>about</p>"))
    ranged = visit(server, site.host, "/data.bin", headers={"Range": "bytes=10-19"})
    assert (ranged.status, ranged.body) == (206, bytes(range(10, 20)))
    assert ranged.header("content-range") == "bytes 10-19/1024"
    etag = about.header("etag") or ""
    cached = visit(server, site.host, "/about.html", headers={"If-None-Match": etag})
    assert (cached.status, cached.body) == (304, b"")


def test_the_website_host_forms(server: Any, site: Site) -> None:
    port = server.port
    for host in (
        f"{site.bucket}.s3-website.localhost",
        f"{site.bucket}.s3-website.us-east-1.localhost:{port}",
        f"{site.bucket}.s3-website-us-east-1.amazonaws.com",
        f"{site.bucket}.s3-website.eu-west-1.amazonaws.com",
        f"{site.bucket.upper()}.S3-WEBSITE.LOCALHOST:{port}",
    ):
        assert visit(server, host, "/").body == b"<h1>home</h1>", host
    # The same bucket through the REST endpoint is S3's API, not its website.
    rest = visit(server, f"{site.bucket}.s3.localhost:{port}", "/")
    assert rest.status == 200
    assert b"<ListBucketResult" in rest.body


def test_a_missing_key_serves_the_error_document_with_its_status(server: Any, site: Site) -> None:
    missing = visit(server, site.host, "/nope.html")
    assert missing.status == 404
    assert missing.body == b"<h1>oops</h1>"
    assert missing.header("content-type") == "text/html"
    assert missing.header("x-amz-error-code") == "NoSuchKey"
    head = visit(server, site.host, "/nope.html", "HEAD")
    assert (head.status, head.body) == (404, b"")


def test_a_private_object_is_forbidden(server: Any, site: Site) -> None:
    secret = visit(server, site.host, "/private/secret.html")
    assert secret.status == 403
    assert secret.body == b"<h1>oops</h1>"  # the error document, with the error's status
    assert secret.header("x-amz-error-code") == "AccessDenied"


def test_routing_rules(server: Any, site: Site) -> None:
    moved = visit(server, site.host, "/old/page.html")
    assert moved.status == 301
    assert moved.header("location") == f"http://{site.host}/new/page.html"
    away = visit(server, site.host, "/away/anything")
    assert away.status == 307
    assert away.header("location") == "https://example.com/landing.html"
    # An error-code rule applies only when the read fails with that code...
    gone = visit(server, site.host, "/gone/old.html")
    assert gone.status == 301
    assert gone.header("location") == "http://archive.example.com/gone/old.html"
    # ...and a prefix rule before any read, even of a key that exists.
    assert visit(server, site.host, "/new/page.html").body == b"new page"


def test_an_object_redirect_location_is_a_301(server: Any, site: Site) -> None:
    moved = visit(server, site.host, "/moved.html")
    assert moved.status == 301
    assert moved.header("location") == "/about.html"
    assert moved.body == b""


def test_methods_other_than_get_and_head_are_not_allowed(server: Any, site: Site) -> None:
    for method in ("PUT", "POST", "DELETE"):
        answer = visit(server, site.host, "/about.html", method)
        assert answer.status == 405, method
        text = answer.body.decode()
        assert "<title>405 Method Not Allowed</title>" in text
        assert "<li>Code: MethodNotAllowed</li>" in text
        assert f"<li>Method: {method}</li>" in text
    s3 = server.client("s3")
    assert s3.get_object(Bucket=site.bucket, Key="about.html")["Body"].read() == b"<p>about</p>"


def test_error_pages_are_html_with_the_request_ids(server: Any) -> None:
    s3 = server.client("s3")
    bucket = unique("plain")
    s3.create_bucket(Bucket=bucket)
    put_public_policy(s3, bucket, public_read(bucket, listable=True))
    s3.put_bucket_website(
        Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "i.html"}}
    )
    host = f"{bucket}.s3-website.localhost:{server.port}"
    page = visit(server, host, "/a/b.txt")
    assert page.status == 404
    assert page.header("content-type") == "text/html; charset=utf-8"
    request_id, host_id = page.header("x-amz-request-id"), page.header("x-amz-id-2")
    assert page.body.decode() == (
        "<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n"
        "<ul>\n<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n"
        f"<li>Key: a/b.txt</li>\n<li>RequestId: {request_id}</li>\n<li>HostId: {host_id}</li>\n"
        "</ul>\n<hr/>\n</body>\n</html>\n"
    )
    # The root without its index document: the index key is what is missing.
    assert "<li>Key: i.html</li>" in visit(server, host, "/").body.decode()


def test_an_unreadable_error_document_is_reported_on_the_page(server: Any) -> None:
    s3 = server.client("s3")
    bucket = unique("noerr")
    s3.create_bucket(Bucket=bucket)
    put_public_policy(s3, bucket, public_read(bucket, listable=True))
    s3.put_bucket_website(
        Bucket=bucket,
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "ErrorDocument": {"Key": "missing-error.html"},
        },
    )
    page = visit(server, f"{bucket}.s3-website.localhost", "/x")
    assert page.status == 404
    text = page.body.decode()
    assert "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>" in text
    assert text.index("<li>Key: x</li>") < text.index("<li>Key: missing-error.html</li>")


def test_a_bucket_nobody_may_read_answers_403(server: Any) -> None:
    s3 = server.client("s3")
    bucket = unique("closed")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"hidden")
    s3.put_bucket_website(
        Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}}
    )
    host = f"{bucket}.s3-website.localhost"
    page = visit(server, host, "/")
    assert page.status == 403
    assert b"<li>Code: AccessDenied</li>" in page.body
    assert b"hidden" not in page.body
    # Public reads but no listing: a missing key is 403 too, as S3 answers anonymous readers.
    put_public_policy(s3, bucket, public_read(bucket))
    assert visit(server, host, "/").body == b"hidden"
    assert visit(server, host, "/missing").status == 403


def test_bucket_policy_conditions_see_the_visitors_request(server: Any) -> None:
    s3 = server.client("s3")
    bucket = unique("sourceip")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"members")
    s3.put_bucket_website(
        Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}}
    )
    host = f"{bucket}.s3-website.localhost"

    def only_from(network: str) -> str:
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"IpAddress": {"aws:SourceIp": network}},
        }
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    put_public_policy(s3, bucket, only_from("10.0.0.0/8"))
    assert visit(server, host, "/").status == 403
    put_public_policy(s3, bucket, only_from("127.0.0.0/8"))
    answer = visit(server, host, "/")
    assert (answer.status, answer.body) == (200, b"members")


def test_redirect_all_requests(server: Any) -> None:
    s3 = server.client("s3")
    bucket = unique("redir")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_website(
        Bucket=bucket,
        WebsiteConfiguration={"RedirectAllRequestsTo": {"HostName": "www.example.com"}},
    )
    answer = visit(server, f"{bucket}.s3-website.localhost", "/a/b.html?x=1")
    assert answer.status == 301
    assert answer.header("location") == "http://www.example.com/a/b.html?x=1"
    s3.put_bucket_website(
        Bucket=bucket,
        WebsiteConfiguration={
            "RedirectAllRequestsTo": {"HostName": "www.example.com", "Protocol": "https"}
        },
    )
    answer = visit(server, f"{bucket}.s3-website.localhost", "/")
    assert answer.header("location") == "https://www.example.com/"


def test_no_bucket_or_no_website(server: Any) -> None:
    missing = unique("absent")
    page = visit(server, f"{missing}.s3-website.localhost", "/")
    assert page.status == 404
    assert b"<li>Code: NoSuchBucket</li>" in page.body
    assert f"<li>BucketName: {missing}</li>".encode() in page.body
    s3 = server.client("s3")
    bucket = unique("nosite")
    s3.create_bucket(Bucket=bucket)
    page = visit(server, f"{bucket}.s3-website.localhost", "/")
    assert page.status == 404
    assert b"<li>Code: NoSuchWebsiteConfiguration</li>" in page.body
    assert page.header("x-amz-error-message") == (
        "The specified bucket does not have a website configuration"
    )
    # Deleting the configuration takes the website down.
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "i"}})
    assert visit(server, f"{bucket}.s3-website.localhost", "/").status == 403
    s3.delete_bucket_website(Bucket=bucket)
    assert b"NoSuchWebsiteConfiguration" in visit(server, f"{bucket}.s3-website.localhost").body
