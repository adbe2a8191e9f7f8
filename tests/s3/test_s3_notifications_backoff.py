"""The notification outbox and its delivery, called directly (memory backends, manual clock):
outbox records commit with the change, a refused delivery backs off (1 s doubling to 5
minutes) keeping its sequencer, and is given up 24 hours after its change; a bucket without
notifications writes no outbox record."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from s3kit import ctx

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.http import BytesBody
from ownstack.events.bus import Delivery, DeliveryFailed
from ownstack.services.s3.notify_delivery import backoff
from ownstack.services.s3.notify_outbox import OUTBOX, RETRY
from ownstack.services.s3.service import S3Service

QUEUE = "arn:aws:sqs:us-east-1:123456789012:down"
CONFIG = {"QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"]}]}


class Destination:
    """A queue that is down until `up` is set, recording what it was given."""

    def __init__(self) -> None:
        self.up = False
        self.got: list[Delivery] = []

    async def __call__(self, delivery: Delivery) -> None:
        if not self.up:
            raise DeliveryFailed(delivery.target, "the queue is down")
        self.got.append(delivery)


def _service(clock: ManualClock, destination: Destination) -> S3Service:
    svc = S3Service(MemoryMeta(), MemoryBlobs(), clock)
    svc.connect_events(destination, destination, "test")
    return svc


async def _put(svc: S3Service, bucket: str, key: str) -> None:
    await svc.put_object(ctx(), {"Bucket": bucket, "Key": key, "Body": BytesBody(b"x")})


async def _drain(svc: S3Service) -> int:
    assert svc._notifier is not None
    return await svc._notifier.drain(lambda: True)


def test_backoff_doubles_to_five_minutes() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4, 9, 10, 50)] == [1, 2, 4, 8, 256, 300, 300]


def test_a_bucket_without_notifications_writes_no_outbox_record() -> None:
    async def go() -> None:
        svc = _service(ManualClock(), Destination())
        await svc.create_bucket(ctx(), {"Bucket": "quiet"})
        await _put(svc, "quiet", "k")
        assert await svc.meta.scan(OUTBOX) == []

    asyncio.run(go())


def test_refused_deliveries_back_off_then_are_given_up() -> None:
    async def go() -> None:
        clock, down = ManualClock(), Destination()
        svc = _service(clock, down)
        await svc.create_bucket(ctx(), {"Bucket": "bkt"})
        params: dict[str, Any] = {
            "Bucket": "bkt",
            "NotificationConfiguration": CONFIG,
            "SkipDestinationValidation": True,
        }
        await svc.put_bucket_notification_configuration(ctx(), params)
        await _put(svc, "bkt", "k")
        [written] = await svc.meta.scan(OUTBOX)
        assert await _drain(svc) == 1
        assert await svc.meta.scan(OUTBOX) == []
        [retry] = await svc.meta.scan(RETRY)
        assert await _drain(svc) == 0  # not due for a second
        clock.advance(1.0)
        assert await _drain(svc) == 1
        [again] = await svc.meta.scan(RETRY)
        assert again.key[:20] == f"{int((clock.now() + 2) * 1e6):020d}"
        clock.advance(24 * 3600)
        assert await _drain(svc) == 1  # due, refused, a day old: given up
        assert await svc.meta.scan(RETRY) == []
        assert retry.key.endswith(written.key)

    asyncio.run(go())


def test_a_retried_delivery_keeps_its_sequencer() -> None:
    async def go() -> None:
        clock, destination = ManualClock(), Destination()
        svc = _service(clock, destination)
        await svc.create_bucket(ctx(), {"Bucket": "bkt"})
        params = {
            "Bucket": "bkt",
            "NotificationConfiguration": CONFIG,
            "SkipDestinationValidation": True,
        }
        await svc.put_bucket_notification_configuration(ctx(), params)
        await _put(svc, "bkt", "k")
        [written] = await svc.meta.scan(OUTBOX)
        await _drain(svc)
        destination.up = True
        clock.advance(1.0)
        await _drain(svc)
        [delivery] = destination.got
        record = json.loads(delivery.body)["Records"][0]
        assert record["s3"]["object"]["sequencer"] == f"{written.version:018X}"
        assert delivery.sender is not None
        assert (delivery.sender.service, delivery.sender.source_arn) == (
            "s3.amazonaws.com",
            "arn:aws:s3:::bkt",
        )
        assert await svc.meta.scan(RETRY) == []

    asyncio.run(go())


def test_eventbridge_gets_every_change_on_the_default_bus() -> None:
    async def go() -> None:
        destination = Destination()
        destination.up = True
        svc = _service(ManualClock(), destination)
        await svc.create_bucket(ctx(), {"Bucket": "bkt"})
        config = {"EventBridgeConfiguration": {}}
        await svc.put_bucket_notification_configuration(
            ctx(), {"Bucket": "bkt", "NotificationConfiguration": config}
        )
        await _put(svc, "bkt", "a b")
        await svc.delete_object(ctx(), {"Bucket": "bkt", "Key": "a b"})
        await _drain(svc)
        bus = "arn:aws:events:us-east-1:123456789012:event-bus/default"
        assert [d.target for d in destination.got] == [bus, bus]
        # S3 needs no permission to reach its owner's default bus: no sender to check.
        assert [d.sender for d in destination.got] == [None, None]
        created, deleted = (json.loads(d.body) for d in destination.got)
        assert list(created) == [
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail",
        ]
        assert (created["detail-type"], created["source"]) == ("Object Created", "aws.s3")
        assert created["time"] == "2023-11-14T22:13:20Z"
        assert created["resources"] == ["arn:aws:s3:::bkt"]
        detail = created["detail"]
        assert detail["object"]["sequencer"] < deleted["detail"]["object"]["sequencer"]
        detail["object"]["sequencer"] = ""
        assert detail == {
            "version": "0",
            "bucket": {"name": "bkt"},
            "object": {
                "key": "a+b",
                "size": 1,
                "etag": "9dd4e461268c8034f5c8564e155c67a6",
                "sequencer": "",
            },
            "request-id": "t",
            "requester": "123456789012",
            "source-ip-address": "127.0.0.1",
            "reason": "PutObject",
        }
        assert deleted["detail-type"] == "Object Deleted"
        assert deleted["detail"]["reason"] == "DeleteObject"
        assert deleted["detail"]["deletion-type"] == "Permanently Deleted"
        assert list(deleted["detail"]["object"]) == ["key", "sequencer"]

    asyncio.run(go())
