"""SSE-S3 (x-amz-server-side-encryption: AES256) and bucket default encryption through a real
server and boto3: round trips of inline, blob and multipart objects, ranges and part numbers,
copies between modes, the bytes at rest (no plaintext in the data dir), the key file across a
restart, and AWS's errors for what is malformed or not implemented (SSE-KMS)."""

from __future__ import annotations

import hashlib
import os
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from ssekit import MiB, at_rest, failure, inline_forms, marked, md5_etag

from ownserver import ServerFactory, ServerHandle, start_server

AES = {"ServerSideEncryption": "AES256"}
PART = 256 * 1024
"""The server's minimum part size: multipart tests move less data."""


@pytest.fixture(scope="module")
def srv(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., ServerHandle]
) -> Iterator[ServerHandle]:
    data = tmp_path_factory.mktemp("sse") / "data"
    data.mkdir()
    (data / "ownstack.yaml").write_text(f"limits:\n  s3: {{min_part_size: {PART}}}\n")
    handle = launch_server(data)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def s3(srv: ServerHandle) -> Any:
    return srv.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"sse-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def _keys(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_small_object_round_trip(s3: Any, bucket: str) -> None:
    body = b"a small secret, kept inline in its record"
    put = s3.put_object(Bucket=bucket, Key="small", Body=body, **AES)
    assert put["ServerSideEncryption"] == "AES256"
    assert put["ETag"] == md5_etag(body)  # SSE-S3 keeps the MD5 ETag
    got = s3.get_object(Bucket=bucket, Key="small", ChecksumMode="ENABLED")
    assert got["Body"].read() == body  # boto3 also checked the CRC64NVME of the plaintext
    assert got["ServerSideEncryption"] == "AES256"
    assert got["ETag"] == md5_etag(body)
    head = s3.head_object(Bucket=bucket, Key="small")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentLength"] == len(body)
    part = s3.get_object(Bucket=bucket, Key="small", Range="bytes=8-13")
    assert part["Body"].read() == body[8:14]
    assert part["ContentRange"] == f"bytes 8-13/{len(body)}"
    assert part["ServerSideEncryption"] == "AES256"


@pytest.mark.parametrize("size", [100 * 1024, 3 * MiB + 7])
def test_blob_object_round_trip_and_ranges(s3: Any, bucket: str, size: int) -> None:
    body = os.urandom(size)
    s3.put_object(Bucket=bucket, Key="blob", Body=body, **AES)
    got = s3.get_object(Bucket=bucket, Key="blob", ChecksumMode="ENABLED")
    assert got["Body"].read() == body
    assert got["ETag"] == md5_etag(body)
    for first, last in ((0, 0), (17, 70_000), (size - 33, size - 1), (65_535, 65_552)):
        part = s3.get_object(Bucket=bucket, Key="blob", Range=f"bytes={first}-{last}")
        assert part["Body"].read() == body[first : last + 1], (first, last)
    suffix = s3.get_object(Bucket=bucket, Key="blob", Range="bytes=-5000")
    assert suffix["Body"].read() == body[-5000:]
    whole_part = s3.get_object(Bucket=bucket, Key="blob", PartNumber=1)
    assert whole_part["Body"].read() == body


