"""The query protocol (STS, IAM, SNS, classic SQS): `Action` + `Version` and flattened parameter
names (`Tags.member.1.Key`) in a form-encoded POST body or a GET query string; XML responses
wrapped in `<{Op}Response><{Op}Result>` with `<ResponseMetadata>`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from ownstack.core import constraints
from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import Request, Response
from ownstack.core.service import STATUS

from .body import BufferedBody, body_bytes
from .querycodes import query_error_codes
from .rest import DEFAULT_MAX_BODY
from .values import BadInputError, parse_scalar
from .xmlwrite import Writer, XmlWriters, escape_attr, escape_text

FORM = "application/x-www-form-urlencoded"


class _Form:
    """The flat parameters, plus every dotted prefix present (so "is there any `X.member.3.*`"
    is one set lookup, not a scan)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.values: dict[str, str] = {}
        self.prefixes: set[str] = set()
        for key, value in pairs:
            self.values.setdefault(key, value)
            parts = key.split(".")
            for i in range(1, len(parts)):
                self.prefixes.add(".".join(parts[:i]))

    def has(self, key: str) -> bool:
        return key in self.values or key in self.prefixes


def _parse_value(form: _Form, shape: Shape, key: str) -> Any:
    if isinstance(shape, StructureShape):
        return _parse_struct(form, shape, key + ".")
    if isinstance(shape, ListShape):
        return _parse_list(form, shape, key, [key])
    if isinstance(shape, MapShape):
        return _parse_map(form, shape, key)
    return parse_scalar(shape, form.values[key])


