"""SSE-C (customer-provided keys) through a real server over HTTPS (`serve --tls`) with boto3:
round trips of inline, blob and multipart objects with ranges and part numbers, copies between
SSE-C, SSE-S3 and plain, the key never stored (nor the plaintext), AWS's errors for a missing,
wrong or malformed key, and the refusal of any customer key over plain HTTP."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from ssekit import (
    INSECURE,
    NOT_APPLICABLE,
    STORED_WITH_SSE,
    at_rest,
    copy_customer,
    customer,
    failure,
    inline_forms,
    key_md5,
    marked,
    md5_etag,
    raw_customer,
)

from ownserver import ServerHandle, free_port

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))
PART = 256 * 1024


@pytest.fixture(scope="module")
def srv(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., ServerHandle]
) -> Iterator[ServerHandle]:
    data = tmp_path_factory.mktemp("ssec") / "data"
    data.mkdir()
    (data / "ownstack.yaml").write_text(f"limits:\n  s3: {{min_part_size: {PART}}}\n")
    port = free_port()
    handle = launch_server(data, args=["--tls", "--tls-port", str(port)])
    handle.tls_port = port  # type: ignore[attr-defined]
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def s3(srv: ServerHandle) -> Any:
    """Over HTTPS, trusting the certificate the server made in its data dir."""
    ca = srv.data_dir / "tls" / "cert.pem"
    port = srv.tls_port  # type: ignore[attr-defined]
    return srv.client("s3", endpoint_url=f"https://127.0.0.1:{port}", verify=str(ca))


@pytest.fixture(scope="module")
def plain_http(srv: ServerHandle) -> Any:
    return srv.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"ssec-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def _keys(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _is_opaque_etag(etag: str, body: bytes) -> bool:
    return re.fullmatch(r'"[0-9a-f]{32}"', etag) is not None and etag != md5_etag(body)


@pytest.mark.parametrize("size", [3000, 100 * 1024, 600 * 1024])
def test_round_trip_with_the_customer_key(s3: Any, bucket: str, size: int) -> None:
    body = os.urandom(size)
    put = s3.put_object(Bucket=bucket, Key="obj", Body=body, **customer(KEY))
    assert put["SSECustomerAlgorithm"] == "AES256"
    assert put["SSECustomerKeyMD5"] == key_md5(KEY)
    assert "ServerSideEncryption" not in put
    # S3: "objects encrypted by SSE-C ... have ETags that are not an MD5 digest of their data"
    assert _is_opaque_etag(put["ETag"], body)
    got = s3.get_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED", **customer(KEY))
    assert got["Body"].read() == body  # boto3 checked the plaintext's CRC64NVME too
    assert (got["SSECustomerAlgorithm"], got["SSECustomerKeyMD5"]) == ("AES256", key_md5(KEY))
    assert got["ETag"] == put["ETag"]
    for first, last in ((0, 9), (1001, size - 17), (size - 1, size - 1)):
        part = s3.get_object(
            Bucket=bucket, Key="obj", Range=f"bytes={first}-{last}", **customer(KEY)
        )
        assert part["Body"].read() == body[first : last + 1]
    head = s3.head_object(Bucket=bucket, Key="obj", **customer(KEY))
    assert head["SSECustomerKeyMD5"] == key_md5(KEY)
    assert head["ContentLength"] == size
    # a conditional read with the ETag S3 gave works as for any object
    got = s3.get_object(Bucket=bucket, Key="obj", IfMatch=put["ETag"], **customer(KEY))
    assert got["Body"].read() == body


def test_reads_without_the_right_key_fail(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="obj", Body=b"for the key holder only", **customer(KEY))
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="obj")
    assert failure(exc) == ("InvalidRequest", 400, STORED_WITH_SSE)
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="obj")
    assert failure(exc)[1] == 400  # HEAD: no body, the status says it
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="obj", **customer(OTHER))
    assert failure(exc) == ("AccessDenied", 403, "Access Denied")
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="obj", **customer(OTHER))
    assert failure(exc)[1] == 403
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/obj")
    assert failure(exc) == ("InvalidRequest", 400, STORED_WITH_SSE)
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=bucket, Key="copy", CopySource=f"{bucket}/obj", **copy_customer(OTHER)
        )
    assert failure(exc) == ("AccessDenied", 403, "Access Denied")
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=bucket, Key="obj", ObjectAttributes=["Checksum"])
    assert failure(exc) == ("InvalidRequest", 400, STORED_WITH_SSE)
    attributes = s3.get_object_attributes(
        Bucket=bucket, Key="obj", ObjectAttributes=["ObjectSize"], **raw_customer(KEY)
    )
    assert attributes["ObjectSize"] == len(b"for the key holder only")
    assert _keys(s3, bucket) == ["obj"]
    got = s3.get_object(Bucket=bucket, Key="obj", **customer(KEY))
    assert got["Body"].read() == b"for the key holder only"


def test_customer_key_on_an_object_stored_without_one(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="plain", Body=b"plain")
    s3.put_object(Bucket=bucket, Key="s3", Body=b"sse-s3", ServerSideEncryption="AES256")
    for key in ("plain", "s3"):
        with pytest.raises(ClientError) as exc:
            s3.get_object(Bucket=bucket, Key=key, **customer(KEY))
        assert failure(exc) == ("InvalidRequest", 400, NOT_APPLICABLE)
    assert s3.get_object(Bucket=bucket, Key="s3")["Body"].read() == b"sse-s3"


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (
            raw_customer(KEY, md5=OTHER),
            (
                "InvalidArgument",
                "The calculated MD5 hash of the key did not match the hash that was provided.",
            ),
        ),
        (
            raw_customer(KEY[:16]),
            ("InvalidArgument", "The secret key was invalid for the specified algorithm."),
        ),
        (
            {**raw_customer(KEY), "SSECustomerKey": "not base64!"},
            ("InvalidArgument", "The secret key was invalid for the specified algorithm."),
        ),
        (
            raw_customer(KEY, algorithm="AES128"),
            (
                "InvalidEncryptionAlgorithmError",
                "The encryption request you specified is not valid. The valid value is AES256.",
            ),
        ),
        (
            {k: v for k, v in raw_customer(KEY).items() if k != "SSECustomerAlgorithm"},
            (
                "InvalidArgument",
                "Requests specifying Server Side Encryption with Customer provided keys must"
                " provide a valid encryption algorithm.",
            ),
        ),
        (
            {"SSECustomerAlgorithm": "AES256"},
            (
                "InvalidArgument",
                "Requests specifying Server Side Encryption with Customer provided keys must"
                " provide an appropriate secret key.",
            ),
        ),
        (
            {**customer(KEY), "ServerSideEncryption": "AES256"},
            (
                "InvalidArgument",
                "Server Side Encryption with Customer provided key is incompatible with the"
                " encryption method specified",
            ),
        ),
    ],
)
def test_malformed_customer_keys_are_refused(
    s3: Any, bucket: str, members: dict[str, Any], expected: tuple[str, str]
) -> None:
    s3.put_object(Bucket=bucket, Key="obj", Body=b"before", **customer(KEY))
    for call in (
        lambda: s3.put_object(Bucket=bucket, Key="obj", Body=b"after", **members),
        lambda: s3.put_object(Bucket=bucket, Key="new", Body=b"after", **members),
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="new", **members),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert failure(exc) == (expected[0], 400, expected[1])
    assert _keys(s3, bucket) == ["obj"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3.get_object(Bucket=bucket, Key="obj", **customer(KEY))["Body"].read() == b"before"


def test_customer_keys_over_plain_http_are_refused(s3: Any, plain_http: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="obj", Body=b"kept", **customer(KEY))
    s3.put_object(Bucket=bucket, Key="plain", Body=b"plain")
    for call in (
        lambda: plain_http.put_object(Bucket=bucket, Key="new", Body=b"x", **customer(KEY)),
        lambda: plain_http.put_object(Bucket=bucket, Key="obj", Body=b"x", **customer(KEY)),
        lambda: plain_http.get_object(Bucket=bucket, Key="obj", **customer(KEY)),
        lambda: plain_http.get_object(Bucket=bucket, Key="plain", **customer(KEY)),
        lambda: plain_http.create_multipart_upload(Bucket=bucket, Key="new", **customer(KEY)),
        lambda: plain_http.copy_object(
            Bucket=bucket, Key="new", CopySource=f"{bucket}/obj", **copy_customer(KEY)
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert failure(exc) == ("InvalidRequest", 400, INSECURE)
    with pytest.raises(ClientError) as exc:
        plain_http.head_object(Bucket=bucket, Key="obj", **customer(KEY))
    assert failure(exc)[1] == 400
    assert sorted(_keys(s3, bucket)) == ["obj", "plain"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3.get_object(Bucket=bucket, Key="obj", **customer(KEY))["Body"].read() == b"kept"
    # Without a key, plain HTTP still reads what needs none.
    assert plain_http.get_object(Bucket=bucket, Key="plain")["Body"].read() == b"plain"


def test_multipart_upload_with_a_customer_key(s3: Any, bucket: str) -> None:
    created = s3.create_multipart_upload(Bucket=bucket, Key="mpu", **customer(KEY))
    assert (created["SSECustomerAlgorithm"], created["SSECustomerKeyMD5"]) == (
        "AES256",
        key_md5(KEY),
    )
    upload = created["UploadId"]
    one, two = os.urandom(PART + 1), os.urandom(PART // 2)
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="mpu", UploadId=upload, PartNumber=1, Body=one)
    assert failure(exc) == (
        "InvalidRequest",
        400,
        "The multipart upload initiate requested encryption. Subsequent part requests must"
        " include the appropriate encryption parameters.",
    )
    with pytest.raises(ClientError) as exc:
        s3.upload_part(
            Bucket=bucket, Key="mpu", UploadId=upload, PartNumber=1, Body=one, **customer(OTHER)
        )
    assert failure(exc) == (
        "InvalidArgument",
        400,
        "The provided encryption parameters did not match the ones used originally.",
    )
    assert s3.list_parts(Bucket=bucket, Key="mpu", UploadId=upload).get("Parts", []) == []
    parts = []
    for number, data in ((1, one), (2, two)):
        sent = s3.upload_part(
            Bucket=bucket, Key="mpu", UploadId=upload, PartNumber=number, Body=data, **customer(KEY)
        )
        assert sent["SSECustomerKeyMD5"] == key_md5(KEY)
        assert _is_opaque_etag(sent["ETag"], data)
        parts.append({"PartNumber": number, "ETag": sent["ETag"]})
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mpu", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    assert done["ETag"].endswith('-2"')
    assert "ServerSideEncryption" not in done
    body = one + two
    assert s3.get_object(Bucket=bucket, Key="mpu", **customer(KEY))["Body"].read() == body
    second = s3.get_object(Bucket=bucket, Key="mpu", PartNumber=2, **customer(KEY))
    assert second["Body"].read() == two
    edge = s3.get_object(
        Bucket=bucket, Key="mpu", Range=f"bytes={PART - 5}-{PART + 5}", **customer(KEY)
    )
    assert edge["Body"].read() == body[PART - 5 : PART + 6]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="mpu", PartNumber=1)
    assert failure(exc) == ("InvalidRequest", 400, STORED_WITH_SSE)


def test_copies_between_customer_keys_and_other_modes(s3: Any, bucket: str) -> None:
    body = os.urandom(80 * 1024)
    s3.put_object(Bucket=bucket, Key="c", Body=body, **customer(KEY))
    # SSE-C -> SSE-S3
    out = s3.copy_object(
        Bucket=bucket,
        Key="s",
        CopySource=f"{bucket}/c",
        ServerSideEncryption="AES256",
        **copy_customer(KEY),
    )
    assert out["ServerSideEncryption"] == "AES256"
    assert out["CopyObjectResult"]["ETag"] == md5_etag(body)
    assert s3.get_object(Bucket=bucket, Key="s")["Body"].read() == body
    # SSE-S3 -> SSE-C with another key
    out = s3.copy_object(Bucket=bucket, Key="c2", CopySource=f"{bucket}/s", **customer(OTHER))
    assert out["SSECustomerKeyMD5"] == key_md5(OTHER)
    assert s3.get_object(Bucket=bucket, Key="c2", **customer(OTHER))["Body"].read() == body
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c2", **customer(KEY))
    assert failure(exc)[:2] == ("AccessDenied", 403)
    # A new key for the same object (copied onto itself): the old key no longer opens it.
    s3.copy_object(
        Bucket=bucket, Key="c", CopySource=f"{bucket}/c", **copy_customer(KEY), **customer(OTHER)
    )
    assert s3.get_object(Bucket=bucket, Key="c", **customer(OTHER))["Body"].read() == body
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", **customer(KEY))
    assert failure(exc)[:2] == ("AccessDenied", 403)
    # A part copied out of an SSE-C object into an SSE-S3 upload.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m", ServerSideEncryption="AES256")
    part = s3.upload_part_copy(
        Bucket=bucket,
        Key="m",
        UploadId=upload["UploadId"],
        PartNumber=1,
        CopySource=f"{bucket}/c",
        CopySourceRange="bytes=100-40099",
        **copy_customer(OTHER),
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="m",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}]},
    )
    assert s3.get_object(Bucket=bucket, Key="m")["Body"].read() == body[100:40100]


def test_neither_the_key_nor_the_plaintext_is_stored(
    srv: ServerHandle, s3: Any, bucket: str
) -> None:
    small, large = marked("ssec-inline", 3000), marked("ssec-blob", 200 * 1024)
    s3.put_object(Bucket=bucket, Key="small", Body=small, **customer(KEY))
    s3.put_object(Bucket=bucket, Key="large", Body=large, **customer(KEY))
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mpu", **customer(KEY))["UploadId"]
    s3.upload_part(
        Bucket=bucket, Key="mpu", UploadId=upload, PartNumber=1, Body=large, **customer(KEY)
    )
    md5 = hashlib.md5(KEY).digest()
    secrets = (KEY, KEY.hex().encode(), key_md5(KEY).encode(), md5, md5.hex().encode())
    assert at_rest(srv.data_dir, *secrets) == []
    assert at_rest(srv.data_dir, *inline_forms(small), small[:64]) == []
    assert at_rest(srv.data_dir, large[:4096], b"<ssec-blob>") == []
    assert s3.get_object(Bucket=bucket, Key="small", **customer(KEY))["Body"].read() == small


def test_a_bucket_can_block_customer_keys(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="old", Body=b"written before the block", **customer(KEY))
    rule = {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
        "BlockedEncryptionTypes": {"EncryptionType": ["SSE-C"]},
    }
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    got = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert got[0]["BlockedEncryptionTypes"] == {"EncryptionType": ["SSE-C"]}
    for call in (
        lambda: s3.put_object(Bucket=bucket, Key="new", Body=b"x", **customer(KEY)),
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="new", **customer(KEY)),
        lambda: s3.copy_object(
            Bucket=bucket,
            Key="new",
            CopySource=f"{bucket}/old",
            **copy_customer(KEY),
            **customer(KEY),
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert failure(exc) == ("AccessDenied", 403, "Access Denied")
    assert _keys(s3, bucket) == ["old"]
    old = s3.get_object(Bucket=bucket, Key="old", **customer(KEY))  # reads go on
    assert old["Body"].read() == b"written before the block"
    rule["BlockedEncryptionTypes"] = {"EncryptionType": ["NONE"]}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    assert s3.put_object(Bucket=bucket, Key="new", Body=b"x", **customer(KEY))["ETag"]
