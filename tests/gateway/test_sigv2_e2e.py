"""S3 Signature Version 2 through a real server: boto3's default (V2) presigned URLs fetched
with urllib, a client with signature_version='s3', a virtual-hosted V2 request, s3cmd with
signature_v2, and an expired V2 URL."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials


def bucket_name() -> str:
    return f"sigv2-{uuid.uuid4().hex[:12]}"


def fetch(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as err:
        return int(err.code), bytes(err.read())


def error_xml(body: bytes) -> dict[str, str]:
    root = ElementTree.fromstring(body)
    assert root.tag == "Error"
    return {child.tag: child.text or "" for child in root}


def test_default_presigned_get_is_sigv2_and_returns_the_body(server: Any) -> None:
    s3 = server.client("s3")
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/hello world+1.txt", Body=b"hello v2")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "dir/hello world+1.txt"}, ExpiresIn=300
    )
    assert "AWSAccessKeyId=" in url
    assert "Signature=" in url
    assert "X-Amz-Algorithm" not in url
    assert fetch(url) == (200, b"hello v2")
    disposition = s3.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": "dir/hello world+1.txt",
            "ResponseContentDisposition": 'attachment; filename="x y.txt"',
        },
    )
    with urllib.request.urlopen(disposition, timeout=30) as resp:
        assert resp.headers["Content-Disposition"] == 'attachment; filename="x y.txt"'
        assert resp.read() == b"hello v2"


def test_presigned_put_uploads(server: Any) -> None:
    s3 = server.client("s3")
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": "up/ünï.bin", "ContentType": "text/plain"},
        ExpiresIn=300,
    )
    assert "AWSAccessKeyId=" in url
    sent = urllib.request.Request(url, data=b"uploaded with v2", method="PUT")
    sent.add_header("Content-Type", "text/plain")  # it is signed: V2 covers Content-Type
    with urllib.request.urlopen(sent, timeout=30) as resp:
        assert resp.status == 200
    got = s3.get_object(Bucket=bucket, Key="up/ünï.bin")
    assert (got["Body"].read(), got["ContentType"]) == (b"uploaded with v2", "text/plain")
    # urllib's default form Content-Type is not what was signed.
    status, body = fetch(url, "PUT", b"other")
    assert (status, error_xml(body)["Code"]) == (403, "SignatureDoesNotMatch")


def test_expired_presigned_url_is_access_denied(server: Any) -> None:
    s3 = server.client("s3")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "any-bucket", "Key": "k"}, ExpiresIn=-60
    )
    assert "AWSAccessKeyId=" in url
    status, body = fetch(url)
    assert status == 403
    error = error_xml(body)
    assert (error["Code"], error["Message"]) == ("AccessDenied", "Request has expired")
    assert error["Expires"].endswith("Z")
    assert error["ServerTime"].endswith("Z")
    assert error["RequestId"]


def test_wrong_secret_presigned_is_signature_does_not_match(server: Any) -> None:
    s3 = server.client("s3", aws_secret_access_key="not-the-secret-0000000000000000000000")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "any-bucket", "Key": "k"})
    status, body = fetch(url)
    assert status == 403
    error = error_xml(body)
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["StringToSign"].endswith("\n/any-bucket/k")
    assert error["AWSAccessKeyId"] == server.access_key


def test_client_with_signature_version_s3_round_trip(server: Any) -> None:
    s3 = server.client("s3", config=Config(signature_version="s3"))
    seen: list[str] = []

    def record(request: Any, **_: Any) -> None:
        seen.append(request.headers["Authorization"].decode())

    s3.meta.events.register("before-send.s3", record)
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    keys = ["a.txt", "sp ace/ü+plus.txt", "x//y"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode(), Metadata={"k": "v 1"})
    got = s3.get_object(Bucket=bucket, Key="sp ace/ü+plus.txt")
    assert got["Body"].read() == "sp ace/ü+plus.txt".encode()
    assert got["Metadata"] == {"k": "v 1"}
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == sorted(keys)
    s3.put_object_tagging(
        Bucket=bucket, Key="a.txt", Tagging={"TagSet": [{"Key": "t", "Value": "1"}]}
    )
    assert s3.get_object_tagging(Bucket=bucket, Key="a.txt")["TagSet"] == [
        {"Key": "t", "Value": "1"}
    ]
    for key in keys:
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)
    assert seen
    assert all(value.startswith(f"AWS {server.access_key}:") for value in seen)


def test_multipart_upload_with_signature_version_s3(server: Any) -> None:
    s3 = server.client("s3", config=Config(signature_version="s3"))
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    part = b"p" * (5 << 20)
    etag1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=part)
    etag2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=b"end")
    parts = [
        {"PartNumber": 1, "ETag": etag1["ETag"]},
        {"PartNumber": 2, "ETag": etag2["ETag"]},
    ]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    assert s3.head_object(Bucket=bucket, Key="mp")["ContentLength"] == len(part) + 3


def test_virtual_hosted_v2_request(server: Any) -> None:
    """Host names the bucket; the signed resource still starts with it (/bucket/key)."""
    bucket = bucket_name()
    server.client("s3").create_bucket(Bucket=bucket)
    host = f"{bucket}.localhost:{server.port}"
    aws = AWSRequest(method="PUT", url=f"http://{host}/v%20h.txt", data=b"vhost body")
    aws.auth_path = f"/{bucket}/v%20h.txt"
    botocore.auth.HmacV1Auth(Credentials(server.access_key, server.secret_key)).add_auth(aws)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {k: v for k, v in aws.headers.items()}
        headers["Host"] = host
        conn.request("PUT", "/v%20h.txt", body=b"vhost body", headers=headers)
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (200, b"")
    finally:
        conn.close()
    got = server.client("s3").get_object(Bucket=bucket, Key="v h.txt")
    assert got["Body"].read() == b"vhost body"


@pytest.mark.clients
def test_s3cmd_signature_v2_round_trip(server: Any, tmp_path: Path) -> None:
    exe = shutil.which("s3cmd")
    if exe is None:
        pytest.skip("s3cmd is not installed")
    cfg = tmp_path / ".s3cfg"
    host = f"127.0.0.1:{server.port}"
    cfg.write_text(
        "[default]\n"
        f"access_key = {server.access_key}\nsecret_key = {server.secret_key}\n"
        f"host_base = {host}\nhost_bucket = {host}\nbucket_location = {server.region}\n"
        "use_https = False\nsignature_v2 = True\nguess_mime_type = False\n"
        "progress_meter = False\nmax_retries = 1\n"
    )
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "TZ": "UTC"}

    def s3cmd(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [exe, "-c", str(cfg), "--no-progress", "--debug", *args]
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)

    bucket = bucket_name()
    made = s3cmd("mb", f"s3://{bucket}")
    assert made.returncode == 0, made.stderr
    assert "Authorization: AWS " in made.stderr or "'Authorization': 'AWS " in made.stderr
    src = tmp_path / "src"
    src.write_bytes(b"s3cmd v2 payload")
    for key in ("plain", "with space.txt", "plus+sign", "ünï"):
        put = s3cmd("put", str(src), f"s3://{bucket}/{key}")
        assert put.returncode == 0, put.stderr
        dst = tmp_path / "dst"
        got = s3cmd("get", "--force", f"s3://{bucket}/{key}", str(dst))
        assert got.returncode == 0, got.stderr
        assert dst.read_bytes() == b"s3cmd v2 payload"
