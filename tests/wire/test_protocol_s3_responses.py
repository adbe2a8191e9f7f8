"""S3 responses and errors as botocore's own parser reads them; S3's wire quirks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from test_protocol_kit import (
    REQUEST_ID,
    body_bytes,
    ctx,
    parse_error,
    raw_request,
    roundtrip_error,
    roundtrip_response,
)

from ownstack.core.errors import ServiceError
from ownstack.core.http import FileRange
from ownstack.wire.services import load_wire

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_list_objects_v2_result() -> None:
    result = {
        "IsTruncated": True,
        "Contents": [
            {
                "Key": "a&<b>",
                "LastModified": WHEN,
                "ETag": '"abc"',
                "ChecksumAlgorithm": ["CRC32"],
                "Size": 3,
                "StorageClass": "STANDARD",
                "Owner": {"DisplayName": "me", "ID": "id1"},
            },
            {
                "Key": "b",
                "LastModified": WHEN,
                "ETag": '"d"',
                "Size": 0,
                "StorageClass": "STANDARD",
            },
        ],
        "Name": "bkt",
        "Prefix": "",
        "Delimiter": "/",
        "MaxKeys": 2,
        "CommonPrefixes": [{"Prefix": "dir/"}],
        "EncodingType": "url",
        "KeyCount": 3,
        "NextContinuationToken": "next",
        "StartAfter": "a",
    }
    resp, parsed = roundtrip_response("s3", "rest-xml", "ListObjectsV2", result)
    assert resp.status == 200
    assert ("Content-Type", "application/xml") in resp.headers
    body = body_bytes(resp)
    assert body.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    )
    assert parsed == result


def test_list_buckets_result() -> None:
    result = {
        "Buckets": [{"Name": "a", "CreationDate": WHEN, "BucketRegion": "us-east-1"}],
        "Owner": {"DisplayName": "o", "ID": "i"},
    }
    resp, parsed = roundtrip_response("s3", "rest-xml", "ListBuckets", result)
    assert b"<ListAllMyBucketsResult " in body_bytes(resp)
    assert parsed == result


def test_get_object_headers_metadata_and_passthrough_body() -> None:
    stream = FileRange(fd=7, offset=10, length=3)
    wire = load_wire("s3")
    op = wire.model.operation_model("GetObject")
    result = {
        "Body": stream,
        "ContentLength": 3,
        "ContentRange": "bytes 10-12/100",
        "ETag": '"e"',
        "LastModified": WHEN,
        "Metadata": {"color": "blue"},
        "ContentType": "text/plain",
        "AcceptRanges": "bytes",
        "__status__": 206,
    }
    resp = wire.codecs["rest-xml"].serialize(op, result, ctx())
    assert resp.status == 206
    assert resp.body is stream
    assert dict(resp.headers) == {
        "accept-ranges": "bytes",
        "Last-Modified": "Wed, 04 Mar 2026 05:06:07 GMT",
        "Content-Length": "3",
        "ETag": '"e"',
        "Content-Range": "bytes 10-12/100",
        "Content-Type": "text/plain",
        "x-amz-meta-color": "blue",
    }
    # botocore reads the same headers back.
    resp.body = b"abc"
    from test_protocol_kit import botocore_parse

    parsed = botocore_parse("rest-xml", wire, "GetObject", resp)
    assert parsed["Metadata"] == {"color": "blue"}
    assert parsed["LastModified"] == WHEN
    assert parsed["ContentRange"] == "bytes 10-12/100"
    assert parsed["ContentLength"] == 3


def test_put_object_and_delete_object_status() -> None:
    resp, parsed = roundtrip_response(
        "s3",
        "rest-xml",
        "PutObject",
        {"ETag": '"e"', "VersionId": "v", "ChecksumCRC32": "AAAAAA=="},
    )
    assert (resp.status, body_bytes(resp)) == (200, b"")
    assert parsed == {"ETag": '"e"', "VersionId": "v", "ChecksumCRC32": "AAAAAA=="}
    resp, parsed = roundtrip_response("s3", "rest-xml", "DeleteObject", {"DeleteMarker": True})
    assert resp.status == 204
    assert parsed == {"DeleteMarker": True}


def test_copy_object_payload_result() -> None:
    result = {"CopyObjectResult": {"ETag": '"e"', "LastModified": WHEN}, "VersionId": "v"}
    resp, parsed = roundtrip_response("s3", "rest-xml", "CopyObject", result)
    assert b"<CopyObjectResult xmlns=" in body_bytes(resp)
    assert parsed == result


def test_delete_objects_and_multipart_results() -> None:
    result = {
        "Deleted": [{"Key": "a"}, {"Key": "b", "VersionId": "v", "DeleteMarker": True}],
        "Errors": [{"Key": "c", "Code": "AccessDenied", "Message": "Access Denied"}],
    }
    resp, parsed = roundtrip_response("s3", "rest-xml", "DeleteObjects", result)
    assert b"<DeleteResult " in body_bytes(resp)
    assert parsed == result
    created = {"Bucket": "b", "Key": "k", "UploadId": "u"}
    resp, parsed = roundtrip_response("s3", "rest-xml", "CreateMultipartUpload", created)
    assert b"<InitiateMultipartUploadResult " in body_bytes(resp)
    assert parsed == created


def test_get_object_tagging_and_acl_with_xsi_type() -> None:
    tags = {"TagSet": [{"Key": "a", "Value": "1"}], "VersionId": "v"}
    resp, parsed = roundtrip_response("s3", "rest-xml", "GetObjectTagging", tags)
    assert parsed == tags
    acl = {
        "Owner": {"ID": "o"},
        "Grants": [{"Grantee": {"ID": "o", "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}],
    }
    resp, parsed = roundtrip_response("s3", "rest-xml", "GetBucketAcl", acl)
    assert b'xsi:type="CanonicalUser"' in body_bytes(resp)
    assert b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' in body_bytes(resp)
    assert parsed == acl


@pytest.mark.parametrize(("region", "text"), [("us-west-2", "us-west-2"), ("us-east-1", None)])
def test_get_bucket_location_document(region: str, text: str | None) -> None:
    wire = load_wire("s3")
    op = wire.model.operation_model("GetBucketLocation")
    resp = wire.codecs["rest-xml"].serialize(op, {"LocationConstraint": region}, ctx())
    body = body_bytes(resp)
    inner = text or ""
    assert body == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        + inner.encode()
        + b"</LocationConstraint>"
    )
    # What botocore's parse_get_bucket_location handler does with it:
    assert ElementTree.fromstring(body).text == text


def test_error_document_parsed_by_botocore() -> None:
    err = ServiceError("NoSuchKey", "The specified key does not exist.", 404, fields={"Key": "a&b"})
    resp, parsed = roundtrip_error("s3", "rest-xml", "GetObject", err)
    assert resp.status == 404
    assert body_bytes(resp) == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
        b"<Message>The specified key does not exist.</Message><Key>a&amp;b</Key>"
        b"<RequestId>4442587FB7D0A2F9</RequestId><HostId>4442587FB7D0A2F9</HostId></Error>"
    )
    assert parsed["Error"] == {
        "Code": "NoSuchKey",
        "Message": "The specified key does not exist.",
        "Key": "a&b",
    }
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_error_headers_are_added() -> None:
    err = ServiceError("NoSuchKey", "m", 404, headers={"x-amz-delete-marker": "true"})
    resp, _ = roundtrip_error("s3", "rest-xml", "GetObject", err)
    assert ("x-amz-delete-marker", "true") in resp.headers
    assert not any(name.lower() == "x-amz-request-id" for name, _ in resp.headers)


def test_error_request_id_is_readable_by_botocore() -> None:
    err = ServiceError("AccessDenied", "Access Denied", 403)
    resp, parsed = roundtrip_error("s3", "rest-xml", "PutObject", err)
    root = ElementTree.fromstring(body_bytes(resp))
    assert root.findtext("RequestId") == REQUEST_ID
    assert parsed["Error"]["Code"] == "AccessDenied"


# --- quirks and hostile input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "query", "kind"),
    [
        ("POST", "/b/k", "", "OBJECT"),
        ("PATCH", "/b", "", "BUCKET"),
        ("PATCH", "/b/", "", "BUCKET"),
        ("DELETE", "/", "", "SERVICE"),
        ("PUT", "/", "", "SERVICE"),
    ],
)
def test_unknown_route_is_method_not_allowed(method: str, path: str, query: str, kind: str) -> None:
    codec = load_wire("s3").codecs["rest-xml"]
    with pytest.raises(ServiceError) as info:
        codec.match(raw_request(method, path, query))
    err = info.value
    assert (err.code, err.status, err.message, err.fields) == (
        "MethodNotAllowed",
        405,
        "The specified method is not allowed against this resource.",
        {"Method": method, "ResourceType": kind},
    )


def _md5(body: bytes) -> dict[str, str]:
    """The Content-MD5 header DeleteObjects needs (else InvalidRequest before any parsing)."""
    digest = hashlib.md5(body).digest()
    return {"Content-MD5": base64.b64encode(digest).decode()}


def test_wrong_root_element_is_malformed_xml() -> None:
    codec = load_wire("s3").codecs["rest-xml"]
    body = b"<Tagging><TagSet/></Tagging>"
    err = parse_error(codec, raw_request("POST", "/b", "delete", _md5(body), body))
    assert (err.code, err.status) == ("MalformedXML", 400)


def test_oversized_xml_body_is_max_message_length_exceeded() -> None:
    wire = load_wire("s3")
    body = b"<Delete>" + b"<Object><Key>k</Key></Object>" * 100_000 + b"</Delete>"
    err = parse_error(wire.codecs["rest-xml"], raw_request("POST", "/b", "delete", body=body))
    assert (err.code, err.status, err.message) == (
        "MaxMessageLengthExceeded",
        400,
        "Your request was too big.",
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Delete><Object><Key>&lol3;</Key></Object></Delete>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Delete><Object><Key>&x;</Key></Object></Delete>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, b"<Delete><Object>", b"not xml"])
def test_hostile_or_broken_xml_is_malformed_xml(body: bytes) -> None:
    codec = load_wire("s3").codecs["rest-xml"]
    err = parse_error(codec, raw_request("POST", "/b", "delete", _md5(body), body))
    assert (err.code, err.status, err.message) == (
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


def test_missing_required_payload_is_missing_request_body() -> None:
    codec = load_wire("s3").codecs["rest-xml"]
    err = parse_error(codec, raw_request("PUT", "/b", "tagging"))
    assert (err.code, err.status) == ("MissingRequestBodyError", 400)


def test_bad_integer_is_invalid_argument() -> None:
    codec = load_wire("s3").codecs["rest-xml"]
    err = parse_error(codec, raw_request("GET", "/b", "list-type=2&max-keys=abc"))
    assert (err.code, err.status) == ("InvalidArgument", 400)


def test_streaming_body_is_never_read_by_parse() -> None:
    codec = load_wire("s3").codecs["rest-xml"]
    req = raw_request("PUT", "/b/k", body=b"payload")
    op = codec.match(req)
    params = asyncio.run(codec.parse(op, req))
    assert params["Body"] is req.body
    assert asyncio.run(req.body.read()) == b"payload"


def test_header_values_cannot_inject_line_breaks() -> None:
    wire = load_wire("s3")
    op = wire.model.operation_model("GetObject")
    result = {
        "Body": b"",
        "ContentDisposition": "inline\r\nSet-Cookie: a=b",
        "Metadata": {"k": "v\nx"},
    }
    resp = wire.codecs["rest-xml"].serialize(op, result, ctx())
    assert ("Content-Disposition", "inline  Set-Cookie: a=b") in resp.headers
    assert ("x-amz-meta-k", "v x") in resp.headers
