"""Request condition keys: how a parsed request's parameters become condition-key values.

Each function here makes a ConditionFn for one key (or family of keys) that the reference lists
for an action; the map runs only those an action lists, and a key is set only when the request
carries it (an absent key stays absent, as IAM's evaluation expects). Names are lower-cased.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from .model import ConditionFn, Params

REQUEST_TAG = "aws:requesttag/${tagkey}"
TAG_KEYS = "aws:tagkeys"


def as_text(value: Any) -> str:
    """A parameter's value as a condition value: booleans as IAM spells them, timestamps in
    ISO 8601 UTC."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


class ParamKey:
    """`key` = the parameter at `path` (a member, or members of nested structures). The map
    reads single-member ones in one loop per action (see derive.ActionRule)."""

    __slots__ = ("key", "path")

    def __init__(self, key: str, path: tuple[str, ...]) -> None:
        self.key = key
        self.path = path

    def __call__(self, params: Params, out: dict[str, tuple[str, ...]]) -> None:
        value: Any = params
        for member in self.path:
            if not isinstance(value, Mapping):
                return
            value = value.get(member)
        if value is not None:
            out[self.key] = (as_text(value),)


def from_param(key: str, *path: str) -> ParamKey:
    return ParamKey(key, path)


def _tagging_pairs(text: str) -> list[tuple[str, str]]:
    """S3's x-amz-tagging header, `k=v&k2=v2`, URL-encoded (decoded only where it is)."""
    pairs: list[tuple[str, str]] = []
    for part in text.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if "%" in part or "+" in part:
            key, value = unquote_plus(key), unquote_plus(value)
        pairs.append((key, value))
    return pairs


def tag_pairs(value: Any) -> list[tuple[str, str]]:
    """(key, value) pairs of every tag shape the models use: a list of {Key, Value}, a map
    (SQS), an S3 Tagging structure ({TagSet: [...]}), or S3's `k=v&k2=v2` header string."""
    if isinstance(value, str):
        return _tagging_pairs(value)
    if isinstance(value, Mapping):
        if "TagSet" in value:
            return tag_pairs(value["TagSet"])
        return [(str(k), str(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [
            (str(tag.get("Key", "")), str(tag.get("Value", "")))
            for tag in value
            if isinstance(tag, Mapping)
        ]
    return []


def request_tags(prefix: str, members: Iterable[str]) -> ConditionFn:
    """`<prefix><tag key>` = the tag's value, for the tags in the first member present
    (prefix `aws:requesttag/` or `s3:requestobjecttag/`)."""
    names = tuple(members)

    def add(params: Params, out: dict[str, tuple[str, ...]]) -> None:
        for member in names:
            if params.get(member) is not None:
                for key, value in tag_pairs(params[member]):
                    out[prefix + key.lower()] = (value,)
                return

    return add


def tag_keys(key: str, tag_members: Iterable[str], key_lists: Iterable[str] = ()) -> ConditionFn:
    """`key` = the tag keys of the first tag member present, or the first key list present
    (UntagResource's TagKeys)."""
    tags, lists = tuple(tag_members), tuple(key_lists)

    def add(params: Params, out: dict[str, tuple[str, ...]]) -> None:
        for member in tags:
            if params.get(member) is not None:
                out[key] = tuple(k for k, _ in tag_pairs(params[member]))
                return
        for member in lists:
            value = params.get(member)
            if isinstance(value, list):
                out[key] = tuple(str(k) for k in value)
                return

    return add


def aws_tag_conditions(
    tag_members: Iterable[str], key_lists: Iterable[str] = ("TagKeys",)
) -> dict[str, ConditionFn]:
    """aws:RequestTag/${TagKey} and aws:TagKeys from the service's tag members."""
    members = tuple(tag_members)
    return {
        REQUEST_TAG: request_tags("aws:requesttag/", members),
        TAG_KEYS: tag_keys(TAG_KEYS, members, key_lists),
    }
