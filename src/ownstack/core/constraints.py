"""The constraints a botocore model states for a value (length, range, enum, pattern), worded
as AWS's request validation words them ("Member must have length less than or equal to 64").
Services that validate requests against their model (Lambda, EventBridge, and the JSON wire's
required-member check) share these; each keeps its own way of showing values, which differs
between AWS services."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from botocore.model import Shape

_NUMBERS = frozenset({"integer", "long", "double", "float"})


def member_name(name: str) -> str:
    """A model member as AWS's validation messages name it (`TableName` -> `tableName`)."""
    return name[:1].lower() + name[1:]


CORAL_MAX_LISTED = 10
"""AWS's Coral validator (DynamoDB's) names at most ten violations (dynalite's suite, recorded
against DynamoDB: nine empty index definitions lack 27 members; the answer lists ten)."""


def validation_message(problems: list[str] | tuple[str, ...]) -> str:
    """`N validation error(s) detected: <problem>; <problem>...`, as AWS's front ends say it."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: {'; '.join(problems)}"


@cache
def model_pattern(text: str) -> re.Pattern[str] | None:
    """A model's `pattern`, compiled; None for a Java-only construct Python cannot compile
    (the value's other constraints still apply)."""
    try:
        return re.compile(text)
    except re.error:
        return None


def scalar_rules(shape: Shape, value: Any) -> list[str]:
    """The constraints of `shape` that a scalar `value` breaks."""
    meta = shape.metadata
    broken: list[str] = []
    if shape.type_name == "string" and isinstance(value, str):
        broken += size_rules(shape, len(value))
        enum = meta.get("enum")
        if enum and value not in enum:
            broken.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = meta.get("pattern")
        compiled = model_pattern(pattern) if pattern else None
        if compiled is not None and not compiled.fullmatch(value):
            broken.append(f"Member must satisfy regular expression pattern: {pattern}")
    elif shape.type_name in _NUMBERS and isinstance(value, int | float):
        if "min" in meta and value < meta["min"]:
            broken.append(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            broken.append(f"Member must have value less than or equal to {meta['max']}")
    return broken


def size_rules(shape: Shape, size: int) -> list[str]:
    """The length constraints of a string, list or map shape that `size` breaks."""
    meta = shape.metadata
    broken: list[str] = []
    if "min" in meta and size < meta["min"]:
        broken.append(f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and size > meta["max"]:
        broken.append(f"Member must have length less than or equal to {meta['max']}")
    return broken
