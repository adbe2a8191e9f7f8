"""S3's errors for bad configuration documents and request members, shared by every
configuration area (CORS, lifecycle, notifications, Object Lock, ownership, ...) so the codes and
messages are written once."""

from __future__ import annotations

from ownstack.core.errors import ServiceError

MALFORMED_XML = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)


def malformed_xml() -> ServiceError:
    return ServiceError("MalformedXML", MALFORMED_XML)


def invalid_request(message: str) -> ServiceError:
    return ServiceError("InvalidRequest", message)


def invalid_argument(message: str, name: str = "", value: str | None = None) -> ServiceError:
    """InvalidArgument, naming the argument (and its value, when given) as S3 does."""
    fields: dict[str, str] = {}
    if name:
        fields["ArgumentName"] = name
    if value is not None:
        fields["ArgumentValue"] = value
    return ServiceError("InvalidArgument", message, fields=fields or None)
