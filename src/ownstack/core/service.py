"""How the gateway calls a service: by operation name, with the parsed parameters.

A service is a plain object whose async methods are named after the operations in snake case
as botocore spells them (`PutObject` -> `put_object`, `ListObjectsV2` -> `list_objects_v2`).
Parameters and results are dicts keyed by the model's member names (`Bucket`, `Key`, `Body`...).
A streaming input member arrives as a `BodyReader`; a streaming output member may be any
`Payload`. A missing method means the operation is not implemented (AWS's NotImplemented),
and the coverage table (scripts/gen_coverage.py) is derived from exactly this lookup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from botocore import xform_name

from ownstack.core.context import RequestContext

Params = dict[str, Any]
Result = dict[str, Any]
Handler = Callable[[RequestContext, Params], Awaitable[Result]]


def find_handler(service: object, operation: str) -> Handler | None:
    """The service's method for `operation`, or None when it is not implemented."""
    method = getattr(service, xform_name(operation), None)
    return method if callable(method) else None


@runtime_checkable
class ListsMissingMembers(Protocol):
    """A service whose validator names the required members a request lacks together with
    its other constraint violations, in one message and its own order (DynamoDB's: "3
    validation errors detected: Value 'a;' at 'tableName' ...; Value null at 'item' ...")."""

    def violations_with_missing(
        self, operation: str, params: Params, missing: list[str]
    ) -> list[str] | None:
        """Every violation of the request, each of `missing` (the paths of the required
        members it lacks, as the wire names them) in its place; None: the wire's own list."""


STATUS = "__status__"
"""A result key a handler may set to override the model's HTTP status (S3's 206 for a range)."""


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event of an event-stream output member (InvokeWithResponseStream's EventStream):
    a service yields these and the wire layer frames them (wire/eventstream.py)."""

    event_type: str
    """The member of the stream's union: "PayloadChunk", "InvokeComplete"..."""
    payload: bytes
    content_type: str = "application/octet-stream"
