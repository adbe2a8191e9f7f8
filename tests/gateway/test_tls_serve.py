"""HTTPS beside HTTP (`serve --tls`, docs/tls.md) on one real server: S3, SQS, presigned URLs,
function URLs and the aws CLI over TLS with the generated certificate as the CA bundle, the
request knowing it is secure (aws:SecureTransport), and plain HTTP still served."""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, SSLError

from gateway.tlskit import exports, https_client, ownstack, tls_request
from ownserver import ServerHandle, free_port


@pytest.fixture(scope="module")
def tls_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def srv(
    tmp_path_factory: pytest.TempPathFactory,
    launch_server: Callable[..., ServerHandle],
    tls_port: int,
) -> Iterator[ServerHandle]:
    handle = launch_server(
        tmp_path_factory.mktemp("tls") / "data", args=["--tls", "--tls-port", str(tls_port)]
    )
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def ca(srv: ServerHandle) -> Path:
    return srv.data_dir / "tls" / "cert.pem"


@pytest.fixture(scope="module")
def s3(srv: ServerHandle, tls_port: int, ca: Path) -> Any:
    return https_client(srv, tls_port, ca, "s3")


def _bucket(s3: Any) -> str:
    name = f"tls-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def test_the_generated_certificate_is_kept_in_the_data_dir(srv: ServerHandle, ca: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

    key = srv.data_dir / "tls" / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(ca.stat().st_mode) == 0o644
    cert = x509.load_pem_x509_certificate(ca.read_bytes())
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) >= {
        "localhost",
        "*.localhost",
        "*.s3.localhost",
        "*.lambda-url.us-east-1.localhost",
    }
    assert {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert datetime.timedelta(days=3649) < lifetime < datetime.timedelta(days=3651)
    assert "https://127.0.0.1:" in srv.log()  # the start-up line names both endpoints


def test_s3_over_https_and_the_same_objects_over_http(srv: ServerHandle, s3: Any) -> None:
    bucket = _bucket(s3)
    small, large = os.urandom(1024), os.urandom(3 * 1024 * 1024 + 7)  # large: past sendfile's size
    s3.put_object(Bucket=bucket, Key="small", Body=small)
    s3.put_object(Bucket=bucket, Key="large", Body=large)
    assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == small
    got = s3.get_object(Bucket=bucket, Key="large")
    assert got["ContentLength"] == len(large)
    assert got["Body"].read() == large  # encrypted whole: never sendfile'd in plain text
    ranged = s3.get_object(Bucket=bucket, Key="large", Range="bytes=100000-2200000")
    assert ranged["Body"].read() == large[100000:2200001]
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("large", len(large)), ("small", 1024)]
    plain = srv.client("s3")
    assert plain.get_object(Bucket=bucket, Key="large")["Body"].read() == large


def test_a_client_that_does_not_trust_the_certificate_is_refused(
    srv: ServerHandle, tls_port: int
) -> None:
    untrusting = srv.client("s3", endpoint_url=f"https://127.0.0.1:{tls_port}")
    with pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        untrusting.list_buckets()


def test_sqs_over_https_names_its_queues_with_the_https_endpoint(
    srv: ServerHandle, tls_port: int, ca: Path
) -> None:
    sqs = https_client(srv, tls_port, ca, "sqs")
    name = f"tls-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"https://127.0.0.1:{tls_port}/{srv.account_id}/{name}"
    sqs.send_message(QueueUrl=url, MessageBody="over tls")
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in messages] == ["over tls"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    plain_url = srv.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    assert plain_url == f"http://127.0.0.1:{srv.port}/{srv.account_id}/{name}"


def test_presigned_urls_over_https_sign_the_tls_port(
    srv: ServerHandle, s3: Any, tls_port: int, ca: Path
) -> None:
    from botocore.config import Config

    bucket = _bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"presigned body")
    v4 = Config(signature_version="s3v4")  # boto3 presigns S3 with SigV2 unless told
    secure = srv.client(
        "s3", endpoint_url=f"https://127.0.0.1:{tls_port}", verify=str(ca), config=v4
    )
    url = secure.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    assert "X-Amz-Signature=" in url
    assert url.startswith(f"https://127.0.0.1:{tls_port}/{bucket}/k?")
    context = ssl.create_default_context(cafile=str(ca))
    with urllib.request.urlopen(url, context=context, timeout=10) as resp:
        assert resp.read() == b"presigned body"
    # The same URL signed for the HTTP port's Host does not verify on the HTTPS port.
    plain_signed = srv.client("s3", config=v4).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}
    )
    wrong = plain_signed.replace(f"http://127.0.0.1:{srv.port}", f"https://127.0.0.1:{tls_port}")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(wrong, context=context, timeout=10)
    assert refused.value.code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in refused.value.read()
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"presigned body"


