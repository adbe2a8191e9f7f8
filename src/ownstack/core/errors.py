"""The one error type a service raises: AWS's error code, HTTP status and message."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An AWS-shaped error. The wire layer renders it in the service's protocol.

    `fields` are extra elements AWS includes beside Code and Message (S3's BucketName, Key,
    Condition, ArgumentName...), `headers` extra response headers (x-amz-delete-marker...).
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        sender_fault: bool = True,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.fields = fields or {}
        self.headers = headers or {}


def not_implemented(operation: str) -> ServiceError:
    """What AWS answers for functionality a server does not implement."""
    return ServiceError(
        "NotImplemented",
        f"The operation {operation} is not implemented by ownstack.",
        501,
        sender_fault=False,
    )


def request_timeout() -> ServiceError:
    """S3's answer to a client that stopped sending its request body without closing."""
    return ServiceError(
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the"
        " timeout period. Idle connections will be closed.",
        400,
    )


def internal_error() -> ServiceError:
    return ServiceError(
        "InternalError",
        "We encountered an internal error. Please try again.",
        500,
        sender_fault=False,
    )
