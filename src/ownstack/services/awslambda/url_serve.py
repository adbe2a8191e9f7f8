"""Function URLs, served: an HTTP request to `<url id>.lambda-url.<region>.localhost` becomes
a payload format 2.0 event, and the function's answer becomes the HTTP response, as AWS's
"Invoking Lambda function URLs" page describes:

- a result with `statusCode` is a response document (statusCode, headers, cookies, body,
  isBase64Encoded); any other JSON result is the body of a 200 application/json response;
- a function error, timeout or crash is 502 "Internal Server Error"; a throttle 429.

The gateway decides who may call (AuthType NONE or AWS_IAM, the function's resource policy on
lambda:InvokeFunctionUrl) before this runs.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import Response

from .invoke_ops import SYNC_LIMIT, InvokeOps
from .resolve import ResolvedFunction
from .url_cors import decorate, preflight

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


@dataclass(frozen=True, slots=True)
class UrlRequest:
    method: str
    path: str
    query: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str
    host: str


def _json_response(status: int, message: str) -> Response:
    body = json.dumps({"Message": message}).encode()
    return Response(status, [("Content-Type", "application/json")], body)


@dataclass(frozen=True, slots=True)
class UrlTarget:
    resolved: ResolvedFunction
    auth_type: str
    cors: Mapping[str, Any] | None


class UrlServeOps(InvokeOps):
    async def url_target(self, url_id: str) -> UrlTarget | None:
        """What the URL `url_id` runs, its AuthType and Cors; None when there is no such URL."""
        found = await self.resolve_url(url_id)
        if found is None:
            return None
        resolved, record = found
        return UrlTarget(resolved, record.auth_type, record.cors)

    def url_preflight(self, target: UrlTarget, req: UrlRequest) -> Response | None:
        """The answer to a CORS preflight (no function runs), or None."""
        return preflight(target.cors, req.method, req.headers)

    async def serve_url(
        self, ctx: RequestContext, target: UrlTarget, url_id: str, req: UrlRequest
    ) -> Response:
        response = await self._serve(ctx, target.resolved, url_id, req)
        return decorate(target.cors, req.headers, response)

    async def _serve(
        self, ctx: RequestContext, resolved: ResolvedFunction, url_id: str, req: UrlRequest
    ) -> Response:
        if len(req.body) > SYNC_LIMIT:
            return _json_response(413, "Request must be smaller than 6291456 bytes")
        event = url_event(ctx, url_id, req)
        try:
            ran = await self.run(resolved, json.dumps(event).encode(), ctx.request_id)
        except ServiceError as err:
            if err.status == 429:
                return _json_response(429, "Rate Exceeded.")
            return _json_response(502, "Internal Server Error")
        if ran.answer.function_error:
            return _json_response(502, "Internal Server Error")
        return url_response(ran.answer.payload)


def _headers(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Header names lower-cased; repeated headers joined with commas (cookies go apart)."""
    joined: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        if key == "cookie":
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _query(raw: str) -> dict[str, str] | None:
    from urllib.parse import parse_qsl

    params: dict[str, str] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params or None


def _is_text(headers: Mapping[str, str]) -> bool:
    kind = headers.get("content-type", "")
    return kind.startswith(_TEXT_TYPES)


def url_event(ctx: RequestContext, url_id: str, req: UrlRequest) -> dict[str, Any]:
    headers = _headers(req.headers)
    cookies = [
        c.strip() for n, v in req.headers if n.lower() == "cookie" for c in v.split(";") if c
    ]
    now = datetime.now(UTC)
    text = _is_text(headers) or not req.body
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": req.path,
        "rawQueryString": req.query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous" if ctx.principal.is_anonymous else ctx.account_id,
            "apiId": url_id,
            "domainName": req.host.partition(":")[0],
            "domainPrefix": url_id,
            "http": {
                "method": req.method,
                "path": req.path,
                "protocol": "HTTP/1.1",
                "sourceIp": req.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": ctx.request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": not text,
    }
    if cookies:
        event["cookies"] = cookies
    query = _query(req.query)
    if query:
        event["queryStringParameters"] = query
    if req.body:
        event["body"] = (
            req.body.decode("utf-8", "replace") if text else base64.b64encode(req.body).decode()
        )
    if not ctx.principal.is_anonymous:
        event["requestContext"]["authorizer"] = {"iam": _iam(ctx)}
    return event


def _iam(ctx: RequestContext) -> dict[str, Any]:
    principal = ctx.principal
    return {
        "accessKey": principal.access_key,
        "accountId": principal.account_id,
        "callerId": principal.user_id,
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": principal.arn,
        "userId": principal.user_id,
    }


def url_response(payload: bytes) -> Response:
    """The HTTP response for what the function returned."""
    try:
        doc = json.loads(payload) if payload else None
    except ValueError:
        return Response(200, [("Content-Type", "application/json")], payload)
    if not isinstance(doc, dict) or "statusCode" not in doc:
        return Response(200, [("Content-Type", "application/json")], payload)
    try:
        return _document_response(doc)
    except (TypeError, ValueError, binascii.Error):
        return _json_response(502, "Internal Server Error")


def _document_response(doc: dict[str, Any]) -> Response:
    status = int(doc["statusCode"])
    if not 100 <= status <= 599:
        raise ValueError(status)
    headers = [(str(k), str(v)) for k, v in (doc.get("headers") or {}).items()]
    headers += [("Set-Cookie", str(c)) for c in doc.get("cookies") or ()]
    body = doc.get("body")
    if body is None:
        data = b""
    elif doc.get("isBase64Encoded"):
        data = base64.b64decode(str(body), validate=True)
    else:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return Response(status, headers, data)
