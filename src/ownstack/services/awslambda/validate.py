"""Request validation as Lambda's front end does it, from the constraints of the pinned
botocore model (length, value range, enum, pattern): `N validation error(s) detected: Value 'v'
at 'member' failed to satisfy constraint: ...`, members in lowerCamel dotted paths."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator, Mapping
from functools import cache
from typing import Any

from botocore import xform_name
from botocore.loaders import Loader
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from ownstack.core.constraints import member_name, scalar_rules, size_rules
from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result

from .errors import constraint, validation

LIMITS: dict[str, tuple[int, int]] = {"Timeout": (1, 900), "MemorySize": (128, 10240)}
"""Ranges Lambda enforces that the model states more loosely (Timeout has no maximum there;
MemorySize's 32,768 is for functions on managed instances, which ownstack does not run)."""
_NUMBERS = frozenset({"integer", "long", "double", "float"})


@cache
def model() -> ServiceModel:
    return ServiceModel(Loader().load_service_model("lambda", "service-2"), "lambda")


def check_request(operation: str, params: Params) -> None:
    """Raises ValidationException listing every constraint the request breaks."""
    shape = model().operation_model(operation).input_shape
    if shape is None:
        return
    problems = list(_structure(shape, params, "", top=True))
    if problems:
        raise validation(*problems)


def _structure(
    shape: StructureShape, value: Mapping[str, Any], prefix: str, top: bool = False
) -> Iterator[str]:
    for name, member in shape.members.items():
        found = value.get(name)
        if found is None:
            continue
        path = prefix + member_name(name)
        if top and name in LIMITS and isinstance(found, int):
            low, high = LIMITS[name]
            yield from _range(found, path, low, high)
            continue
        yield from _member(member, found, path)


def _member(shape: Shape, value: Any, path: str) -> Iterator[str]:
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        yield from _structure(shape, value, path + ".")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        yield from _list(shape, value, path)
    elif isinstance(shape, MapShape) and isinstance(value, Mapping):
        yield from _map(shape, value, path)
    else:
        shown = None if shape.metadata.get("sensitive") else render(value)
        for rule in scalar_rules(shape, value):
            yield constraint(shown, path, rule)


def _range(value: int, path: str, low: int, high: int) -> Iterator[str]:
    if value < low:
        yield constraint(value, path, f"Member must have value greater than or equal to {low}")
    if value > high:
        yield constraint(value, path, f"Member must have value less than or equal to {high}")


def _list(shape: ListShape, value: list[Any], path: str) -> Iterator[str]:
    yield from (constraint(render(value), path, rule) for rule in size_rules(shape, len(value)))
    broken = sorted({rule for item in value for rule in scalar_rules(shape.member, item)})
    if broken and not isinstance(shape.member, StructureShape):
        joined = ", ".join(broken)
        yield constraint(render(value), path, f"Member must satisfy constraint: [{joined}]")
    if isinstance(shape.member, StructureShape):
        for item in value:
            if isinstance(item, Mapping):
                yield from _structure(shape.member, item, path + ".")


def _map(shape: MapShape, value: Mapping[str, Any], path: str) -> Iterator[str]:
    shown = None if shape.metadata.get("sensitive") else render(value)
    yield from (constraint(shown, path, rule) for rule in size_rules(shape, len(value)))
    keys = sorted({rule for key in value for rule in scalar_rules(shape.key, key)})
    if keys:
        joined = ", ".join(keys)
        yield constraint(shown, path, f"Map keys must satisfy constraint: [{joined}]")
    values = sorted({rule for item in value.values() for rule in scalar_rules(shape.value, item)})
    if values:
        joined = ", ".join(values)
        yield constraint(shown, path, f"Map value must satisfy constraint: [{joined}]")


def render(value: Any) -> str:
    """A value as Lambda's messages print it (Java's toString of the request member)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={render(v)}" for k, v in value.items()) + "}"
    return str(value)


Method = Callable[[Any, RequestContext, Params], Awaitable[Result]]


@cache
def _operations() -> dict[str, str]:
    return {xform_name(name): name for name in model().operation_names}


def checked(method: Method) -> Method:
    """An operation method whose request is first validated against the model."""
    operation = _operations()[method.__name__]

    @functools.wraps(method)
    async def run(self: Any, ctx: RequestContext, params: Params) -> Result:
        check_request(operation, params)
        return await method(self, ctx, params)

    return run
