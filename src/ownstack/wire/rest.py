"""What rest-xml and rest-json share: operation matching, the non-body input locations (uri,
querystring, header, header prefix), the streaming payload, and the non-body output locations.
Subclasses supply the body format and the error shape."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from urllib.parse import unquote

from botocore.model import ListShape, OperationModel, ServiceModel, Shape

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import Headers, Payload, Request, Response
from ownstack.core.service import STATUS

from .body import body_bytes
from .restplan import Binding, InputPlan, RestPlan, Router, parse_query
from .values import (
    BadInputError,
    InvalidUriError,
    format_scalar,
    format_timestamp,
    parse_scalar,
    timestamp_format,
)

DEFAULT_MAX_BODY = 2 * 1024 * 1024


class RestCodec:
    """Base of the REST codecs. Subclasses set `protocol` and implement the `_body` hooks."""

    protocol = ""
    operation_first = False

    def __init__(
        self,
        model: ServiceModel,
        max_body: int = DEFAULT_MAX_BODY,
        preferred: frozenset[str] = frozenset(),
    ) -> None:
        self.model = model
        self.max_body = max_body
        self.router = Router(model, preferred)
        self._header_writers = {
            name: _header_writers(plan.output.headers) for name, plan in self.router.plans.items()
        }
        self._last_query: tuple[str, dict[str, list[str]]] = ("", {})

    # --- hooks ------------------------------------------------------------------------------

    def _no_route(self, req: Request) -> ServiceError:
        return ServiceError("UnknownOperationException", "Unknown operation", 404)

    def _bad_input(self, message: str) -> ServiceError:
        return ServiceError("SerializationException", message, 400)

    def _bad_uri(self, message: str) -> ServiceError:
        """A path that does not decode; by default answered like any other bad value."""
        return self._bad_input(message)

    def _too_big(self) -> ServiceError:
        return ServiceError("RequestEntityTooLargeException", "Request is too large.", 413)

    def _missing(self, plan: RestPlan, member: str) -> ServiceError:
        return ServiceError(
            "ValidationException",
            f"1 validation error detected: Value null at '{member}' failed to satisfy "
            "constraint: Member must not be null",
            400,
        )

    def _parse_body(self, plan: RestPlan, data: bytes, params: dict[str, Any]) -> None:
        raise NotImplementedError

    def _render_body(self, plan: RestPlan, result: Mapping[str, Any]) -> tuple[Payload, str]:
        raise NotImplementedError

    def _check_body(self, plan: RestPlan, req: Request, data: bytes) -> None:
        """Called with a whole non-streaming body before it is parsed (integrity checks)."""

    # --- Codec ------------------------------------------------------------------------------

    def match(self, req: Request) -> OperationModel:
        return self._match_plan(req)[0].op

    def _query(self, raw: str) -> dict[str, list[str]]:
        """The parsed query. The gateway calls match() then parse() on the same request, so the
        last result is remembered and the query is parsed once, not twice (~5 us of a presigned
        GET). Keyed by the raw text, so it never answers for another query; callers only read
        the dict, so sharing it between identical queries is safe."""
        last_raw, last = self._last_query
        if raw == last_raw:
            return last
        parsed = parse_query(raw)
        self._last_query = (raw, parsed)
        return parsed

    def _match_plan(self, req: Request) -> tuple[RestPlan, dict[str, str], dict[str, list[str]]]:
        query = self._query(req.query)
        found = self.router.match(req.method.upper(), req.path, query, req.headers.get)
        if found is None:
            raise self._no_route(req)
        return found[0], found[1], query

    async def parse(self, op: OperationModel, req: Request) -> dict[str, Any]:
        # The gateway matched already: only this operation's own path pattern runs again.
        plan = self.router.plans[op.name]
        labels = plan.path_labels(req.path)
        if labels is None:
            raise self._no_route(req)
        query = self._query(req.query)
        try:
            params = self._parse_locations(plan.input, labels, query, req.headers)
            await self._parse_payload(plan, req, params)
        except InvalidUriError as exc:
            raise self._bad_uri(exc.message) from exc
        except BadInputError as exc:
            raise self._bad_input(exc.message) from exc
        for member in plan.input.required:
            if params.get(member) is None:
                raise self._missing(plan, member)
        return params

    def _parse_locations(
        self,
        plan: InputPlan,
        labels: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Headers,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for label, raw in labels.items():
            binding = plan.uri.get(label)
            if binding is not None:
                params[binding.member] = parse_scalar(binding.shape, _unquote_label(raw))
        by_key = plan.query_map_by_key
        for key, values in query.items():
            binding = by_key.get(key)
            if binding is not None and not _empty_value(binding.shape, values):
                params[binding.member] = _query_value(binding.shape, values)
        if plan.query_map is not None:
            rest = {k: v[0] for k, v in query.items() if k not in by_key}
            if rest:
                params[plan.query_map.member] = rest
        header_map, prefixes = plan.header_map, plan.header_prefixes
        for name, text in headers.items():
            binding = header_map.get(name)
            if binding is not None:
                params[binding.member] = _header_value(binding.shape, text)
                continue
            for prefix in prefixes:
                if name.startswith(prefix.wire):
                    params.setdefault(prefix.member, {})[name[len(prefix.wire) :]] = text
        return params

    async def _parse_payload(self, plan: RestPlan, req: Request, params: dict[str, Any]) -> None:
        payload = plan.input.payload
        if payload is not None and payload.shape.serialization.get("eventstream"):
            return
        if payload is not None and _is_raw(payload.shape) and _is_streaming(payload.shape):
            # A streaming upload stays unread: the service streams it to storage.
            self._check_upload_framing(req)
            params[payload.member] = req.body
            return
        if payload is None and not plan.input.body:
            return
        data = await body_bytes(req.body, self.max_body)
        if data is None:
            raise self._too_big()
        self._check_body(plan, req, data)
        if payload is not None and _is_raw(payload.shape):
            if data:
                raw_is_text = payload.shape.type_name == "string"
                params[payload.member] = data.decode("utf-8") if raw_is_text else data
            return
        if data:
            self._parse_body(plan, data, params)

    def _check_upload_framing(self, req: Request) -> None:
        """Protocols that need an upload's length up front refuse one that declares none."""

    def serialize(
        self, op: OperationModel, result: Mapping[str, Any], ctx: RequestContext
    ) -> Response:
        plan = self.router.plans[op.name]
        out = plan.output
        headers = _output_headers(self._header_writers[op.name], result)
        for binding in out.header_prefixes:
            for key, value in (result.get(binding.member) or {}).items():
                headers.append((_no_line_breaks(binding.wire + key), _no_line_breaks(str(value))))
        status = plan.status
        if out.status_member is not None and result.get(out.status_member) is not None:
            status = int(result[out.status_member])
        status = int(result.get(STATUS, status))
        body, content_type = self._render_body(plan, result)
        if content_type:
            headers.append(("Content-Type", content_type))
        self._success_headers(headers, ctx)
        return Response(status, headers, body)

    def _success_headers(self, headers: list[tuple[str, str]], ctx: RequestContext) -> None:
        headers.append(("x-amzn-RequestId", ctx.request_id))


