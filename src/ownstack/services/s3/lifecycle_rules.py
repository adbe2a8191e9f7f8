"""A bucket's lifecycle configuration: its stored form and the pure rules over it (which objects
a rule matches, when an action falls due, which storage class an object moves to).

Stored as JSON text in the bucket record's `lifecycle` member ("" for none): a request to a
bucket without one checks that string and nothing more. With one, the text is compiled once
per distinct text (`compiled`, memoised) into the form matching needs.

Time: AWS counts in days and rounds a due time up to the next midnight UTC ("Amazon S3
calculates the time by adding the number of days specified in the rule to the object creation
time and rounding the resulting time to the next day midnight UTC"). `day_s` is the length of
that day (86400; `limits.s3.lifecycle_day_s` scales it down for tests), and a "midnight" is a
multiple of it since the epoch. A Date is an absolute time, never scaled.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import msgspec

from ownstack.core.records import JsonRecord

from .records import BucketRecord, ObjectRecord

DEFAULT_MIN_SIZE = "all_storage_classes_128K"
VARIES_MIN_SIZE = "varies_by_storage_class"
SMALL_OBJECT = 128 * 1024
"""Objects below this size do not transition by default (x-amz-transition-default-minimum-
object-size), unless the rule's filter names an object size."""

ARCHIVE_CLASSES = ("GLACIER", "DEEP_ARCHIVE")
WATERFALL = {
    "STANDARD": 0,
    "REDUCED_REDUNDANCY": 0,
    "STANDARD_IA": 1,
    "INTELLIGENT_TIERING": 2,
    "ONEZONE_IA": 3,
    "GLACIER_IR": 4,
    "GLACIER": 5,
    "DEEP_ARCHIVE": 6,
}
"""Storage classes in the order lifecycle moves objects down ("waterfall model")."""
_NOT_FROM = {"ONEZONE_IA": frozenset({"GLACIER_IR"})}
"""Transitions the waterfall order would allow that S3 does not support."""


@dataclass(slots=True)
class Expiration(JsonRecord):
    days: int | None = None
    date: float | None = None
    """Epoch seconds of a midnight UTC."""
    delete_marker: bool | None = None
    """ExpiredObjectDeleteMarker, when given."""


@dataclass(slots=True)
class Transition(JsonRecord):
    storage_class: str
    days: int | None = None
    date: float | None = None


@dataclass(slots=True)
class NoncurrentTransition(JsonRecord):
    storage_class: str
    days: int
    newer: int | None = None


@dataclass(slots=True)
class NoncurrentExpiration(JsonRecord):
    days: int
    newer: int | None = None


@dataclass(slots=True)
class Rule(JsonRecord):
    id: str
    enabled: bool
    prefix: str | None = None
    """The deprecated top-level Prefix (a "Lifecycle V1" rule), None in a V2 rule."""
    filter: dict[str, Any] | None = None
    """The Filter as given (wire form: Prefix, Tag, ObjectSize*, And), None in a V1 rule."""
    expiration: Expiration | None = None
    transitions: list[Transition] = field(default_factory=list)
    noncurrent_transitions: list[NoncurrentTransition] = field(default_factory=list)
    noncurrent_expiration: NoncurrentExpiration | None = None
    abort_days: int | None = None


@dataclass(slots=True)
class LifecycleConfig(JsonRecord):
    rules: list[Rule]
    min_size: str = DEFAULT_MIN_SIZE


@dataclass(slots=True)
class Glance:
    """What lifecycle judges of an object record or a version (a delete marker too), decoded
    without the rest (inline bytes, metadata): a pass reads every record under its rules."""

    size: int = 0
    last_modified: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)
    storage_class: str = "STANDARD"
    version_id: str = "null"
    seq: int = 0
    marker: bool = False


_GLANCE = msgspec.json.Decoder(Glance)


def glance(raw: bytes) -> Glance:
    return _GLANCE.decode(raw)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a rule's filter asks of an object (every condition must hold)."""

    prefix: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    greater_than: int | None = None
    less_than: int | None = None

    @property
    def sized(self) -> bool:
        return self.greater_than is not None or self.less_than is not None

    def matches(self, key: str, size: int, tags: dict[str, str]) -> bool:
        if not key.startswith(self.prefix):
            return False
        if self.greater_than is not None and size <= self.greater_than:
            return False
        if self.less_than is not None and size >= self.less_than:
            return False
        return all(tags.get(k) == v for k, v in self.tags)


def scope_of(rule: Rule) -> Scope:
    if rule.filter is None:
        return Scope(prefix=rule.prefix or "")
    given = rule.filter.get("And") or rule.filter
    tags = list(given.get("Tags") or [])
    if "Tag" in given:
        tags.append(given["Tag"])
    return Scope(
        prefix=given.get("Prefix") or "",
        tags=tuple((str(t["Key"]), str(t.get("Value") or "")) for t in tags),
        greater_than=given.get("ObjectSizeGreaterThan"),
        less_than=given.get("ObjectSizeLessThan"),
    )


