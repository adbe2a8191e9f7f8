"""What a target receives: the event, or what its Input, InputPath or InputTransformer make of it
(EventBridge User Guide, "Amazon EventBridge input transformation").

An InputTransformer fills `<name>` placeholders of its InputTemplate with the values its
InputPathsMap selects from the event, and the predefined aws.events.rule-arn,
aws.events.rule-name, aws.events.event.ingestion-time, aws.events.event (the event without
its detail) and aws.events.event.json (the whole event). A template that is JSON (starts with
`{` or `[`) gets each value as JSON where the placeholder stands bare (a string in quotes; a
path that selects nothing: null), and as text inside a string (escaped; nothing: empty). A
template that is not JSON gets each value as text. The two event placeholders are always
inserted as JSON, unescaped, as AWS says ("can only be used as a value for a JSON field").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .jsonpath import MISSING, parse_path, select

PLACEHOLDER = re.compile(r"<([^<>]+)>")
RULE_ARN, RULE_NAME = "aws.events.rule-arn", "aws.events.rule-name"
INGESTION_TIME, EVENT, EVENT_JSON = (
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
)
PREDEFINED = frozenset({RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT, EVENT_JSON})
_RAW_JSON = frozenset({EVENT, EVENT_JSON})


@dataclass(frozen=True, slots=True)
class Matched:
    """One event as one rule matched it."""

    event: Mapping[str, Any]
    text: str
    """The event as JSON text (what a target without Input* receives)."""
    rule_arn: str
    rule_name: str
    ingestion_time: str


def target_input(target: Mapping[str, Any], matched: Matched) -> str:
    """The body `target` receives for `matched`."""
    if "Input" in target:
        return str(target["Input"])
    if "InputPath" in target:
        value = select(matched.event, str(target["InputPath"]))
        return "" if value is MISSING else compact(value)
    transformer = target.get("InputTransformer")
    if isinstance(transformer, Mapping):
        return transform(transformer, matched)
    return matched.text


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def transform(transformer: Mapping[str, Any], matched: Matched) -> str:
    template = str(transformer["InputTemplate"])
    values = _values(transformer.get("InputPathsMap") or {}, matched)
    as_json = template.lstrip()[:1] in ("{", "[")
    quoted = _quoted_spans(template) if as_json else []
    out: list[str] = []
    last = 0
    for match in PLACEHOLDER.finditer(template):
        name = match.group(1)
        if name not in values:
            continue  # not a variable: left as it is
        out.append(template[last : match.start()])
        inside = any(start < match.start() < end for start, end in quoted)
        out.append(_render(name, values[name], as_json, inside))
        last = match.end()
    out.append(template[last:])
    return "".join(out)


def _values(paths: Mapping[str, Any], matched: Matched) -> dict[str, Any]:
    event = dict(matched.event)
    values: dict[str, Any] = {name: select(event, str(path)) for name, path in paths.items()}
    without_detail = {k: v for k, v in event.items() if k != "detail"}
    values.update(
        {
            RULE_ARN: matched.rule_arn,
            RULE_NAME: matched.rule_name,
            INGESTION_TIME: matched.ingestion_time,
            EVENT: without_detail,
            EVENT_JSON: event,
        }
    )
    return values


def _render(name: str, value: Any, as_json: bool, inside: bool) -> str:
    if name in _RAW_JSON:
        return compact(value)
    if value is MISSING:
        return "null" if as_json and not inside else ""
    if as_json and not inside:
        return compact(value)
    text = value if isinstance(value, str) else compact(value)
    return json.dumps(text, ensure_ascii=False)[1:-1] if inside else text


def _quoted_spans(template: str) -> list[tuple[int, int]]:
    """(start, end) of each JSON string literal of `template` (positions of its quotes)."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    escaped = False
    for index, char in enumerate(template):
        if start is None:
            if char == '"':
                start = index
            continue
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            spans.append((start, index))
            start = None
    return spans


def check_transformer(target_id: str, transformer: Mapping[str, Any]) -> str | None:
    """Why PutTargets refuses `transformer` (None: it does not)."""
    paths = transformer.get("InputPathsMap") or {}
    for name, path in paths.items():
        if name in PREDEFINED or str(name).lower().startswith("aws."):
            return f"InputTransformer for target {target_id} contains reserved key {name}."
        if parse_path(str(path)) is None:
            return f"InputPathsMap for target {target_id} contains invalid JSON path {path}."
    for name in PLACEHOLDER.findall(str(transformer.get("InputTemplate", ""))):
        if name not in paths and name not in PREDEFINED:
            return f"InputTemplate for target {target_id} contains invalid placeholder {name}."
    return None
