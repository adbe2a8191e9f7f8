"""Request validation as EventBridge's front end does it, from the constraints of the pinned
botocore model (length, value range, enum, pattern): `N validation error(s) detected: Value 'v'
at 'member' failed to satisfy constraint: ...`, members in lowerCamel dotted paths (list
elements as `targets.1.member.id`)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator, Mapping
from functools import cache
from typing import Any

from botocore import xform_name
from botocore.loaders import Loader
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from ownstack.core.constraints import (
    member_name,
    scalar_rules,
    size_rules,
    validation_message,
)
from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result

from .errors import validation

_NUMBERS = frozenset({"integer", "long", "double", "float"})


@cache
def model() -> ServiceModel:
    return ServiceModel(Loader().load_service_model("events", "service-2"), "events")


@cache
def _operation(name: str) -> OperationModel:
    return model().operation_model(name)


def check_request(operation: str, params: Params) -> None:
    """Raises ValidationException listing every constraint the request breaks."""
    shape = _operation(operation).input_shape
    if shape is None:
        return
    problems = list(_structure(shape, params, ""))
    if problems:
        raise validation(validation_message(problems))


def _structure(shape: StructureShape, value: Mapping[str, Any], prefix: str) -> Iterator[str]:
    for name, member in shape.members.items():
        found = value.get(name)
        if found is not None:
            yield from _member(member, found, prefix + member_name(name))


def _member(shape: Shape, value: Any, path: str) -> Iterator[str]:
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        yield from _structure(shape, value, path + ".")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        yield from (_constraint("[...]", path, rule) for rule in size_rules(shape, len(value)))
        for index, item in enumerate(value, 1):
            yield from _member(shape.member, item, f"{path}.{index}.member")
    elif isinstance(shape, MapShape) and isinstance(value, Mapping):
        yield from (_constraint("{...}", path, rule) for rule in size_rules(shape, len(value)))
        for key, item in value.items():
            yield from _member(shape.value, item, f"{path}.{key}")
    else:
        for rule in scalar_rules(shape, value):
            yield _constraint(value, path, rule)


def _constraint(value: Any, path: str, rule: str) -> str:
    shown = str(value).lower() if isinstance(value, bool) else value
    return f"Value '{shown}' at '{path}' failed to satisfy constraint: {rule}"


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
