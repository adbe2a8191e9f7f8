"""CORS of the JSON-protocol services (DynamoDB, Kinesis, SQS's JSON protocol...), which AWS
lets any web page call (the requests are signed and carry no cookies): an answer to a request
with an `Origin` allows every origin and exposes AWS's response headers; a preflight (`OPTIONS`)
allows, for two days, whatever method and headers it asks for. S3, whose CORS is each bucket's
own configuration, is cors.py.

On ownstack's one endpoint a preflight is told from an S3 one by what it asks to send: only
the JSON protocol sends `X-Amz-Target`, which names the operation.
"""

from __future__ import annotations

from ownstack.core.http import Request, Response

EXPOSED = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
MAX_AGE = "172800"
_TARGET = "x-amz-target"


def is_json_preflight(req: Request) -> bool:
    if req.method != "OPTIONS" or not req.headers.get("origin"):
        return False
    if _TARGET in req.headers:
        return True
    asked = req.headers.get("access-control-request-headers") or ""
    return _TARGET in (name.strip().lower() for name in asked.split(","))


def preflight(req: Request) -> Response:
    headers = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", EXPOSED),
        ("Access-Control-Max-Age", MAX_AGE),
    ]
    for asked, allowed in (
        ("access-control-request-method", "Access-Control-Allow-Methods"),
        ("access-control-request-headers", "Access-Control-Allow-Headers"),
    ):
        value = req.headers.get(asked)
        if value is not None:
            headers.append((allowed, value))
    return Response(200, headers, b"")


def is_json_request(req: Request) -> bool:
    """A browser's request (it names its Origin) to a JSON-protocol service."""
    return bool(req.headers.get("origin")) and _TARGET in req.headers


def allow(resp: Response) -> None:
    """The CORS headers of an answer to a JSON-protocol request from a web page."""
    resp.headers.append(("Access-Control-Allow-Origin", "*"))
    resp.headers.append(("Access-Control-Expose-Headers", EXPOSED))
