"""The JSON paths EventBridge takes in InputPath and InputPathsMap: `$`, then `.name` steps,
`[n]` indices and `*` / `[*]` wildcards (EventBridge User Guide, "input transformation":
dot notation, dashes, underscores, alphanumerics, array indices, wildcards)."""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+|\*)\]")
MISSING = object()


def parse_path(path: str) -> tuple[str, ...] | None:
    """The steps of `path` (names, "[n]" indices, "*"), or None when it is not one."""
    if not path.startswith("$"):
        return None
    steps: list[str] = []
    index = 1
    while index < len(path):
        match = _STEP.match(path, index)
        if match is None:
            return None
        name, bracket = match.group(1), match.group(2)
        steps.append(name if name is not None else ("*" if bracket == "*" else f"[{bracket}]"))
        index = match.end()
    return tuple(steps)


def select(doc: Any, path: str) -> Any:
    """The value at `path` in `doc` (a list when a wildcard is on the way); MISSING when there
    is none."""
    steps = parse_path(path)
    if steps is None:
        return MISSING
    nodes, many = [doc], False
    for step in steps:
        nodes, many = _step(nodes, step), many or step == "*"
        if not nodes:
            return [] if many else MISSING
    return nodes if many else nodes[0]


def _step(nodes: list[Any], step: str) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        if step == "*":
            if isinstance(node, list):
                out.extend(node)
            elif isinstance(node, dict):
                out.extend(node.values())
        elif step.startswith("[") and step[1:-1].isdigit():
            position = int(step[1:-1])
            if isinstance(node, list) and position < len(node):
                out.append(node[position])
        elif isinstance(node, dict) and step in node:
            out.append(node[step])
    return out
