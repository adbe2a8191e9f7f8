"""S3 requests built by botocore's own serializer parse back into exactly the input params."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_protocol_kit import botocore_request, match_and_parse, raw_request, roundtrip_request

from ownstack.core.http import BodyReader, read_all
from ownstack.wire.services import load_wire

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _drain(body: BodyReader) -> bytes:
    data = asyncio.run(read_all(body, 1 << 20))
    assert data is not None
    return data


def test_put_object_headers_metadata_checksums_and_streaming_body() -> None:
    params = {
        "Bucket": "bkt",
        "Key": "dir/file.txt",
        "Body": b"hello world",
        "ContentType": "text/plain",
        "ContentEncoding": "gzip",
        "ContentDisposition": 'attachment; filename="x"',
        "CacheControl": "max-age=60",
        "Expires": WHEN,
        "Metadata": {"Color": "blue", "x": "y z"},
        "ChecksumSHA256": "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=",
        "StorageClass": "STANDARD_IA",
        "Tagging": "a=b&c=d",
        "IfNoneMatch": "*",
        "ServerSideEncryption": "AES256",
    }
    name, parsed = roundtrip_request("s3", "PutObject", params)
    assert name == "PutObject"
    body = parsed.pop("Body")
    assert _drain(body) == b"hello world"
    expected: dict[str, Any] = dict(
        params, ContentLength=11, Metadata={"color": "blue", "x": "y z"}
    )
    del expected["Body"]
    assert parsed == expected


def test_get_object_range_and_response_overrides() -> None:
    params = {
        "Bucket": "bkt",
        "Key": "k",
        "Range": "bytes=0-9",
        "IfMatch": '"etag"',
        "IfModifiedSince": WHEN,
        "ResponseContentType": "application/json",
        "ResponseContentDisposition": "inline",
        "ResponseCacheControl": "no-cache",
        "ResponseExpires": WHEN,
        "VersionId": "v1",
        "PartNumber": 2,
    }
    assert roundtrip_request("s3", "GetObject", params) == ("GetObject", params)


def test_list_objects_v2_all_params() -> None:
    params = {
        "Bucket": "bkt",
        "Delimiter": "/",
        "EncodingType": "url",
        "MaxKeys": 7,
        "Prefix": "a b/+%",
        "ContinuationToken": "tok==",
        "FetchOwner": True,
        "StartAfter": "a/0",
        "RequestPayer": "requester",
        "ExpectedBucketOwner": "123456789012",
        "OptionalObjectAttributes": ["RestoreStatus"],
    }
    assert roundtrip_request("s3", "ListObjectsV2", params) == ("ListObjectsV2", params)


def test_list_objects_v1_is_chosen_without_list_type() -> None:
    params = {"Bucket": "bkt", "Marker": "m", "MaxKeys": 2}
    assert roundtrip_request("s3", "ListObjects", params) == ("ListObjects", params)


def test_delete_objects_xml_body() -> None:
    params = {
        "Bucket": "bkt",
        "Delete": {
            "Objects": [{"Key": "a&b<c>"}, {"Key": "d", "VersionId": "v2"}],
            "Quiet": True,
        },
    }
    name, parsed = roundtrip_request("s3", "DeleteObjects", params)
    assert name == "DeleteObjects"
    parsed.pop("ChecksumAlgorithm", None)
    assert parsed == params


def test_complete_multipart_upload() -> None:
    params = {
        "Bucket": "bkt",
        "Key": "big",
        "UploadId": "up-1",
        "MultipartUpload": {
            "Parts": [
                {"ETag": '"e1"', "PartNumber": 1, "ChecksumCRC32": "AAAAAA=="},
                {"ETag": '"e2"', "PartNumber": 2},
            ]
        },
    }
    assert roundtrip_request("s3", "CompleteMultipartUpload", params) == (
        "CompleteMultipartUpload",
        params,
    )


def test_create_and_abort_multipart_and_list_parts() -> None:
    create = {"Bucket": "b", "Key": "k", "ContentType": "a/b", "ChecksumAlgorithm": "CRC32"}
    assert roundtrip_request("s3", "CreateMultipartUpload", create) == (
        "CreateMultipartUpload",
        create,
    )
    abort = {"Bucket": "b", "Key": "k", "UploadId": "u"}
    assert roundtrip_request("s3", "AbortMultipartUpload", abort) == ("AbortMultipartUpload", abort)
    parts = {"Bucket": "b", "Key": "k", "UploadId": "u", "MaxParts": 5, "PartNumberMarker": 3}
    assert roundtrip_request("s3", "ListParts", parts) == ("ListParts", parts)


def test_empty_numbers_and_flags_in_the_query_are_absent() -> None:
    codec = load_wire("s3").codecs["rest-xml"]  # type: ignore[union-attr]
    req = raw_request("GET", "/b/k", "uploadId=u&max-parts=&part-number-marker=")
    assert match_and_parse(codec, req) == (
        "ListParts",
        {"Bucket": "b", "Key": "k", "UploadId": "u"},
    )
    listing = raw_request("GET", "/b", "list-type=2&max-keys=&fetch-owner=&prefix=")
    assert match_and_parse(codec, listing) == ("ListObjectsV2", {"Bucket": "b", "Prefix": ""})


def test_upload_part_keeps_body_unread() -> None:
    params = {"Bucket": "b", "Key": "k", "UploadId": "u", "PartNumber": 3, "Body": b"x" * 100}
    name, parsed = roundtrip_request("s3", "UploadPart", params)
    assert name == "UploadPart"
    assert _drain(parsed.pop("Body")) == b"x" * 100
    assert parsed == {
        "Bucket": "b",
        "Key": "k",
        "UploadId": "u",
        "PartNumber": 3,
        "ContentLength": 100,
    }


def test_put_object_tagging() -> None:
    params = {
        "Bucket": "b",
        "Key": "k",
        "VersionId": "v",
        "Tagging": {"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "b&", "Value": ""}]},
    }
    name, parsed = roundtrip_request("s3", "PutObjectTagging", params)
    parsed.pop("ChecksumAlgorithm", None)
    assert (name, parsed) == ("PutObjectTagging", params)


def test_create_bucket_with_location_constraint() -> None:
    params = {
        "Bucket": "new-bucket",
        "ACL": "private",
        "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"},
        "ObjectLockEnabledForBucket": True,
    }
    assert roundtrip_request("s3", "CreateBucket", params) == ("CreateBucket", params)


def test_create_bucket_without_body() -> None:
    assert roundtrip_request("s3", "CreateBucket", {"Bucket": "b"}) == (
        "CreateBucket",
        {"Bucket": "b"},
    )


def test_copy_object() -> None:
    params = {
        "Bucket": "dst",
        "Key": "copy of/ü",
        "CopySource": "",
        "MetadataDirective": "REPLACE",
        "Metadata": {"k": "v"},
        "CopySourceIfMatch": '"e"',
        "CopySourceIfUnmodifiedSince": WHEN,
        "TaggingDirective": "COPY",
    }
    # (boto3's client url-quotes CopySource in a handler before serializing; the header value
    # reaches the service as sent and the service unquotes it.)
    params["CopySource"] = "src/a%20b/%C3%BC?versionId=v1"
    assert roundtrip_request("s3", "CopyObject", params) == ("CopyObject", params)


def test_upload_part_copy() -> None:
    params = {
        "Bucket": "dst",
        "Key": "k",
        "CopySource": "src/key",
        "CopySourceRange": "bytes=0-99",
        "PartNumber": 4,
        "UploadId": "u",
    }
    assert roundtrip_request("s3", "UploadPartCopy", params) == ("UploadPartCopy", params)


def test_head_and_delete_and_bucket_level_ops() -> None:
    assert roundtrip_request("s3", "HeadBucket", {"Bucket": "b"}) == ("HeadBucket", {"Bucket": "b"})
    head = {"Bucket": "b", "Key": "k", "IfNoneMatch": '"x"', "ChecksumMode": "ENABLED"}
    assert roundtrip_request("s3", "HeadObject", head) == ("HeadObject", head)
    delete = {"Bucket": "b", "Key": "k", "VersionId": "v"}
    assert roundtrip_request("s3", "DeleteObject", delete) == ("DeleteObject", delete)
    assert roundtrip_request("s3", "ListBuckets", {}) == ("ListBuckets", {})
    assert roundtrip_request("s3", "GetBucketLocation", {"Bucket": "b"}) == (
        "GetBucketLocation",
        {"Bucket": "b"},
    )
    versioning = {"Bucket": "b", "VersioningConfiguration": {"Status": "Enabled"}}
    name, parsed = roundtrip_request("s3", "PutBucketVersioning", versioning)
    parsed.pop("ChecksumAlgorithm", None)
    assert (name, parsed) == ("PutBucketVersioning", versioning)


def test_put_bucket_policy_string_payload() -> None:
    params = {"Bucket": "b", "Policy": '{"Version":"2012-10-17","Statement":[]}'}
    name, parsed = roundtrip_request("s3", "PutBucketPolicy", params)
    parsed.pop("ChecksumAlgorithm", None)
    assert (name, parsed) == ("PutBucketPolicy", params)


@pytest.mark.parametrize(
    "key",
    [
        "a//b",
        "../../etc/passwd",
        "./x/./y/..",
        "with space and +plus",
        "percent%25and%",
        "unicode/日本語/ünï",
        "trailing/",
        "//leading",
        "q?uestion#hash&amp=eq;semi",
        "~tilde*star'quote(paren)",
    ],
)
def test_keys_round_trip_byte_exact(key: str) -> None:
    name, parsed = roundtrip_request("s3", "GetObject", {"Bucket": "b", "Key": key})
    assert name == "GetObject"
    assert parsed["Key"] == key
    assert parsed["Key"].encode() == key.encode()


@settings(max_examples=60, deadline=None)
@given(
    key=st.text(
        st.characters(codec="utf-8", exclude_characters="\x00"),
        min_size=1,
        max_size=40,
    )
)
def test_any_key_round_trips(key: str) -> None:
    wire = load_wire("s3")
    req = botocore_request(wire, "HeadObject", {"Bucket": "bucket", "Key": key})
    assert match_and_parse(wire.codec_for(req), req) == (
        "HeadObject",
        {"Bucket": "bucket", "Key": key},
    )


def test_raw_percent_decoding_keeps_plus_and_slashes_in_path() -> None:
    codec = load_wire("s3").codec_for(raw_request("GET", "/b/a+b//c%2Fd"))
    name, parsed = match_and_parse(codec, raw_request("GET", "/b/a+b//c%2Fd"))
    assert (name, parsed) == ("GetObject", {"Bucket": "b", "Key": "a+b//c/d"})


def test_bucket_path_with_trailing_slash_is_the_bucket() -> None:
    codec = load_wire("s3").codecs["rest-xml"]
    req = raw_request("GET", "/b/", "list-type=2&prefix=x")
    assert match_and_parse(codec, req) == (
        "ListObjectsV2",
        {"Bucket": "b", "Prefix": "x"},
    )
