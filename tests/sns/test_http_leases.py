"""SNS HTTP/S deliveries with two service instances ("processes") on one shared meta store:
each job is attempted by the instance that accepted it only, once when the endpoint takes it;
when that instance dies mid-retry, the other takes the job over with its retry state (the
attempts made so far) and delivers it, long before the dead owner's retry was due, and the
dead owner never POSTs it again. In-process, real (short) time: lease ttl 0.3 s, takeover scan
every 0.05 s; the endpoint is an HTTP sink on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from snskit import HttpSink, Received, unique

from leasekit import DyingMeta
from ownstack.backends.memory import MemoryMeta
from ownstack.core.clock import SystemClock
from ownstack.core.context import Principal, RequestContext
from ownstack.events.bus import Delivery, EventBus
from ownstack.services.sns import http_delivery
from ownstack.services.sns.http_jobs import HTTP_JOBS, JobRecord
from ownstack.services.sns.service import SnsService

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"
DLQ = f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"
TTL = 0.3
EVERY = 0.05
TAKEOVER_S = TTL + EVERY
RETRY_DELAY = 3


def ctx() -> RequestContext:
    return RequestContext(
        "t", ACCOUNT, "us-east-1", Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "K")
    )


def retrying(num_retries: int, delay: int) -> str:
    policy = {"numRetries": num_retries, "minDelayTarget": delay, "maxDelayTarget": delay}
    return json.dumps({"healthyRetryPolicy": {**policy, "numMaxDelayRetries": num_retries}})


@pytest.fixture(autouse=True)
def short_leases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_delivery, "OWNER_TTL_S", TTL)
    monkeypatch.setattr(http_delivery, "TAKEOVER_EVERY", EVERY)


class Rig:
    """Two SnsService instances, each with its own view of one meta store (DyingMeta) and its
    own events bus, whose SQS deliveries (dead letters) are recorded."""

    def __init__(self, sink: HttpSink) -> None:
        self.sink = sink
        self.shared = MemoryMeta()
        self.views = [DyingMeta(self.shared), DyingMeta(self.shared)]
        self.dead_letters: list[tuple[int, Delivery]] = []
        self.services = [self._service(i) for i in range(2)]
        self.path = "/" + unique("lease")

    def _service(self, i: int) -> SnsService:
        bus = EventBus()

        async def record(delivery: Delivery) -> None:
            self.dead_letters.append((i, delivery))

        bus.register("sqs", record)
        return SnsService(self.views[i], bus, SystemClock(), "us-east-1")

    async def start(self, **attributes: str) -> str:
        """Start both instances; a topic with a confirmed http subscription to the sink."""
        for service in self.services:
            await service.start()
        sns = self.services[0]
        arn = (await sns.create_topic(ctx(), {"Name": unique()}))["TopicArn"]
        params = {"TopicArn": arn, "Protocol": "http", "Endpoint": self.sink.url + self.path}
        await sns.subscribe(ctx(), {**params, "Attributes": attributes})
        (sub,) = await sns.topic_subscriptions(arn)
        await sns.confirm_subscription(ctx(), {"TopicArn": arn, "Token": sub.token})
        await self.posts(1)  # the SubscriptionConfirmation
        return str(arn)

    async def posts(self, count: int, timeout: float = 5.0) -> list[Received]:
        """The first `count` POSTs to the subscription's path (the confirmation first)."""
        return await asyncio.to_thread(self.sink.wait_for, count, timeout, self.path)

    async def jobs(self) -> list[JobRecord]:
        return [JobRecord.decode(r.value) for r in await self.shared.scan(HTTP_JOBS)]

    async def until_job(self, attempts: int) -> JobRecord:
        for _ in range(200):
            jobs = await self.jobs()
            if jobs and jobs[0].attempts == attempts:
                return jobs[0]
            await asyncio.sleep(0.01)
        pytest.fail(f"no job with {attempts} attempt(s): {await self.jobs()}")

    async def until_no_jobs(self) -> None:
        for _ in range(200):
            if not await self.jobs():
                return
            await asyncio.sleep(0.01)
        pytest.fail(f"jobs left: {await self.jobs()}")

    async def stop(self) -> None:
        for view in self.views:
            view.revive()
        for service in self.services:
            await service.stop()


def run(scenario: Any) -> None:
    asyncio.run(asyncio.wait_for(scenario, 30))