def test_multipart_upload_encrypts_every_part(s3: Any, bucket: str) -> None:
    source = os.urandom(200 * 1024)
    s3.put_object(Bucket=bucket, Key="source", Body=source, **AES)
    created = s3.create_multipart_upload(Bucket=bucket, Key="mpu", **AES)
    assert created["ServerSideEncryption"] == "AES256"
    upload_id = created["UploadId"]
    one, two = os.urandom(PART + 5), os.urandom(PART * 2 + 3)
    parts = []
    for number, data in ((1, one), (2, two)):
        sent = s3.upload_part(
            Bucket=bucket, Key="mpu", UploadId=upload_id, PartNumber=number, Body=data
        )
        assert sent["ServerSideEncryption"] == "AES256"
        assert sent["ETag"] == md5_etag(data)
        parts.append({"PartNumber": number, "ETag": sent["ETag"]})
    copied = s3.upload_part_copy(
        Bucket=bucket,
        Key="mpu",
        UploadId=upload_id,
        PartNumber=3,
        CopySource={"Bucket": bucket, "Key": "source"},
        CopySourceRange="bytes=1000-150999",
    )
    assert copied["ServerSideEncryption"] == "AES256"
    parts.append({"PartNumber": 3, "ETag": copied["CopyPartResult"]["ETag"]})
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mpu", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert done["ServerSideEncryption"] == "AES256"
    body = one + two + source[1000:151000]
    digests = b"".join(hashlib.md5(p).digest() for p in (one, two, source[1000:151000]))
    assert done["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-3"'  # plaintext part MD5s
    assert s3.get_object(Bucket=bucket, Key="mpu")["Body"].read() == body
    second = s3.get_object(Bucket=bucket, Key="mpu", PartNumber=2)
    assert second["Body"].read() == two
    assert second["ServerSideEncryption"] == "AES256"
    first, last = len(one) - 10, len(one) + len(two) + 9  # across both part boundaries
    across = s3.get_object(Bucket=bucket, Key="mpu", Range=f"bytes={first}-{last}")
    assert across["Body"].read() == body[first : last + 1]
    assert s3.head_object(Bucket=bucket, Key="mpu")["ServerSideEncryption"] == "AES256"


def test_plaintext_is_not_in_the_data_dir(srv: ServerHandle, s3: Any, bucket: str) -> None:
    small, large, part = marked("inline", 2000), marked("blob", 300 * 1024), marked("part", MiB)
    s3.put_object(Bucket=bucket, Key="small", Body=small, **AES)
    s3.put_object(Bucket=bucket, Key="large", Body=large, **AES)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mpu", **AES)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mpu", UploadId=upload, PartNumber=1, Body=part)
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mpu",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag["ETag"]}]},
    )
    # The control: the same search finds an unencrypted object's bytes, inline and in a blob.
    plain_small, plain_large = marked("plain-inline", 2000), marked("plain-blob", 300 * 1024)
    s3.put_object(Bucket=bucket, Key="plain-small", Body=plain_small)
    s3.put_object(Bucket=bucket, Key="plain-large", Body=plain_large)
    assert at_rest(srv.data_dir, *inline_forms(plain_small))
    assert at_rest(srv.data_dir, plain_large[:4096])

    assert at_rest(srv.data_dir, small, *inline_forms(small), small[:64]) == []
    assert at_rest(srv.data_dir, large[:4096], large[-4096:], b"<blob>") == []
    assert at_rest(srv.data_dir, part[:4096], b"<part>", *inline_forms(part[:3000])) == []
    assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == small
    assert s3.get_object(Bucket=bucket, Key="large")["Body"].read() == large
    assert s3.get_object(Bucket=bucket, Key="mpu")["Body"].read() == part
    key_file = srv.data_dir / "keys" / "s3-sse.kek"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700


def test_unencrypted_objects_claim_no_encryption(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert "ServerSideEncryption" not in put
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key="plain")
    assert "ServerSideEncryption" not in s3.get_object(Bucket=bucket, Key="plain")
    created = s3.create_multipart_upload(Bucket=bucket, Key="m")
    assert "ServerSideEncryption" not in created
    s3.abort_multipart_upload(Bucket=bucket, Key="m", UploadId=created["UploadId"])


def test_copies_between_encrypted_and_plain(s3: Any, bucket: str) -> None:
    plain, secret = os.urandom(90 * 1024), os.urandom(1000)
    s3.put_object(Bucket=bucket, Key="plain", Body=plain)
    s3.put_object(Bucket=bucket, Key="secret", Body=secret, **AES)
    # plain -> SSE-S3 when asked
    out = s3.copy_object(Bucket=bucket, Key="p2s", CopySource=f"{bucket}/plain", **AES)
    assert out["ServerSideEncryption"] == "AES256"
    assert out["CopyObjectResult"]["ETag"] == md5_etag(plain)
    assert s3.get_object(Bucket=bucket, Key="p2s")["Body"].read() == plain
    assert s3.head_object(Bucket=bucket, Key="p2s")["ServerSideEncryption"] == "AES256"
    # SSE-S3 -> a copy naming nothing stays encrypted (never stored in the clear)
    out = s3.copy_object(Bucket=bucket, Key="s2x", CopySource=f"{bucket}/secret")
    assert out["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="s2x")["Body"].read() == secret
    # plain -> plain stays plain
    out = s3.copy_object(Bucket=bucket, Key="p2p", CopySource=f"{bucket}/plain")
    assert "ServerSideEncryption" not in out
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key="p2p")
    # an object copied onto itself to encrypt it (S3 counts that as a change)
    s3.copy_object(Bucket=bucket, Key="plain", CopySource=f"{bucket}/plain", **AES)
    assert s3.head_object(Bucket=bucket, Key="plain")["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="plain")["Body"].read() == plain


def test_bucket_default_encryption(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="before", Body=b"written before the default")
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_encryption(Bucket=bucket)
    assert failure(exc) == (
        "ServerSideEncryptionConfigurationNotFoundError",
        404,
        "The server side encryption configuration was not found",
    )
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{**rule, "BucketKeyEnabled": True}]},
    )
    got = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert got == {"Rules": [{**rule, "BucketKeyEnabled": True}]}
    put = s3.put_object(Bucket=bucket, Key="after", Body=b"encrypted by default")
    assert put["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="after")["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="after")["Body"].read() == b"encrypted by default"
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key="before")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mpu")
    assert upload["ServerSideEncryption"] == "AES256"
    s3.abort_multipart_upload(Bucket=bucket, Key="mpu", UploadId=upload["UploadId"])
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    got = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert got == {"Rules": [{**rule, "BucketKeyEnabled": False}]}
    deleted = s3.delete_bucket_encryption(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_encryption(Bucket=bucket)
    assert failure(exc)[:2] == ("ServerSideEncryptionConfigurationNotFoundError", 404)
    assert "ServerSideEncryption" not in s3.put_object(Bucket=bucket, Key="later", Body=b"x")
    assert s3.get_object(Bucket=bucket, Key="after")["Body"].read() == b"encrypted by default"


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([], ("MalformedXML", 400)),
        (
            [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES128"}}],
            ("MalformedXML", 400),
        ),
        (
            [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}] * 2,
            ("MalformedXML", 400),
        ),
        ([{"BucketKeyEnabled": True}], ("MalformedXML", 400)),
        (
            [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}],
            ("NotImplemented", 501),
        ),
        (
            [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"}}],
            ("NotImplemented", 501),
        ),
        (
            [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "AES256",
                        "KMSMasterKeyID": "1234abcd-12ab-34cd-56ef-1234567890ab",
                    }
                }
            ],
            ("InvalidArgument", 400),
        ),
        (
            [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                    "BlockedEncryptionTypes": {"EncryptionType": ["SSE-KMS"]},
                }
            ],
            ("MalformedXML", 400),
        ),
    ],
)
def test_bad_bucket_encryption_is_refused_and_changes_nothing(
    s3: Any, bucket: str, rules: list[dict[str, Any]], expected: tuple[str, int]
) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
    code, status, message = failure(exc)
    assert (code, status) == expected
    if code == "MalformedXML":
        assert message == (
            "The XML you provided was not well-formed or did not validate against our published"
            " schema"
        )
    if code == "InvalidArgument":
        assert message == (
            "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or"
            " aws:kms:dsse"
        )
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_encryption(Bucket=bucket)
    assert failure(exc)[:2] == ("ServerSideEncryptionConfigurationNotFoundError", 404)
    assert "ServerSideEncryption" not in s3.put_object(Bucket=bucket, Key="k", Body=b"x")


