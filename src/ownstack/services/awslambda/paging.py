"""Marker/MaxItems pagination of Lambda's list operations: the marker is the last key listed,
opaque to clients (core.tokens)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

from ownstack.core.tokens import opaque_token, token_text

from .errors import invalid

T = TypeVar("T")
DEFAULT_MAX = 50


def after(marker: str | None) -> str:
    """The key a Marker says to list after ("" for the first page)."""
    if not marker:
        return ""
    key = token_text(marker)
    if not key:
        raise invalid("The marker provided is invalid.")
    return key


async def page(
    items: AsyncIterator[tuple[str, T]], max_items: int | None, default: int = DEFAULT_MAX
) -> tuple[list[T], str | None]:
    """Up to `max_items` items (keys ascending, already past the marker) and the next Marker."""
    limit = max_items or default
    found: list[T] = []
    last = ""
    async for key, item in items:
        if len(found) == limit:
            return found, opaque_token(last)
        found.append(item)
        last = key
    return found, None
