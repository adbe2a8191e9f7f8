"""SqsService in process, on the memory engine with a manual clock: what needs time moved by
hand (retention, visibility expiry) and the events layer's delivery handler (SNS fan-out)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ownstack.backends import memory
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.events.bus import Delivery, DeliveryFailed, EventBus
from ownstack.ports.engine import EngineContext
from ownstack.services.sqs.service import SqsService

ACCOUNT = "123456789012"
ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:"


def ctx() -> RequestContext:
    principal = Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIA")
    return RequestContext("req", ACCOUNT, "us-east-1", principal, host="localhost:4566")


def run(test: Callable[[SqsService, ManualClock], Awaitable[None]], tmp_path: Path) -> None:
    async def main() -> None:
        clock = ManualClock()
        engine_ctx = EngineContext(data_dir=tmp_path, options={}, clock=clock)
        service = SqsService(
            memory.engine.factories["meta"](engine_ctx),
            memory.engine.factories["queue"](engine_ctx),
            clock,
            "us-east-1",
        )
        await service.start()
        try:
            await test(service, clock)
        finally:
            await service.stop()

    asyncio.run(main())


async def create(service: SqsService, name: str, **attrs: str) -> str:
    result = await service.create_queue(ctx(), {"QueueName": name, "Attributes": attrs})
    url: str = result["QueueUrl"]
    return url


async def receive(service: SqsService, url: str, **params: Any) -> list[dict[str, Any]]:
    result = await service.receive_message(ctx(), {"QueueUrl": url, **params})
    messages: list[dict[str, Any]] = result.get("Messages", [])
    return messages


def test_retention_period_expires_messages(tmp_path: Path) -> None:
    async def check(service: SqsService, clock: ManualClock) -> None:
        url = await create(service, "short", MessageRetentionPeriod="60")
        await service.send_message(ctx(), {"QueueUrl": url, "MessageBody": "old"})
        clock.advance(30)
        await service.send_message(ctx(), {"QueueUrl": url, "MessageBody": "young"})
        clock.advance(31)
        got = await receive(service, url, MaxNumberOfMessages=10)
        assert [m["Body"] for m in got] == ["young"]

    run(check, tmp_path)


def test_visibility_expiry_redelivers_with_receive_count(tmp_path: Path) -> None:
    async def check(service: SqsService, clock: ManualClock) -> None:
        url = await create(service, "vis", VisibilityTimeout="30")
        await service.send_message(ctx(), {"QueueUrl": url, "MessageBody": "again"})
        first = await receive(service, url)
        clock.advance(29)
        assert await receive(service, url) == []
        clock.advance(2)
        second = await receive(service, url, AttributeNames=["ApproximateReceiveCount"])
        assert second[0]["MessageId"] == first[0]["MessageId"]
        assert second[0]["Attributes"] == {"ApproximateReceiveCount": "2"}

    run(check, tmp_path)


def test_deliver_enqueues_with_attributes(tmp_path: Path) -> None:
    async def check(service: SqsService, clock: ManualClock) -> None:
        url = await create(service, "fanout")
        bus = EventBus()
        bus.register("sqs", service.deliver)
        attrs: dict[str, dict[str, Any]] = {
            "k": {"DataType": "String", "StringValue": "v"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x01"},
        }
        await bus.deliver(Delivery(ARN + "fanout", '{"Message": "hi"}', attrs))
        got = await receive(service, url, MessageAttributeNames=["All"])
        assert [(m["Body"], m["MessageAttributes"]) for m in got] == [('{"Message": "hi"}', attrs)]

    run(check, tmp_path)


def test_deliver_to_fifo_keeps_group_and_dedup(tmp_path: Path) -> None:
    async def check(service: SqsService, clock: ManualClock) -> None:
        url = await create(service, "fanout.fifo", FifoQueue="true")
        for body in ("one", "dup"):
            await service.deliver(Delivery(ARN + "fanout.fifo", body, group="g", dedup_id="d"))
        got = await receive(service, url, MaxNumberOfMessages=10, AttributeNames=["All"])
        assert [m["Body"] for m in got] == ["one"]
        assert got[0]["Attributes"]["MessageGroupId"] == "g"
        with pytest.raises(DeliveryFailed) as exc:
            await service.deliver(Delivery(ARN + "fanout.fifo", "no group"))
        assert "MessageGroupId" in exc.value.reason

    run(check, tmp_path)


def test_deliver_failures(tmp_path: Path) -> None:
    async def check(service: SqsService, clock: ManualClock) -> None:
        await create(service, "strict", MaximumMessageSize="1024")
        with pytest.raises(DeliveryFailed) as exc:
            await service.deliver(Delivery(ARN + "missing", "x"))
        assert exc.value.reason == "the queue does not exist"
        with pytest.raises(DeliveryFailed) as exc:
            await service.deliver(Delivery(ARN + "strict", "x" * 1025))
        assert exc.value.reason.startswith("InvalidParameterValue: ")
        with pytest.raises(DeliveryFailed):
            await service.deliver(Delivery(ARN + "strict", "bad\x00"))
        with pytest.raises(DeliveryFailed):
            await service.deliver(Delivery("arn:aws:sqs:us-east-1:bad", "x"))

    run(check, tmp_path)


def test_other_accounts_queue_is_access_denied(tmp_path: Path) -> None:
    async def check(service: SqsService, clock: ManualClock) -> None:
        with pytest.raises(ServiceError) as exc:
            await service.send_message(
                ctx(), {"QueueUrl": "http://h/210987654321/q", "MessageBody": "x"}
            )
        assert (exc.value.code, exc.value.status) == ("AccessDenied", 403)

    run(check, tmp_path)


def test_recreated_queue_starts_empty_after_a_minute(tmp_path: Path) -> None:
    async def check(service: SqsService, clock: ManualClock) -> None:
        url = await create(service, "reborn")
        await service.send_message(ctx(), {"QueueUrl": url, "MessageBody": "old life"})
        await service.delete_queue(ctx(), {"QueueUrl": url})
        clock.advance(59)
        with pytest.raises(ServiceError) as exc:
            await create(service, "reborn")
        assert exc.value.code == "QueueDeletedRecently"
        clock.advance(2)
        assert await create(service, "reborn") == url
        assert await receive(service, url) == []

    run(check, tmp_path)
