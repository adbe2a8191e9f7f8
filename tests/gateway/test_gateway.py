"""The gateway end to end: a real server process driven by boto3 and raw HTTP."""

from __future__ import annotations

import http.client
import json
import re
import socket
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REQUEST_ID = re.compile(r"^[0-9A-F]{16}$")
"""S3's (and the internal endpoints'); the other services' ids are UUIDs, as on AWS."""
UUID_REQUEST_ID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    resp = exc.value.response
    return (
        resp["Error"]["Code"],
        resp["ResponseMetadata"]["HTTPStatusCode"],
        resp["Error"]["Message"],
    )


def _presigned(server: Any, method: str, params: dict[str, str]) -> str:
    """A SigV4 presigned URL (boto3 presigns S3 with SigV2 unless told otherwise)."""
    s3 = server.client("s3", config=Config(signature_version="s3v4"))
    url: str = s3.generate_presigned_url(method, Params=params)
    return url


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def _metric(text: str, name: str, labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(f"{name}{{{labels}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _metrics(server: Any) -> str:
    status, headers, body = _get(f"{server.endpoint}/metrics")
    assert status == 200
    assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return body.decode()


# --- STS -----------------------------------------------------------------------------------


def test_get_caller_identity_is_the_root_user(server: Any) -> None:
    resp = server.client("sts").get_caller_identity()
    assert resp["Account"] == server.account_id
    assert resp["Arn"] == f"arn:aws:iam::{server.account_id}:root"
    assert resp["UserId"] == server.account_id
    headers = resp["ResponseMetadata"]["HTTPHeaders"]
    assert UUID_REQUEST_ID.match(headers["x-amz-request-id"])
    assert resp["ResponseMetadata"]["RequestId"] == headers["x-amz-request-id"]
    assert headers["server"] == "ownstack"


def test_wrong_secret_is_signature_does_not_match(server: Any) -> None:
    sts = server.client("sts", aws_secret_access_key="not-the-secret-" + "x" * 25)
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    code, status, message = _error(exc)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message.startswith("The request signature we calculated does not match")
    headers = exc.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert UUID_REQUEST_ID.match(headers["x-amz-request-id"])


def test_unknown_access_key_is_invalid_client_token_id(server: Any) -> None:
    sts = server.client("sts", aws_access_key_id="AKIAUNKNOWNKEY000000")
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert _error(exc) == (
        "InvalidClientTokenId",
        403,
        "The security token included in the request is invalid.",
    )


def test_unimplemented_sts_operation_is_not_implemented(server: Any) -> None:
    sts = server.client("sts")
    with pytest.raises(ClientError) as exc:
        sts.assume_root(
            TargetPrincipal="123456789012",
            TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"},
        )
    code, status, _ = _error(exc)
    assert (code, status) == ("NotImplemented", 501)


def test_unsigned_no_auth_operation_reaches_the_service(server: Any) -> None:
    """STS's web-identity and SAML calls are unsigned on AWS (the token is the credential):
    they are answered by the operation (here NotImplemented), not MissingAuthenticationToken."""
    sts = server.client("sts")
    with pytest.raises(ClientError) as exc:
        sts.assume_role_with_web_identity(
            RoleArn="arn:aws:iam::123456789012:role/x",
            RoleSessionName="sess",
            WebIdentityToken="x" * 20,
        )
    code, status, _ = _error(exc)
    assert (code, status) == ("NotImplemented", 501)


def test_unsigned_sts_call_is_missing_authentication_token(server: Any) -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    req = urllib.request.Request(
        f"{server.endpoint}/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    assert exc.value.code == 403
    text = exc.value.read().decode()
    assert "<Code>MissingAuthenticationToken</Code>" in text
    assert UUID_REQUEST_ID.match(exc.value.headers["x-amz-request-id"])


# --- internal endpoints --------------------------------------------------------------------


def test_health_reports_every_backend(server: Any) -> None:
    status, headers, body = _get(f"{server.endpoint}/_ownstack/health")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert REQUEST_ID.match(headers["x-amz-request-id"])
    assert json.loads(body) == {
        "status": "ok",
        "backends": {
            "meta": {"engine": "sqlite", "ready": True},
            "blobs": {"engine": "fs", "ready": True},
            "queue": {"engine": "sqlite", "ready": True},
            "logs": {"engine": "sqlite", "ready": True},
            "runtime": {"engine": "process", "ready": True},
        },
    }


def test_health_is_degraded_when_a_backend_is_not_ready(fresh_server: Any) -> None:
    import shutil

    srv = fresh_server()
    shutil.rmtree(srv.data_dir / "blobs")
    status, _, body = _get(f"{srv.endpoint}/_ownstack/health")
    assert status == 503
    assert json.loads(body) == {
        "status": "degraded",
        "backends": {
            "meta": {"engine": "sqlite", "ready": True},
            "blobs": {"engine": "fs", "ready": False},
            "queue": {"engine": "sqlite", "ready": True},
            "logs": {"engine": "sqlite", "ready": True},
            "runtime": {"engine": "process", "ready": True},
        },
    }


def test_log_level_warning_silences_the_access_log(fresh_server: Any) -> None:
    srv = fresh_server(env={"OWNSTACK_LOG_LEVEL": "WARNING"})
    srv.client("sts").get_caller_identity()
    assert srv.stop() == 0
    assert [line for line in srv.log().splitlines() if line.startswith("{")] == []


def test_metrics_count_the_request_with_its_labels(server: Any) -> None:
    ok = 'service="sts",operation="GetCallerIdentity",status="200",error_code=""'
    bad = 'service="sts",operation="",status="403",error_code="SignatureDoesNotMatch"'
    before = _metrics(server)
    server.client("sts").get_caller_identity()
    with pytest.raises(ClientError):
        server.client("sts", aws_secret_access_key="y" * 40).get_caller_identity()
    after = _metrics(server)
    total = "http_server_requests_total"
    assert _metric(after, total, ok) - _metric(before, total, ok) == 1
    assert _metric(after, total, bad) - _metric(before, total, bad) == 1
    duration = "http_server_request_duration_seconds"
    assert _metric(after, f"{duration}_count", ok) == _metric(after, total, ok)
    assert _metric(after, f"{duration}_bucket", ok + ',le="+Inf"') == _metric(after, total, ok)
    assert f"# TYPE {duration} histogram" in after
    assert f"# TYPE {total} counter" in after


def test_signed_get_of_metrics_path_is_s3(server: Any) -> None:
    """A bucket may be named "metrics": signed requests for /metrics belong to S3."""
    s3 = server.client("s3")
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket="metrics")
    assert _error(exc)[:2] == ("NoSuchBucket", 404)


# --- S3 through the gateway ----------------------------------------------------------------


@pytest.fixture
def bucket(server: Any) -> Any:
    s3 = server.client("s3")
    name = f"gw-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    for obj in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=obj["Key"])
    s3.delete_bucket(Bucket=name)


def test_s3_responses_carry_request_ids(server: Any, bucket: str) -> None:
    resp = server.client("s3").put_object(Bucket=bucket, Key="k", Body=b"v")
    headers = resp["ResponseMetadata"]["HTTPHeaders"]
    assert REQUEST_ID.match(headers["x-amz-request-id"])
    assert headers["x-amz-id-2"]
    assert headers["server"] == "ownstack"


def test_s3_unsigned_request_is_access_denied(server: Any, bucket: str) -> None:
    status, headers, body = _get(f"{server.endpoint}/{bucket}/nothing")
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    assert REQUEST_ID.match(headers["x-amz-request-id"])
    assert headers["x-amz-id-2"]


def _signed_raw(
    server: Any, method: str, host: str, path: str, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """Sign for `host` (a virtual host) but connect to 127.0.0.1, as if DNS pointed there."""
    url = f"http://{host}{path}"
    req = AWSRequest(method=method, url=url, data=body, headers={"Host": host})
    creds = Credentials(server.access_key, server.secret_key)
    S3SigV4Auth(creds, "s3", server.region).add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=dict(req.headers.items()))
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("base", ["s3.localhost", "localhost", "s3.us-east-1.amazonaws.com"])
def test_virtual_host_addressing_keeps_the_raw_key(server: Any, bucket: str, base: str) -> None:
    key = "dir/a b+c%/ü?"
    server.client("s3").put_object(Bucket=bucket, Key=key, Body=b"hello vhost")
    encoded = "/dir/a%20b%2Bc%25/%C3%BC%3F"
    status, headers, body = _signed_raw(server, "GET", f"{bucket}.{base}:{server.port}", encoded)
    assert (status, body) == (200, b"hello vhost")
    assert REQUEST_ID.match(headers["x-amz-request-id"])


def test_virtual_host_bucket_listing(server: Any, bucket: str) -> None:
    server.client("s3").put_object(Bucket=bucket, Key="listed", Body=b"1")
    host = f"{bucket}.s3.localhost:{server.port}"
    status, _, body = _signed_raw(server, "GET", host, "/?list-type=2")
    assert status == 200
    assert f"<Name>{bucket}</Name>".encode() in body
    assert b"<Key>listed</Key>" in body


def _resolves(name: str) -> bool:
    try:
        return any(info[4][0] == "127.0.0.1" for info in socket.getaddrinfo(name, 80))
    except OSError:
        return False


def test_virtual_host_with_boto3(server: Any, bucket: str) -> None:
    if not _resolves(f"{bucket}.s3.localhost"):
        pytest.skip("*.s3.localhost does not resolve here (covered by the raw Host tests)")
    s3 = server.client(
        "s3",
        endpoint_url=f"http://s3.localhost:{server.port}",
        config=Config(s3={"addressing_style": "virtual"}),
    )
    s3.put_object(Bucket=bucket, Key="v/k", Body=b"virtual")
    assert s3.get_object(Bucket=bucket, Key="v/k")["Body"].read() == b"virtual"


def test_head_has_headers_but_no_body(server: Any, bucket: str) -> None:
    s3 = server.client("s3")
    s3.put_object(Bucket=bucket, Key="h", Body=b"12345")
    url = _presigned(server, "head_object", {"Bucket": bucket, "Key": "h"})
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("HEAD", url.split(f":{server.port}", 1)[1])
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.getheader("Content-Length") == "5"
        assert REQUEST_ID.match(resp.getheader("x-amz-request-id") or "")
        assert resp.read() == b""
    finally:
        conn.close()


def test_access_log_line_is_json_without_signatures(server: Any, bucket: str) -> None:
    s3 = server.client("s3")
    s3.put_object(Bucket=bucket, Key="logged", Body=b"abc")
    url = _presigned(server, "get_object", {"Bucket": bucket, "Key": "logged"})
    status, headers, body = _get(url)
    assert (status, body) == (200, b"abc")
    signature = re.search(r"X-Amz-Signature=([0-9a-f]+)", url)
    assert signature is not None
    line = _log_line(server, headers["x-amz-request-id"])
    assert signature.group(1) not in line["path"]
    assert "X-Amz-Signature=REDACTED" in line["path"]
    assert "X-Amz-Credential=REDACTED" in line["path"]
    assert line["path"].startswith(f"/{bucket}/logged?")
    assert {k: line[k] for k in ("method", "service", "operation", "status", "error_code")} == {
        "method": "GET",
        "service": "s3",
        "operation": "GetObject",
        "status": 200,
        "error_code": "",
    }
    assert line["principal"] == f"arn:aws:iam::{server.account_id}:root"
    assert line["bytes_out"] == 3
    assert line["remote"].startswith("127.0.0.1")
    assert isinstance(line["duration_ms"], float | int)


def _log_line(server: Any, request_id: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for raw in server.log().splitlines():
            if request_id in raw and raw.startswith("{"):
                entry: dict[str, Any] = json.loads(raw)
                if entry.get("request_id") == request_id:
                    return entry
        time.sleep(0.05)
    raise AssertionError(f"no access log line for {request_id}")


# --- services ownstack does not serve yet --------------------------------------------------


def test_unserved_service_answers_not_implemented_in_its_protocol(server: Any) -> None:
    kinesis = server.client("kinesis")
    with pytest.raises(ClientError) as exc:
        kinesis.list_streams()
    code, status, _ = _error(exc)
    assert (code, status) == ("NotImplemented", 501)


def test_unknown_service_is_not_implemented_and_mints_no_series(server: Any) -> None:
    from botocore.auth import SigV4Auth

    req = AWSRequest(method="GET", url=f"{server.endpoint}/", headers={"Host": "127.0.0.1"})
    SigV4Auth(Credentials(server.access_key, server.secret_key), "nosuchsvc", "us-east-1").add_auth(
        req
    )
    status, headers, body = _get(f"{server.endpoint}/", dict(req.headers.items()))
    assert status == 501
    assert b"<Code>NotImplemented</Code>" in body
    assert b"The service nosuchsvc is not implemented by ownstack." in body
    assert REQUEST_ID.match(headers["x-amz-request-id"])
    assert "nosuchsvc" not in _metrics(server)
