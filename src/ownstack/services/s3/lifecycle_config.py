"""PutBucketLifecycleConfiguration's checks, in S3's order and words, and the document
GetBucketLifecycleConfiguration answers.

Where S3's answer to a fault is known, the code and message are S3's; every other fault of the
document's shape (a missing or doubled member, a value outside an enumeration) is MalformedXML,
as S3 answers what does not validate against its schema. The first fault found is the answer:
the number of rules, the rule IDs, then each rule in order, then (in a configuration before
"Lifecycle V2") prefixes that overlap.

A configuration is in Lifecycle V2 when its first rule has a Filter; a V2 configuration takes
no rule with the deprecated top-level Prefix, a V1 configuration no Filter and no
NewerNoncurrentVersions.
"""

from __future__ import annotations

import base64
import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from .errors import invalid_argument, invalid_request, malformed_xml
from .lifecycle_rules import (
    DEFAULT_MIN_SIZE,
    VARIES_MIN_SIZE,
    WATERFALL,
    Expiration,
    LifecycleConfig,
    NoncurrentExpiration,
    NoncurrentTransition,
    Rule,
    Transition,
)

MAX_RULES = 1000
MAX_ID = 255
MAX_PREFIX = 1024
MAX_SIZE = 1099511627776000
"""The largest ObjectSizeGreaterThan / ObjectSizeLessThan S3 takes."""
IA_CLASSES = ("STANDARD_IA", "ONEZONE_IA")
IA_MIN_DAYS = 30
TRANSITION_CLASSES = frozenset(WATERFALL) - {"STANDARD", "REDUCED_REDUNDANCY"}
MIN_SIZES = (DEFAULT_MIN_SIZE, VARIES_MIN_SIZE)
_SIZES = ("ObjectSizeGreaterThan", "ObjectSizeLessThan")
_ACTIONS = (
    "Expiration",
    "Transitions",
    "NoncurrentVersionTransitions",
    "NoncurrentVersionExpiration",
    "AbortIncompleteMultipartUpload",
)


def min_size_setting(value: object) -> str:
    """x-amz-transition-default-minimum-object-size (absent: S3's default)."""
    if value is None:
        return DEFAULT_MIN_SIZE
    if value not in MIN_SIZES:
        raise invalid_request("Invalid TransitionDefaultMinimumObjectSize found")
    return str(value)


def parse_configuration(document: Any, min_size: object) -> LifecycleConfig:
    """The configuration a PutBucketLifecycleConfiguration gives, checked as S3 checks it."""
    setting = min_size_setting(min_size)
    if not isinstance(document, dict):
        raise malformed_xml()
    given = document.get("Rules") or []
    if not given:
        raise invalid_request("At least one lifecycle rule must be specified.")
    if len(given) > MAX_RULES:
        raise invalid_request(
            "The number of lifecycle rules must not exceed the allowed limit of 1000 rules."
        )
    _check_ids(given)
    v2 = "Filter" in given[0]
    rules = [_rule(item, v2) for item in given]
    if not v2:
        _check_overlaps(rules)
    return LifecycleConfig(rules, setting)