def test_bucket_encryption_of_a_missing_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_encryption(Bucket=f"missing-{uuid.uuid4().hex[:12]}")
    assert failure(exc)[:2] == ("NoSuchBucket", 404)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"ServerSideEncryption": "aws:kms"}, ("NotImplemented", 501, "")),
        ({"ServerSideEncryption": "aws:kms:dsse"}, ("NotImplemented", 501, "")),
        (
            {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/mine"},
            ("NotImplemented", 501, ""),
        ),
        (
            {"ServerSideEncryption": "AES256", "SSEKMSKeyId": "alias/mine"},
            (
                "InvalidArgument",
                400,
                "Server Side Encryption with AWS KMS managed key requires HTTP header"
                " x-amz-server-side-encryption : aws:kms",
            ),
        ),
        (
            {"ServerSideEncryption": "AES128"},
            ("InvalidArgument", 400, "The encryption method specified is not supported"),
        ),
        ({"ServerSideEncryption": "AES256", "BucketKeyEnabled": True}, ("NotImplemented", 501, "")),
    ],
)
def test_object_encryption_s3_does_not_do_here_is_refused(
    s3: Any, bucket: str, extra: dict[str, Any], expected: tuple[str, int, str]
) -> None:
    for call in (
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"secret", **extra),
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="k", **extra),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        code, status, message = failure(exc)
        assert (code, status) == expected[:2]
        if expected[2]:
            assert message == expected[2]
        if code == "NotImplemented":
            assert exc.value.response["Error"]["Header"].startswith("x-amz-server-side-encryption")
    assert _keys(s3, bucket) == []
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_the_key_file_outlives_a_restart(fresh_server: ServerFactory, tmp_path: Path) -> None:
    data = tmp_path / "restart"
    first = fresh_server(data)
    s3 = first.client("s3")
    s3.create_bucket(Bucket="kept")
    small, large = os.urandom(500), os.urandom(200 * 1024)
    s3.put_object(Bucket="kept", Key="small", Body=small, **AES)
    s3.put_object(Bucket="kept", Key="large", Body=large, **AES)
    key_file = data / "keys" / "s3-sse.kek"
    kek = key_file.read_bytes()
    first.stop()
    second = fresh_server(data)
    s3 = second.client("s3")
    assert key_file.read_bytes() == kek  # created once, never rewritten
    assert s3.get_object(Bucket="kept", Key="small")["Body"].read() == small
    got = s3.get_object(Bucket="kept", Key="large", Range="bytes=100-199")
    assert got["Body"].read() == large[100:200]
    second.stop()
    key_file.chmod(0o644)  # a key file others can read is refused, as ssh refuses a key
    with pytest.raises(pytest.fail.Exception):
        start_server(data)
    logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("restart-server-*.log"))
    assert "is accessible by other users (mode 644); make it 0600" in logs
