"""The contract between the gateway and one protocol of one service model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from botocore.model import OperationModel

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import Request, Response


class Codec(Protocol):
    """Parses requests and serializes results and errors for one protocol of one service."""

    protocol: str
    """botocore's protocol name: "rest-xml", "query", "json" or "rest-json"."""
    operation_first: bool
    """The request's operation is found (and an unknown one refused) before its signature is
    checked, as DynamoDB does: `match` needs no body then."""

    def match(self, req: Request) -> OperationModel:
        """The operation this request calls. Raises ServiceError (the protocol's own code for an
        unknown action / method, e.g. InvalidAction, UnknownOperationException,
        MethodNotAllowed) when none fits."""
        ...

    async def parse(self, op: OperationModel, req: Request) -> dict[str, Any]:
        """The operation's input as a dict keyed by member name. Non-streaming bodies are read
        whole, capped at the service's limit (ServiceError beyond it); a streaming payload
        member is left unread as the request's BodyReader. Malformed input raises the
        protocol's ServiceError (MalformedXML, SerializationException, ...)."""
        ...

    def serialize(
        self, op: OperationModel, result: Mapping[str, Any], ctx: RequestContext
    ) -> Response:
        """The success response for `result` (keyed by output member names)."""
        ...

    def serialize_error(
        self, err: ServiceError, ctx: RequestContext, op: OperationModel | None
    ) -> Response:
        """The error response, shaped as this protocol renders errors, with the request id."""
        ...


class ServiceWire(Protocol):
    """A service model and a codec for every protocol that service has ever used on the wire
    (SQS: json and query), chosen per request."""

    name: str
    """botocore's service name: "s3", "sts", "sqs"..."""

    def codec_for(self, req: Request) -> Codec: ...

    @property
    def operation_names(self) -> list[str]: ...
