"""Per-operation plans for the REST protocols (rest-xml, rest-json), computed once per model.

A plan says where every input member lives (uri label, query key, header, header prefix, payload,
body) and what the request must look like to be this operation. The router picks the operation
for a request: its path template must match, the template's literal query keys (`?tagging`,
`?list-type=2`) must be present, and among those the most specific wins — the most literal query
keys; required query members count as literal keys (`UploadPart` needs `partNumber` and
`uploadId`). Then the most required headers present (that is how S3 tells UploadPartCopy from
UploadPart and CopyObject from PutObject), then the fewest requirements, then the
non-deprecated, then a service's preferred operation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from botocore.model import OperationModel, ServiceModel, Shape, StructureShape

IGNORED_LITERALS = frozenset({"x-id"})
"""Literal query keys botocore adds for routing on its side only; servers ignore them."""


@dataclass(frozen=True, slots=True)
class Binding:
    member: str
    wire: str
    shape: Shape


@dataclass(slots=True)
class InputPlan:
    uri: dict[str, Binding] = field(default_factory=dict)
    query: list[Binding] = field(default_factory=list)
    query_map: Binding | None = None
    headers: list[Binding] = field(default_factory=list)
    header_prefixes: list[Binding] = field(default_factory=list)
    payload: Binding | None = None
    body: list[Binding] = field(default_factory=list)
    required: tuple[str, ...] = ()
    header_map: dict[str, Binding] = field(default_factory=dict)
    """Lower-cased header name -> binding (a request has fewer headers than S3 has members)."""
    query_map_by_key: dict[str, Binding] = field(default_factory=dict)


@dataclass(slots=True)
class OutputPlan:
    headers: list[Binding] = field(default_factory=list)
    header_prefixes: list[Binding] = field(default_factory=list)
    status_member: str | None = None
    payload: Binding | None = None
    body: list[Binding] = field(default_factory=list)


@dataclass(slots=True)
class RestPlan:
    op: OperationModel
    method: str
    path_template: str
    literals: tuple[tuple[str, str | None], ...]
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    input: InputPlan
    output: OutputPlan
    status: int
    path_regex: re.Pattern[str] = field(default_factory=lambda: re.compile(""))
    labels: list[str] = field(default_factory=list)

    def path_labels(self, path: str) -> dict[str, str] | None:
        """The raw (percent-encoded) uri label values in `path`, or None when it does not fit."""
        found = self.path_regex.fullmatch(path)
        if found is None:
            return None
        return dict(zip(self.labels, found.groups(), strict=True))

    def literals_ok(self, query: Mapping[str, list[str]]) -> bool:
        for key, value in self.literals:
            got = query.get(key)
            if got is None or (value is not None and value not in got):
                return False
        return all(key in query for key in self.required_query)

    def satisfied(self, headers: Callable[[str], Any]) -> int:
        return sum(1 for name in self.required_headers if headers(name) is not None)


def _bindings(shape: StructureShape | None) -> Iterable[tuple[str, Shape, str | None, str]]:
    if shape is None:
        return ()
    return (
        (name, m, m.serialization.get("location"), m.serialization.get("name", name))
        for name, m in shape.members.items()
    )


def input_plan(op: OperationModel) -> InputPlan:
    plan = InputPlan()
    shape = op.input_shape
    payload = shape.serialization.get("payload") if shape is not None else None
    for name, member, location, wire in _bindings(shape):
        binding = Binding(name, wire, member)
        if location == "uri":
            plan.uri[wire] = binding
        elif location == "querystring":
            if member.type_name == "map":
                plan.query_map = binding
            else:
                plan.query.append(binding)
        elif location == "header":
            plan.headers.append(Binding(name, wire.lower(), member))
        elif location == "headers":
            plan.header_prefixes.append(Binding(name, wire.lower(), member))
        elif name == payload:
            plan.payload = binding
        else:
            plan.body.append(binding)
    plan.required = tuple(shape.required_members) if shape is not None else ()
    plan.header_map = {b.wire: b for b in plan.headers}
    plan.query_map_by_key = {b.wire: b for b in plan.query}
    return plan


def output_plan(op: OperationModel) -> OutputPlan:
    plan = OutputPlan()
    shape = op.output_shape
    payload = shape.serialization.get("payload") if shape is not None else None
    for name, member, location, wire in _bindings(shape):
        binding = Binding(name, wire, member)
        if location == "header":
            plan.headers.append(binding)
        elif location == "headers":
            plan.header_prefixes.append(binding)
        elif location == "statusCode":
            plan.status_member = name
        elif name == payload:
            plan.payload = binding
        else:
            plan.body.append(binding)
    return plan


def _literals(query_template: str) -> tuple[tuple[str, str | None], ...]:
    out: list[tuple[str, str | None]] = []
    for part in query_template.split("&"):
        if not part:
            continue
        key, eq, value = part.partition("=")
        if key in IGNORED_LITERALS or (eq and value.startswith("{")):
            # `?uploadId={UploadId}`: the key must be present; the member carries the value.
            if key not in IGNORED_LITERALS:
                out.append((key, None))
            continue
        out.append((key, value if eq else None))
    return tuple(out)


def build_plan(op: OperationModel) -> RestPlan:
    http = op.http
    path, _, query = http["requestUri"].partition("?")
    inp = input_plan(op)
    required = set(inp.required)
    literal_keys = {k for k, _ in _literals(query)}
    req_query = tuple(
        b.wire for b in inp.query if b.member in required and b.wire not in literal_keys
    )
    req_headers = tuple(b.wire for b in inp.headers if b.member in required)
    return RestPlan(
        op=op,
        method=http["method"].upper(),
        path_template=path,
        literals=_literals(query),
        required_query=req_query,
        required_headers=req_headers,
        input=inp,
        output=output_plan(op),
        status=int(http.get("responseCode", 200)),
    )


_LABEL = re.compile(r"\{([^}+]+)(\+?)\}")


def compile_path(template: str) -> re.Pattern[str]:
    """`/{Bucket}/{Key+}` -> a regex with one named group per label (greedy labels span '/'),
    and no other group, so `groups()` lists the labels' values in order.
    A trailing '/' is tolerated after a non-greedy last label (`/bucket/` is the bucket)."""
    pattern: list[str] = []
    pos = 0
    for i, m in enumerate(_LABEL.finditer(template)):
        pattern.append(re.escape(template[pos : m.start()]))
        pattern.append(f"(?P<g{i}>.+)" if m.group(2) else f"(?P<g{i}>[^/]+)")
        pos = m.end()
    pattern.append(re.escape(template[pos:]))
    tail = "/?" if template.endswith("}") and not template.endswith("+}") else ""
    return re.compile("".join(pattern) + tail)


def path_labels(template: str) -> list[str]:
    return [m.group(1) for m in _LABEL.finditer(template)]


@dataclass(slots=True)
class Route:
    regex: re.Pattern[str]
    labels: list[str]
    plans: list[RestPlan]
    always: list[RestPlan] = field(default_factory=list)
    """Plans that need no query key: candidates for every request on this path."""
    by_key: dict[str, list[RestPlan]] = field(default_factory=dict)
    """Plans by one query key they need: candidates only when that key is present (S3 has ~40
    operations on `GET /{Bucket}`; a request names one or two of their keys)."""

    def __post_init__(self) -> None:
        for plan in self.plans:
            needed = [k for k, _ in plan.literals] + list(plan.required_query)
            if needed:
                self.by_key.setdefault(needed[0], []).append(plan)
            else:
                self.always.append(plan)

    def candidates(self, query: Mapping[str, list[str]]) -> list[RestPlan]:
        found = list(self.always)
        for key in query:
            found += self.by_key.get(key, ())
        return found


def _route_order(route: Route) -> tuple[int, int]:
    literal_chars = len(_LABEL.sub("", route.plans[0].path_template))
    return (-literal_chars, len(route.labels))


class Router:
    """Method + path + query + headers -> (plan, uri label values still percent-encoded)."""

    def __init__(self, model: ServiceModel, preferred: frozenset[str] = frozenset()) -> None:
        self.plans: dict[str, RestPlan] = {}
        grouped: dict[tuple[str, str], list[RestPlan]] = {}
        for name in model.operation_names:
            plan = build_plan(model.operation_model(name))
            self.plans[name] = plan
            grouped.setdefault((plan.method, plan.path_template), []).append(plan)
        self._preferred = preferred
        self._routes: dict[str, list[Route]] = {}
        for (method, template), plans in grouped.items():
            route = Route(compile_path(template), path_labels(template), plans)
            for plan in plans:
                plan.path_regex, plan.labels = route.regex, route.labels
            self._routes.setdefault(method, []).append(route)
        for routes in self._routes.values():
            routes.sort(key=_route_order)

    def match(
        self, method: str, path: str, query: Mapping[str, list[str]], headers: Callable[[str], Any]
    ) -> tuple[RestPlan, dict[str, str]] | None:
        for route in self._routes.get(method, ()):
            found = route.regex.fullmatch(path)
            if found is None:
                continue
            plan = self._best(route.candidates(query), query, headers)
            if plan is not None:
                return plan, dict(zip(route.labels, found.groups(), strict=True))
        return None

    def _best(
        self, plans: list[RestPlan], query: Mapping[str, list[str]], headers: Callable[[str], Any]
    ) -> RestPlan | None:
        fitting = [plan for plan in plans if plan.literals_ok(query)]
        if len(fitting) == 1:
            # One candidate (GetObject on `GET /{Bucket}/{Key+}` with no query key): no ranking.
            return fitting[0]
        best: RestPlan | None = None
        best_key: tuple[int, int, int, bool, bool] | None = None
        for plan in fitting:
            key = (
                -len(plan.literals) - len(plan.required_query),
                -plan.satisfied(headers),
                len(plan.required_query) + len(plan.required_headers),
                bool(plan.op.deprecated),
                plan.op.name not in self._preferred,
            )
            if best_key is None or key < best_key:
                best, best_key = plan, key
        return best


def parse_query(raw: str) -> dict[str, list[str]]:
    """The query string as key -> values (blank values kept: `?uploads` has key `uploads`).

    Exactly `parse_qsl(raw, keep_blank_values=True)`, minus its per-field calls where a field
    needs no decoding (most of a presigned URL's nine fields): ~3x faster on a presigned query.
    """
    out: dict[str, list[str]] = {}
    if not raw:
        return out
    for field_text in raw.split("&"):
        if not field_text:
            continue
        key, _, value = field_text.partition("=")
        key, value = _form_decode(key), _form_decode(value)
        found = out.get(key)
        if found is None:
            out[key] = [value]
        else:
            found.append(value)
    return out


def _form_decode(text: str) -> str:
    """What parse_qsl does to a key or a value: '+' is a space, then percent-decoding (UTF-8,
    invalid sequences replaced)."""
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    return _percent_decode(text) if len(text) <= _REMEMBERED_FIELD else unquote(text)


_REMEMBERED_FIELD = 256  # longest field remembered: the cache holds at most ~1 MiB of text


@lru_cache(maxsize=4096)
def _percent_decode(text: str) -> str:
    """unquote, remembered: a client repeats the same encoded fields (a presigned URL's
    X-Amz-Credential, ~2 us to decode, is the same all day), and decoding is a pure function."""
    return unquote(text)
