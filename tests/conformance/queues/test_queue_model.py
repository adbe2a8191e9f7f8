"""Property test: random sends, receives, deletes, visibility changes and clock moves on a
standard queue, checked step by step against a small reference model of the port's rules."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.kit import run
from ownstack.core.clock import ManualClock
from ownstack.ports.queues import Counts, MessageNotInflight, NewMessage, QueueSpec, QueueStore

MAX_LIVE = 8
"""Messages in the queue at most, so one receive of 10 takes every visible one."""

Op = tuple[str, int, int]

OPS: st.SearchStrategy[Op] = st.one_of(
    st.tuples(st.just("send"), st.integers(1, 3), st.sampled_from([0, 5])),
    st.tuples(st.just("receive"), st.sampled_from([0, 3, 10]), st.just(0)),
    st.tuples(st.just("delete"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("change"), st.integers(0, 20), st.sampled_from([0, 4])),
    st.tuples(st.just("advance"), st.sampled_from([1, 3, 5]), st.just(0)),
)


@dataclass
class Model:
    visible_at: float
    count: int = 0
    receipt: str | None = None


class Checker:
    def __init__(self, store: QueueStore, clock: ManualClock, queue: str) -> None:
        self.store, self.clock, self.queue = store, clock, queue
        self.live: dict[str, Model] = {}
        self.receipts: list[str] = []
        self.bodies = itertools.count()

    async def step(self, op: Op) -> None:
        kind, a, b = op
        await getattr(self, kind)(a, b)
        await self.check_counts()

    async def send(self, n: int, delay: int) -> None:
        n = min(n, MAX_LIVE - len(self.live))
        bodies = [str(next(self.bodies)) for _ in range(n)]
        await self.store.send(self.queue, [NewMessage(body, delay=delay) for body in bodies])
        for body in bodies:
            self.live[body] = Model(self.clock.now() + delay)

    async def receive(self, visibility: int, _: int) -> None:
        now = self.clock.now()
        got = await self.store.receive(self.queue, max_messages=10, visibility=visibility)
        expected = {body for body, m in self.live.items() if m.visible_at <= now}
        assert {m.body for m in got} == expected
        for message in got:
            model = self.live[message.body]
            model.count += 1
            model.visible_at = now + visibility
            model.receipt = message.receipt
            assert message.receive_count == model.count
            self.receipts.append(message.receipt)

    async def delete(self, index: int, _: int) -> None:
        if not self.receipts:
            return
        receipt = self.receipts[index % len(self.receipts)]
        assert await self.store.delete(self.queue, [receipt]) == [None]
        for body, model in list(self.live.items()):
            if model.receipt == receipt:
                del self.live[body]

    async def change(self, index: int, seconds: int) -> None:
        if not self.receipts:
            return
        receipt = self.receipts[index % len(self.receipts)]
        now = self.clock.now()
        held = [m for m in self.live.values() if m.receipt == receipt and m.visible_at > now]
        (result,) = await self.store.change_visibility(self.queue, [(receipt, seconds)])
        if held:
            assert result is None
            held[0].visible_at = now + seconds
        else:
            assert isinstance(result, MessageNotInflight)

    async def advance(self, seconds: int, _: int) -> None:
        self.clock.advance(seconds)

    async def check_counts(self) -> None:
        now = self.clock.now()
        visible = sum(1 for m in self.live.values() if m.visible_at <= now)
        in_flight = sum(1 for m in self.live.values() if m.visible_at > now and m.count)
        delayed = len(self.live) - visible - in_flight
        assert await self.store.counts(self.queue) == Counts(visible, in_flight, delayed)


_queues = itertools.count()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(OPS, max_size=30))
def test_the_queue_behaves_like_the_model(
    store: QueueStore, clock: ManualClock, ops: list[Op]
) -> None:
    queue = f"model-{next(_queues)}"  # one store serves every example: a queue each

    async def go() -> None:
        await store.create(queue, QueueSpec())
        checker = Checker(store, clock, queue)
        for op in ops:
            await checker.step(op)
        await store.drop(queue)

    run(go())


# -- FIFO: several groups, each received in order and blocked while any of it is in flight --

GROUPS = ("a", "b", "c")
FIFO_OPS: st.SearchStrategy[Op] = st.one_of(
    st.tuples(st.just("send"), st.integers(0, len(GROUPS) - 1), st.sampled_from([0, 0, 5])),
    st.tuples(st.just("receive"), st.sampled_from([0, 3, 10]), st.just(0)),
    st.tuples(st.just("delete"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("change"), st.integers(0, 20), st.sampled_from([0, 4])),
    st.tuples(st.just("advance"), st.sampled_from([1, 3, 5]), st.just(0)),
)


class FifoChecker(Checker):
    def __init__(self, store: QueueStore, clock: ManualClock, queue: str) -> None:
        super().__init__(store, clock, queue)
        self.groups: dict[str, str] = {}
        """body -> group; self.live keeps send order, so each group's order too."""

    async def send(self, group_index: int, delay: int) -> None:
        if len(self.live) >= MAX_LIVE:
            return
        body, group = str(next(self.bodies)), GROUPS[group_index]
        message = NewMessage(body, delay=delay, group=group, dedup_id=body)
        await self.store.send(self.queue, [message])
        self.live[body] = Model(self.clock.now() + delay)
        self.groups[body] = group

    async def receive(self, visibility: int, _: int) -> None:
        now = self.clock.now()
        got = await self.store.receive(self.queue, max_messages=10, visibility=visibility)
        received: dict[str, list[str]] = {}
        for message in got:
            received.setdefault(self.groups[message.body], []).append(message.body)
        assert received == self.expected(now)
        for message in got:
            model = self.live[message.body]
            model.count += 1
            model.visible_at = now + visibility
            model.receipt = message.receipt
            assert message.receive_count == model.count
            self.receipts.append(message.receipt)

    def expected(self, now: float) -> dict[str, list[str]]:
        """Per group not blocked by a message in flight: its visible messages from the head."""
        expected: dict[str, list[str]] = {}
        for group in GROUPS:
            members = [(b, m) for b, m in self.live.items() if self.groups[b] == group]
            if any(m.count and m.visible_at > now for _, m in members):
                continue
            for body, model in members:
                if model.visible_at > now:
                    break
                expected.setdefault(group, []).append(body)
        return expected


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(FIFO_OPS, max_size=30))
def test_a_fifo_queue_behaves_like_the_model(
    store: QueueStore, clock: ManualClock, ops: list[Op]
) -> None:
    queue = f"model-{next(_queues)}.fifo"

    async def go() -> None:
        await store.create(queue, QueueSpec(fifo=True))
        checker = FifoChecker(store, clock, queue)
        for op in ops:
            await checker.step(op)
        await store.drop(queue)

    run(go())
