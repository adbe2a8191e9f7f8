"""Request-body integrity end to end: a real server, boto3, the aws CLI and raw signed requests.

S3 verifies Content-MD5 / x-amz-checksum-* of the XML bodies before the operation runs, and
refuses the operations whose model requires a digest when neither is sent; a refused request
changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import shutil
import subprocess
import sys
import uuid
import zlib
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

MISSING = "Missing required header for this request: Content-MD5 OR x-amz-checksum-*"
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def delete_body(*keys: str) -> bytes:
    objects = "".join(f"<Object><Key>{key}</Key></Object>" for key in keys)
    return f"<Delete>{objects}</Delete>".encode()


def tagging_body(**tags: str) -> bytes:
    items = "".join(f"<Tag><Key>{k}</Key><Value>{v}</Value></Tag>" for k, v in tags.items())
    return f"<Tagging><TagSet>{items}</TagSet></Tagging>".encode()


def signed(
    server: Any, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    """A SigV4-signed request carrying exactly `headers` (no digest a client would add)."""
    url = f"{server.endpoint}{path}"
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    S3SigV4Auth(Credentials(server.access_key, server.secret_key), "s3", server.region).add_auth(
        req
    )
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=dict(req.headers.items()))
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def error_of(body: bytes) -> tuple[str, str]:
    root = ElementTree.fromstring(body)
    return root.findtext("Code") or "", root.findtext("Message") or ""


def client_error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    err = exc.value.response["Error"]
    status = exc.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return err["Code"], status, err["Message"]


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"integrity-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def keys_of(s3: Any, bucket: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return [entry["Key"] for entry in listed]


def put_keys(s3: Any, bucket: str, *keys: str) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())


# --- boto3 as users run it ---------------------------------------------------------------------


def test_boto3_delete_objects_sends_a_crc32_and_works(s3: Any, bucket: str) -> None:
    put_keys(s3, bucket, "a", "b", "c")
    sent: list[dict[str, str]] = []
    s3.meta.events.register(
        "before-send.s3.DeleteObjects", lambda request, **_: sent.append(dict(request.headers))
    )
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})
    assert sorted(d["Key"] for d in resp["Deleted"]) == ["a", "b"]
    assert keys_of(s3, bucket) == ["c"]
    # botocore 1.36+ protects the body with a CRC32 header instead of Content-MD5.
    headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in sent[0].items()}
    assert headers["x-amz-sdk-checksum-algorithm"] == "CRC32"
    assert "x-amz-checksum-crc32" in headers
    assert "content-md5" not in headers


@pytest.mark.parametrize("algorithm", ["CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_boto3_delete_objects_with_each_algorithm(s3: Any, bucket: str, algorithm: str) -> None:
    put_keys(s3, bucket, "x", "y")
    resp = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "x"}]}, ChecksumAlgorithm=algorithm
    )
    assert [d["Key"] for d in resp["Deleted"]] == ["x"]
    assert keys_of(s3, bucket) == ["y"]


def test_boto3_tagging_with_a_sha256_works(s3: Any, bucket: str) -> None:
    put_keys(s3, bucket, "k")
    tags = {"TagSet": [{"Key": "color", "Value": "blue"}]}
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tags, ChecksumAlgorithm="SHA256")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == tags["TagSet"]


def test_boto3_tagging_with_a_wrong_content_md5_keeps_the_old_tags(s3: Any, bucket: str) -> None:
    put_keys(s3, bucket, "k")
    old = [{"Key": "v", "Value": "1"}]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": old})
    new = {"TagSet": [{"Key": "v", "Value": "2"}]}
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=new, ContentMD5=md5_b64(b"other"))
    assert client_error(exc) == (
        "BadDigest",
        400,
        "The Content-MD5 you specified did not match what we received.",
    )
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == old


# --- raw signed requests ----------------------------------------------------------------------


def test_delete_objects_without_any_digest_deletes_nothing(
    server: Any, s3: Any, bucket: str
) -> None:
    put_keys(s3, bucket, "a", "b")
    status, body = signed(server, "POST", f"/{bucket}?delete", delete_body("a", "b"), {})
    assert (status, error_of(body)) == (400, ("InvalidRequest", MISSING))
    assert keys_of(s3, bucket) == ["a", "b"]


@pytest.mark.parametrize(
    ("headers", "code", "message"),
    [
        (
            {"Content-MD5": md5_b64(b"<Delete/>")},
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        ),
        (
            {"Content-MD5": "not-an-md5"},
            "InvalidDigest",
            "The Content-MD5 you specified was invalid.",
        ),
        (
            {"x-amz-checksum-crc32": crc32_b64(b"<Delete/>")},
            "BadDigest",
            "The CRC32 you specified did not match the calculated checksum.",
        ),
        (
            {"x-amz-checksum-sha256": "c2hvcnQ="},
            "InvalidRequest",
            "Value for x-amz-checksum-sha256 header is invalid.",
        ),
    ],
)
def test_delete_objects_with_a_bad_digest_deletes_nothing(
    server: Any, s3: Any, bucket: str, headers: dict[str, str], code: str, message: str
) -> None:
    put_keys(s3, bucket, "a")
    status, body = signed(server, "POST", f"/{bucket}?delete", delete_body("a"), headers)
    assert (status, error_of(body)) == (400, (code, message))
    assert keys_of(s3, bucket) == ["a"]


@pytest.mark.parametrize("digest", ["md5", "crc32"])
def test_delete_objects_with_a_right_digest_deletes(
    server: Any, s3: Any, bucket: str, digest: str
) -> None:
    put_keys(s3, bucket, "a", "b")
    body = delete_body("a")
    headers = (
        {"Content-MD5": md5_b64(body)}
        if digest == "md5"
        else {"x-amz-checksum-crc32": crc32_b64(body)}
    )
    status, answer = signed(server, "POST", f"/{bucket}?delete", body, headers)
    assert status == 200
    deleted = ElementTree.fromstring(answer).findall(f"{S3_NS}Deleted/{S3_NS}Key")
    assert [element.text for element in deleted] == ["a"]
    assert keys_of(s3, bucket) == ["b"]


def test_object_tagging_with_a_wrong_content_md5_keeps_the_old_tags(
    server: Any, s3: Any, bucket: str
) -> None:
    put_keys(s3, bucket, "k")
    old = [{"Key": "v", "Value": "1"}]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": old})
    body = tagging_body(v="2")
    headers = {"Content-MD5": md5_b64(tagging_body(v="3"))}
    status, answer = signed(server, "PUT", f"/{bucket}/k?tagging", body, headers)
    assert (status, error_of(answer)) == (
        400,
        ("BadDigest", "The Content-MD5 you specified did not match what we received."),
    )
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == old


def test_object_tagging_without_a_digest_keeps_the_old_tags(
    server: Any, s3: Any, bucket: str
) -> None:
    put_keys(s3, bucket, "k")
    old = [{"Key": "v", "Value": "1"}]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": old})
    status, answer = signed(server, "PUT", f"/{bucket}/k?tagging", tagging_body(v="2"), {})
    assert (status, error_of(answer)) == (400, ("InvalidRequest", MISSING))
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == old


def test_bucket_tagging_with_a_wrong_checksum_keeps_the_old_tags(
    server: Any, s3: Any, bucket: str
) -> None:
    old = [{"Key": "team", "Value": "a"}]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": old})
    body = tagging_body(team="b")
    headers = {"x-amz-checksum-crc32": crc32_b64(tagging_body(team="c"))}
    status, answer = signed(server, "PUT", f"/{bucket}?tagging", body, headers)
    assert (status, error_of(answer)) == (
        400,
        ("BadDigest", "The CRC32 you specified did not match the calculated checksum."),
    )
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == old


# --- the aws CLI ----------------------------------------------------------------------------------


def aws_cli(server: Any, home: Path, *args: str) -> str:
    exe = Path(sys.executable).parent / "aws"
    found = str(exe) if exe.exists() else shutil.which("aws")
    if found is None:
        pytest.skip("aws CLI is not installed (CI installs it with .ci/ensure-tools)")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config"
    config.write_text(f"[default]\nregion = {server.region}\ns3 =\n    addressing_style = path\n")
    (home / "credentials").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=server.access_key,
        AWS_SECRET_ACCESS_KEY=server.secret_key,
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    argv = [found, "--endpoint-url", server.endpoint, *args]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.clients
def test_aws_cli_s3_rm_recursive(server: Any, s3: Any, bucket: str, tmp_path: Path) -> None:
    put_keys(s3, bucket, "d/1", "d/2", "d/3", "keep")
    out = aws_cli(server, tmp_path / "home", "s3", "rm", "--recursive", f"s3://{bucket}/d/")
    deleted = sorted(line for line in out.splitlines() if line.startswith("delete:"))
    assert deleted == [f"delete: s3://{bucket}/d/{n}" for n in (1, 2, 3)]
    assert keys_of(s3, bucket) == ["keep"]


@pytest.mark.clients
def test_aws_cli_s3api_delete_objects(server: Any, s3: Any, bucket: str, tmp_path: Path) -> None:
    put_keys(s3, bucket, "a", "b")
    out = aws_cli(
        server,
        tmp_path / "home",
        "s3api",
        "delete-objects",
        "--bucket",
        bucket,
        "--delete",
        '{"Objects":[{"Key":"a"}]}',
        "--output",
        "text",
    )
    assert out.split() == ["DELETED", "a"]
    assert keys_of(s3, bucket) == ["b"]