def _check_ids(given: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for item in given:
        rule_id = item.get("ID")
        if not rule_id:
            continue
        if len(rule_id) > MAX_ID:
            raise invalid_argument(
                "ID length should not exceed allowed limit of 255", "ID", rule_id
            )
        if rule_id in seen:
            raise invalid_argument(
                "Rule ID must be unique. Found same ID for more than one rule", "ID", rule_id
            )
        seen.add(rule_id)


def new_rule_id() -> str:
    """An ID for a rule given without one, like S3's (48 characters)."""
    return base64.b64encode(str(uuid.uuid4()).encode()).decode()


def _rule(item: dict[str, Any], v2: bool) -> Rule:
    status = item.get("Status")
    if status not in ("Enabled", "Disabled"):
        raise malformed_xml()
    rule = Rule(id=item.get("ID") or new_rule_id(), enabled=status == "Enabled")
    _scope(rule, item, v2)
    if not any(item.get(name) is not None for name in _ACTIONS):
        raise invalid_request("At least one action needs to be specified in a rule")
    rule.expiration = _expiration(item.get("Expiration"))
    rule.noncurrent_expiration = _noncurrent_expiration(item.get("NoncurrentVersionExpiration"), v2)
    rule.abort_days = _abort_days(item.get("AbortIncompleteMultipartUpload"))
    _check_scope_actions(rule, item)
    rule.transitions = _transitions(item.get("Transitions") or [], rule)
    rule.noncurrent_transitions = _noncurrent_transitions(
        item.get("NoncurrentVersionTransitions") or [], rule, v2
    )
    return rule


def _scope(rule: Rule, item: dict[str, Any], v2: bool) -> None:
    prefix, given_filter = item.get("Prefix"), item.get("Filter")
    if prefix is None and given_filter is None:
        raise malformed_xml()
    if prefix is not None and v2:
        raise invalid_request(
            "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in"
            " the Filter."
        )
    if given_filter is not None and not v2:
        raise invalid_request("Filter element can only be used in Lifecycle V2.")
    if prefix is not None:
        rule.prefix = _checked_prefix(prefix)
        return
    rule.filter = _checked_filter(given_filter)


def _checked_prefix(prefix: object) -> str:
    text = str(prefix)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PREFIX:
        raise invalid_request("The maximum size of a prefix is 1024")
    return text


def _checked_filter(given: object) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise malformed_xml()
    if len(given) > 1:
        raise malformed_xml()  # one of Prefix, Tag, ObjectSize*, And: combine them with And
    if "And" in given:
        conditions = given["And"]
        if not isinstance(conditions, dict):
            raise malformed_xml()
        count = len(conditions.get("Tags") or []) + sum(
            conditions.get(n) is not None for n in ("Prefix", *_SIZES)
        )
        if count < 2:
            raise malformed_xml()
        _check_conditions(conditions, list(conditions.get("Tags") or []))
        return {"And": _clean(conditions)}
    tags = [given["Tag"]] if "Tag" in given else []
    _check_conditions(given, tags)
    return _clean(given)


def _clean(conditions: dict[str, Any]) -> dict[str, Any]:
    """The filter members as the wire gives them, JSON-safe (tags as Key/Value pairs)."""
    out: dict[str, Any] = {}
    for name, value in conditions.items():
        if name == "Tags":
            out[name] = [{"Key": t["Key"], "Value": t["Value"]} for t in value]
        elif name == "Tag":
            out[name] = {"Key": value["Key"], "Value": value["Value"]}
        else:
            out[name] = value
    return out


def _check_conditions(conditions: dict[str, Any], tags: list[Any]) -> None:
    if conditions.get("Prefix") is not None:
        _checked_prefix(conditions["Prefix"])
    keys: set[str] = set()
    for tag in tags:
        if not isinstance(tag, dict) or not tag.get("Key") or tag.get("Value") is None:
            raise malformed_xml()
        if tag["Key"] in keys:
            raise invalid_request("Duplicate Tag Keys are not allowed.")
        keys.add(tag["Key"])
    greater = conditions.get("ObjectSizeGreaterThan")
    less = conditions.get("ObjectSizeLessThan")
    if greater is not None and not 0 <= greater <= MAX_SIZE:
        raise invalid_request("'ObjectSizeGreaterThan' should be between 0 and 1099511627776000.")
    if less is not None and not 1 <= less <= MAX_SIZE:
        raise invalid_request("'ObjectSizeLessThan' should be between 1 and 1099511627776000.")
    if greater is not None and less is not None and less <= greater:
        raise invalid_request(
            "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'."
        )


def _midnight(value: object) -> float:
    if not isinstance(value, datetime):
        raise malformed_xml()
    when = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if (when.hour, when.minute, when.second, when.microsecond) != (0, 0, 0, 0):
        text = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
        raise invalid_argument("'Date' must be at midnight GMT", "Date", text)
    return when.timestamp()


def _expiration(given: Any) -> Expiration | None:
    if given is None:
        return None
    if not isinstance(given, dict):
        raise malformed_xml()
    members = [n for n in ("Date", "Days", "ExpiredObjectDeleteMarker") if given.get(n) is not None]
    if len(members) != 1:
        raise malformed_xml()
    if "Days" in members:
        if given["Days"] <= 0:
            raise invalid_argument("'Days' for Expiration action must be a positive integer")
        return Expiration(days=given["Days"])
    if "Date" in members:
        return Expiration(date=_midnight(given["Date"]))
    return Expiration(delete_marker=bool(given["ExpiredObjectDeleteMarker"]))


def _newer(value: Any, v2: bool) -> int | None:
    if value is None:
        return None
    if not v2:
        raise invalid_request("NewerNoncurrentVersions element can only be used in Lifecycle V2.")
    if value <= 0:
        raise invalid_argument("'NewerNoncurrentVersions' must be a positive integer")
    return int(value)


def _noncurrent_expiration(given: Any, v2: bool) -> NoncurrentExpiration | None:
    if given is None:
        return None
    if not isinstance(given, dict) or given.get("NoncurrentDays") is None:
        raise malformed_xml()
    days = given["NoncurrentDays"]
    if days <= 0:
        raise invalid_argument(
            "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"
        )
    return NoncurrentExpiration(days=days, newer=_newer(given.get("NewerNoncurrentVersions"), v2))


def _abort_days(given: Any) -> int | None:
    if given is None:
        return None
    if not isinstance(given, dict) or given.get("DaysAfterInitiation") is None:
        raise malformed_xml()
    days = given["DaysAfterInitiation"]
    if days <= 0:
        raise invalid_argument(
            "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive"
            " integer"
        )
    return int(days)


def _check_scope_actions(rule: Rule, item: dict[str, Any]) -> None:
    """Actions on what an object's tags or size cannot say (delete markers, uploads)."""
    conditions = (rule.filter or {}).get("And") or rule.filter or {}
    tagged = bool(conditions.get("Tag") or conditions.get("Tags"))
    sized = any(conditions.get(n) is not None for n in _SIZES)
    marker = rule.expiration is not None and rule.expiration.delete_marker is not None
    for named, present in (
        ("ExpiredObjectDeleteMarker", marker),
        ("AbortIncompleteMultipartUpload", rule.abort_days is not None),
    ):
        if present and tagged:
            raise invalid_request(f"{named} cannot be specified with Tags.")
        if present and sized:
            raise invalid_request(f"{named} cannot be specified with Object Size.")


def filter_text(rule: Rule) -> str:
    """How S3 names a rule's filter in its messages: "(prefix=logs/)", conditions joined with
    " and " in name order."""
    if rule.filter is None:
        return f"(prefix={rule.prefix or ''})"
    conditions = rule.filter.get("And") or rule.filter
    parts: list[str] = []
    for name in ("ObjectSizeGreaterThan", "ObjectSizeLessThan", "Prefix"):
        if conditions.get(name) is not None:
            parts.append(f"{name.lower()}={conditions[name]}")
    tags = list(conditions.get("Tags") or []) + ([conditions["Tag"]] if "Tag" in conditions else [])
    parts += [f"tag:{t['Key']}={t['Value']}" for t in tags]
    return f"({' and '.join(parts) or 'prefix='})"


def _transitions(given: list[Any], rule: Rule) -> list[Transition]:
    out: list[Transition] = []
    classes: set[str] = set()
    for item in given:
        if not isinstance(item, dict) or item.get("StorageClass") not in TRANSITION_CLASSES:
            raise malformed_xml()
        days: int | None = item.get("Days")
        date = item.get("Date")
        cls = item["StorageClass"]
        t = Transition(storage_class=cls)
        if date is not None and days is None:
            t.date = _midnight(date)
        elif days is None or date is not None:
            raise malformed_xml()
        elif days < 0:
            raise invalid_argument("'Days' in Transition action must be nonnegative")
        elif cls in IA_CLASSES and days < IA_MIN_DAYS:
            raise invalid_argument(
                f"'Days' in Transition action must be greater than or equal to 30 for"
                f" storageClass '{cls}'"
            )
        else:
            t.days = days
        if cls in classes:
            raise invalid_request(
                "'StorageClass' must be different for 'Transition' actions in same 'Rule'"
            )
        classes.add(cls)
        out.append(t)
    _check_transition_times(out, rule)
    return out


def _check_transition_times(transitions: list[Transition], rule: Rule) -> None:
    exp = rule.expiration
    dated = any(t.date is not None for t in transitions) or bool(exp and exp.date is not None)
    counted = any(t.days is not None for t in transitions) or bool(exp and exp.days is not None)
    if dated and counted:
        raise invalid_request(
            "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle"
            " rule"
        )
    if not transitions:
        return
    unit = "Date" if dated else "Days"
    points = [(t.date if dated else t.days, t.storage_class) for t in transitions]
    _check_order(points, "Transition", unit, filter_text(rule), day_s=86400 if dated else 1)
    if exp is None or (exp.days is None and exp.date is None):
        return
    last = max(p[0] or 0 for p in points)
    limit = exp.date if dated else exp.days
    if limit is not None and limit <= last:
        if dated:
            raise invalid_argument(
                f"'Date' in the Expiration action for filter '{filter_text(rule)}' must be later"
                " than 'Date' in the Transition action"
            )
        raise invalid_argument(
            f"'Days' in the Expiration action for filter '{filter_text(rule)}' must be greater"
            " than 'Days' in the Transition action"
        )


def _check_order(
    points: list[tuple[float | int | None, str]], action: str, unit: str, scope: str, day_s: int
) -> None:
    """Transitions go down the waterfall as time passes; an object stays at least 30 days in
    STANDARD_IA or ONEZONE_IA before it moves on to a colder class."""
    ordered = sorted(points, key=lambda p: WATERFALL[p[1]])
    for (early, early_cls), (late, late_cls) in itertools.pairwise(ordered):
        first, second = float(early or 0), float(late or 0)
        named = (
            f"'{unit}' in the '{action}' action for StorageClass '{late_cls}' for filter"
            f" '{scope}' must be"
        )
        other = (
            f"'{unit}' in the '{action}' action for StorageClass '{early_cls}' for filter '{scope}'"
        )
        if early_cls in IA_CLASSES and second - first < IA_MIN_DAYS * day_s:
            raise invalid_argument(f"{named} 30 days more than {other}")
        if second <= first:
            raise invalid_argument(f"{named} greater than {other}")


def _noncurrent_transitions(given: list[Any], rule: Rule, v2: bool) -> list[NoncurrentTransition]:
    out: list[NoncurrentTransition] = []
    classes: set[str] = set()
    for item in given:
        if not isinstance(item, dict) or item.get("StorageClass") not in TRANSITION_CLASSES:
            raise malformed_xml()
        days, cls = item.get("NoncurrentDays"), item["StorageClass"]
        if days is None:
            raise malformed_xml()
        if days < 0:
            raise invalid_argument(
                "'NoncurrentDays' in NoncurrentVersionTransition action must be nonnegative"
            )
        if cls in IA_CLASSES and days < IA_MIN_DAYS:
            raise invalid_argument(
                "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or"
                f" equal to 30 for storageClass '{cls}'"
            )
        newer = _newer(item.get("NewerNoncurrentVersions"), v2)
        if cls in classes:
            raise invalid_request(
                "'StorageClass' must be different for 'NoncurrentVersionTransition' actions in"
                " same 'Rule'"
            )
        classes.add(cls)
        out.append(NoncurrentTransition(storage_class=cls, days=days, newer=newer))
    if out:
        points: list[tuple[float | int | None, str]] = [(t.days, t.storage_class) for t in out]
        scope = filter_text(rule)
        _check_order(points, "NoncurrentVersionTransition", "NoncurrentDays", scope, day_s=1)
        exp = rule.noncurrent_expiration
        if exp is not None and exp.days <= max(t.days for t in out):
            raise invalid_argument(
                f"'NoncurrentDays' in the NoncurrentVersionExpiration action for filter '{scope}'"
                " must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action"
            )
    return out


def _takes(rule: Rule, kind: str) -> bool:
    """Whether the rule takes the kind of action S3 names `kind`."""
    return {
        "Expiration": rule.expiration is not None,
        "Transition": bool(rule.transitions),
        "NoncurrentVersionTransition": bool(rule.noncurrent_transitions),
        "NoncurrentVersionExpiration": rule.noncurrent_expiration is not None,
        "AbortIncompleteMultipartUpload": rule.abort_days is not None,
    }[kind]


_ACTION_KINDS = (
    "Expiration",
    "Transition",
    "NoncurrentVersionTransition",
    "NoncurrentVersionExpiration",
    "AbortIncompleteMultipartUpload",
)


def _check_overlaps(rules: list[Rule]) -> None:
    """Lifecycle V1: no two rules whose prefixes overlap (one starts the other) take the same
    kind of action. Sorted, a prefix that starts another starts the one after it."""
    for kind in _ACTION_KINDS:
        prefixes = sorted(r.prefix or "" for r in rules if _takes(r, kind))
        for first, second in itertools.pairwise(prefixes):
            if second.startswith(first):
                raise invalid_request(
                    f"Found overlapping prefixes '{first}' and '{second}' for same action type"
                    f" '{kind}'"
                )


def wire_rules(config: LifecycleConfig) -> list[dict[str, Any]]:
    """The Rules GetBucketLifecycleConfiguration answers (model member names)."""
    return [_wire_rule(r) for r in config.rules]


def _wire_rule(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"ID": rule.id, "Status": "Enabled" if rule.enabled else "Disabled"}
    if rule.filter is not None:
        out["Filter"] = rule.filter
    else:
        out["Prefix"] = rule.prefix or ""
    exp = rule.expiration
    if exp is not None:
        if exp.days is not None:
            out["Expiration"] = {"Days": exp.days}
        elif exp.date is not None:
            out["Expiration"] = {"Date": datetime.fromtimestamp(exp.date, UTC)}
        else:
            out["Expiration"] = {"ExpiredObjectDeleteMarker": bool(exp.delete_marker)}
    if rule.transitions:
        out["Transitions"] = [_wire_transition(t) for t in rule.transitions]
    if rule.noncurrent_transitions:
        out["NoncurrentVersionTransitions"] = [
            _with_newer({"NoncurrentDays": t.days, "StorageClass": t.storage_class}, t.newer)
            for t in rule.noncurrent_transitions
        ]
    if rule.noncurrent_expiration is not None:
        nve = rule.noncurrent_expiration
        out["NoncurrentVersionExpiration"] = _with_newer({"NoncurrentDays": nve.days}, nve.newer)
    if rule.abort_days is not None:
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": rule.abort_days}
    return out


def _wire_transition(t: Transition) -> dict[str, Any]:
    when: dict[str, Any] = (
        {"Date": datetime.fromtimestamp(t.date, UTC)} if t.date is not None else {"Days": t.days}
    )
    return {**when, "StorageClass": t.storage_class}


def _with_newer(out: dict[str, Any], newer: int | None) -> dict[str, Any]:
    if newer is not None:
        out["NewerNoncurrentVersions"] = newer
    return out