def _parse_struct(form: _Form, shape: StructureShape, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member_name, member in shape.members.items():
        wire = member.serialization.get("name", member_name)
        names = [wire] if wire == member_name else [wire, member_name]
        historical = member.serialization.get("queryName")
        if historical:
            names.insert(0, historical)
        if isinstance(member, ListShape) and member.serialization.get("flattened"):
            # Flattened list items may be named after the list's member (SQS's historical
            # `SendMessageBatchRequestEntry.1.Id`) or after the member itself (`Entries.1.Id`).
            item_name = member.member.serialization.get("name")
            if item_name:
                names.insert(0, item_name)
            value = _parse_list(form, member, prefix + wire, [prefix + n for n in names])
            if value is not None:
                out[member_name] = value
            continue
        for name in names:
            key = prefix + name
            if form.has(key):
                out[member_name] = _parse_value(form, member, key)
                break
    return out


def _parse_list(form: _Form, shape: ListShape, key: str, bases: list[str]) -> list[Any] | None:
    for base in bases:
        if form.values.get(base) == "":
            return []
        if shape.serialization.get("flattened"):
            item_prefix = base
        else:
            item_prefix = f"{base}.{shape.member.serialization.get('name', 'member')}"
        items = []
        i = 1
        while form.has(f"{item_prefix}.{i}"):
            items.append(_parse_value(form, shape.member, f"{item_prefix}.{i}"))
            i += 1
        if items:
            return items
    return None


def _parse_map(form: _Form, shape: MapShape, key: str) -> dict[str, Any]:
    entry = key if shape.serialization.get("flattened") else f"{key}.entry"
    key_names = _names(shape.key, "key", "Name")
    value_names = _names(shape.value, "value", "Value")
    out: dict[str, Any] = {}
    i = 1
    while form.has(f"{entry}.{i}"):
        base = f"{entry}.{i}."
        map_key = next((form.values[base + n] for n in key_names if base + n in form.values), None)
        if map_key is None:
            raise BadInputError(f"Map entry {entry}.{i} has no key")
        value_key = next((base + n for n in value_names if form.has(base + n)), None)
        out[map_key] = None if value_key is None else _parse_value(form, shape.value, value_key)
        i += 1
    return out


def _names(shape: Shape, default: str, historical: str) -> list[str]:
    name = shape.serialization.get("name", default)
    return [name] + [n for n in (default, historical) if n != name]


class QueryCodec:
    protocol = "query"
    operation_first = False

    def __init__(self, model: ServiceModel, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.model = model
        self.max_body = max_body
        api = model.metadata.get("apiVersion", "")
        default_ns = f"https://{model.endpoint_prefix}.amazonaws.com/doc/{api}/"
        self.xmlns = str(model.metadata.get("xmlNamespace") or default_ns)
        self._ops = {name: model.operation_model(name) for name in model.operation_names}
        self.xml = XmlWriters(query_names=True)
        self._writers: dict[str, Writer] = {}
        self._codes = query_error_codes(model)
        # A query request posted to a resource's own URL (SQS: POST /<account>/<queue>) names
        # that resource in this member when the form does not.
        self._path_member = str(model.metadata.get("ownstackQueryPathMember") or "")

    def match(self, req: Request) -> OperationModel:
        action = _action(req)
        if not action:
            raise ServiceError("MissingAction", "Missing Action", 400)
        op = self._ops.get(action)
        if op is None:
            raise ServiceError(
                "InvalidAction", f"The action {action} is not valid for this web service.", 400
            )
        return op

    async def parse(self, op: OperationModel, req: Request) -> dict[str, Any]:
        pairs = parse_qsl(req.query, keep_blank_values=True)
        if req.method.upper() == "POST":
            data = await body_bytes(req.body, self.max_body)
            if data is None:
                raise ServiceError("RequestEntityTooLarge", "Request is too large.", 413)
            pairs += parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True)
        shape = op.input_shape
        if shape is None:
            return {}
        try:
            params = _parse_struct(_Form(pairs), shape, "")
        except BadInputError as exc:
            raise ServiceError("MalformedInput", exc.message, 400) from exc
        self._member_from_path(shape, req, params)
        for member in shape.required_members:
            if params.get(member) is None:
                path = constraints.member_name(member)
                raise ServiceError(
                    "ValidationError",
                    f"1 validation error detected: Value null at '{path}' failed "
                    "to satisfy constraint: Member must not be null",
                    400,
                )
        return params

    def _member_from_path(
        self, shape: StructureShape, req: Request, params: dict[str, Any]
    ) -> None:
        member = self._path_member
        if not member or member not in shape.members or params.get(member) is not None:
            return
        if req.path in ("", "/"):
            return
        host = req.headers.get("host") or "localhost"
        params[member] = f"http://{host}{req.path}"

    def serialize(
        self, op: OperationModel, result: Mapping[str, Any], ctx: RequestContext
    ) -> Response:
        name = op.name
        parts = [f'<{name}Response xmlns="{escape_attr(self.xmlns)}">']
        self._writer(op)(result, parts)
        parts.append(
            f"<ResponseMetadata><RequestId>{escape_text(ctx.request_id)}</RequestId>"
            f"</ResponseMetadata></{name}Response>"
        )
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", ctx.request_id)]
        return Response(int(result.get(STATUS, 200)), headers, "".join(parts).encode())

    def _writer(self, op: OperationModel) -> Writer:
        """Writes `<{Op}Result>...</{Op}Result>` (compiled on first use, then cached)."""
        found = self._writers.get(op.name)
        if found is not None:
            return found
        shape = op.output_shape
        writer: Writer = _no_result
        if isinstance(shape, StructureShape):
            wrapper = shape.serialization.get("resultWrapper", f"{op.name}Result")
            children = self.xml.members(shape)
            open_tag, close_tag = f"<{wrapper}>", f"</{wrapper}>"

            def writer(result: Any, out: list[str]) -> None:
                out.append(open_tag)
                children(result, out)
                out.append(close_tag)

        self._writers[op.name] = writer
        return writer

    def serialize_error(
        self, err: ServiceError, ctx: RequestContext, op: OperationModel | None
    ) -> Response:
        kind = "Sender" if err.sender_fault else "Receiver"
        code = self._codes.get(err.code, err.code)
        fields = "".join(f"<{k}>{escape_text(str(v))}</{k}>" for k, v in err.fields.items())
        body = (
            f'<ErrorResponse xmlns="{escape_attr(self.xmlns)}"><Error><Type>{kind}</Type>'
            f"<Code>{escape_text(code)}</Code><Message>{escape_text(err.message)}</Message>"
            f"{fields}</Error><RequestId>{escape_text(ctx.request_id)}</RequestId></ErrorResponse>"
        )
        headers = [
            ("Content-Type", "text/xml"),
            ("x-amzn-RequestId", ctx.request_id),
            *err.headers.items(),
        ]
        return Response(err.status, headers, body.encode())


def _no_result(result: Any, out: list[str]) -> None:
    return None


def _action(req: Request) -> str:
    for key, value in parse_qsl(req.query, keep_blank_values=True):
        if key == "Action":
            return value
    if isinstance(req.body, BufferedBody):
        for key, value in parse_qsl(req.body.data.decode("utf-8", "replace")):
            if key == "Action":
                return value
    return ""
