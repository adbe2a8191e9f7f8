"""The JSON protocols: awsJson 1.0/1.1 (`json`: operation in X-Amz-Target, POST /) and rest-json
(REST bindings plus JSON bodies)."""

from __future__ import annotations

import base64
import copy
import zlib
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape, StructureShape

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import Payload, Request, Response
from ownstack.core.service import STATUS

from .body import body_bytes
from .error_types import (
    QUALIFIED_NAMESPACES,
    QualifiedErrors,
    java_namespace,
    qualified_errors,
    required_members,
)
from .eventstream import framed
from .jsonshape import (
    Convert,
    JsonConverters,
    JsonParsers,
    decode_document,
    encode_document,
    to_json,
)
from .querycodes import query_error_codes
from .rest import DEFAULT_MAX_BODY, RestCodec
from .restplan import RestPlan
from .values import BadInputError

CRC32_SERVICES = frozenset({"dynamodb"})
"""Services whose every answer carries `x-amz-crc32`, the CRC32 of its body, as DynamoDB's
does (the SDKs check it and retry a response damaged in transit)."""
SILENT_SERVICES = frozenset({"dynamodb"})
"""Services whose operations without an output structure answer with an empty body, not
`{}`, as DynamoDB's TagResource and UntagResource do (clients that read the body raw see
the difference)."""
MEDIA_ECHOING_SERVICES = frozenset({"dynamodb"})
"""Services that answer in the media type they were sent: `application/json` to a request that
does not say `application/x-amz-json-1.0` (DynamoDB takes both, and answers so)."""
PLAIN_JSON = "application/json"
EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream"


def _no_output(result: Mapping[str, Any]) -> Any:
    return {}  # an operation without an output structure answers `{}`


def _as_it_is(result: Mapping[str, Any]) -> Any:
    return result


def _error_body(err: ServiceError, qualified: QualifiedErrors | None = None) -> dict[str, Any]:
    if qualified is None:
        doc: dict[str, Any] = {"__type": err.code, "message": err.message}
    else:
        doc = qualified.body(err)
    doc.update({k: _json_ready(v) for k, v in err.fields.items() if k not in doc})
    return doc


def _json_ready(value: Any) -> Any:
    """An error member as JSON: blobs (DynamoDB's B in a returned Item) as base64 text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


class JsonCodec:
    """awsJson1_0 / awsJson1_1."""

    protocol = "json"

    def __init__(self, model: ServiceModel, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.model = model
        self.max_body = max_body
        self.target_prefix = str(model.metadata.get("targetPrefix", ""))
        self.content_type = f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"
        self.query_compatible = "awsQueryCompatible" in model.metadata
        self.query_codes = query_error_codes(model) if self.query_compatible else {}
        self._ops = {name: model.operation_model(name) for name in model.operation_names}
        self.json = JsonConverters()
        self.parsers = JsonParsers(
            java_namespace(model), text_booleans=model.service_name in QUALIFIED_NAMESPACES
        )
        self.checksummed = model.service_name in CRC32_SERVICES
        self.silent = model.service_name in SILENT_SERVICES
        self.qualified = qualified_errors(model)
        self.required = required_members(model)
        self.operation_first = self.qualified is not None  # Coral: UnknownOperation first
        self._out: dict[str, Convert] = {}
        """Operation name -> its result's converter to the JSON document."""
        self._plain: JsonCodec | None = None
        if model.service_name in MEDIA_ECHOING_SERVICES:
            self._plain = copy.copy(self)  # shares the converters; answers application/json
            self._plain.content_type = PLAIN_JSON

    def answering(self, req: Request) -> JsonCodec:
        """The codec that answers `req`: in the media type it was sent, for the services that
        do so."""
        if self._plain is None:
            return self
        media = (req.headers.get("content-type") or "").partition(";")[0].strip().lower()
        return self if media == self.content_type else self._plain

    def match(self, req: Request) -> OperationModel:
        target = req.headers.get("x-amz-target") or ""
        prefix, _, name = target.rpartition(".")
        op = self._ops.get(name)
        if op is None or prefix != self.target_prefix or req.method.upper() != "POST":
            raise ServiceError(
                "UnknownOperationException", f"Unknown operation {target or '(none)'}", 400
            )
        return op

    async def parse(self, op: OperationModel, req: Request) -> dict[str, Any]:
        data = await body_bytes(req.body, self.max_body)
        if data is None:
            raise ServiceError("RequestEntityTooLarge", "Request is too large.", 413)
        shape = op.input_shape
        if shape is None:
            return {}
        try:
            params: dict[str, Any] = self.parsers.of(shape)(self._document(data))
        except BadInputError as exc:
            raise ServiceError("SerializationException", exc.message, 400) from exc
        self._check_required(op.name, shape, params)
        return params

    def _check_required(self, operation: str, shape: Shape, params: dict[str, Any]) -> None:
        if self.qualified is not None:
            # Every one, at any depth, as AWS names them (the services' code may then rely on
            # what the model requires being there).
            paths = (
                self.required.missing(shape, params) if isinstance(shape, StructureShape) else []
            )
            if paths:
                raise self.qualified.missing(operation, paths, params)
            return
        missing = [m for m in shape.required_members if params.get(m) is None]
        if missing:
            raise self._missing(missing[0])

    def _document(self, data: bytes) -> dict[str, Any]:
        """The body as a JSON object. A blank body is `{}`, except to the services whose
        errors are qualified (DynamoDB): they refuse it, as one that is not a JSON object, with
        a SerializationException that says nothing more, as AWS's do."""
        blank = not data or data.isspace()  # (isspace, not strip: no copy of the body)
        if self.qualified is None:
            doc = {} if blank else decode_document(data)
            if not isinstance(doc, dict):
                raise BadInputError("Request body must be a JSON object")
            return doc
        try:
            found = None if blank else decode_document(data)
        except BadInputError:
            found = None
        if not isinstance(found, dict):
            raise ServiceError("SerializationException", "", 400)
        return found

    def _missing(self, member: str) -> ServiceError:
        if self.query_compatible:
            return ServiceError(
                "MissingParameter", f"The request must contain the parameter {member}.", 400
            )
        return ServiceError(
            "ValidationException",
            f"1 validation error detected: Value null at '{member}' failed to satisfy "
            "constraint: Member must not be null",
            400,
        )

    def serialize(
        self, op: OperationModel, result: Mapping[str, Any], ctx: RequestContext
    ) -> Response:
        convert = self._out.get(op.name)
        if convert is None:
            # Per operation, once: finding a shape's converter costs more than most converting.
            convert = self._out[op.name] = self._output_converter(op)
        body = b"" if convert is _no_output and self.silent else encode_document(convert(result))
        headers = [("Content-Type", self.content_type), ("x-amzn-RequestId", ctx.request_id)]
        return self._response(int(result.get(STATUS, 200)), headers, body)

    def _response(self, status: int, headers: list[tuple[str, str]], body: bytes) -> Response:
        if self.checksummed:
            headers.append(("x-amz-crc32", str(zlib.crc32(body))))
        return Response(status, headers, body)

    def _output_converter(self, op: OperationModel) -> Convert:
        shape = op.output_shape
        if not isinstance(shape, StructureShape):
            return _no_output
        convert = self.json.of(shape)
        return _as_it_is if convert is None else convert

    def serialize_error(
        self, err: ServiceError, ctx: RequestContext, op: OperationModel | None
    ) -> Response:
        headers = [("Content-Type", self.content_type), ("x-amzn-RequestId", ctx.request_id)]
        if self.query_compatible:
            fault = "Sender" if err.sender_fault else "Receiver"
            code = self.query_codes.get(err.code, err.code)
            headers.append(("x-amzn-query-error", f"{code};{fault}"))
        headers.extend(err.headers.items())
        body = _error_body(err, self.qualified)
        return self._response(err.status, headers, encode_document(body))


