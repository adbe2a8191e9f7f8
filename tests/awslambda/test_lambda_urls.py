"""Function URLs served by a real server: the payload format 2.0 event a function gets, the
response document it returns, and who may call (AuthType NONE through the function's policy,
AWS_IAM through SigV4)."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from invokekit import python_function

pytestmark = pytest.mark.slow

ECHO_HTTP = (
    "import json\n"
    "def handler(event, context):\n"
    "    seen = {'method': event['requestContext']['http']['method'],\n"
    "            'path': event['rawPath'], 'query': event.get('queryStringParameters'),\n"
    "            'body': event.get('body'), 'b64': event['isBase64Encoded'],\n"
    "            'version': event['version'],\n"
    "            'iam': 'authorizer' in event['requestContext']}\n"
    "    return {'statusCode': 201, 'headers': {'x-made-by': 'fn'}, 'cookies': ['a=1'],\n"
    "            'body': json.dumps(seen)}\n"
)
PLAIN = "def handler(event, context):\n    return {'just': 'data'}\n"
FAILS = "def handler(event, context):\n    raise Exception('no')\n"


def _url(lam: Any, name: str, auth: str, public: bool) -> str:
    url = lam.create_function_url_config(FunctionName=name, AuthType=auth)["FunctionUrl"]
    if public:
        lam.add_permission(
            FunctionName=name,
            StatementId="public",
            Action="lambda:InvokeFunctionUrl",
            Principal="*",
            FunctionUrlAuthType="NONE",
        )
    return str(url)


def _request(
    server: Any,
    url: str,
    method: str = "GET",
    path: str = "/",
    body: bytes = b"",
    headers: Any = None,
) -> tuple[int, dict[str, str], bytes]:
    host = urlsplit(url).netloc
    endpoint = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_public_url_gets_the_event_and_returns_the_document(
    server: Any, lam: Any, role: str
) -> None:
    name = python_function(lam, role, ECHO_HTTP)
    url = _url(lam, name, "NONE", public=True)
    assert ".lambda-url.us-east-1.localhost" in url
    status, headers, body = _request(
        server, url, "POST", "/a/b?x=1&x=2&y=3", b'{"k": 1}', {"Content-Type": "application/json"}
    )
    assert status == 201
    assert headers["x-made-by"] == "fn"
    assert headers["set-cookie"] == "a=1"
    assert json.loads(body) == {
        "method": "POST",
        "path": "/a/b",
        "query": {"x": "1,2", "y": "3"},
        "body": '{"k": 1}',
        "b64": False,
        "version": "2.0",
        "iam": False,
    }


def test_binary_body_is_base64(server: Any, lam: Any, role: str) -> None:
    name = python_function(lam, role, ECHO_HTTP)
    url = _url(lam, name, "NONE", public=True)
    _, _, body = _request(
        server, url, "PUT", "/", b"\x00\x01", {"Content-Type": "application/octet-stream"}
    )
    assert json.loads(body)["b64"] is True
    assert json.loads(body)["body"] == "AAE="


def test_plain_result_is_json_200_and_errors_are_502(server: Any, lam: Any, role: str) -> None:
    plain = python_function(lam, role, PLAIN)
    status, headers, body = _request(server, _url(lam, plain, "NONE", public=True))
    assert (status, headers["content-type"], json.loads(body)) == (
        200,
        "application/json",
        {"just": "data"},
    )
    failing = python_function(lam, role, FAILS)
    status, _, body = _request(server, _url(lam, failing, "NONE", public=True))
    assert (status, json.loads(body)) == (502, {"Message": "Internal Server Error"})


def test_none_without_a_policy_is_forbidden_and_unknown_is_404(
    server: Any, lam: Any, role: str
) -> None:
    name = python_function(lam, role, PLAIN)
    url = _url(lam, name, "NONE", public=False)
    status, _, body = _request(server, url)
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})
    unknown = url.replace(urlsplit(url).netloc.split(".")[0], "a" * 32)
    assert _request(server, unknown)[0] == 404


def test_aws_iam_url_needs_a_signature(server: Any, lam: Any, role: str) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    name = python_function(lam, role, ECHO_HTTP)
    url = _url(lam, name, "AWS_IAM", public=False)
    assert _request(server, url)[0] == 403
    signed = AWSRequest(method="GET", url=url.rstrip("/") + "/", data=b"")
    SigV4Auth(Credentials(server.access_key, server.secret_key), "lambda", "us-east-1").add_auth(
        signed
    )
    headers = {k: v for k, v in signed.headers.items() if k.lower() != "host"}
    status, _, body = _request(server, url, headers=headers)
    assert status == 201
    assert json.loads(body)["iam"] is True


def test_cors_preflight_and_allowed_origins(server: Any, lam: Any, role: str) -> None:
    name = python_function(lam, role, PLAIN)
    cors = {
        "AllowOrigins": ["https://app.example"],
        "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["x-custom"],
        "ExposeHeaders": ["x-made-by"],
        "MaxAge": 300,
    }
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", Cors=cors)[
        "FunctionUrl"
    ]
    lam.add_permission(
        FunctionName=name,
        StatementId="public",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    status, headers, body = _request(
        server,
        url,
        "OPTIONS",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert (status, body) == (200, b"")
    assert headers["access-control-allow-origin"] == "https://app.example"
    assert headers["access-control-allow-methods"] == "GET, POST"
    assert headers["access-control-allow-headers"] == "x-custom"
    assert headers["access-control-max-age"] == "300"
    status, headers, _ = _request(server, url, headers={"Origin": "https://app.example"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://app.example"
    assert headers["access-control-expose-headers"] == "x-made-by"
    _, headers, _ = _request(server, url, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in headers


def test_response_stream_urls_are_refused(lam: Any, role: str) -> None:
    import pytest
    from botocore.exceptions import ClientError
    from lambdakit import error_of

    name = python_function(lam, role, PLAIN)
    with pytest.raises(ClientError) as exc:
        lam.create_function_url_config(
            FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM"
        )
    assert error_of(exc)[0] == "InvalidParameterValueException"
