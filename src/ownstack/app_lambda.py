"""The composition of Lambda's invoking side: the warm pool over the runtime engine, the async
invocation queue, the log shipping to CloudWatch Logs, the execution roles' credentials, and
the bus handler that lets other services (destinations, later S3 and SNS) invoke functions.

Limits: ownstack.yaml `limits.lambda` (async_retry_delays, idle_s, async_workers,
throttle_backoff_s, async_visibility_s), declared with their defaults in config/reference.py
(docs/configuration.md). A taken async event is renewed every third of its visibility.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ownstack.config import Config, ConfigError
from ownstack.config.reference import section_defaults, section_keys
from ownstack.core.clock import Clock
from ownstack.events.bus import EventBus
from ownstack.identity.directory import IdentityDirectory
from ownstack.ports.queues import QueueStore
from ownstack.ports.runtime import Runtime
from ownstack.services.awslambda.invoke_async import AsyncInvoker
from ownstack.services.awslambda.invoke_logs import LogShipper
from ownstack.services.awslambda.service import LambdaService
from ownstack.services.awslambda.warm_pool import WarmPool

_DEFAULTS = section_defaults("limits.lambda")


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


@dataclass(frozen=True, slots=True)
class LambdaLimits:
    """`limits.lambda`, checked, with the defaults filled in."""

    async_retry_delays: tuple[float, ...]
    idle_s: float
    async_workers: int
    throttle_backoff_s: tuple[float, float]
    async_visibility_s: float


def lambda_limits(config: Config) -> LambdaLimits:
    raw: Mapping[str, Any] = config.limits.get("lambda") or {}
    unknown = set(raw) - section_keys("limits.lambda")
    if unknown:
        raise ConfigError(f"limits.lambda: unknown limit(s) {', '.join(sorted(unknown))}")
    delays = raw.get("async_retry_delays", list(_DEFAULTS["async_retry_delays"]))
    if not isinstance(delays, list) or not all(
        isinstance(d, int | float) and d >= 0 for d in delays
    ):
        raise ConfigError("limits.lambda.async_retry_delays: a list of seconds")
    backoff = raw.get("throttle_backoff_s", list(_DEFAULTS["throttle_backoff_s"]))
    if not (
        isinstance(backoff, list)
        and len(backoff) == 2
        and all(isinstance(b, int | float) and b > 0 for b in backoff)
    ):
        raise ConfigError("limits.lambda.throttle_backoff_s: [first, longest] in seconds")
    visibility = raw.get("async_visibility_s", _DEFAULTS["async_visibility_s"])
    if isinstance(visibility, bool) or not isinstance(visibility, int | float) or visibility < 1:
        raise ConfigError("limits.lambda.async_visibility_s: seconds, at least 1")
    return LambdaLimits(
        async_retry_delays=tuple(float(d) for d in delays),
        idle_s=float(raw.get("idle_s", _DEFAULTS["idle_s"])),
        async_workers=int(raw.get("async_workers", _DEFAULTS["async_workers"])),
        throttle_backoff_s=(float(backoff[0]), float(backoff[1])),
        async_visibility_s=float(visibility),
    )


def connect_invoking(
    awslambda: LambdaService,
    config: Config,
    runtime: Runtime,
    queue: QueueStore,
    directory: IdentityDirectory,
    bus: EventBus,
    clock: Clock,
) -> LambdaInvoking:
    limits = lambda_limits(config)
    pool = WarmPool(runtime, clock, idle_s=limits.idle_s)
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
        retry_delays=limits.async_retry_delays,
        throttle_backoff=limits.throttle_backoff_s,
        workers=limits.async_workers,
        visibility=limits.async_visibility_s,
    )
    awslambda.async_invoker = invoker
    bus.register("lambda", awslambda.deliver)
    return LambdaInvoking(pool, invoker, shipper)