class RestJsonCodec(RestCodec):
    protocol = "rest-json"

    def __init__(self, model: ServiceModel, max_body: int = DEFAULT_MAX_BODY) -> None:
        super().__init__(model, max_body)
        self.json = JsonConverters()
        self.parsers = JsonParsers(
            java_namespace(model), text_booleans=model.service_name in QUALIFIED_NAMESPACES
        )

    def _parse_body(self, plan: RestPlan, data: bytes, params: dict[str, Any]) -> None:
        doc = decode_document(data)
        payload = plan.input.payload
        if payload is not None:
            params[payload.member] = self.parsers.of(payload.shape)(doc)
            return
        shape = plan.op.input_shape
        if not isinstance(shape, StructureShape) or not isinstance(doc, dict):
            raise BadInputError("Request body must be a JSON object")
        body_members = {b.member for b in plan.input.body}
        parsed = self.parsers.of(shape)(doc)
        params.update({k: v for k, v in parsed.items() if k in body_members})

    def _render_body(self, plan: RestPlan, result: Mapping[str, Any]) -> tuple[Payload, str]:
        out = plan.output
        if out.payload is not None:
            value = result.get(out.payload.member)
            if out.payload.shape.type_name in ("blob", "string"):
                if value is None:
                    return b"", ""
                raw: Payload = value.encode("utf-8") if isinstance(value, str) else value
                return raw, ""
            if value is None:
                return b"", ""
            if out.payload.shape.serialization.get("eventstream"):
                # The service hands over its events as they come (an async iterable of
                # StreamEvent); each goes out framed, chunked.
                return framed(value), EVENT_STREAM_TYPE
            return encode_document(to_json(self.json, out.payload.shape, value)), "application/json"
        shape = plan.op.output_shape
        if not out.body or not isinstance(shape, StructureShape):
            return b"", ""
        only = frozenset(b.member for b in out.body)
        doc = _apply_only(self.json, shape, only, result)
        return encode_document(doc), "application/json"

    def serialize_error(
        self, err: ServiceError, ctx: RequestContext, op: OperationModel | None
    ) -> Response:
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", ctx.request_id),
            ("x-amzn-ErrorType", err.code),
            *err.headers.items(),
        ]
        body = {k: v for k, v in _error_body(err).items() if k != "__type"}
        return Response(err.status, headers, encode_document(body))


def _apply_only(
    converters: JsonConverters, shape: StructureShape, only: frozenset[str], value: Any
) -> Any:
    convert = converters.of(shape, only)
    return value if convert is None else convert(value)
