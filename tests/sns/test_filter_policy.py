"""Filter policies end to end: which published messages reach a filtered subscription (an
http endpoint with raw delivery, so each POST body is the message), and AWS's validation."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from snskit import HttpSink, notifications

SENTINEL = "sentinel"


def attrs(**values: Any) -> dict[str, dict[str, str]]:
    out = {}
    for name, value in values.items():
        if isinstance(value, list):
            out[name] = {"DataType": "String.Array", "StringValue": json.dumps(value)}
        elif isinstance(value, int | float):
            out[name] = {"DataType": "Number", "StringValue": str(value)}
        else:
            out[name] = {"DataType": "String", "StringValue": value}
    return out


def delivered(
    sns: Any,
    topic: Any,
    sink: HttpSink,
    confirmed_http: Any,
    policy: dict[str, Any],
    messages: list[tuple[str, dict[str, Any]]],
    expect: int,
    scope: str = "MessageAttributes",
) -> set[str]:
    """The messages (by text) a subscription with `policy` received, of those published,
    once `expect` of them arrived (and then a moment for any wrongly let through). Each
    message is (text, attributes); the body-scoped ones are JSON texts."""
    arn = topic()
    _, path = confirmed_http(
        arn, RawMessageDelivery="true", FilterPolicy=json.dumps(policy), FilterPolicyScope=scope
    )
    for text, attributes in messages:
        sns.publish(TopicArn=arn, Message=text, MessageAttributes=attributes)
    sink.wait_for(expect + 1, path=path)  # + the SubscriptionConfirmation
    time.sleep(0.3)  # room for a message the policy should have stopped
    return {r.body.decode() for r in sink.to(path)[1:]}


def check(
    sns: Any,
    topic: Any,
    sink: HttpSink,
    confirmed_http: Any,
    policy: dict[str, Any],
    cases: list[tuple[dict[str, Any], bool]],
) -> None:
    messages = [(f"m{i}", attributes) for i, (attributes, _) in enumerate(cases)]
    expected = {f"m{i}" for i, (_, passes) in enumerate(cases) if passes}
    got = delivered(sns, topic, sink, confirmed_http, policy, messages, len(expected))
    assert got == expected


def test_exact_strings_and_numbers(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    check(
        sns,
        topic,
        sink,
        confirmed_http,
        {"store": ["example_corp"], "price": [100]},
        [
            (attrs(store="example_corp", price=100), True),
            (attrs(store="example_corp", price=100.0), True),
            (attrs(store="example_corp", price=101), False),
            (attrs(store="other", price=100), False),
            (attrs(store="example_corp"), False),
            (attrs(store="example_corp", price="100"), False),  # a String is not a Number
        ],
    )


def test_prefix_suffix_and_equals_ignore_case(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    policy = {
        "region": [{"prefix": "us-"}],
        "file": [{"suffix": ".png"}],
        "name": [{"equals-ignore-case": "ALICE"}],
    }
    check(
        sns,
        topic,
        sink,
        confirmed_http,
        policy,
        [
            (attrs(region="us-east-1", file="a.png", name="alice"), True),
            (attrs(region="eu-west-1", file="a.png", name="alice"), False),
            (attrs(region="us-east-1", file="a.jpg", name="Alice"), False),
            (attrs(region="us-east-1", file="a.png", name="bob"), False),
        ],
    )


def test_anything_but(sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any) -> None:
    policy = {
        "color": [{"anything-but": ["red", "green"]}],
        "size": [{"anything-but": {"prefix": "x"}}],
    }
    check(
        sns,
        topic,
        sink,
        confirmed_http,
        policy,
        [
            (attrs(color="blue", size="large"), True),
            (attrs(color="red", size="large"), False),
            (attrs(color="blue", size="xl"), False),
            (attrs(size="large"), False),  # anything-but needs the attribute to be there
        ],
    )


def test_numeric_ranges(sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any) -> None:
    check(
        sns,
        topic,
        sink,
        confirmed_http,
        {"price": [{"numeric": [">", 0, "<=", 150]}]},
        [
            (attrs(price=0), False),
            (attrs(price=0.5), True),
            (attrs(price=150), True),
            (attrs(price=150.001), False),
            (attrs(price=-3), False),
        ],
    )


def test_exists_and_string_arrays(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    policy = {"tags": ["vip"], "coupon": [{"exists": False}]}
    check(
        sns,
        topic,
        sink,
        confirmed_http,
        policy,
        [
            (attrs(tags=["regular", "vip"]), True),
            (attrs(tags=["regular"]), False),
            (attrs(tags=["vip"], coupon="X1"), False),
        ],
    )


def test_or_across_keys(sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any) -> None:
    policy = {
        "source": ["aws.cloudwatch"],
        "$or": [{"metric": ["CPU"]}, {"namespace": ["AWS/EC2"]}],
    }
    check(
        sns,
        topic,
        sink,
        confirmed_http,
        policy,
        [
            (attrs(source="aws.cloudwatch", metric="CPU"), True),
            (attrs(source="aws.cloudwatch", namespace="AWS/EC2"), True),
            (attrs(source="aws.cloudwatch", metric="Disk"), False),
            (attrs(source="other", metric="CPU"), False),
        ],
    )


def test_message_body_scope_with_nested_keys(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    policy = {"order": {"status": ["paid"], "total": [{"numeric": [">=", 10]}]}, "vip": [True]}
    bodies = [
        {"order": {"status": "paid", "total": 12}, "vip": True},
        {"order": {"status": "paid", "total": 9}, "vip": True},
        {"order": {"status": "open", "total": 50}, "vip": True},
        {"order": {"status": ["open", "paid"], "total": 50}, "vip": True},
        {"order": {"status": "paid", "total": 12}, "vip": False},
    ]
    messages = [(json.dumps(b), {}) for b in bodies] + [("not json at all", {})]
    got = delivered(sns, topic, sink, confirmed_http, policy, messages, 2, scope="MessageBody")
    assert got == {json.dumps(bodies[0]), json.dumps(bodies[3])}


def test_anything_but_numbers_and_ip_ranges(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    policy = {"code": [{"anything-but": [404, 500]}], "source_ip": [{"cidr": "10.0.0.0/24"}]}
    check(
        sns,
        topic,
        sink,
        confirmed_http,
        policy,
        [
            (attrs(code=200, source_ip="10.0.0.7"), True),
            (attrs(code=404, source_ip="10.0.0.7"), False),
            (attrs(code=200, source_ip="10.0.1.7"), False),
            (attrs(code=200, source_ip="not an ip"), False),
        ],
    )


def test_message_body_null_booleans_and_or(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    policy = {
        "$or": [{"deleted": [None]}, {"flags": {"urgent": [True]}}],
        "kind": [{"equals-ignore-case": "ORDER"}],
    }
    bodies = [
        {"kind": "order", "deleted": None},
        {"kind": "Order", "flags": {"urgent": True}},
        {"kind": "order", "flags": {"urgent": False}},
        {"kind": "invoice", "deleted": None},
        {"kind": "order"},
    ]
    messages = [(json.dumps(b), {}) for b in bodies]
    got = delivered(sns, topic, sink, confirmed_http, policy, messages, 2, scope="MessageBody")
    assert got == {json.dumps(bodies[0]), json.dumps(bodies[1])}


@pytest.mark.parametrize(
    ("policy", "scope", "message"),
    [
        (
            {"a": "x"},
            "MessageAttributes",
            'Invalid parameter: FilterPolicy: "a" must be an object or an array',
        ),
        (
            {"a": {"b": ["x"]}},
            "MessageAttributes",
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested "
            "filter policy",
        ),
        (
            {k: ["v"] for k in "abcdef"},
            "MessageAttributes",
            "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys",
        ),
        (
            {"a": list(range(10)), "b": list(range(10)), "c": list(range(2))},
            "MessageAttributes",
            "Invalid parameter: FilterPolicy: Filter policy is too complex",
        ),
        (
            {"a": [{"regex": "x"}]},
            "MessageAttributes",
            "Invalid parameter: FilterPolicy: Unrecognized match type regex",
        ),
        (
            {"a": [{"exists": "yes"}]},
            "MessageAttributes",
            "Invalid parameter: FilterPolicy: exists match pattern must be either true or false.",
        ),
        (
            {"a": [{"numeric": ["<", 5, ">", 1]}]},
            "MessageAttributes",
            "Invalid parameter: FilterPolicy: Bad numeric range operator: >",
        ),
        (
            {"a": [{"numeric": [">", 5, "<", 1]}]},
            "MessageAttributes",
            "Invalid parameter: FilterPolicy: Bottom must be less than top",
        ),
        (
            {"a": [{"numeric": ["~", 5]}]},
            "MessageAttributes",
            "Invalid parameter: FilterPolicy: Unrecognized numeric range operator: ~",
        ),
        (
            {"a": [["nested"]]},
            "MessageAttributes",
            "Invalid parameter: FilterPolicy: Match value must be String, number, true, false, "
            "or null",
        ),
    ],
)
def test_invalid_filter_policies(
    sns: Any, topic: Any, server: Any, policy: Any, scope: str, message: str
) -> None:
    queue = f"arn:aws:sqs:{server.region}:{server.account_id}:filtered"
    with pytest.raises(ClientError) as exc:
        sns.subscribe(
            TopicArn=topic(),
            Protocol="sqs",
            Endpoint=queue,
            Attributes={"FilterPolicy": json.dumps(policy), "FilterPolicyScope": scope},
        )
    assert exc.value.response["Error"]["Code"] == "InvalidParameter"
    assert exc.value.response["Error"]["Message"] == message


def test_changing_the_scope_revalidates_the_policy(sns: Any, topic: Any, server: Any) -> None:
    queue = f"arn:aws:sqs:{server.region}:{server.account_id}:filtered"
    sub = sns.subscribe(
        TopicArn=topic(),
        Protocol="sqs",
        Endpoint=queue,
        Attributes={
            "FilterPolicy": json.dumps({"a": {"b": ["x"]}}),
            "FilterPolicyScope": "MessageBody",
        },
    )["SubscriptionArn"]
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(
            SubscriptionArn=sub,
            AttributeName="FilterPolicyScope",
            AttributeValue="MessageAttributes",
        )
    assert exc.value.response["Error"]["Code"] == "InvalidParameter"


def test_notifications_helper_sees_only_matching(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    arn = topic()
    _, path = confirmed_http(
        arn, RawMessageDelivery="true", FilterPolicy=json.dumps({"k": ["yes"]})
    )
    sns.publish(TopicArn=arn, Message="no", MessageAttributes=attrs(k="no"))
    sns.publish(TopicArn=arn, Message=SENTINEL, MessageAttributes=attrs(k="yes"))
    assert [r.body.decode() for r in notifications(sink, path, 1)] == [SENTINEL]
