"""Targets against a real server: SQS (FIFO with SqsParameters.MessageGroupId), SNS, another
event bus; Input, InputPath and InputTransformer; what PutTargets refuses and how."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from ebkit import (
    EVENTS,
    bodies,
    error_of,
    put,
    receive,
    rule_to_queue,
    target_queue,
    unique,
)

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"
REGION = "us-east-1"


def test_fifo_queue_target_gets_the_message_group(events: Any, sqs: Any) -> None:
    url, _ = rule_to_queue(
        events, sqs, {"source": ["fifo-app"]}, SqsParameters={"MessageGroupId": "orders"}
    )
    ids = [put(events, Source="fifo-app", Detail={"n": n})["Entries"][0]["EventId"] for n in (1, 2)]
    got = receive(sqs, url, 2)
    assert [m["Attributes"]["MessageGroupId"] for m in got] == ["orders", "orders"]
    # EventBridge does not promise delivery order (a retried delivery lands after a later
    # event's): each event arrives once, deduplicated by its own event id.
    dedup_by_n = {
        json.loads(m["Body"])["detail"]["n"]: m["Attributes"]["MessageDeduplicationId"] for m in got
    }
    assert dedup_by_n == {1: ids[0], 2: ids[1]}


def test_input_replaces_the_event(events: Any, sqs: Any) -> None:
    url, _ = rule_to_queue(events, sqs, {"source": ["in-app"]}, Input='{"fixed": true}')
    put(events, Source="in-app")
    assert bodies(sqs, url, 1) == [{"fixed": True}]


def test_input_path_selects_part_of_the_event(events: Any, sqs: Any) -> None:
    url, _ = rule_to_queue(events, sqs, {"source": ["path-app"]}, InputPath="$.detail.order")
    put(events, Source="path-app", Detail={"order": {"id": 7, "items": ["a"]}})
    assert bodies(sqs, url, 1) == [{"id": 7, "items": ["a"]}]


def test_input_transformer_fills_a_json_template(events: Any, sqs: Any) -> None:
    template = (
        '{"instance": <instance>, "state": "<state>", "count": <count>, "missing": <missing>,'
        ' "rule": "<aws.events.rule-name>", "said": "<instance> is <state>",'
        ' "whole": <aws.events.event.json>}'
    )
    transformer = {
        "InputPathsMap": {
            "instance": "$.detail.instance",
            "state": "$.detail.state",
            "count": "$.detail.count",
            "missing": "$.detail.nothing",
        },
        "InputTemplate": template,
    }
    url, rule_arn = rule_to_queue(events, sqs, {"source": ["tr-app"]}, InputTransformer=transformer)
    detail = {"instance": "i-1", "state": 'say "hi"', "count": 3}
    event_id = put(events, Source="tr-app", Detail=detail)["Entries"][0]["EventId"]
    [got] = bodies(sqs, url, 1)
    assert {k: v for k, v in got.items() if k != "whole"} == {
        "instance": "i-1",
        "state": 'say "hi"',
        "count": 3,
        "missing": None,
        "rule": rule_arn.rsplit("/", 1)[1],
        "said": 'i-1 is say "hi"',
    }
    assert got["whole"]["id"] == event_id
    assert got["whole"]["detail"] == detail


def test_input_transformer_fills_a_text_template(events: Any, sqs: Any) -> None:
    transformer = {
        "InputPathsMap": {"instance": "$.detail.instance", "n": "$.detail.n"},
        "InputTemplate": "instance <instance> has <n> <nothing-here",
    }
    url, _ = rule_to_queue(events, sqs, {"source": ["text-app"]}, InputTransformer=transformer)
    put(events, Source="text-app", Detail={"instance": "i-9", "n": 2})
    assert [m["Body"] for m in receive(sqs, url, 1)] == ["instance i-9 has 2 <nothing-here"]


def test_another_event_bus_as_target(events: Any, sqs: Any) -> None:
    second = unique("bus")
    second_arn = events.create_event_bus(Name=second)["EventBusArn"]
    url, _ = rule_to_queue(events, sqs, {"source": ["hop"]}, bus=second)
    name = unique("rule")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["hop"]}))
    events.put_targets(Rule=name, Targets=[{"Id": "bus", "Arn": second_arn}])
    event_id = put(events, Source="hop", Detail={"n": 1})["Entries"][0]["EventId"]
    [got] = bodies(sqs, url, 1)
    assert (got["id"], got["detail"]) == (event_id, {"n": 1})


def test_sns_topic_as_target(server: Any, events: Any, sqs: Any) -> None:
    sns = server.client("sns")
    topic = sns.create_topic(Name=unique("t"))["TopicArn"]
    sns.set_topic_attributes(
        TopicArn=topic,
        AttributeName="Policy",
        AttributeValue=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": EVENTS},
                        "Action": "sns:Publish",
                        "Resource": topic,
                    }
                ],
            }
        ),
    )
    url, queue = target_queue(sqs, allow=False)
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "sns.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": queue,
                        }
                    ],
                }
            )
        },
    )
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue, Attributes={"RawMessageDelivery": "true"}
    )
    name = unique("rule")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["to-sns"]}))
    events.put_targets(Rule=name, Targets=[{"Id": "topic", "Arn": topic}])
    event_id = put(events, Source="to-sns")["Entries"][0]["EventId"]
    [got] = bodies(sqs, url, 1, timeout=20)
    assert got["id"] == event_id


def test_put_targets_refusals(events: Any) -> None:
    name = unique("rule")
    events.put_rule(Name=name, EventPattern='{"a": ["b"]}')
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"
    cases = [
        (
            {"Id": "t", "Arn": queue, "Input": "{}", "InputPath": "$.detail"},
            "Only one of Input, InputPath, or InputTransformer must be provided for target t.",
        ),
        (
            {"Id": "t", "Arn": queue + ".fifo"},
            "Parameter(s) SqsParameters must be specified for target: t.",
        ),
        (
            {"Id": "t", "Arn": "not-an-arn"},
            "Parameter not-an-arn is not valid. Reason: Provided Arn is not in correct format.",
        ),
        (
            {"Id": "t", "Arn": queue, "Input": "not json"},
            "Input for target t is not a valid JSON text.",
        ),
        (
            {"Id": "t", "Arn": queue, "InputTransformer": {"InputTemplate": '{"a": <b>}'}},
            "InputTemplate for target t contains invalid placeholder b.",
        ),
    ]
    for target, message in cases:
        with pytest.raises(ClientError) as exc:
            events.put_targets(Rule=name, Targets=[target])
        assert error_of(exc) == ("ValidationException", message)
    with pytest.raises(ClientError) as exc:
        events.put_targets(Rule="nope", Targets=[{"Id": "t", "Arn": queue}])
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "Rule nope does not exist on EventBus default.",
    )


def test_targets_ownstack_cannot_deliver_to_fail_one_by_one(events: Any) -> None:
    name = unique("rule")
    events.put_rule(Name=name, EventPattern='{"a": ["b"]}')
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"
    stream = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s"
    out = events.put_targets(
        Rule=name, Targets=[{"Id": "ok", "Arn": queue}, {"Id": "kin", "Arn": stream}]
    )
    assert out["FailedEntryCount"] == 1
    assert out["FailedEntries"] == [
        {
            "TargetId": "kin",
            "ErrorCode": "NotImplemented",
            "ErrorMessage": "ownstack does not deliver to kinesis targets.",
        }
    ]
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]] == ["ok"]


def test_target_listing_removal_and_quota(events: Any) -> None:
    name = unique("rule")
    events.put_rule(Name=name, EventPattern='{"a": ["b"]}')
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:shared-target"
    targets = [
        {"Id": f"t{i}", "Arn": queue, "RetryPolicy": {"MaximumRetryAttempts": i}} for i in range(5)
    ]
    events.put_targets(Rule=name, Targets=targets)
    listed = events.list_targets_by_rule(Rule=name, Limit=3)
    assert listed["Targets"] == targets[:3]
    rest = events.list_targets_by_rule(Rule=name, NextToken=listed["NextToken"])
    assert rest["Targets"] == targets[3:]
    with pytest.raises(ClientError) as exc:
        events.put_targets(Rule=name, Targets=[{"Id": "sixth", "Arn": queue}])
    assert error_of(exc) == (
        "LimitExceededException",
        "The requested resource exceeds the maximum number allowed.",
    )
    assert name in events.list_rule_names_by_target(TargetArn=queue)["RuleNames"]
    out = events.remove_targets(Rule=name, Ids=["t0", "t1"])
    assert (out["FailedEntryCount"], out["FailedEntries"]) == (0, [])
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]] == [
        "t2",
        "t3",
        "t4",
    ]


def test_input_path_that_selects_nothing_delivers_nothing(events: Any, sqs: Any) -> None:
    url, _ = rule_to_queue(events, sqs, {"source": ["gap-app"]}, InputPath="$.detail.order")
    put(events, Source="gap-app", Detail={"other": 1})
    put(events, Source="gap-app", Detail={"order": "o-1"})
    assert bodies(sqs, url, 1) == ["o-1"]