HeaderFormatter = Callable[[Any], str]
HeaderWriter = tuple[int, str, HeaderFormatter]
"""An output header member's position among the model's header members, wire name, formatter."""


def _header_writers(bindings: list[Binding]) -> dict[str, HeaderWriter]:
    """Member -> writer. A result names a handful of S3's ~40 output header members, so the
    serializer walks the result, not the model (measured: GetObject's headers 10 -> 4 us)."""
    return {b.member: (i, b.wire, _header_formatter(b.shape)) for i, b in enumerate(bindings)}


def _header_formatter(shape: Shape) -> HeaderFormatter:
    """`_format_header` for one shape, with the per-type dispatch done once."""
    if isinstance(shape, ListShape):
        return partial(_format_header, shape)
    kind = shape.type_name
    if kind == "string":
        return _format_text
    if kind == "timestamp":
        return partial(_format_timestamp, timestamp_format(shape, "rfc822"))
    return partial(_format_header, shape)


def _format_text(value: Any) -> str:
    return _no_line_breaks(str(value))


def _format_timestamp(fmt: str, value: Any) -> str:
    return _no_line_breaks(str(format_timestamp(value, fmt)))


def _output_headers(
    writers: Mapping[str, HeaderWriter], result: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The result's header members as (wire name, text), in the model's member order."""
    found: list[tuple[int, str, HeaderFormatter, Any]] = []
    for member, value in result.items():
        writer = writers.get(member)
        if writer is not None and value is not None:
            found.append((*writer, value))
    if len(found) > 1:
        found.sort()  # by position: positions are unique, so no later field is ever compared
    return [(wire, write(value)) for _, wire, write, value in found]


def _unquote_label(raw: str) -> str:
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidUriError("The URI is not valid UTF-8 after percent-decoding") from exc


_VALUED_TYPES = frozenset({"integer", "long", "short", "byte", "boolean", "float", "double"})


def _empty_value(shape: Shape, values: list[str]) -> bool:
    """`max-parts=`: a number or flag sent with no value is no value at all (S3 reads it as
    absent, rather than refusing it as an invalid integer)."""
    return values == [""] and shape.type_name in _VALUED_TYPES


def _query_value(shape: Shape, values: list[str]) -> Any:
    if isinstance(shape, ListShape):
        return [parse_scalar(shape.member, v) for v in values]
    return parse_scalar(shape, values[0])


def _header_value(shape: Shape, text: str) -> Any:
    if isinstance(shape, ListShape):
        return [parse_scalar(shape.member, v.strip()) for v in text.split(",")]
    return parse_scalar(shape, text)


def _format_header(shape: Shape, value: Any) -> str:
    if isinstance(shape, ListShape):
        text = ",".join(format_scalar(shape.member, v, "rfc822") for v in value)
    else:
        text = format_scalar(shape, value, "rfc822")
    return _no_line_breaks(text)


def _no_line_breaks(text: str) -> str:
    """Header values echo client input (response-content-disposition...): a CR or LF in them
    would split the response (header injection), so they become spaces."""
    if "\r" in text or "\n" in text:
        return text.replace("\r", " ").replace("\n", " ")
    return text


def _is_raw(shape: Shape) -> bool:
    return shape.type_name in ("blob", "string")


def _is_streaming(shape: Shape) -> bool:
    return bool(shape.serialization.get("streaming"))
