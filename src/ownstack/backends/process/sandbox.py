"""One running sandbox: invocations in, results out. What it holds (process, server, output,
cgroup) is its `Remains`; how a failure is worded is failures.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from ownstack.core.clock import Clock
from ownstack.ports.runtime import Invocation, InvocationResult, SandboxSpec

from .completion import Completion, Delivery
from .ending import Remains
from .failures import crash, exit_reason, init_exit
from .limits import max_memory_mb
from .runtime_api import RuntimeApi

InitFailure = Callable[[str], Completion]
"""How init failed, worded for the invocation (by request id) that reports it."""


class ProcessSandbox:
    def __init__(self, sandbox_id: str, spec: SandboxSpec, clock: Clock, init_timeout_s: float):
        self.id = sandbox_id
        self.spec = spec
        self._clock = clock
        self._loop = asyncio.get_running_loop()
        self._init_timeout_s = init_timeout_s
        self.api = RuntimeApi(self._on_ready, self._on_init_error)
        self.remains = Remains(self._loop, self.kill)
        self._init_over: asyncio.Future[None] = self._loop.create_future()
        self._started = self._loop.time()
        self._init_ms: float | None = None
        self._init_failure: InitFailure | None = None
        self._delivery: Delivery | None = None
        self._first = True
        self._kill_reason: str | None = None
        self._ended = False
        self._ending: asyncio.Task[None] | None = None

    @property
    def alive(self) -> bool:
        return not self._ended and self._init_failure is None

    def fail_entrypoint(self, message: str, error_type: str) -> None:
        """The runtime cannot be started (no bootstrap): the first invocation says so."""
        self._init_failed(lambda rid: init_exit(rid, message, error_type))

    def on_exit(self, returncode: int) -> None:
        """The sandbox's process ended (by itself, killed by the kernel, or by `kill`)."""
        reason = self._kill_reason or exit_reason(returncode)
        delivery, self._delivery = self._delivery, None
        if delivery is not None:
            delivery.finish(crash(delivery.invocation.request_id, reason))
        elif not self.api.ready:
            self._init_failed(lambda rid: init_exit(rid, f"Runtime exited with error: {reason}"))
        self._ended = True
        self._ending = self._loop.create_task(self.end())  # held: an unheld task may vanish

    def kill(self, reason: str = "signal: killed") -> None:
        """End the sandbox for a bound it broke: its invocation reports a crash."""
        if self._kill_reason is None:
            self._kill_reason = reason
        self.remains.kill()

    # -- the port ---------------------------------------------------------------------------
    async def invoke(self, invocation: Invocation) -> InvocationResult:
        called = self._loop.time()
        waited = await self._wait_for_init()
        rid = invocation.request_id
        if waited is None:
            completion = self._init_failure(rid) if self._init_failure else Completion("timeout")
            return await self._finished(invocation, completion, (self._loop.time() - called) * 1000)
        if self._ended:
            return await self._finished(
                invocation, crash(rid, self._kill_reason or "signal: killed"), 0.0
            )
        deadline_ms = invocation.deadline_ms + round(waited * 1000)
        return await self._run(Delivery(invocation, deadline_ms, self._loop.create_future()))

    async def end(self) -> None:
        self._ended = True
        delivery, self._delivery = self._delivery, None
        if delivery is not None:  # ended from outside mid-invocation (the engine closing)
            delivery.finish(
                crash(delivery.invocation.request_id, self._kill_reason or "signal: killed")
            )
        self._settle_init()
        await self.remains.release()

    # -- an invocation ----------------------------------------------------------------------
    async def _run(self, delivery: Delivery) -> InvocationResult:
        self._delivery = delivery
        remaining = delivery.deadline_ms / 1000 - self._clock.now()
        timer = self._loop.call_later(max(0.0, remaining), delivery.finish, Completion("timeout"))
        self.remains.watch(True)
        started = time.perf_counter()
        self.api.hand(delivery)
        completion = await delivery.done
        duration_ms = (time.perf_counter() - started) * 1000
        timer.cancel()
        self.remains.watch(False)
        self._delivery = None
        return await self._finished(delivery.invocation, completion, duration_ms)

    async def _finished(
        self, invocation: Invocation, completion: Completion, duration_ms: float
    ) -> InvocationResult:
        memory_mb = max_memory_mb(self.remains.cgroup, self.remains.pid)  # before it is gone
        if completion.outcome in ("timeout", "crash", "init_error"):
            self.api.withdraw()
            await self.end()
        first, self._first = self._first, False
        return InvocationResult(
            outcome=completion.outcome,
            payload=completion.payload,
            logs=self.remains.take_output(),
            duration_ms=duration_ms,
            init_duration_ms=self._init_ms if first else None,
            max_memory_mb=memory_mb,
            error_type=completion.error_type,
            streamed=completion.streamed,
        )

    # -- init -------------------------------------------------------------------------------
    async def _wait_for_init(self) -> float | None:
        """Seconds this call waited for init (the deadline moves by as much; init's time is
        not the function's), or None when init failed or never ended."""
        waited = 0.0
        if not self._init_over.done():
            called = self._loop.time()
            budget = max(self._started + self._init_timeout_s - called, 0.0)
            # Past Lambda's bound on init, init goes on within the invocation's own timeout.
            try:
                await asyncio.wait_for(
                    asyncio.shield(self._init_over), budget + self.spec.timeout_s
                )
            except TimeoutError:
                return None
            waited = min(self._loop.time() - called, budget)
        return None if self._init_failure is not None else waited

    def _on_ready(self) -> None:
        self._settle_init()

    def _on_init_error(self, completion: Completion) -> None:
        self._init_failed(lambda rid: completion)
        self.remains.kill()  # Lambda ends a runtime that reported its init failed

    def _init_failed(self, failure: InitFailure) -> None:
        if self._init_failure is None:
            self._init_failure = failure
        self._settle_init()

    def _settle_init(self) -> None:
        if self._delivery is None:
            self.remains.watch(False)  # init is over: memory is watched per invocation again
        if self._init_ms is None:
            self._init_ms = (self._loop.time() - self._started) * 1000
        if not self._init_over.done():
            self._init_over.set_result(None)
