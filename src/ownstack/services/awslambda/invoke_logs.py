"""Shipping functions' logs to CloudWatch Logs without holding up the invocation: each
invocation's lines are queued per log stream and delivered (through the events bus, to the logs
service's handler) by one background task, a stream's pending lines in one delivery. A log line
is not an acknowledged write: AWS too ships them after the response."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable

from ownstack.events.bus import Delivery, DeliveryFailed

log = logging.getLogger("ownstack.lambda")

Deliver = Callable[[Delivery], Awaitable[None]]
MAX_EVENTS = 10_000
MAX_BYTES = 1_000_000
"""Below PutLogEvents' 1,048,576 (UTF-8 bytes + 26 per event), with room to spare."""
GATHER_S = 0.2
"""How long lines wait for more before they are shipped (AWS's shipping lags by seconds)."""
MAX_MESSAGE = 256 * 1024 - 26
"""CloudWatch Logs' largest event; Lambda truncates longer lines."""


class LogShipper:
    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._pending: dict[str, list[dict[str, object]]] = defaultdict(list)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def ship(self, target: str, text: str, now: float) -> None:
        """Queue `text`'s lines as events of the log stream whose ARN is `target`."""
        stamp = int(now * 1000)
        events = self._pending[target]
        for line in text.rstrip("\n").split("\n"):
            events.append({"timestamp": stamp, "message": line[:MAX_MESSAGE] or " "})
        self._wake.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="lambda-logs")

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            # Gather what the next invocations print too: one durable append for many of them
            # instead of one each (measured: shipping per invocation was a quarter of a warm
            # invoke's server time).
            await asyncio.sleep(GATHER_S)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        pending, self._pending = self._pending, defaultdict(list)
        for target, events in pending.items():
            for batch in _batches(events):
                try:
                    await self._deliver(Delivery(target=target, body=json.dumps(batch)))
                except DeliveryFailed as exc:
                    log.warning("function logs: %s", exc)
                except Exception:
                    log.exception("function logs to %s failed", target)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None
        await self.flush()


def _batches(events: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    batches: list[list[dict[str, object]]] = [[]]
    size = 0
    for event in events:
        cost = len(str(event["message"]).encode("utf-8")) + 26
        if len(batches[-1]) >= MAX_EVENTS or size + cost > MAX_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(event)
        size += cost
    return [b for b in batches if b]
