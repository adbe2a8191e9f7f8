"""The pattern language through TestEventPattern on a real server: every comparison operator
of EventBridge's content filtering (prefix, suffix, anything-but and its prefix / suffix /
wildcard / equals-ignore-case forms, numeric, exists, cidr, equals-ignore-case, wildcard,
$or), arrays, null and dotted keys; and refusals in AWS's words."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from ebkit import error_of


def event(detail: dict[str, Any], **top: Any) -> str:
    doc = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Order Placed",
        "source": "com.shop",
        "account": "123456789012",
        "time": "2026-01-02T03:04:05Z",
        "region": "us-east-1",
        "resources": ["arn:aws:s3:::bucket/key"],
        "detail": detail,
    }
    doc.update(top)
    return json.dumps(doc)


CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("exact string", {"source": ["com.shop"]}, {}, True),
    ("exact string misses", {"source": ["com.other"]}, {}, False),
    ("keys are case sensitive", {"Source": ["com.shop"]}, {}, False),
    ("exact number", {"detail": {"n": [5]}}, {"n": 5.0}, True),
    ("a number is not a string", {"detail": {"n": ["5"]}}, {"n": 5}, False),
    ("six decimal digits", {"detail": {"n": [1.0000001]}}, {"n": 1.0000009}, True),
    ("booleans", {"detail": {"ok": [True]}}, {"ok": True}, True),
    ("null matches null", {"detail": {"x": [None]}}, {"x": None}, True),
    ("null is not absent", {"detail": {"x": [None]}}, {}, False),
    ("empty string", {"detail": {"x": [""]}}, {"x": ""}, True),
    ("any element of an array", {"resources": ["arn:aws:s3:::bucket/key"]}, {}, True),
    ("empty array has no value", {"detail": {"a": [None]}}, {"a": []}, False),
    ("prefix", {"time": [{"prefix": "2026-01"}]}, {}, True),
    ("prefix misses", {"time": [{"prefix": "2025"}]}, {}, False),
    (
        "prefix ignoring case",
        {"detail": {"s": [{"prefix": {"equals-ignore-case": "EVE"}}]}},
        {"s": "eventbridge"},
        True,
    ),
    ("suffix", {"detail": {"f": [{"suffix": ".png"}]}}, {"f": "a.png"}, True),
    (
        "suffix ignoring case",
        {"detail": {"f": [{"suffix": {"equals-ignore-case": ".PNG"}}]}},
        {"f": "a.png"},
        True,
    ),
    ("equals-ignore-case", {"detail-type": [{"equals-ignore-case": "order placed"}]}, {}, True),
    ("anything-but a string", {"detail": {"s": [{"anything-but": "bad"}]}}, {"s": "good"}, True),
    ("anything-but hits", {"detail": {"s": [{"anything-but": "bad"}]}}, {"s": "bad"}, False),
    ("anything-but needs the field", {"detail": {"s": [{"anything-but": "bad"}]}}, {}, False),
    (
        "anything-but lets null through",
        {"detail": {"s": [{"anything-but": "bad"}]}},
        {"s": None},
        True,
    ),
    ("anything-but numbers", {"detail": {"c": [{"anything-but": [404, 500]}]}}, {"c": 200}, True),
    (
        "anything-but numbers hit",
        {"detail": {"c": [{"anything-but": [404, 500]}]}},
        {"c": 404.0},
        False,
    ),
    (
        "anything-but prefix",
        {"detail": {"r": [{"anything-but": {"prefix": "us-"}}]}},
        {"r": "eu-west-1"},
        True,
    ),
    (
        "anything-but prefix hits",
        {"detail": {"r": [{"anything-but": {"prefix": "us-"}}]}},
        {"r": "us-east-1"},
        False,
    ),
    (
        "anything-but prefix passes numbers",
        {"detail": {"r": [{"anything-but": {"prefix": "1"}}]}},
        {"r": 12},
        True,
    ),
    (
        "anything-but suffix list",
        {"detail": {"f": [{"anything-but": {"suffix": [".a", ".b"]}}]}},
        {"f": "x.b"},
        False,
    ),
    (
        "anything-but ignoring case",
        {"detail": {"s": [{"anything-but": {"equals-ignore-case": ["stopped", "Pending"]}}]}},
        {"s": "PENDING"},
        False,
    ),
    (
        "anything-but wildcard",
        {"detail": {"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        {"p": "src/app/x"},
        True,
    ),
    (
        "anything-but wildcard hits",
        {"detail": {"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        {"p": "src/lib/x"},
        False,
    ),
    ("numeric range", {"detail": {"n": [{"numeric": [">", 0, "<=", 5]}]}}, {"n": 5}, True),
    ("numeric range misses", {"detail": {"n": [{"numeric": [">", 0, "<=", 5]}]}}, {"n": 0}, False),
    ("numeric equals", {"detail": {"n": [{"numeric": ["=", 301.5]}]}}, {"n": 3.015e2}, True),
    ("numeric needs a number", {"detail": {"n": [{"numeric": [">", 0]}]}}, {"n": "7"}, False),
    ("exists", {"detail": {"k": [{"exists": True}]}}, {"k": "v"}, True),
    ("exists on an object is false", {"detail": {"k": [{"exists": True}]}}, {"k": {"a": 1}}, False),
    ("does not exist", {"detail": {"k": [{"exists": False}]}}, {"other": 1}, True),
    ("cidr", {"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, {"ip": "10.0.0.7"}, True),
    ("cidr misses", {"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, {"ip": "10.0.1.7"}, False),
    ("cidr v6", {"detail": {"ip": [{"cidr": "2001:db8::/32"}]}}, {"ip": "2001:db8::1"}, True),
    ("wildcard", {"resources": [{"wildcard": "arn:aws:s3:::*/key"}]}, {}, True),
    ("wildcard escaped star", {"detail": {"s": [{"wildcard": "a\\*b"}]}}, {"s": "a*b"}, True),
    (
        "wildcard escaped star is literal",
        {"detail": {"s": [{"wildcard": "a\\*b"}]}},
        {"s": "axxb"},
        False,
    ),
    ("$or", {"$or": [{"source": ["x"]}, {"detail": {"a": [1]}}]}, {"a": 1}, True),
    ("$or misses", {"$or": [{"source": ["x"]}, {"detail": {"a": [1]}}]}, {"a": 2}, False),
    ("nested $or", {"detail": {"$or": [{"a": [1]}, {"b": [{"exists": True}]}]}}, {"b": 0}, True),
    ("dotted key", {"detail.a": [1]}, {"a": 1}, True),
    (
        "arrays of objects keep together",
        {"detail": {"o": {"k": ["x"], "v": ["y"]}}},
        {"o": [{"k": "x", "v": "z"}, {"k": "w", "v": "y"}]},
        False,
    ),
    (
        "arrays of objects match one element",
        {"detail": {"o": {"k": ["x"], "v": ["z"]}}},
        {"o": [{"k": "x", "v": "z"}, {"k": "w", "v": "y"}]},
        True,
    ),
    ("all fields must match", {"source": ["com.shop"], "detail": {"a": [2]}}, {"a": 1}, False),
]


@pytest.mark.parametrize(
    ("name", "pattern", "detail", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_pattern(events: Any, name: str, pattern: Any, detail: Any, expected: bool) -> None:
    out = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=event(detail))
    assert out["Result"] is expected


REFUSED = [
    ([1], "Filter is not an object"),
    ({"a": "x"}, '"a" must be an object or an array'),
    ({"a": []}, "Empty arrays are not allowed"),
    ({"a": {}}, "Empty objects are not allowed"),
    ({"a": [["x"]]}, "Match value must be String, number, true, false, or null"),
    ({"a": [{"regex": "x"}]}, "Unrecognized match type regex"),
    ({"a": [{"EXISTS": True}]}, "Unrecognized match type EXISTS"),
    ({"a": [{"exists": "yes"}]}, "exists match pattern must be either true or false."),
    ({"a": [{"prefix": 1}]}, "prefix match pattern must be a string"),
    ({"a": [{"suffix": [".png"]}]}, "suffix match pattern must be a string"),
    ({"a": [{"equals-ignore-case": ["x"]}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"wildcard": 1}]}, "wildcard match pattern must be a string"),
    ({"a": [{"wildcard": "a**"}]}, "Consecutive wildcard characters at pos 2"),
    ({"a": [{"numeric": [">", 0, ">", 0]}]}, "Bad numeric range operator: >"),
    ({"a": [{"numeric": [">", 0, "<"]}]}, "Value of < must be numeric"),
    ({"a": [{"numeric": ["~", 0]}]}, "Unrecognized numeric range operator: ~"),
    ({"a": [{"numeric": [">", 5, "<", 1]}]}, "Bottom must be less than top"),
    ({"a": [{"numeric": [">", 6e9]}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ({"a": [{"cidr": "10.0.0.1"}]}, "Malformed CIDR, one '/' required"),
    ({"a": [{"cidr": "10.0.0.0/x"}]}, "Malformed CIDR, mask bits must be an integer"),
    ({"a": [{"cidr": "xx.11.xx/8"}]}, "Nonstandard IP address: xx.11.xx"),
    ({"a": [{"anything-but": {"prefix": 1}}]}, "prefix/suffix match pattern must be a string"),
    ({"a": [{"anything-but": {"prefix": ""}}]}, "Null prefix/suffix not allowed"),
    (
        {"a": [{"anything-but": {"equals-ignore-case": 1}}]},
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
    ),
    (
        {"a": [{"anything-but": {"prefix": {"equals-ignore-case": "x"}}}]},
        "Value of anything-but must be an array or single string/number value.",
    ),
    ({"a": [{"anything-but": {"contains": "x"}}]}, "Unsupported anything-but pattern: contains"),
    (
        {"a": [{"anything-but": ["x", 1]}]},
        "Inside anything but list, either all values are number or string, mixed type is not "
        "supported",
    ),
    (
        {"a": [{"anything-but": ["x", None]}]},
        "Inside anything but list, start|null|boolean is not supported.",
    ),
    ({"$or": [{"a": ["x"]}]}, "There must have at least 2 Objects in $or relationship."),
    ({"a": [{"prefix": "x", "suffix": "y"}]}, "Only one key allowed in match expression"),
]


@pytest.mark.parametrize(("pattern", "reason"), REFUSED, ids=[r[1] for r in REFUSED])
def test_refused_pattern(events: Any, pattern: Any, reason: str) -> None:
    with pytest.raises(ClientError) as exc:
        events.test_event_pattern(EventPattern=json.dumps(pattern), Event=event({}))
    assert error_of(exc) == (
        "InvalidEventPatternException",
        f"Event pattern is not valid. Reason: {reason}",
    )


def test_put_rule_refuses_a_bad_pattern_too(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="bad-pattern", EventPattern=json.dumps({"a": "x"}))
    assert error_of(exc) == (
        "InvalidEventPatternException",
        'Event pattern is not valid. Reason: "a" must be an object or an array',
    )


@pytest.mark.parametrize("bad", ["not json", json.dumps(["a"]), json.dumps({"id": "1"})])
def test_event_must_be_an_event(events: Any, bad: str) -> None:
    with pytest.raises(ClientError) as exc:
        events.test_event_pattern(EventPattern=json.dumps({"a": ["x"]}), Event=bad)
    assert error_of(exc) == ("ValidationException", "Parameter Event is not valid.")
