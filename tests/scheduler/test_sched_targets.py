"""The EventBridge and SNS templated targets on a real server: the schedule's input reaches
an SQS queue through an event bus rule (as the event's detail, with Source/DetailType from
EventBridgeParameters and the schedule in `resources`) and through a topic subscription."""

from __future__ import annotations

import json
from typing import Any

import pytest
from schedkit import OFF, at_in, make_queue, make_role, receive, unique

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"


def _queue_for(sqs: Any, service: str) -> tuple[str, str]:
    """A queue the service principal `service` may send to."""
    url, arn = make_queue(sqs)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sqs:SendMessage",
                "Resource": arn,
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def test_an_event_bus_target_gets_the_input_as_detail(
    server: Any, sch: Any, sqs: Any, iam: Any
) -> None:
    events = server.client("events")
    url, queue_arn = _queue_for(sqs, "events.amazonaws.com")
    bus = unique("bus")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    events.put_rule(Name="r", EventBusName=bus, EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="r", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    role = make_role(iam, ["events:PutEvents"])
    name = unique()
    sch.create_schedule(
        Name=name,
        ScheduleExpression=at_in(1),
        FlexibleTimeWindow=OFF,
        Target={
            "Arn": bus_arn,
            "RoleArn": role,
            "Input": json.dumps({"job": "report"}),
            "EventBridgeParameters": {"Source": "my.app", "DetailType": "Nightly"},
        },
    )
    (message,) = receive(sqs, url, wait=15)
    event = json.loads(message["Body"])
    assert event["source"] == "my.app"
    assert event["detail-type"] == "Nightly"
    assert event["detail"] == {"job": "report"}
    assert event["resources"] == [f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/default/{name}"]
    assert (event["account"], event["region"]) == (ACCOUNT, "us-east-1")


def test_a_topic_target_publishes_the_input(server: Any, sch: Any, sqs: Any, iam: Any) -> None:
    sns = server.client("sns")
    url, queue_arn = _queue_for(sqs, "sns.amazonaws.com")
    topic = sns.create_topic(Name=unique("t"))["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    role = make_role(iam, ["sns:Publish"])
    sch.create_schedule(
        Name=unique(),
        ScheduleExpression=at_in(1),
        FlexibleTimeWindow=OFF,
        Target={"Arn": topic, "RoleArn": role, "Input": "published by a schedule"},
    )
    assert [m["Body"] for m in receive(sqs, url, wait=15)] == ["published by a schedule"]