@dataclass(frozen=True, slots=True)
class Compiled:
    """An enabled rule, ready for matching."""

    rule: Rule
    scope: Scope


@dataclass(frozen=True, slots=True)
class CompiledConfig:
    config: LifecycleConfig
    enabled: tuple[Compiled, ...]

    @property
    def touches_current(self) -> bool:
        """Whether any enabled rule expires or transitions current versions."""
        return any(acts_on_current(c.rule) for c in self.enabled)


def acts_on_current(rule: Rule) -> bool:
    """Whether the rule expires (by Days or Date) or transitions current versions."""
    exp = rule.expiration
    return bool(rule.transitions) or (
        exp is not None and (exp.days is not None or exp.date is not None)
    )


@functools.lru_cache(maxsize=256)
def compiled(text: str) -> CompiledConfig:
    """The stored configuration `text`, decoded and compiled (remembered per text: a bucket's
    configuration changes rarely, and every request to it may ask)."""
    config = LifecycleConfig.decode(text.encode())
    enabled = tuple(Compiled(r, scope_of(r)) for r in config.rules if r.enabled)
    return CompiledConfig(config, enabled)


def next_midnight(when: float, day_s: int) -> float:
    """The first midnight strictly after `when` (days of `day_s` seconds since the epoch)."""
    return float((math.floor(when / day_s) + 1) * day_s)


def due_after(start: float, days: int, day_s: int) -> float:
    """When an action `days` days after `start` falls due: rounded up to the next midnight."""
    return next_midnight(start + days * day_s, day_s)


def expiry_of(expiration: Expiration, created: float, day_s: int) -> float | None:
    if expiration.date is not None:
        return expiration.date
    if expiration.days is not None:
        return due_after(created, expiration.days, day_s)
    return None


def current_expiry(
    cfg: CompiledConfig, key: str, size: int, tags: dict[str, str], created: float, day_s: int
) -> tuple[float, str] | None:
    """The earliest time a current-version Expiration rule deletes this object, and that
    rule's id; None when none applies."""
    found: tuple[float, str] | None = None
    for c in cfg.enabled:
        exp = c.rule.expiration
        if exp is None or not c.scope.matches(key, size, tags):
            continue
        when = expiry_of(exp, created, day_s)
        if when is not None and (found is None or when < found[0]):
            found = (when, c.rule.id)
    return found


def add_expiration(
    out: dict[str, Any], bucket: BucketRecord, key: str, rec: ObjectRecord, day_s: int
) -> None:
    """Set x-amz-expiration (the Expiration member of PUT, GET, HEAD, copy and completion
    answers) when a current-version Expiration rule of the bucket covers the object. A bucket
    without a lifecycle configuration pays this one check."""
    if not bucket.lifecycle:
        return
    cfg = compiled(bucket.lifecycle)
    found = current_expiry(cfg, key, rec.size, rec.tags, rec.last_modified, day_s)
    if found is not None:
        out["Expiration"] = expiration_header(*found)


def expiration_header(when: float, rule_id: str) -> str:
    """x-amz-expiration: the expiry date as an HTTP date and the rule id, URL-encoded."""
    from email.utils import formatdate

    date = formatdate(when, usegmt=True)
    return f'expiry-date="{date}", rule-id="{quote(rule_id, safe="")}"'


def transition_target(
    cfg: CompiledConfig,
    key: str,
    size: int,
    tags: dict[str, str],
    created: float,
    current_class: str,
    now: float,
    day_s: int,
) -> str | None:
    """The storage class due transitions move this object to by `now` (the lowest in the
    waterfall of those due), None when it stays."""
    best: str | None = None
    for c in cfg.enabled:
        if not c.rule.transitions or not c.scope.matches(key, size, tags):
            continue
        for t in c.rule.transitions:
            due = t.date if t.date is not None else due_after(created, t.days or 0, day_s)
            if due > now or not transition_allowed_by_size(cfg, c, size, t.storage_class):
                continue
            if best is None or colder(t.storage_class, best):
                best = t.storage_class
    if best is None or not can_transition(current_class, best):
        return None
    return best


def transition_allowed_by_size(cfg: CompiledConfig, c: Compiled, size: int, target: str) -> bool:
    """The default minimum object size for transitions (a filter naming a size overrides it)."""
    if size >= SMALL_OBJECT or c.scope.sized:
        return True
    return cfg.config.min_size == VARIES_MIN_SIZE and target in ARCHIVE_CLASSES


def colder(first: str, second: str) -> bool:
    """Whether `first` is further down the waterfall than `second`."""
    return WATERFALL[first] > WATERFALL[second]


def can_transition(source: str, target: str) -> bool:
    """Whether lifecycle moves an object of class `source` to `target` (down the waterfall;
    any class may go to GLACIER or DEEP_ARCHIVE)."""
    if source == target:
        return False
    if target in _NOT_FROM.get(source, ()):
        return False
    rank = WATERFALL.get(source)
    if rank is None:
        return target in ARCHIVE_CLASSES
    return WATERFALL[target] > rank
