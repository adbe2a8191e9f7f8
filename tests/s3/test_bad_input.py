"""Bad input against a real server: each gets AWS's error, and what is stored stays as it was.

Every test first stores a known object, sends the bad request, checks the exact error (code,
status, message), then reads the object back byte-for-byte and lists the bucket.
"""

from __future__ import annotations

import base64
import hashlib
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ORIGINAL = b"the stored bytes that must survive every bad request\n" * 100


@pytest.fixture
def stored(server: Any) -> Iterator[tuple[Any, str]]:
    s3 = server.client("s3")
    bucket = f"bad-input-{time.time_ns()}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="keep", Body=ORIGINAL, Metadata={"m": "1"})
    yield s3, bucket
    for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=obj["Key"])
    s3.delete_bucket(Bucket=bucket)


def assert_untouched(s3: Any, bucket: str) -> None:
    got = s3.get_object(Bucket=bucket, Key="keep")
    assert got["Body"].read() == ORIGINAL
    assert got["Metadata"] == {"m": "1"}
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["keep"]


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    err = exc.value.response
    return (
        err["Error"]["Code"],
        err["ResponseMetadata"]["HTTPStatusCode"],
        err["Error"].get("Message", ""),
    )


def signed_raw(server: Any, method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
    """A correctly signed request with an arbitrary body, sent with urllib."""
    url = f"{server.endpoint}{path}"
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    req.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    S3SigV4Auth(Credentials(server.access_key, server.secret_key), "s3", server.region).add_auth(
        req
    )
    prepared = req.prepare()
    raw = urllib.request.Request(url, data=body, method=method, headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(raw, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_wrong_secret_is_signature_does_not_match(server: Any, stored: tuple[Any, str]) -> None:
    s3, bucket = stored
    bad = server.client("s3", aws_secret_access_key="not-the-secret-0000000000000000000000000")
    with pytest.raises(ClientError) as exc:
        bad.put_object(Bucket=bucket, Key="keep", Body=b"overwritten")
    code, status, message = error_of(exc)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )
    assert_untouched(s3, bucket)


def test_unknown_access_key_is_invalid_access_key_id(server: Any, stored: tuple[Any, str]) -> None:
    s3, bucket = stored
    bad = server.client("s3", aws_access_key_id="AKIAUNKNOWNKEY000000")
    with pytest.raises(ClientError) as exc:
        bad.delete_object(Bucket=bucket, Key="keep")
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidAccessKeyId", 403)
    assert message == "The AWS Access Key Id you provided does not exist in our records."
    assert_untouched(s3, bucket)


def test_expired_presigned_url_is_access_denied(server: Any, stored: tuple[Any, str]) -> None:
    s3, bucket = stored
    from botocore.config import Config

    v4 = server.client("s3", config=Config(signature_version="s3v4"))
    url = v4.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "keep"}, ExpiresIn=1
    )
    time.sleep(2.1)
    req = urllib.request.Request(url, data=b"overwritten", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    body = exc.value.read().decode()
    assert exc.value.code == 403
    assert "<Code>AccessDenied</Code>" in body
    assert "<Message>Request has expired</Message>" in body
    assert_untouched(s3, bucket)


def test_bad_content_md5_is_bad_digest(stored: tuple[Any, str]) -> None:
    s3, bucket = stored
    wrong = base64.b64encode(hashlib.md5(b"something else").digest()).decode()
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="keep", Body=b"overwritten", ContentMD5=wrong)
    code, status, message = error_of(exc)
    assert (code, status) == ("BadDigest", 400)
    assert message == "The Content-MD5 you specified did not match what we received."
    assert_untouched(s3, bucket)


def test_malformed_content_md5_is_invalid_digest(stored: tuple[Any, str]) -> None:
    s3, bucket = stored
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="new", Body=b"data", ContentMD5="bm90LW1kNQ==")
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidDigest", 400)
    assert message == "The Content-MD5 you specified was invalid."
    assert_untouched(s3, bucket)


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "UpperCase",
        "under_score",
        "-leading",
        "trailing-",
        "dot..dot",
        "192.168.1.1",
    ],
)
def test_invalid_bucket_name(server: Any, name: str) -> None:
    s3 = server.client("s3")
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name)
    code, status, message = error_of(exc)
    assert (code, status, message) == (
        "InvalidBucketName",
        400,
        "The specified bucket is not valid.",
    )
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert name not in names


def test_key_over_1024_bytes_is_key_too_long(stored: tuple[Any, str]) -> None:
    s3, bucket = stored
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="é" * 513, Body=b"data")  # 1026 UTF-8 bytes
    code, status, message = error_of(exc)
    assert (code, status, message) == ("KeyTooLongError", 400, "Your key is too long")
    s3.put_object(Bucket=bucket, Key="k" * 1024, Body=b"exactly at the limit")
    s3.delete_object(Bucket=bucket, Key="k" * 1024)
    assert_untouched(s3, bucket)


def _delete_body(keys: list[str], prefix: str = "") -> bytes:
    objects = "".join(f"<Object><Key>{k}</Key></Object>" for k in keys)
    return f"{prefix}<Delete>{objects}</Delete>".encode()


def _md5_header(body: bytes) -> dict[str, str]:
    return {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}


def test_oversized_xml_is_rejected(server: Any, stored: tuple[Any, str]) -> None:
    s3, bucket = stored
    body = _delete_body(["keep"] + [f"filler-{'x' * 900}-{i}" for i in range(3000)])
    assert len(body) > 2 * 1024 * 1024
    status, data = signed_raw(server, "POST", f"/{bucket}?delete", body, _md5_header(body))
    assert status == 400
    assert b"<Code>MaxMessageLengthExceeded</Code>" in data
    assert b"<Message>Your request was too big.</Message>" in data
    assert_untouched(s3, bucket)


def test_xml_entity_expansion_is_malformed_xml(server: Any, stored: tuple[Any, str]) -> None:
    s3, bucket = stored
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "keep">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    body = f"{laughs}<Delete><Object><Key>&lol3;</Key></Object></Delete>".encode()
    status, data = signed_raw(server, "POST", f"/{bucket}?delete", body, _md5_header(body))
    assert status == 400
    assert b"<Code>MalformedXML</Code>" in data
    assert_untouched(s3, bucket)


def test_external_entity_is_malformed_xml(server: Any, stored: tuple[Any, str]) -> None:
    s3, bucket = stored
    body = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Delete><Object><Key>&x;</Key></Object></Delete>"
    )
    status, data = signed_raw(server, "POST", f"/{bucket}?delete", body, _md5_header(body))
    assert status == 400
    assert b"<Code>MalformedXML</Code>" in data
    assert b"root:" not in data
    assert_untouched(s3, bucket)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_key_not_utf8_is_invalid_uri(server: Any, stored: tuple[Any, str], method: str) -> None:
    # %AE%8A is a key sent as Latin-1 bytes, not UTF-8: S3 cannot read the URI at all and
    # answers InvalidURI, whatever the operation (not InvalidArgument, not NoSuchKey).
    s3, bucket = stored
    status, data = signed_raw(server, method, f"/{bucket}/%AE%8A-", b"", {})
    assert status == 400
    assert b"<Code>InvalidURI</Code>" in data
    assert b"<Message>Couldn't parse the specified URI.</Message>" in data
    assert_untouched(s3, bucket)
