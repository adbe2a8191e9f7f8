"""DynamoDB called from a web page: the preflight a browser sends before a DynamoDB call (it
asks to send X-Amz-Target) is allowed for any origin, echoing what it asks for, and the call's
answer allows any origin and exposes AWS's response headers."""

from __future__ import annotations

import json
from typing import Any

import requests
from rawreq import post, signed

ORIGIN = "https://app.example"
EXPOSED = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"


def test_preflight_for_a_dynamodb_call_is_allowed(server: Any) -> None:
    asked = "authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent"
    resp = requests.options(
        server.endpoint + "/",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": asked,
        },
        timeout=30,
    )
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Allow-Methods"] == "POST"
    assert resp.headers["Access-Control-Allow-Headers"] == asked
    assert resp.headers["Access-Control-Max-Age"] == "172800"
    assert resp.headers["Access-Control-Expose-Headers"] == EXPOSED


def test_dynamodb_answers_to_a_web_page_allow_any_origin(server: Any) -> None:
    url, headers = signed(server, "ListTables", b"{}", {"Origin": ORIGIN})
    resp = post(url, headers, b"{}")
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Expose-Headers"] == EXPOSED
    assert "Access-Control-Max-Age" not in resp.headers
    # Errors too: the page must be able to read why its call failed.
    body = json.dumps({"TableName": "no-such-table"}).encode()
    url, headers = signed(server, "DescribeTable", body, {"Origin": ORIGIN})
    resp = post(url, headers, body)
    assert resp.status_code == 400
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_no_origin_no_cors_headers(server: Any) -> None:
    url, headers = signed(server, "ListTables", b"{}")
    resp = post(url, headers, b"{}")
    assert not [h for h in resp.headers if h.lower().startswith("access-control-")]