def test_each_job_is_posted_once_by_the_instance_that_accepted_it(sink: HttpSink) -> None:
    async def scenario() -> None:
        rig = Rig(sink)
        arn = await rig.start()
        ids = [
            (await rig.services[i % 2].publish(ctx(), {"TopicArn": arn, "Message": f"m{i}"}))[
                "MessageId"
            ]
            for i in range(6)
        ]
        posted = (await rig.posts(7))[1:]
        await asyncio.sleep(4 * TAKEOVER_S)  # many takeover scans: none claims a live job
        assert len(sink.to(rig.path)) == 7
        assert sorted(p.headers["x-amz-sns-message-id"] for p in posted) == sorted(ids)
        await rig.until_no_jobs()
        await rig.stop()

    run(scenario())


def test_a_retry_stays_with_its_live_owner(sink: HttpSink) -> None:
    async def scenario() -> None:
        rig = Rig(sink)
        arn = await rig.start(DeliveryPolicy=retrying(2, 1))
        sink.answer(rig.path, 500)
        await rig.services[1].publish(ctx(), {"TopicArn": arn, "Message": "again"})
        job = await rig.until_job(attempts=1)
        lease = await rig.services[1].http.owner.held()
        assert lease is not None and job.owner == lease.name
        first, retried = (await rig.posts(3))[1:]
        assert 0.9 <= retried.at - first.at <= 1.5  # the policy's delay, by its owner
        await rig.until_no_jobs()
        await asyncio.sleep(4 * TAKEOVER_S)
        assert len(sink.to(rig.path)) == 3
        await rig.stop()

    run(scenario())


def test_a_dead_owners_job_is_taken_over_with_its_retry_state(sink: HttpSink) -> None:
    async def scenario() -> None:
        rig = Rig(sink)
        arn = await rig.start(DeliveryPolicy=retrying(2, RETRY_DELAY))
        sink.answer(rig.path, 500)
        published = await rig.services[0].publish(ctx(), {"TopicArn": arn, "Message": "carry"})
        job = await rig.until_job(attempts=1)  # the failed attempt is recorded
        rig.views[0].die()
        died = time.monotonic()
        failed, delivered = (await rig.posts(3, timeout=2 * TAKEOVER_S + 1))[1:]
        # Taken over within ttl + the scan interval, long before the owner's retry was due.
        assert delivered.at - died <= TAKEOVER_S + 0.5
        assert delivered.at - failed.at < RETRY_DELAY
        ids = {r.headers["x-amz-sns-message-id"] for r in (failed, delivered)}
        assert ids == {published["MessageId"]}
        assert delivered.json()["Message"] == "carry"
        await rig.until_no_jobs()
        # The dead owner's expired lease is forgotten, not left to pile up.
        assert job.owner.startswith("sns:http-owner:")
        for _ in range(100):
            if await rig.shared.get("leases", job.owner) is None:
                break
            await asyncio.sleep(0.01)
        assert await rig.shared.get("leases", job.owner) is None
        # The dead owner's retry falls due while it is cut off: it does not POST again.
        await asyncio.sleep(RETRY_DELAY + 0.5 - (time.monotonic() - failed.at))
        assert len(sink.to(rig.path)) == 3
        assert rig.dead_letters == []
        await rig.stop()

    run(scenario())


def test_a_taken_over_job_keeps_its_attempt_count_to_the_dead_letter_queue(
    sink: HttpSink,
) -> None:
    async def scenario() -> None:
        rig = Rig(sink)
        redrive = json.dumps({"deadLetterTargetArn": DLQ})
        arn = await rig.start(DeliveryPolicy=retrying(1, RETRY_DELAY), RedrivePolicy=redrive)
        sink.answer(rig.path, 500, 500)
        await rig.services[0].publish(ctx(), {"TopicArn": arn, "Message": "last try"})
        await rig.until_job(attempts=1)
        rig.views[0].die()
        await rig.posts(3, timeout=2 * TAKEOVER_S + 1)
        await rig.until_no_jobs()
        # One retry in all (made by the successor), then the dead-letter queue: not a fresh
        # schedule of two attempts.
        await asyncio.sleep(2 * TAKEOVER_S)
        assert len(sink.to(rig.path)) == 3
        assert [(i, d.target, json.loads(d.body)["Message"]) for i, d in rig.dead_letters] == [
            (1, DLQ, "last try")
        ]
        await rig.stop()

    run(scenario())
