"""Retries of deliveries to AWS-managed endpoints (Lambda, SQS), with the SNS service called
directly over a memory meta store and an events bus whose "lambda" and "sqs" handlers stand in
for those services (a server-side failure cannot be made on demand in a real server): a
server-side failure is recorded durably during the Publish and retried as the schedule says,
then delivered, or dead-lettered once the schedule is exhausted; a client-side failure is not
retried; a retry whose subscription is gone is dropped; the retries of an instance that died
(a SIGKILLed process) are made by another one. Real, short time: retry delays of 0.05 s, lease
ttl 0.3 s. AWS's own schedule and `limits.sns` are checked as data."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from leasekit import DyingMeta
from ownstack.backends.memory import MemoryMeta
from ownstack.core.clock import SystemClock
from ownstack.core.context import Principal, RequestContext
from ownstack.events.bus import Delivery, DeliveryFailed, EventBus, Sender
from ownstack.ports.meta import MetaStore
from ownstack.services.sns import managed_delivery
from ownstack.services.sns.limits import (
    RetrySchedule,
    SnsLimits,
    aws_managed_delay,
    parse_limits,
)
from ownstack.services.sns.retry_jobs import RETRY_JOBS, RetryRecord
from ownstack.services.sns.service import SnsService

ACCOUNT = "123456789012"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
DLQ = f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"
FAST = SnsLimits(RetrySchedule((0.05, 0.05, 0.05)))


def ctx() -> RequestContext:
    return RequestContext(
        "t", ACCOUNT, "us-east-1", Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "K")
    )


@pytest.fixture(autouse=True)
def short_leases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(managed_delivery, "LEASE_TTL_S", 0.3)
    monkeypatch.setattr(managed_delivery, "POLL_S", 0.05)


class Endpoint:
    """A bus handler that fails server-side (RuntimeError) or client-side (DeliveryFailed) the
    first `failures` times, then records what it is given."""

    def __init__(self, failures: int = 0, refuse: bool = False) -> None:
        self.failures = failures
        self.refuse = refuse
        self.attempts = 0
        self.got: list[Delivery] = []

    async def __call__(self, delivery: Delivery) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            if self.refuse:
                raise DeliveryFailed(delivery.target, "refused")
            raise RuntimeError("the function's service is down")
        self.got.append(delivery)


def service(
    meta: MetaStore, function: Endpoint | None, dlq: Endpoint, limits: SnsLimits = FAST
) -> SnsService:
    bus = EventBus()
    if function is not None:
        bus.register("lambda", function)
    bus.register("sqs", dlq)
    return SnsService(meta, bus, SystemClock(), "us-east-1", limits=limits)


async def subscribed(sns: SnsService, dead_letter: bool = True) -> tuple[str, str]:
    """(topic ARN, subscription ARN) of a new topic with the function subscribed."""
    arn = (await sns.create_topic(ctx(), {"Name": "t"}))["TopicArn"]
    attributes = {"RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ})} if dead_letter else {}
    params = {"TopicArn": arn, "Protocol": "lambda", "Endpoint": FUNCTION, "Attributes": attributes}
    sub = (await sns.subscribe(ctx(), params))["SubscriptionArn"]
    return str(arn), str(sub)


async def jobs(meta: MetaStore) -> list[RetryRecord]:
    return [RetryRecord.decode(r.value) for r in await meta.scan(RETRY_JOBS)]


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if await check():
            return
        await asyncio.sleep(0.01)
    pytest.fail("not within the time")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


def test_server_side_failures_are_retried_until_delivered() -> None:
    async def scenario() -> None:
        meta, function, dlq = MemoryMeta(), Endpoint(failures=2), Endpoint()
        sns = service(meta, function, dlq)
        await sns.start()
        try:
            topic, sub = await subscribed(sns)
            published = await sns.publish(ctx(), {"TopicArn": topic, "Message": "m"})
            # Recorded before the Publish was answered (the first attempt failed).
            assert function.attempts == 1
            assert [(j.subscription, j.attempts) for j in await jobs(meta)] == [(sub, 1)]
            await until(lambda: _true(len(function.got) == 1))
            await until(lambda: _empty(meta))
            (delivery,) = function.got
            assert function.attempts == 3 and dlq.got == []
            assert delivery.target == FUNCTION
            assert delivery.sender == Sender("sns.amazonaws.com", topic, ACCOUNT)
            record = json.loads(delivery.body)["Records"][0]
            assert record["EventSubscriptionArn"] == sub
            assert record["Sns"]["MessageId"] == published["MessageId"]
        finally:
            await sns.stop()

    run(scenario)


def test_exhausted_retries_go_to_the_dead_letter_queue() -> None:
    async def scenario() -> None:
        meta, function, dlq = MemoryMeta(), Endpoint(failures=99), Endpoint()
        sns = service(meta, function, dlq)
        await sns.start()
        try:
            topic, sub = await subscribed(sns)
            published = await sns.publish(ctx(), {"TopicArn": topic, "Message": "lost"})
            await until(lambda: _true(len(dlq.got) == 1))
            await until(lambda: _empty(meta))
            assert function.attempts == 4  # the first attempt and the schedule's 3 retries
            (dead,) = dlq.got
            assert dead.target == DLQ
            assert dead.sender == Sender("sns.amazonaws.com", topic, ACCOUNT)
            doc = json.loads(dead.body)
            assert (doc["Type"], doc["MessageId"], doc["Message"]) == (
                "Notification",
                published["MessageId"],
                "lost",
            )
            assert sub.replace(":", "%3A") in doc["UnsubscribeURL"]
        finally:
            await sns.stop()

    run(scenario)


def test_client_side_failures_are_not_retried() -> None:
    async def scenario() -> None:
        meta, function, dlq = MemoryMeta(), Endpoint(failures=1, refuse=True), Endpoint()
        sns = service(meta, function, dlq)
        await sns.start()
        try:
            topic, _ = await subscribed(sns)
            await sns.publish(ctx(), {"TopicArn": topic, "Message": "refused"})
            # Dead-lettered before the Publish was answered; nothing left to retry.
            assert [json.loads(d.body)["Message"] for d in dlq.got] == ["refused"]
            assert await jobs(meta) == []
            await asyncio.sleep(0.3)
            assert function.attempts == 1 and function.got == []
        finally:
            await sns.stop()

    run(scenario)


def test_a_service_not_running_yet_is_retried() -> None:
    """No handler for the function's service (Lambda without a runtime) is server-side: the
    message waits for it rather than being dead-lettered."""

    async def scenario() -> None:
        meta, function, dlq = MemoryMeta(), Endpoint(), Endpoint()
        slow = SnsLimits(RetrySchedule((0.3,)))
        sns = service(meta, None, dlq, slow)
        await sns.start()
        try:
            topic, _ = await subscribed(sns)
            await sns.publish(ctx(), {"TopicArn": topic, "Message": "waits"})
            assert len(await jobs(meta)) == 1 and dlq.got == []
            sns.bus.register("lambda", function)
            await until(lambda: _true(len(function.got) == 1))
            await until(lambda: _empty(meta))
            assert dlq.got == []
        finally:
            await sns.stop()

    run(scenario)


def test_a_retry_of_a_deleted_subscription_is_dropped() -> None:
    async def scenario() -> None:
        meta, function, dlq = MemoryMeta(), Endpoint(failures=99), Endpoint()
        sns = service(meta, function, dlq, SnsLimits(RetrySchedule((0.3, 0.3))))
        await sns.start()
        try:
            topic, sub = await subscribed(sns)
            await sns.publish(ctx(), {"TopicArn": topic, "Message": "m"})
            await sns.unsubscribe(ctx(), {"SubscriptionArn": sub})
            await until(lambda: _empty(meta))
            assert function.attempts == 1 and dlq.got == []
        finally:
            await sns.stop()

    run(scenario)


def test_retries_of_a_dead_instance_are_made_by_another() -> None:
    """Two instances on one store: the one holding the retries dies (as SIGKILLed) with a
    retry pending; the other takes the lease over once it expires and delivers it."""

    async def scenario() -> None:
        shared = MemoryMeta()
        views = [DyingMeta(shared), DyingMeta(shared)]
        failing, working, dlq = Endpoint(failures=99), Endpoint(), Endpoint()
        limits = SnsLimits(RetrySchedule((0.5,)))
        first = service(views[0], failing, dlq, limits)
        second = service(views[1], working, dlq, limits)
        await first.start()
        await until(lambda: _true(first.managed.lease.held))
        await second.start()
        try:
            topic, _ = await subscribed(first)
            published = await first.publish(ctx(), {"TopicArn": topic, "Message": "m"})
            views[0].die()
            await until(lambda: _true(len(working.got) == 1))
            await until(lambda: _empty(shared))
            assert failing.attempts == 1 and dlq.got == []
            event = json.loads(working.got[0].body)
            assert event["Records"][0]["Sns"]["MessageId"] == published["MessageId"]
        finally:
            views[0].revive()
            await first.stop()
            await second.stop()

    run(scenario)


async def _true(value: bool) -> bool:
    return value


async def _empty(meta: MetaStore) -> bool:
    return not await jobs(meta)


def test_aws_schedule_for_managed_endpoints() -> None:
    """3 attempts without delay, 2 one second apart, 10 backing off from 1 to 20 s, 100,000
    twenty seconds apart: 100,015 attempts over some 23 days."""
    delays = []
    retry = 1
    while (delay := aws_managed_delay(retry)) is not None:
        delays.append(delay)
        retry += 1
    assert len(delays) + 1 == 100_015
    assert delays[:4] == [0.0, 0.0, 1.0, 1.0]
    backoff = delays[4:14]
    assert backoff[0] == 1.0 and backoff[-1] == pytest.approx(20.0)
    assert all(a < b for a, b in itertools.pairwise(backoff))
    assert set(delays[14:]) == {20.0}
    assert 23 <= sum(delays) / 86400 < 24
    assert RetrySchedule().delay(100_014) == 20.0 and RetrySchedule().delay(100_015) is None


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"retries": [1]}, "limits.sns: unknown limit(s) retries"),
        (
            {"managed_retry_delays": [1, -1]},
            "limits.sns.managed_retry_delays: a list of seconds (numbers >= 0)",
        ),
        (
            {"managed_retry_delays": "1"},
            "limits.sns.managed_retry_delays: a list of seconds (numbers >= 0)",
        ),
    ],
)
def test_limits_are_checked(raw: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_limits(raw)
    assert str(exc.value) == error


def test_limits_replace_the_schedule() -> None:
    limits = parse_limits({"managed_retry_delays": [0, 2.5]})
    assert [limits.managed_retries.delay(n) for n in (1, 2, 3)] == [0.0, 2.5, None]
    assert parse_limits({}) == SnsLimits()
