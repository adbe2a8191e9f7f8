"""The model's constraints on CloudWatch Logs' input members (lengths, patterns, ranges, enum
values), checked as AWS checks them, with its words: `Value 'x' at 'logGroupName' failed to
satisfy constraint: Member must ...`, all of a request's problems in one InvalidParameterException.

The wire layer checks only that required members are there; the SDKs check the rest before
sending, so these answer the clients that do not (and hand-made requests)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from ownstack.core.service import Params

from .errors import validation_errors

GROUP_NAME = re.compile(r"[\.\-_/#A-Za-z0-9]+")
GROUP_NAME_TEXT = r"[\.\-_/#A-Za-z0-9]+"
STREAM_NAME = re.compile(r"[^:*]*")
STREAM_NAME_TEXT = "[^:*]*"
NAME_MAX = 512
RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545)
RETENTION_DAYS += (731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
LOG_CLASSES = ("STANDARD", "INFREQUENT_ACCESS", "DELIVERY")
TAG_CHARS = frozenset("_.:/=+-@")


class Problems:
    """Collects the constraint failures of one request."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, value: object, member: str, constraint: str) -> None:
        # A list of structures (10,001 log events) is not written out.
        shown = "" if _structures(value) else f" '{_show(value)}'"
        self.found.append(
            f"Value{shown} at '{member}' failed to satisfy constraint: Member must {constraint}"
        )

    def length(
        self, params: Params, member: str, low: int, high: int | None = None, at: str = ""
    ) -> None:
        """`at`: where the member is, as the message names it (default: the member)."""
        value = params.get(member)
        if value is None:
            return
        if len(value) < low:
            self.add(value, at or member, f"have length greater than or equal to {low}")
        elif high is not None and len(value) > high:
            self.add(value, at or member, f"have length less than or equal to {high}")

    def pattern(
        self, params: Params, member: str, regex: re.Pattern[str], text: str, at: str = ""
    ) -> None:
        value = params.get(member)
        if isinstance(value, str) and value and not regex.fullmatch(value):
            self.add(value, at or member, f"satisfy regular expression pattern: {text}")

    def group_name(self, params: Params, member: str = "logGroupName") -> None:
        self.length(params, member, 1, NAME_MAX)
        self.pattern(params, member, GROUP_NAME, GROUP_NAME_TEXT)

    def stream_name(self, params: Params, member: str = "logStreamName", at: str = "") -> None:
        self.length(params, member, 1, NAME_MAX, at)
        self.pattern(params, member, STREAM_NAME, STREAM_NAME_TEXT, at)

    def number(
        self, params: Params, member: str, low: int, high: int | None = None, at: str = ""
    ) -> None:
        value = params.get(member)
        if value is None:
            return
        if value < low:
            self.add(value, at or member, f"have value greater than or equal to {low}")
        elif high is not None and value > high:
            self.add(value, at or member, f"have value less than or equal to {high}")

    def enum(self, params: Params, member: str, allowed: Iterable[object]) -> None:
        value = params.get(member)
        listed = list(allowed)
        if value is not None and value not in listed:
            shown = ", ".join(str(v) for v in listed)
            self.add(value, member, f"satisfy enum value set: [{shown}]")

    def tags(self, tags: Mapping[str, str] | None, member: str = "tags") -> None:
        for key, value in (tags or {}).items():
            if not 1 <= len(key) <= 128 or not _tag_text(key):
                self._map(key, member, "keys", 1, 128, "+")
            if len(value) > 256 or not _tag_text(value):
                self._map(value, member, "values", 0, 256, "*")

    def _map(self, value: str, member: str, part: str, low: int, high: int, repeat: str) -> None:
        pattern = rf"^([\p{{L}}\p{{Z}}\p{{N}}_.:/=+\-@]{repeat})$"
        self.found.append(
            f"Value '{value}' at '{member}' failed to satisfy constraint: Map {part} must"
            f" satisfy constraint: [Member must have length less than or equal to {high},"
            f" Member must have length greater than or equal to {low},"
            f" Member must satisfy regular expression pattern: {pattern}]"
        )

    def raise_any(self) -> None:
        if self.found:
            raise validation_errors(self.found)


def _tag_text(text: str) -> bool:
    """[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*: letters, separators, numbers and those symbols."""
    return all(char in TAG_CHARS or unicodedata.category(char)[0] in "LZN" for char in text)


def _structures(value: Any) -> bool:
    return isinstance(value, list | tuple) and any(isinstance(v, dict) for v in value)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)
