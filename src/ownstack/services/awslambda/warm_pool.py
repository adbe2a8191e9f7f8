"""The warm pool: which sandbox serves an invocation. Sandboxes are kept per function version
*and configuration* (a new configuration or code gets new sandboxes, as on AWS), reused one
invocation at a time, started on demand up to the function's concurrency limit, and ended after
`idle_s` without work or `max_age_s` of life (their credentials were issued for that long).

Concurrency is counted per function (all its versions and aliases, as reserved concurrency is on
AWS) and per account; a call over either limit is refused before any sandbox starts, with
Lambda's TooManyRequestsException and its Reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from ownstack.core.clock import Clock
from ownstack.core.errors import ServiceError
from ownstack.ports.runtime import Runtime, Sandbox, SandboxSpec

log = logging.getLogger("ownstack.lambda")

ACCOUNT_CONCURRENCY = 1000
"""Lambda's default account concurrency limit (GetAccountSettings' ConcurrentExecutions)."""


def too_many_requests(reason: str, message: str) -> ServiceError:
    return ServiceError(
        "TooManyRequestsException",
        message,
        429,
        fields={"Reason": reason, "Type": "User"},
    )


@dataclass(slots=True)
class _Warm:
    sandbox: Sandbox
    spec: SandboxSpec
    started: float
    last_used: float
    invocations: int = 0


@dataclass(slots=True)
class _Group:
    """The sandboxes of one function version and configuration."""

    idle: list[_Warm] = field(default_factory=list)
    busy: int = 0


@dataclass(frozen=True, slots=True)
class Limits:
    function_key: str
    """Counts concurrency: the unqualified function ARN."""
    account: str
    reserved: int | None
    """The function's reserved concurrency (None: it shares the account's unreserved pool)."""
    unreserved: int = ACCOUNT_CONCURRENCY
    """What the account's functions without a reservation may run at once in all."""


@dataclass(slots=True)
class Checkout:
    sandbox: Sandbox
    spec: SandboxSpec
    cold: bool
    """Started for this invocation: its init ran now."""
    warm: _Warm


class WarmPool:
    def __init__(
        self,
        runtime: Runtime,
        clock: Clock,
        *,
        idle_s: float = 600.0,
        max_age_s: float = 7200.0,
    ) -> None:
        self.runtime = runtime
        self.clock = clock
        self.idle_s = idle_s
        self.max_age_s = max_age_s
        self._groups: dict[str, _Group] = defaultdict(_Group)
        self._running: dict[str, int] = defaultdict(int)
        """In-flight invocations per function key."""
        self._unreserved_running: dict[str, int] = defaultdict(int)
        """In-flight invocations of unreserved functions, per account."""
        self._reaper: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def checkout(
        self, group_key: str, limits: Limits, spec: Callable[[], Awaitable[SandboxSpec]]
    ) -> AsyncIterator[Checkout]:
        """A sandbox of `group_key` for one invocation, warm if one is idle, else started from
        `spec()`. The caller invokes it inside the block; a sandbox still alive afterwards goes
        back to the pool, a dead one is dropped. Raises TooManyRequestsException over a limit."""
        self._admit(limits)
        group = self._groups[group_key]
        group.busy += 1
        try:
            warm, cold = await self._take(group, spec)
            try:
                yield Checkout(warm.sandbox, warm.spec, cold, warm)
            finally:
                warm.invocations += 1
                warm.last_used = self.clock.now()
                await self._give_back(group, warm)
        finally:
            group.busy -= 1
            self._release(limits)

    def _admit(self, limits: Limits) -> None:
        running = self._running[limits.function_key]
        if limits.reserved is not None:
            if running >= limits.reserved:
                raise too_many_requests(
                    "ReservedFunctionConcurrentInvocationLimitExceeded", "Rate Exceeded."
                )
        elif self._unreserved_running[limits.account] >= limits.unreserved:
            raise too_many_requests("ConcurrentInvocationLimitExceeded", "Rate Exceeded.")
        self._running[limits.function_key] = running + 1
        if limits.reserved is None:
            self._unreserved_running[limits.account] += 1

    def _release(self, limits: Limits) -> None:
        self._running[limits.function_key] -= 1
        if limits.reserved is None:
            self._unreserved_running[limits.account] -= 1

    async def _take(
        self, group: _Group, spec: Callable[[], Awaitable[SandboxSpec]]
    ) -> tuple[_Warm, bool]:
        while group.idle:
            warm = group.idle.pop()  # the most recently used: its caches are warmest
            if warm.sandbox.alive:
                return warm, False
            await warm.sandbox.end()
        made = await spec()
        sandbox = await self.runtime.start(made)
        now = self.clock.now()
        return _Warm(sandbox, made, started=now, last_used=now), True

    async def _give_back(self, group: _Group, warm: _Warm) -> None:
        if warm.sandbox.alive and self.clock.now() - warm.started < self.max_age_s:
            group.idle.append(warm)
        else:
            await warm.sandbox.end()

    def running(self, function_key: str) -> int:
        return self._running.get(function_key, 0)

    async def retire(self, prefix: str) -> None:
        """End the idle sandboxes of every group whose key starts with `prefix` (a function
        deleted or changed); busy ones end when their invocation returns them."""
        for key in [k for k in self._groups if k.startswith(prefix)]:
            group = self._groups[key]
            idle, group.idle = group.idle, []
            for warm in idle:
                await warm.sandbox.end()
            if not group.busy:
                del self._groups[key]

    async def reap(self) -> int:
        """End sandboxes idle past `idle_s` or older than `max_age_s`; how many ended."""
        now = self.clock.now()
        ended = 0
        for key in list(self._groups):
            group = self._groups[key]
            keep = []
            for warm in group.idle:
                stale = now - warm.last_used > self.idle_s or now - warm.started > self.max_age_s
                if stale or not warm.sandbox.alive:
                    await warm.sandbox.end()
                    ended += 1
                else:
                    keep.append(warm)
            group.idle = keep
            if not group.idle and not group.busy:
                del self._groups[key]
        return ended

    def start(self, interval: float = 10.0) -> None:
        if self._reaper is None:
            loop = asyncio.get_running_loop()
            self._reaper = loop.create_task(self._reap_forever(interval), name="lambda-reaper")

    async def _reap_forever(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reap()
            except Exception:
                log.exception("reaping idle sandboxes failed")

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            await asyncio.wait([self._reaper])
            self._reaper = None
        for group in self._groups.values():
            for warm in group.idle:
                await warm.sandbox.end()
        self._groups.clear()
