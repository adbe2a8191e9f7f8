"""What other services deliver to a topic through the events bus is published to it: called
directly over a memory meta store (the body as the message, the delivery's attributes as
message attributes, FIFO group and deduplication ids, refusals as DeliveryFailed), and end to
end in a real server, a Lambda OnSuccess destination that is a topic."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from snsfunctions import need_functions
from snskit import topic_queue, unique

from ownstack.backends.memory import MemoryMeta
from ownstack.core.clock import SystemClock
from ownstack.core.context import Principal, RequestContext
from ownstack.events.bus import Delivery, DeliveryFailed, EventBus, Sender
from ownstack.services.sns.service import SnsService

ACCOUNT = "123456789012"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
OWN_URL = "http://127.0.0.1:7777"
RAW = {"RawMessageDelivery": "true"}


def ctx() -> RequestContext:
    return RequestContext(
        "t", ACCOUNT, "us-east-1", Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "K")
    )


class Queue:
    def __init__(self) -> None:
        self.got: list[Delivery] = []

    async def __call__(self, delivery: Delivery) -> None:
        self.got.append(delivery)


Scenario = Callable[[SnsService, EventBus, Queue], Awaitable[None]]


def run(scenario: Scenario) -> None:
    async def main() -> None:
        bus, queue = EventBus(), Queue()
        bus.register("sqs", queue)
        sns = SnsService(MemoryMeta(), bus, SystemClock(), "us-east-1", own_url=OWN_URL)
        bus.register("sns", sns.deliver_to_topic)
        await sns.start()
        try:
            await scenario(sns, bus, queue)
        finally:
            await sns.stop()

    asyncio.run(main())


async def topic_with_queue(sns: SnsService, name: str, queue: str, **attrs: str) -> str:
    params: dict[str, Any] = {"Name": name}
    if name.endswith(".fifo"):
        params["Attributes"] = {"FifoTopic": "true"}
    arn = str((await sns.create_topic(ctx(), params))["TopicArn"])
    sub = {"TopicArn": arn, "Protocol": "sqs", "Endpoint": queue, "Attributes": attrs}
    await sns.subscribe(ctx(), sub)
    return arn


def test_a_delivery_is_published_to_the_topic() -> None:
    async def scenario(sns: SnsService, bus: EventBus, queue: Queue) -> None:
        arn = await topic_with_queue(sns, "t", QUEUE)
        attributes = {"kind": {"DataType": "String", "StringValue": "created"}}
        await bus.deliver(Delivery(arn, '{"hello": 1}', attributes))
        (got,) = queue.got
        assert got.sender == Sender("sns.amazonaws.com", arn, ACCOUNT)
        doc = json.loads(got.body)
        assert (doc["Type"], doc["TopicArn"], doc["Message"]) == (
            "Notification",
            arn,
            '{"hello": 1}',
        )
        assert doc["MessageAttributes"] == {"kind": {"Type": "String", "Value": "created"}}
        assert doc["UnsubscribeURL"].startswith(OWN_URL + "/?Action=Unsubscribe&")
        assert doc["SigningCertURL"].startswith(OWN_URL + "/_ownstack/sns/")

    run(scenario)


def test_raw_subscribers_get_the_body_and_attributes() -> None:
    async def scenario(sns: SnsService, bus: EventBus, queue: Queue) -> None:
        arn = await topic_with_queue(sns, "t", QUEUE, **RAW)
        attributes = {
            "n": {"DataType": "Number", "StringValue": "7"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x01"},
        }
        # Group and deduplication ids mean nothing to a standard topic.
        await bus.deliver(Delivery(arn, "body", attributes, group="g", dedup_id="d"))
        (got,) = queue.got
        assert (got.body, dict(got.attributes), got.group, got.dedup_id) == (
            "body",
            attributes,
            None,
            None,
        )

    run(scenario)


def test_fifo_topic_takes_group_and_deduplication_ids() -> None:
    async def scenario(sns: SnsService, bus: EventBus, queue: Queue) -> None:
        fifo_queue = QUEUE + ".fifo"
        arn = await topic_with_queue(sns, "t.fifo", fifo_queue, **RAW)
        for body, dedup in (("one", "d1"), ("again", "d1"), ("two", "d2")):
            await bus.deliver(Delivery(arn, body, group="g", dedup_id=dedup))
        assert [(d.target, d.body, d.group, d.dedup_id) for d in queue.got] == [
            (fifo_queue, "one", "g", "d1"),
            (fifo_queue, "two", "g", "d2"),
        ]
        with pytest.raises(DeliveryFailed) as exc:
            await bus.deliver(Delivery(arn, "no group", dedup_id="d3"))
        assert exc.value.reason == (
            "InvalidParameter: Invalid parameter: The MessageGroupId parameter is required for "
            "FIFO topics"
        )

    run(scenario)


def test_refusals() -> None:
    async def scenario(sns: SnsService, bus: EventBus, queue: Queue) -> None:
        arn = await topic_with_queue(sns, "t", QUEUE)
        missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:missing"
        cases = [
            (Delivery(missing, "m"), "the topic does not exist"),
            (Delivery(arn, ""), "InvalidParameter: Invalid parameter: Empty message"),
            (
                Delivery(arn, "x" * (256 * 1024 + 1)),
                "InvalidParameter: Invalid parameter: Message too long",
            ),
            (
                Delivery(arn, "m", {"aws.reserved": {"DataType": "String", "StringValue": "v"}}),
                "InvalidParameter: Invalid parameter: MessageAttributes Reason: The message "
                "attribute name 'aws.reserved' is invalid",
            ),
        ]
        for delivery, reason in cases:
            with pytest.raises(DeliveryFailed) as exc:
                await bus.deliver(delivery)
            assert exc.value.reason == reason
        assert queue.got == []

    run(scenario)


DESTINED = "def handler(event, context):\n    return {'answer': 42}\n"


def test_lambda_destination_publishes_to_a_topic(server: Any) -> None:
    """A function's OnSuccess destination is a topic: its invocation record is published there
    and reaches the topic's queue."""
    need_functions()
    import io
    import zipfile

    sns, sqs, lam, iam = (server.client(s) for s in ("sns", "sqs", "lambda", "iam"))
    topic = sns.create_topic(Name=unique())["TopicArn"]
    url, queue = topic_queue(sqs, unique("q"), topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue, Attributes=RAW)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_name = unique("role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))
    publish = {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic}
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="publish",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [publish]}),
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.py", DESTINED)
    name = unique("fn")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": topic}}
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)["Messages"]
    record = json.loads(got[0]["Body"])
    assert record["requestPayload"] == {"n": 1}
    assert record["responsePayload"] == {"answer": 42}
    assert record["requestContext"]["condition"] == "Success"
