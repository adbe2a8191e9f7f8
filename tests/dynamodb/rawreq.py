"""Hand-made DynamoDB requests, for what boto3 will not send: odd headers, bodies that are
not what they claim, signatures changed after signing."""

from __future__ import annotations

from typing import Any

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signed(
    server: Any, operation: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """(url, headers) of a DynamoDB request signed by the server's root key; `headers` are
    added (and signed) beside the usual ones."""
    request = AWSRequest(
        method="POST",
        url=server.endpoint + "/",
        data=body,
        headers={
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
            **(headers or {}),
        },
    )
    credentials = Credentials(server.access_key, server.secret_key)
    SigV4Auth(credentials, "dynamodb", server.region).add_auth(request)
    return server.endpoint + "/", dict(request.headers.items())


def post(url: str, headers: dict[str, str], body: bytes = b"") -> requests.Response:
    return requests.post(url, headers=headers, data=body, timeout=30)
