"""The SNS service called directly, with an injected clock: FIFO deduplication windows and
their sweep, and who may unsubscribe through an unsigned request (the UnsubscribeURL)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ownstack.backends.memory import MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.events.bus import Delivery, EventBus
from ownstack.services.sns.service import SnsService

ACCOUNT = "123456789012"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q.fifo"


def ctx(key: str = "AKIAX") -> RequestContext:
    """A root caller (key "" makes it anonymous)."""
    arn = f"arn:aws:iam::{ACCOUNT}:root" if key else ""
    return RequestContext("t", ACCOUNT, "us-east-1", Principal(ACCOUNT, arn, ACCOUNT, key))


class Recorder:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []

    async def __call__(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)


def service() -> tuple[SnsService, ManualClock, Recorder]:
    clock = ManualClock()
    bus = EventBus()
    recorder = Recorder()
    bus.register("sqs", recorder)
    return SnsService(MemoryMeta(), bus, clock, "us-east-1"), clock, recorder


def test_dedup_window_and_sweep() -> None:
    async def scenario() -> None:
        sns, clock, recorder = service()
        topic = await sns.create_topic(
            ctx(), {"Name": "t.fifo", "Attributes": {"FifoTopic": "true"}}
        )
        arn = topic["TopicArn"]
        await sns.subscribe(ctx(), {"TopicArn": arn, "Protocol": "sqs", "Endpoint": QUEUE})
        publish = {
            "TopicArn": arn,
            "Message": "m",
            "MessageGroupId": "g",
            "MessageDeduplicationId": "d",
        }
        first = await sns.publish(ctx(), publish)
        clock.advance(299)
        assert await sns.publish(ctx(), publish) == first
        assert await sns.sweeper.sweep() == 0
        clock.advance(2)
        assert await sns.sweeper.sweep() == 1
        later = await sns.publish(ctx(), publish)
        assert later["MessageId"] != first["MessageId"]
        assert int(later["SequenceNumber"]) > int(first["SequenceNumber"])
        assert [(d.target, d.group, d.dedup_id) for d in recorder.deliveries] == [
            (QUEUE, "g", "d")
        ] * 2

    asyncio.run(scenario())


def test_unsigned_unsubscribe_unless_confirmed_with_authentication() -> None:
    async def scenario() -> None:
        sns, _, _ = service()
        arn = (await sns.create_topic(ctx(), {"Name": "t"}))["TopicArn"]
        endpoints = {"http://127.0.0.1:9/open": "false", "http://127.0.0.1:9/guarded": "true"}
        for endpoint in endpoints:
            await sns.subscribe(ctx(), {"TopicArn": arn, "Protocol": "http", "Endpoint": endpoint})
        await sns.stop()  # the confirmation POSTs are not wanted here
        confirmed = {}
        for sub in await sns.topic_subscriptions(arn):
            params: dict[str, Any] = {
                "TopicArn": arn,
                "Token": sub.token,
                "AuthenticateOnUnsubscribe": endpoints[sub.endpoint],
            }
            result = await sns.confirm_subscription(ctx(), params)
            confirmed[sub.endpoint.rsplit("/", 1)[1]] = result["SubscriptionArn"]
        await sns.unsubscribe(ctx(key=""), {"SubscriptionArn": confirmed["open"]})
        with pytest.raises(ServiceError) as info:
            await sns.unsubscribe(ctx(key=""), {"SubscriptionArn": confirmed["guarded"]})
        assert info.value.code == "AuthorizationError"
        assert len(await sns.topic_subscriptions(arn)) == 1
        await sns.unsubscribe(ctx(), {"SubscriptionArn": confirmed["guarded"]})
        assert await sns.topic_subscriptions(arn) == []

    asyncio.run(scenario())
