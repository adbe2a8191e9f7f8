"""What the S3 website endpoint answers besides objects: its HTML error pages (not S3's XML
errors) and its redirects.

An error page lists the error as the website endpoint does ("404 Not Found", then Code,
Message, the Key or BucketName, RequestId, HostId), and, when the bucket's custom error document
could not be served either, that failure under "An Error Occurred While Attempting to Retrieve a
Custom Error Document". The error's code and message also go in x-amz-error-code and
x-amz-error-message headers, as S3 sends them (a HEAD answer has no page to read them from).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape, unescape
from http import HTTPStatus

from ownstack.core.http import Response

_MESSAGES = {
    "NoSuchKey": "The specified key does not exist.",
    "NoSuchBucket": "The specified bucket does not exist",
    "AccessDenied": "Access Denied",
    "PreconditionFailed": "At least one of the pre-conditions you specified did not hold",
    "InvalidRange": "The requested range is not satisfiable",
    "InvalidObjectState": "The operation is not valid for the object's storage class",
    "InternalError": "We encountered an internal error. Please try again.",
}
"""Messages of the errors a read can end in, for reads without a body to take them from
(HEAD)."""
_MESSAGE = re.compile(rb"<Message>(.*?)</Message>", re.DOTALL)
_PHRASES = {500: "Service Error"}
"""Where the website endpoint's status line differs from HTTP's reason phrase."""


@dataclass(slots=True)
class Failure:
    status: int
    code: str
    message: str
    details: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of_read(cls, resp: Response, code: str, key: str) -> Failure:
        """The error an S3 read of `key` answered (its XML body, when it has one)."""
        message = _MESSAGES.get(code, "")
        if isinstance(resp.body, bytes):
            found = _MESSAGE.search(resp.body)
            if found is not None:
                message = unescape(found.group(1).decode("utf-8", "replace"))
        failure = cls(resp.status, code or _code_of(resp.status), message)
        if failure.code == "NoSuchKey":
            failure.details.append(("Key", key))
        return failure

    def lines(self) -> list[str]:
        items = [("Code", self.code), ("Message", self.message), *self.details]
        return [f"<li>{name}: {escape(value, quote=False)}</li>" for name, value in items]


def _code_of(status: int) -> str:
    return {404: "NoSuchKey", 403: "AccessDenied"}.get(status, "InternalError")


def no_such_bucket(bucket: str) -> Failure:
    return Failure(404, "NoSuchBucket", _MESSAGES["NoSuchBucket"], [("BucketName", bucket)])


def no_such_website(bucket: str) -> Failure:
    return Failure(
        404,
        "NoSuchWebsiteConfiguration",
        "The specified bucket does not have a website configuration",
        [("BucketName", bucket)],
    )


def method_not_allowed(method: str) -> Failure:
    return Failure(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        [("Method", method.upper()), ("ResourceType", "OBJECT")],
    )


def access_denied() -> Failure:
    return Failure(403, "AccessDenied", _MESSAGES["AccessDenied"])


def error_page(
    failure: Failure, request_id: str, host_id: str, document: Failure | None = None
) -> Response:
    title = f"{failure.status} {_PHRASES.get(failure.status) or HTTPStatus(failure.status).phrase}"
    lines = [
        "<html>",
        f"<head><title>{title}</title></head>",
        "<body>",
        f"<h1>{title}</h1>",
        "<ul>",
        *failure.lines(),
        f"<li>RequestId: {escape(request_id)}</li>",
        f"<li>HostId: {escape(host_id)}</li>",
        "</ul>",
    ]
    if document is not None:
        lines += [
            "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>",
            "<ul>",
            *document.lines(),
            "</ul>",
        ]
    lines += ["<hr/>", "</body>", "</html>", ""]
    body = "\n".join(lines).encode()
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("x-amz-id-2", host_id),
    ]
    name_error(headers, failure)
    return Response(failure.status, headers, body)


def name_error(headers: list[tuple[str, str]], failure: Failure) -> None:
    headers.append(("x-amz-error-code", failure.code))
    headers.append(("x-amz-error-message", failure.message))


def redirect(status: int, location: str) -> Response:
    return Response(status, [("Location", location), ("Content-Length", "0")], b"")