def test_the_request_knows_it_came_over_tls(srv: ServerHandle, s3: Any) -> None:
    """aws:SecureTransport is "true" over HTTPS only: a bucket policy that denies insecure
    requests refuses plain HTTP and lets HTTPS through."""
    bucket = _bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"secret")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    with pytest.raises(ClientError) as denied:
        srv.client("s3").get_object(Bucket=bucket, Key="k")
    error = denied.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "AccessDenied",
        403,
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"secret"


def test_sse_c_needs_the_https_port(srv: ServerHandle, s3: Any) -> None:
    """Customer-provided keys only over a secure connection, as S3 says."""
    bucket = _bucket(s3)
    key = os.urandom(32)
    sse = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}
    s3.put_object(Bucket=bucket, Key="k", Body=b"sealed", **sse)
    assert s3.get_object(Bucket=bucket, Key="k", **sse)["Body"].read() == b"sealed"
    with pytest.raises(ClientError) as refused:
        srv.client("s3").put_object(Bucket=bucket, Key="plain", Body=b"x", **sse)
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InvalidRequest",
        400,
    )
    assert error["Error"]["Message"] == (
        "Requests specifying Server Side Encryption with Customer provided keys must be made "
        "over a secure connection."
    )
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]


def test_aws_cli_with_the_exports_of_ownstack_env(
    srv: ServerHandle, tls_port: int, ca: Path, tmp_path: Path
) -> None:
    env_out = ownstack("env", "--data", str(srv.data_dir), "--tls", "--tls-port", str(tls_port))
    assert env_out.returncode == 0, env_out.stderr
    printed = exports(env_out.stdout)
    assert printed["AWS_ENDPOINT_URL"] == f"https://127.0.0.1:{tls_port}"
    assert printed["AWS_CA_BUNDLE"] == str(ca)
    exe = Path(sys.executable).parent / "aws"
    aws = str(exe) if exe.exists() else shutil.which("aws")
    if aws is None:
        pytest.skip("aws CLI is not installed")
    (tmp_path / "config").write_text("[default]\ns3 =\n    addressing_style = path\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OWNSTACK_"))}
    env.update(printed)
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    bucket = f"tls-cli-{uuid.uuid4().hex[:8]}"
    upload = tmp_path / "up.txt"
    upload.write_bytes(b"from the aws cli over https\n")

    def aws_cli(*args: str) -> str:
        proc = subprocess.run(
            [aws, "--output", "json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    aws_cli("s3", "mb", f"s3://{bucket}")
    aws_cli("s3", "cp", str(upload), f"s3://{bucket}/up.txt")
    aws_cli("s3", "cp", f"s3://{bucket}/up.txt", str(tmp_path / "down.txt"))
    assert (tmp_path / "down.txt").read_bytes() == upload.read_bytes()
    # aws CLI v1 points `sqs` at queue.amazonaws.com whatever AWS_ENDPOINT_URL says (its own
    # customization): the endpoint is given; the CA bundle still comes from the environment.
    endpoint = ["--endpoint-url", printed["AWS_ENDPOINT_URL"]]
    created = aws_cli(*endpoint, "sqs", "create-queue", "--queue-name", bucket)
    queue = json.loads(created)["QueueUrl"]
    assert queue.startswith(f"https://127.0.0.1:{tls_port}/")


def test_tls_sessions_are_resumed(tls_port: int, ca: Path, srv: ServerHandle) -> None:
    context = ssl.create_default_context(cafile=str(ca))
    request = b"GET /_ownstack/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    session = None
    reused = []
    for _ in range(2):
        with (
            socket.create_connection(("127.0.0.1", tls_port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1", session=session) as sock,
        ):
            sock.sendall(request)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")
            assert sock.version() == "TLSv1.3"
            reused.append(sock.session_reused)
            session = sock.session
    assert reused == [False, True]


def test_plain_http_on_the_tls_port_gets_no_answer(srv: ServerHandle, tls_port: int) -> None:
    with socket.create_connection(("127.0.0.1", tls_port), timeout=10) as sock:
        sock.sendall(b"GET /_ownstack/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(4096) == b""  # the handshake fails: the connection is closed
    status, _, _ = tls_request(tls_port, srv.data_dir / "tls" / "cert.pem", "/_ownstack/health")
    assert status == 200


# -- function URLs -----------------------------------------------------------------------------

HANDLER = (
    "import json\n"
    "def handler(event, context):\n"
    "    return {'statusCode': 200, 'body': json.dumps({'path': event['rawPath'],\n"
    "            'iam': 'authorizer' in event['requestContext']})}\n"
)


def _python_runtime_missing() -> str | None:
    import tempfile

    from ownstack.backends.process import open_runtime
    from ownstack.core.clock import SystemClock
    from ownstack.ports.engine import EngineContext

    with tempfile.TemporaryDirectory() as scratch:
        return open_runtime(EngineContext(Path(scratch), {}, SystemClock())).unavailable(
            "python3.12"
        )


@pytest.fixture(scope="module")
def function(srv: ServerHandle, tls_port: int, ca: Path) -> str:
    if (why := _python_runtime_missing()) is not None:
        pytest.skip(f"python3.12 functions cannot run here: {why}")
    iam = https_client(srv, tls_port, ca, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName="tls-fn", AssumeRolePolicyDocument=json.dumps(trust))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("index.py", HANDLER)
    lam = https_client(srv, tls_port, ca, "lambda")
    lam.create_function(
        FunctionName="tls-fn",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="tls-fn")
    return "tls-fn"


def test_function_urls_over_https(
    srv: ServerHandle, tls_port: int, ca: Path, function: str
) -> None:
    lam = https_client(srv, tls_port, ca, "lambda")
    url = lam.create_function_url_config(FunctionName=function, AuthType="NONE")["FunctionUrl"]
    assert url.startswith("https://") and url.endswith(
        f".lambda-url.us-east-1.localhost:{tls_port}/"
    )
    lam.add_permission(
        FunctionName=function,
        StatementId="public",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    host = url.removeprefix("https://").rstrip("/")
    # The certificate is verified for the URL's own host name (*.lambda-url.<region>.localhost).
    status, _, body = tls_request(tls_port, ca, "/over/tls", host=host)
    assert status == 200, body
    assert json.loads(body) == {"path": "/over/tls", "iam": False}
    lam.update_function_url_config(FunctionName=function, AuthType="AWS_IAM")
    deadline = time.monotonic() + 10
    status, _, _ = tls_request(tls_port, ca, "/unsigned", host=host)
    while status != 403 and time.monotonic() < deadline:  # a cached record may serve once more
        time.sleep(0.1)
        status, _, _ = tls_request(tls_port, ca, "/unsigned", host=host)
    assert status == 403
    signed = _sigv4_headers(srv, f"https://{host}/signed")
    status, _, body = tls_request(tls_port, ca, "/signed", host=host, headers=signed)
    assert status == 200, body
    assert json.loads(body) == {"path": "/signed", "iam": True}


def _sigv4_headers(srv: ServerHandle, url: str) -> dict[str, str]:
    """SigV4 (service lambda) over the URL, whose Host carries the TLS port."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(srv.access_key, srv.secret_key), "lambda", srv.region).add_auth(request)
    return {k: v for k, v in request.headers.items() if k.lower() != "host"}
