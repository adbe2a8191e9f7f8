"""Marker/MaxItems/IsTruncated pagination over a listing already in order.

The marker is an opaque token naming the last item returned; a listing resumes after it, so
items created or deleted between pages neither repeat nor shift the next page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ownstack.core.tokens import opaque_token, token_text

from .errors import invalid_input
from .validate import check_max_items

T = TypeVar("T")


def page(
    items: Sequence[T], params: dict[str, Any], key: Callable[[T], str]
) -> tuple[list[T], dict[str, Any]]:
    """The page of `items` (in `key` order) that Marker and MaxItems ask for, and the
    IsTruncated/Marker members of the result."""
    limit = check_max_items(params.get("MaxItems"))
    items = sorted(items, key=key)
    start = 0
    marker = params.get("Marker")
    if marker:
        after = token_text(marker)
        if after is None:
            raise invalid_input("Invalid Marker.")
        start = next((i for i, item in enumerate(items) if key(item) > after), len(items))
    chosen = list(items[start : start + limit])
    if start + limit < len(items):
        return chosen, {"IsTruncated": True, "Marker": opaque_token(key(chosen[-1]))}
    return chosen, {"IsTruncated": False}
