"""StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask: moving messages out of a
dead-letter queue, in the background, at most MaxNumberOfMessagesPerSecond.

Each task runs as an asyncio task of the one process holding its lease ("sqs:move:<task key>",
ports/leases.py) and keeps its progress in its record after every step, so a restarted server
resumes it and a cancel from any process is seen at the next step. A resume scan (one process
of N at a time, under the lease "sqs:move-resume", every RESUME_EVERY seconds) launches every
active task; a launch whose lease another live process holds ends at once, so a task whose
runner died is taken over within the lease's ttl + RESUME_EVERY.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.leases import DEFAULT_TTL_S, Lease, LeasedLoop, holder_alive, run_renewed
from ownstack.ports.leases import try_acquire as acquired
from ownstack.ports.meta import ABSENT, Put, prefix_end

from .base import SqsBase
from .errors import invalid_parameter, invalid_value, resource_not_found
from .move_records import (
    ACTIVE,
    CANCELLED,
    CANCELLING,
    COMPLETED,
    FAILED,
    MOVES,
    RUNNING,
    MoveTaskRecord,
    key_of_handle,
    task_handle,
)
from .move_steps import MoveSteps
from .records import QueueRecord

log = logging.getLogger("ownstack.sqs")
MAX_RATE = 500
MAX_LISTED = 10
RESUME_EVERY = DEFAULT_TTL_S


def move_lease_name(task_key: str) -> str:
    return f"sqs:move:{task_key}"


class MoveOps(MoveSteps, SqsBase):
    move_holder = ""
    """This instance's lease holder id (made on first use)."""
    move_resumer: LeasedLoop | None = None

    async def start_message_move_task(self, ctx: RequestContext, params: Params) -> Result:
        source = await self._own_queue(ctx, params["SourceArn"], "SourceArn")
        destination_arn: str = params.get("DestinationArn") or ""
        if destination_arn:
            await self._own_queue(ctx, destination_arn, "DestinationArn")
        rate = params.get("MaxNumberOfMessagesPerSecond")
        if rate is not None and not 1 <= rate <= MAX_RATE:
            raise invalid_value(
                "MaxNumberOfMessagesPerSecond", rate, f"Must be between 1 and {MAX_RATE}"
            )
        if not await self.dead_letter_sources(source):
            raise invalid_parameter("Source queue must be configured as a Dead Letter Queue.")
        if await self._active_task(source.arn) is not None:
            raise invalid_parameter(
                "There is already a task running. Only one active task is allowed for a source "
                "queue arn at a given time."
            )
        counts = await self.queues.counts(source.id)
        task = MoveTaskRecord(
            source_arn=source.arn,
            destination_arn=destination_arn,
            rate=rate or 0,
            started_ms=int(self.clock.now() * 1000),
            to_move=counts.visible,
        )
        await self.meta.commit([Put(MOVES, task.key, task.encode(), expect=ABSENT)])
        self._launch(task)
        return {"TaskHandle": task_handle(task.key)}

    async def list_message_move_tasks(self, ctx: RequestContext, params: Params) -> Result:
        source = await self._own_queue(ctx, params["SourceArn"], "SourceArn")
        limit = params.get("MaxResults") or 1
        if not 1 <= limit <= MAX_LISTED:
            raise invalid_value("MaxResults", limit, f"Must be between 1 and {MAX_LISTED}")
        prefix = source.arn + "/"
        records = await self.meta.scan(
            MOVES, start=prefix, end=prefix_end(prefix), limit=limit, reverse=True
        )
        return {"Results": [_listed(MoveTaskRecord.decode(r.value)) for r in records]}

    async def cancel_message_move_task(self, ctx: RequestContext, params: Params) -> Result:
        key = key_of_handle(params["TaskHandle"])
        # The handle names its source queue: SQS checks that queue before the task.
        await self._own_queue(ctx, key.rsplit("/", 1)[0], "SourceArn")
        found = await self.meta.get(MOVES, key)
        if found is None:
            raise resource_not_found("Task does not exist.")
        task = MoveTaskRecord.decode(found.value)
        if task.status != RUNNING:
            raise resource_not_found("Task does not exist or is not running.")
        task.status = CANCELLING
        version = await self.meta.commit([Put(MOVES, key, task.encode(), expect=found.version)])
        runner = self.movers.get(key)
        if runner is not None and not runner.done():
            return {"ApproximateNumberOfMessagesMoved": task.moved}
        if not await holder_alive(self.meta, move_lease_name(key), self.clock.now()):
            # No live runner anywhere (none since a crash): settle it now. Else its runner
            # sees CANCELLING at its next step and settles it.
            task.status = CANCELLED
            with contextlib.suppress(ConditionFailed):  # the runner settled it meanwhile
                await self.meta.commit([Put(MOVES, key, task.encode(), expect=version)])
        return {"ApproximateNumberOfMessagesMoved": task.moved}

    async def resume_moves(self) -> None:
        """Start the periodic resume scan (its first round at once)."""
        if self.move_resumer is None:
            lease = Lease(self.meta, "sqs:move-resume", self._move_holder(), self.clock)
            self.move_resumer = LeasedLoop(lease, self._resume_round, RESUME_EVERY)
        self.move_resumer.start()

    async def _resume_round(self) -> None:
        try:
            await self._launch_active()
        except Exception:  # retried next round
            log.exception("resuming message move tasks failed")

    async def _launch_active(self) -> None:
        start = ""
        while True:
            page = await self.meta.scan(MOVES, start=start, limit=500)
            for record in page:
                task = MoveTaskRecord.decode(record.value)
                if task.status in ACTIVE and record.key not in self.movers:
                    self._launch(task)
            if len(page) < 500:
                return
            start = page[-1].key + "\x00"

    async def stop_moves(self) -> None:
        if self.move_resumer is not None:
            await self.move_resumer.stop()
        runners = list(self.movers.values())
        for runner in runners:
            runner.cancel()
        for runner in runners:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner
        self.movers.clear()

    def _launch(self, task: MoveTaskRecord) -> None:
        runner = asyncio.get_running_loop().create_task(self._run(task))
        self.movers[task.key] = runner
        runner.add_done_callback(lambda _: self.movers.pop(task.key, None))

    def _move_holder(self) -> str:
        if not self.move_holder:
            self.move_holder = uuid.uuid4().hex
        return self.move_holder

    async def _run(self, task: MoveTaskRecord) -> None:
        """Run `task` if its lease can be had (else another live process runs it)."""
        lease = Lease(self.meta, move_lease_name(task.key), self._move_holder(), self.clock)
        if not await acquired(lease):
            return
        found = await self.meta.get(MOVES, task.key)
        if found is None:
            return await lease.release()
        current = MoveTaskRecord.decode(found.value)  # progress a previous runner saved
        if current.status not in ACTIVE:
            return await lease.release()
        await run_renewed(lease, lambda: self._run_held(current, lease))

    async def _run_held(self, task: MoveTaskRecord, lease: Lease) -> None:
        try:
            await self.run_move(task, lambda: lease.held)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("message move task %s failed", task.key)
            if not lease.held:
                return  # its successor runs it (and finds out for itself)
            task.status, task.failure_reason = FAILED, str(exc) or type(exc).__name__
            await self.meta.commit([Put(MOVES, task.key, task.encode())])

    async def _own_queue(self, ctx: RequestContext, arn: str, member: str) -> QueueRecord:
        queue = await self.find_arn(arn)
        if queue is None or not ctx.may_use(queue.account_id):
            raise resource_not_found(
                f"The resource that you specified for the {member} parameter doesn't exist."
            )
        return queue

    async def _active_task(self, source_arn: str) -> MoveTaskRecord | None:
        prefix = source_arn + "/"
        latest = await self.meta.scan(
            MOVES, start=prefix, end=prefix_end(prefix), limit=1, reverse=True
        )
        if not latest:
            return None
        task = MoveTaskRecord.decode(latest[0].value)
        return task if task.status in ACTIVE else None


def _listed(task: MoveTaskRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Status": task.status,
        "SourceArn": task.source_arn,
        "ApproximateNumberOfMessagesMoved": task.moved,
        "ApproximateNumberOfMessagesToMove": task.to_move,
        "StartedTimestamp": task.started_ms,
    }
    if task.status == RUNNING:
        entry["TaskHandle"] = task_handle(task.key)
    if task.destination_arn:
        entry["DestinationArn"] = task.destination_arn
    if task.rate:
        entry["MaxNumberOfMessagesPerSecond"] = task.rate
    if task.failure_reason:
        entry["FailureReason"] = task.failure_reason
    return entry


__all__ = ["COMPLETED", "MoveOps"]
