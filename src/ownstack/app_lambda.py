"""The composition of Lambda's invoking side: the warm pool over the runtime engine, the async
invocation queue, the log shipping to CloudWatch Logs, the execution roles' credentials, and
the bus handler that lets other services (destinations, later S3 and SNS) invoke functions.

Limits (ownstack.yaml `limits.lambda`):
- `async_retry_delays`: seconds before each retry of a failed async event (AWS: [60, 120]);
- `idle_s`: how long an idle sandbox is kept warm (default 600);
- `async_workers`: async events run at once by this process (default 8);
- `throttle_backoff_s`: [first, longest] wait before a throttled async event is tried again
  (default [1, 300], doubling in between);
- `async_visibility_s`: how long a taken async event stays taken unless its worker renews it
  (every third of it), so how soon a crashed process's events run elsewhere (default 20).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ownstack.config import Config, ConfigError
from ownstack.core.clock import Clock
from ownstack.events.bus import EventBus
from ownstack.identity.directory import IdentityDirectory
from ownstack.ports.queues import QueueStore
from ownstack.ports.runtime import Runtime
from ownstack.services.awslambda.invoke_async import (
    RETRY_DELAYS,
    THROTTLE_BACKOFF,
    VISIBILITY_S,
    AsyncInvoker,
)
from ownstack.services.awslambda.invoke_logs import LogShipper
from ownstack.services.awslambda.service import LambdaService
from ownstack.services.awslambda.warm_pool import WarmPool

_KNOWN = {
    "async_retry_delays", "idle_s", "async_workers", "throttle_backoff_s", "async_visibility_s",
}  # fmt: skip


@dataclass(slots=True)
class LambdaInvoking:
    pool: WarmPool
    invoker: AsyncInvoker
    shipper: LogShipper

    async def start(self) -> None:
        await self.invoker.open()
        self.invoker.start()
        self.pool.start()

    async def stop(self) -> None:
        await self.invoker.stop()
        await self.pool.close()
        await self.shipper.close()


def endpoint_url(config: Config) -> str:
    """Where a function's SDK reaches this ownstack (its own host and port)."""
    host = config.host if config.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{config.port}"


def _limits(config: Config) -> Mapping[str, Any]:
    raw = config.limits.get("lambda") or {}
    unknown = set(raw) - _KNOWN
    if unknown:
        raise ConfigError(f"limits.lambda: unknown limit(s) {', '.join(sorted(unknown))}")
    delays = raw.get("async_retry_delays", list(RETRY_DELAYS))
    if not isinstance(delays, list) or not all(
        isinstance(d, int | float) and d >= 0 for d in delays
    ):
        raise ConfigError("limits.lambda.async_retry_delays: a list of seconds")
    backoff = raw.get("throttle_backoff_s", list(THROTTLE_BACKOFF))
    if not (
        isinstance(backoff, list)
        and len(backoff) == 2
        and all(isinstance(b, int | float) and b > 0 for b in backoff)
    ):
        raise ConfigError("limits.lambda.throttle_backoff_s: [first, longest] in seconds")
    visibility = raw.get("async_visibility_s", VISIBILITY_S)
    if isinstance(visibility, bool) or not isinstance(visibility, int | float) or visibility < 1:
        raise ConfigError("limits.lambda.async_visibility_s: seconds, at least 1")
    return {
        **raw,
        "async_retry_delays": delays,
        "throttle_backoff_s": backoff,
        "async_visibility_s": float(visibility),
    }


def connect_invoking(
    awslambda: LambdaService,
    config: Config,
    runtime: Runtime,
    queue: QueueStore,
    directory: IdentityDirectory,
    bus: EventBus,
    clock: Clock,
) -> LambdaInvoking:
    limits = _limits(config)
    pool = WarmPool(runtime, clock, idle_s=float(limits.get("idle_s", 600.0)))
    shipper = LogShipper(bus.deliver)

    async def role_id(arn: str) -> str | None:
        parts = arn.split(":", 5)
        if len(parts) < 6:
            return None
        role = await directory.role(parts[4], parts[5].rpartition("/")[2])
        return None if role is None else role.role_id

    awslambda.connect_runtime(
        pool, directory.sessions.issue, role_id, endpoint_url(config), shipper
    )
    invoker = AsyncInvoker(
        queue,
        clock,
        awslambda.run_event,
        awslambda.event_settings,
        bus.deliver,
        retry_delays=limits["async_retry_delays"],
        throttle_backoff=(
            float(limits["throttle_backoff_s"][0]),
            float(limits["throttle_backoff_s"][1]),
        ),
        workers=int(limits.get("async_workers", 8)),
        visibility=limits["async_visibility_s"],
    )
    awslambda.async_invoker = invoker
    bus.register("lambda", awslambda.deliver)
    return LambdaInvoking(pool, invoker, shipper)
