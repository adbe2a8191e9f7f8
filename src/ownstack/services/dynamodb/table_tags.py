"""Table tags as DynamoDB checks them (CreateTable's Tags, TagResource, UntagResource), in
AWS's words. Keys 1-128 and values 0-256 characters of letters, separators, digits and
`_ . : / = + - @`; no `aws:` prefix; at most 50 per table.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.html"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from .errors import validation

MAX_TAGS = 50
_PUNCTUATION = frozenset("_.:/=+-@")


def merged_tags(current: Mapping[str, str], given: list[dict[str, Any]] | None) -> dict[str, str]:
    """`current` with `given` (a Tags list) added or overwritten; ValidationException for a bad
    tag, a duplicate key or more than 50 tags in all."""
    added: dict[str, str] = {}
    for tag in given or []:
        key, value = tag.get("Key"), tag.get("Value")
        check_tag_key(key)
        if not isinstance(value, str) or len(value) > 256 or not _allowed(value):
            raise validation(f"The Tag Value provided is invalid, Value: {_text(value)}")
        if key in added:
            raise validation(f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}")
        added[str(key)] = value
    result = {**current, **added}
    if len(result) > MAX_TAGS:
        raise validation("Number of Tags exceed the current limit for the provided ResourceArn")
    return result


def check_tag_key(key: object) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _allowed(key):
        raise validation(f"The Tag Key provided is invalid, Key: {_text(key)}")
    if key.startswith("aws:"):
        raise validation(f"Tag Key cannot be prefixed with aws:, Key: {key}")


def _allowed(text: str) -> bool:
    """Python's `re` has no \\p{L}: check AWS's [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]* by category."""
    return all(c in _PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in text)


def _text(value: object) -> str:
    return "null" if value is None else str(value)


def wire_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
