"""Request-body integrity in the wire layer: Content-MD5 and x-amz-checksum-* on the S3 bodies the
codec reads whole, and the digest the model makes mandatory (requestChecksumRequired)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import zlib
from typing import Any

import pytest
from botocore.model import ServiceModel
from test_protocol_kit import raw_request

from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody, Headers, Request
from ownstack.wire import integrity
from ownstack.wire.chunked import ChunkedDecoder
from ownstack.wire.integrity import BodyRule, body_rule, checksum_b64, verify_body
from ownstack.wire.services import load_wire

BODY = b"<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object></Delete>"
MISSING = "Missing required header for this request: Content-MD5 OR x-amz-checksum-*"
REQUIRED = BodyRule(required=True, checksum_headers=integrity.CHECKSUM_HEADERS)
OPTIONAL = BodyRule(required=False, checksum_headers=REQUIRED.checksum_headers)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def md5_b64(data: bytes) -> str:
    return b64(hashlib.md5(data).digest())


def failure(data: bytes, headers: dict[str, str], rule: BodyRule) -> tuple[str, int, str]:
    with pytest.raises(ServiceError) as info:
        verify_body(data, Headers(list(headers.items())), rule)
    return info.value.code, info.value.status, info.value.message


# --- the digests ---------------------------------------------------------------------------------

CHECK = b"123456789"  # the CRC catalogue's check input


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("CRC32", (0xCBF43926).to_bytes(4, "big")),
        ("CRC32C", (0xE3069283).to_bytes(4, "big")),
        ("CRC64NVME", (0xAE8B14860A799888).to_bytes(8, "big")),
        ("SHA1", hashlib.sha1(CHECK).digest()),
        ("SHA256", hashlib.sha256(CHECK).digest()),
        ("SHA512", hashlib.sha512(CHECK).digest()),
        ("MD5", hashlib.md5(CHECK).digest()),
    ],
)
def test_digest_of_the_check_input(algorithm: str, expected: bytes) -> None:
    assert checksum_b64(algorithm, CHECK) == b64(expected)


def test_crc32_matches_zlib_and_digest_sizes_follow_the_algorithms() -> None:
    assert checksum_b64("CRC32", BODY) == b64(zlib.crc32(BODY).to_bytes(4, "big"))
    assert integrity.DIGEST_SIZES == {
        "CRC32": 4,
        "CRC32C": 4,
        "CRC64NVME": 8,
        "SHA1": 20,
        "SHA256": 32,
        "SHA512": 64,
        "MD5": 16,
        "XXHASH64": 8,
        "XXHASH3": 8,
        "XXHASH128": 16,
    }


def test_every_algorithm_of_the_model_has_a_digest() -> None:
    model = load_wire("s3").model
    assert sorted(integrity.DIGESTS) == sorted(model.shape_for("ChecksumAlgorithm").enum)


# --- which operations need what ------------------------------------------------------------------


def test_rules_come_from_the_model() -> None:
    model = load_wire("s3").model
    required = sorted(
        name for name in model.operation_names if body_rule(model.operation_model(name)).required
    )
    # (PutBucketAbac, PutBucketAccelerateConfiguration, PutObject, RestoreObject and UploadPart
    # take a checksum but say requestChecksumRequired: false.)
    assert required == [
        "CreateBucketMetadataConfiguration",
        "CreateBucketMetadataTableConfiguration",
        "DeleteObjects",
        "PutBucketAcl",
        "PutBucketCors",
        "PutBucketEncryption",
        "PutBucketLifecycle",
        "PutBucketLifecycleConfiguration",
        "PutBucketLogging",
        "PutBucketNotification",
        "PutBucketOwnershipControls",
        "PutBucketPolicy",
        "PutBucketReplication",
        "PutBucketRequestPayment",
        "PutBucketTagging",
        "PutBucketVersioning",
        "PutBucketWebsite",
        "PutObjectAcl",
        "PutObjectLegalHold",
        "PutObjectLockConfiguration",
        "PutObjectRetention",
        "PutObjectTagging",
        "PutPublicAccessBlock",
        "UpdateBucketMetadataInventoryTableConfiguration",
        "UpdateBucketMetadataJournalTableConfiguration",
        "UpdateObjectEncryption",
    ]


def test_complete_multipart_checksums_are_the_objects_not_the_bodys() -> None:
    model = load_wire("s3").model
    rule = body_rule(model.operation_model("CompleteMultipartUpload"))
    assert rule == BodyRule(required=False, checksum_headers=frozenset())
    delete = body_rule(model.operation_model("DeleteObjects"))
    assert "x-amz-checksum-crc32" in delete.checksum_headers
    assert len(delete.checksum_headers) == 10


def test_older_http_checksum_required_trait_counts() -> None:
    model = ServiceModel(
        {
            "metadata": {"protocol": "rest-xml", "apiVersion": "2020-01-01"},
            "operations": {
                "Old": {"name": "Old", "http": {"method": "PUT", "requestUri": "/"}},
                "Flagged": {
                    "name": "Flagged",
                    "http": {"method": "PUT", "requestUri": "/f"},
                    "httpChecksumRequired": True,
                },
            },
            "shapes": {},
        },
        "svc",
    )
    assert body_rule(model.operation_model("Flagged")).required is True
    assert body_rule(model.operation_model("Old")).required is False


# --- verify_body ----------------------------------------------------------------------------------


def test_required_digest_missing_is_invalid_request() -> None:
    assert failure(BODY, {}, REQUIRED) == ("InvalidRequest", 400, MISSING)


def test_required_digest_not_asked_of_an_empty_body() -> None:
    verify_body(b"", Headers(), REQUIRED)


def test_either_digest_satisfies_the_requirement() -> None:
    verify_body(BODY, Headers([("Content-MD5", md5_b64(BODY))]), REQUIRED)
    verify_body(BODY, Headers([("x-amz-checksum-crc32", checksum_b64("CRC32", BODY))]), REQUIRED)


def test_a_digest_is_not_needed_when_not_required() -> None:
    verify_body(BODY, Headers(), OPTIONAL)


@pytest.mark.parametrize(
    "value", ["not base64!", "AAAA", b64(b"\x00" * 15), b64(b"\x00" * 17), md5_b64(BODY) + "x"]
)
def test_malformed_content_md5_is_invalid_digest(value: str) -> None:
    assert failure(BODY, {"Content-MD5": value}, OPTIONAL) == (
        "InvalidDigest",
        400,
        "The Content-MD5 you specified was invalid.",
    )


def test_wrong_content_md5_is_bad_digest() -> None:
    assert failure(BODY, {"Content-MD5": md5_b64(b"other")}, REQUIRED) == (
        "BadDigest",
        400,
        "The Content-MD5 you specified did not match what we received.",
    )


@pytest.mark.parametrize("algorithm", sorted(integrity.DIGESTS))
def test_each_checksum_verifies(algorithm: str) -> None:
    header = integrity.checksum_header(algorithm)
    verify_body(BODY, Headers([(header, checksum_b64(algorithm, BODY))]), REQUIRED)
    assert failure(BODY, {header: checksum_b64(algorithm, b"other")}, REQUIRED) == (
        "BadDigest",
        400,
        f"The {algorithm} you specified did not match the calculated checksum.",
    )


@pytest.mark.parametrize("value", ["%%%%", b64(b"\x00" * 5), ""])
def test_malformed_checksum_is_invalid_request(value: str) -> None:
    assert failure(BODY, {"x-amz-checksum-crc32c": value}, OPTIONAL) == (
        "InvalidRequest",
        400,
        "Value for x-amz-checksum-crc32c header is invalid.",
    )


def test_two_checksums_are_refused() -> None:
    headers = {
        "x-amz-checksum-crc32": checksum_b64("CRC32", BODY),
        "x-amz-checksum-sha256": checksum_b64("SHA256", BODY),
    }
    assert failure(BODY, headers, REQUIRED) == (
        "InvalidRequest",
        400,
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    )


def test_md5_and_a_checksum_are_both_verified() -> None:
    good_md5 = md5_b64(BODY)
    good_crc = checksum_b64("CRC32", BODY)
    verify_body(
        BODY, Headers([("Content-MD5", good_md5), ("x-amz-checksum-crc32", good_crc)]), REQUIRED
    )
    bad_crc = {"Content-MD5": good_md5, "x-amz-checksum-crc32": checksum_b64("CRC32", b"x")}
    assert failure(BODY, bad_crc, REQUIRED)[0] == "BadDigest"


def test_checksum_headers_outside_the_rule_are_ignored() -> None:
    rule = BodyRule(required=True, checksum_headers=frozenset())
    assert failure(BODY, {"x-amz-checksum-crc32": "junk"}, rule) == ("InvalidRequest", 400, MISSING)


# --- through the S3 codec -------------------------------------------------------------------------


def parse(req: Request) -> tuple[str, dict[str, Any]]:
    codec = load_wire("s3").codecs["rest-xml"]
    op = codec.match(req)
    return op.name, asyncio.run(codec.parse(op, req))


def parse_failure(req: Request) -> tuple[str, int, str]:
    with pytest.raises(ServiceError) as info:
        parse(req)
    return info.value.code, info.value.status, info.value.message


def test_codec_refuses_delete_objects_without_digest() -> None:
    req = raw_request("POST", "/b", "delete", body=BODY)
    assert parse_failure(req) == ("InvalidRequest", 400, MISSING)


def test_codec_checks_digest_before_parsing_the_xml() -> None:
    broken = b"<Delete><Object>"
    headers = {"Content-MD5": md5_b64(BODY)}
    assert parse_failure(raw_request("POST", "/b", "delete", headers, broken))[0] == "BadDigest"


def test_codec_parses_delete_objects_with_a_good_checksum() -> None:
    headers = {"x-amz-checksum-crc32": checksum_b64("CRC32", BODY)}
    name, params = parse(raw_request("POST", "/b", "delete", headers, BODY))
    assert (name, params) == (
        "DeleteObjects",
        {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}]}},
    )


def test_codec_verifies_bodies_of_operations_that_do_not_require_a_digest() -> None:
    body = b"<RestoreRequest><Days>2</Days></RestoreRequest>"
    headers = {"Content-MD5": md5_b64(b"tampered")}
    req = raw_request("POST", "/b/k", "restore", headers, body)
    assert parse_failure(req)[0:2] == ("BadDigest", 400)
    headers = {"Content-MD5": md5_b64(body)}
    name, params = parse(raw_request("POST", "/b/k", "restore", headers, body))
    assert (name, params["RestoreRequest"]) == ("RestoreObject", {"Days": 2})


def test_codec_verifies_a_raw_string_payload() -> None:
    policy = b'{"Version":"2012-10-17","Statement":[]}'
    req = raw_request("PUT", "/b", "policy", {"Content-MD5": md5_b64(policy + b" ")}, policy)
    assert parse_failure(req)[0] == "BadDigest"
    headers = {"x-amz-checksum-sha256": checksum_b64("SHA256", policy)}
    name, params = parse(raw_request("PUT", "/b", "policy", headers, policy))
    assert (name, params["Policy"]) == ("PutBucketPolicy", policy.decode())


def test_codec_leaves_complete_multipart_object_checksum_to_the_service() -> None:
    body = b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
    body += b"</CompleteMultipartUpload>"
    whole_object = checksum_b64("CRC32", b"the object's bytes")
    headers = {"x-amz-checksum-crc32": whole_object}
    name, params = parse(raw_request("POST", "/b/k", "uploadId=u", headers, body))
    assert name == "CompleteMultipartUpload"
    assert params["ChecksumCRC32"] == whole_object


def test_codec_leaves_streaming_uploads_to_the_service() -> None:
    headers = {"Content-MD5": md5_b64(b"not this")}
    name, params = parse(raw_request("PUT", "/b/k", "", headers, b"payload"))
    assert (name, params["ContentMD5"]) == ("PutObject", md5_b64(b"not this"))


def _chunked(payload: bytes, trailer: str) -> bytes:
    return (
        f"{len(payload):x}\r\n".encode() + payload + b"\r\n0\r\n" + trailer.encode() + b"\r\n\r\n"
    )


@pytest.mark.parametrize(("trailed", "ok"), [(BODY, True), (b"tampered", False)])
def test_codec_verifies_a_checksum_sent_as_an_aws_chunked_trailer(trailed: bytes, ok: bool) -> None:
    name = "x-amz-checksum-crc32"
    raw = _chunked(BODY, f"{name}:{checksum_b64('CRC32', trailed)}")
    headers = Headers([("Content-Encoding", "aws-chunked"), ("x-amz-trailer", name)])
    decoder = ChunkedDecoder(
        BytesBody(raw),
        headers,
        signer=None,
        decoded_length=len(BODY),
        trailer_names=frozenset({name}),
    )
    req = Request("POST", "/b", "delete", headers, decoder)
    if ok:
        assert parse(req)[0] == "DeleteObjects"
    else:
        assert parse_failure(req) == (
            "BadDigest",
            400,
            "The CRC32 you specified did not match the calculated checksum.",
        )
