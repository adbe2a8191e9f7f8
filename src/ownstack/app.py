"""The composition root: config -> engines and stores -> services -> gateway.

Everything heavy is imported here, lazily, so `ownstack env` and `--help` stay instant and
`serve` loads only the botocore models it serves (SERVED).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ownstack import __version__
from ownstack.app_delivery import delivery_permit
from ownstack.app_schedules import rate_minute_s
from ownstack.config import Config, ConfigError, declared_accounts, load_identity
from ownstack.config.engines import EngineError, engine_for_port
from ownstack.core.clock import Clock, SystemClock
from ownstack.gateway.audit import Auditor
from ownstack.gateway.auth import Authenticator
from ownstack.gateway.authorize import Authorizer
from ownstack.gateway.authz import AuthorizationMap
from ownstack.gateway.console import ServerInfo
from ownstack.gateway.dispatch import Gateway
from ownstack.gateway.function_urls import FunctionUrls
from ownstack.gateway.internal import Backend, Health
from ownstack.obs.audit import AuditLog
from ownstack.obs.metrics import LabelValues, Registry
from ownstack.ports.engine import EngineContext
from ownstack.ports.errors import BackendUnavailable, PortError
from ownstack.ports.leases import Lease, LeasedLoop
from ownstack.ports.meta import MetaStore
from ownstack.wire.codec import ServiceWire

Closer = Callable[[], Awaitable[None]]
SERVED = (
    "s3",
    "sts",
    "sqs",
    "sns",
    "iam",
    "dynamodb",
    "dynamodbstreams",
    "lambda",
    "logs",
    "scheduler",
    "events",
)
log = logging.getLogger("ownstack")


@dataclass(frozen=True, slots=True)
class OpenStore:
    port: str
    engine: str
    store: Any


def build_app(
    config: Config,
    *,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
    audit_dir: Path | None = None,
) -> tuple[Gateway, Closer]:
    """The App for the HTTP server and the coroutine that closes its stores. Raises ConfigError
    for anything misconfigured (unknown engine or port, bad limits, bad credentials).
    `audit_dir`: where this process's audit log goes (default <data>/audit; each worker of
    `serve --workers` has its own, as one file cannot be rotated by several processes)."""
    clock = clock or SystemClock()
    started = clock.now()  # before any request: every put of this process begins later
    identity = load_identity(config.data_dir, config.credentials, env)
    stores = open_stores(config, clock)
    by_port = {s.port: s.store for s in stores}
    from ownstack.events.bus import EventBus
    from ownstack.identity.accounts import AccountsFile
    from ownstack.identity.directory import IdentityDirectory
    from ownstack.identity.shared_accounts import SharedAccountBook, explicit_root_credentials
    from ownstack.identity.watcher import IdentityWatcher
    from ownstack.services.awslambda.service import LambdaService
    from ownstack.services.dynamodb.service import DynamoDbService
    from ownstack.services.dynamodb.stream_source import DynamoStreamSource
    from ownstack.services.dynamodb.streams_service import StreamsService
    from ownstack.services.eventbridge.service import EventBridgeService
    from ownstack.services.iam.service import IamService
    from ownstack.services.logs.service import LogsService
    from ownstack.services.s3.service import S3Service
    from ownstack.services.s3.sse_keys import KEY_FILE as S3_KEY_FILE
    from ownstack.services.s3.sse_keys import KeyFileError
    from ownstack.services.s3.sweep import sweep_cutoff
    from ownstack.services.scheduler.service import SchedulerService
    from ownstack.services.sns.service import SnsService
    from ownstack.services.sqs.service import SqsService
    from ownstack.services.sqs.source import SqsQueueSource
    from ownstack.services.sts.service import StsService
    from ownstack.wire.services import load_wire

    shared_meta = _shared(config, "meta")
    settled = _settled_reads(by_port["meta"], clock) if shared_meta else by_port["meta"]
    s3 = S3Service(settled, by_port["blobs"], clock, **_s3_limits(config))
    holder_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    s3.process_id = holder_id  # named in its bucket-deletion markers
    s3.account_ids = lambda: [account.id for account in accounts.all()]  # ACL grantees
    try:  # SSE-S3's key-encryption keys: made once, kept in the data dir
        s3.sse_keys.open_file(config.data_dir / S3_KEY_FILE)
    except KeyFileError as exc:
        raise ConfigError(str(exc)) from exc
    liveness = _liveness(by_port["meta"], holder_id, clock) if shared_meta else None
    sweep_lease = Lease(by_port["meta"], "s3:orphan-sweep", holder_id, clock)
    sweeper = OrphanSweeper(
        lambda cutoff: s3.sweep_orphans_unless_covered(cutoff, lambda: sweep_lease.held),
        sweep_cutoff(
            started,
            shared=shared_meta and _shared(config, "blobs"),
            max_write_bytes=s3.limits.max_single_put,
        ),
        sweep_lease,
    )
    bus = EventBus()
    s3.connect_events(bus.deliver, bus.check, holder_id)  # S3 event notifications
    sqs = SqsService(settled, by_port["queue"], clock, config.region)
    bus.register("sqs", sqs.deliver)
    sns = SnsService(
        by_port["meta"], bus, clock, config.region, egress=config.egress, **_sns_settings(config)
    )
    bus.register("sns", sns.deliver_to_topic)
    eventbridge = EventBridgeService(by_port["meta"], by_port["queue"], bus, clock, config.region)
    eventbridge.holder_id = holder_id
    eventbridge.rate_minute_s = rate_minute_s(config, "eventbridge")
    bus.register("events", eventbridge.deliver)

    async def start() -> None:
        await _open_all(stores)
        await accounts.open()
        await directory.open()
        watcher.start()
        if liveness is not None:  # held before any marker of ours can exist
            await liveness.lease.try_acquire()
            liveness.start()
        # Before any request (unlike the sweep): a leftover marker would refuse writes.
        await s3.clear_bucket_deletion_markers(shared_meta=shared_meta)
        sweeper.start()
        s3.start_lifecycle(holder_id)  # S3 Lifecycle rules, applied in the background
        await sqs.start()
        await sns.start()
        await dynamodb.start()
        await cloudwatch_logs.start()
        await _open_all([OpenStore("lambda-blobs", config.backends["blobs"].engine, lambda_blobs)])
        await awslambda.start()
        if invoking is not None:
            await invoking.start()
        await awslambda.start_mappings()  # after what its pollers read, invoke and send to
        await eventbridge.start()  # after the targets it delivers to
        await scheduler.start()  # after the targets it delivers to
        await s3.start_notifications()  # last: its destinations take deliveries by now

    accounts = SharedAccountBook(
        declared_accounts(identity, config.accounts),
        AccountsFile(config.data_dir),
        by_port["meta"],
        pinned_default=explicit_root_credentials(config.credentials, env),
    )
    directory = IdentityDirectory(by_port["meta"], accounts, clock)
    watcher = IdentityWatcher(directory, accounts)
    iam = IamService(by_port["meta"], directory, clock)
    sts = StsService(directory, clock, config.region)
    logs = by_port["logs"]
    dynamodb = DynamoDbService(settled, logs, clock, config.region)
    dynamodb.holder_id = holder_id
    cloudwatch_logs = LogsService(by_port["meta"], logs, clock, config.region)
    cloudwatch_logs.holder_id = holder_id
    scheduler = SchedulerService(by_port["meta"], clock, config.region)
    scheduler.holder_id = holder_id
    scheduler.rate_minute_s = rate_minute_s(config, "scheduler")
    bus.register("logs", cloudwatch_logs.deliver)
    lambda_blobs = _lambda_blobs(config, clock)
    awslambda = LambdaService(
        by_port["meta"],
        lambda_blobs,
        clock,
        config.region,
        data_dir=config.data_dir / "lambda",
        identity=directory,
        runtime=by_port.get("runtime"),
    )
    invoking = _lambda_invoking(awslambda, config, by_port, directory, bus, clock)
    awslambda.connect_sources(  # event source mappings read SQS and DynamoDB Streams
        SqsQueueSource(sqs), DynamoStreamSource(settled, logs), bus.deliver, holder_id
    )
    services: dict[str, object] = {
        "s3": s3,
        "sts": sts,
        "sqs": sqs,
        "sns": sns,
        "iam": iam,
        "dynamodb": dynamodb,
        "dynamodbstreams": StreamsService(settled, logs, clock, config.region),
        "logs": cloudwatch_logs,
        "lambda": awslambda,
        "scheduler": scheduler,
        "events": eventbridge,
    }
    amap = AuthorizationMap(SERVED)
    audit = AuditLog(audit_dir or config.data_dir / "audit")
    registry = Registry()
    _expose_engine_stats(registry, stores)
    authorizer = Authorizer(amap, directory, services, clock)
    authenticator = Authenticator(directory, clock, s3_hostnames=config.s3_hostnames)
    bus.guard(delivery_permit(authorizer, config.region))
    awslambda.connect(s3.get_object, authorizer.authorize_action)
    s3.authorize_action = authorizer.authorize_action  # Object Lock's bypass and lock headers
    scheduler.connect(authorizer.authorize_action, directory.role, bus.deliver)
    gateway = Gateway(
        registry=registry,
        services=services,
        wires={name: load_wire(name) for name in SERVED},
        auth=authenticator,
        authorizer=authorizer,
        auditor=Auditor(audit, amap, clock.now),
        default_account=lambda: accounts.default.id,
        health=Health({s.port: Backend(s.engine, s.store) for s in stores}),
        region=config.region,
        s3_hostnames=config.s3_hostnames,
        wire_loader=_LazyWires(load_wire),
        on_start=start,
        on_drain=sqs.begin_drain,
        function_urls=FunctionUrls(awslambda, authenticator, authorizer),
        server_info=_server_info(config, stores),
    )

    async def close() -> None:
        await s3.stop_notifications()  # first: before its destinations stop
        await watcher.stop()
        await sweeper.stop()
        await s3.stop_lifecycle()
        await dynamodb.stop()
        await scheduler.stop()  # before the targets it delivers to
        await eventbridge.stop()  # before the targets it delivers to
        await cloudwatch_logs.stop()
        await awslambda.stop_mappings()  # before what its pollers invoke and read
        if invoking is not None:
            await invoking.stop()
        await awslambda.stop()
        await lambda_blobs.close()
        await sns.stop()
        await sqs.stop()
        if liveness is not None:  # after the last request: our markers' maker is gone
            await liveness.stop()
        await _close_all(stores)
        audit.close()  # after the last request: what is queued is written and synced

    return gateway, close


def _server_info(config: Config, stores: list[OpenStore]) -> ServerInfo:
    """What GET /_ownstack/info tells a signed-in console (gateway/console/info.py)."""
    engines = {s.port: s.engine for s in stores}
    return ServerInfo(__version__, config.region, str(config.data_dir), engines)


class OrphanSweeper:
    """Runs the S3 orphan-blob sweep once, in the background, so starting stays fast. Its
    failure is logged and never stops the server; `stop` cancels it before the stores close.

    With a `lease` (N processes on shared engines), the sweep runs only while this process
    holds it: one process sweeps at a time, and a holder that dies mid-sweep is taken over
    when its lease expires. The first try is at once, so a single process sweeps as soon as
    before."""

    def __init__(
        self, sweep: Callable[[float], Awaitable[int]], cutoff: float, lease: Lease | None = None
    ) -> None:
        self._sweep = sweep
        self._cutoff = cutoff
        self._task: asyncio.Task[None] | None = None
        self._leased = None if lease is None else LeasedLoop(lease, self._run, lease.ttl, once=True)

    def start(self) -> None:
        if self._leased is not None:
            self._leased.start()
        elif self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="orphan-sweep")

    async def stop(self) -> None:
        if self._leased is not None:
            await self._leased.stop()
        if self._task is None:
            return
        self._task.cancel()
        await asyncio.wait([self._task])  # unlike `await task`, never raises its outcome

    async def _run(self) -> None:
        try:
            count = await self._sweep(self._cutoff)
        except Exception:
            log.exception("orphan blob sweep failed")
            return
        # Quiet when there was nothing to do: a clean start logs nothing extra.
        level = logging.INFO if count else logging.DEBUG
        log.log(level, "orphan blob sweep: deleted %d unreferenced blob(s)", count)


SETTLE_S = 1.0
"""How long a process may answer from a bucket or queue record it read, with a shared meta
store (ports/settled_reads.py: AWS documents both as eventually consistent)."""


def _settled_reads(meta: Any, clock: Clock) -> Any:
    from ownstack.ports.settled_reads import SettledReads
    from ownstack.services.s3.records import BUCKETS
    from ownstack.services.sqs.records import QUEUES

    return SettledReads(meta, {BUCKETS: SETTLE_S, QUEUES: SETTLE_S}, clock)


def _shared(config: Config, port: str) -> bool:
    """Whether the engine configured for `port` shares it with other processes."""
    return port in engine_for_port(config.backends[port].engine, port).shared_ports


def _liveness(meta: MetaStore, holder_id: str, clock: Clock) -> LeasedLoop:
    """This process's liveness lease, renewed while it serves: other processes sharing the
    meta store keep the bucket-deletion markers it made while it holds it
    (services/s3/deletions.py)."""
    from ownstack.services.s3.deletions import process_lease_name

    async def alive() -> None:
        return None  # holding (and renewing) the lease is the whole job

    lease = Lease(meta, process_lease_name(holder_id), holder_id, clock)
    return LeasedLoop(lease, alive, lease.ttl)


def _expose_engine_stats(registry: Registry, stores: list[OpenStore]) -> None:
    """Engines that count their own work (sqlite: transactions committed, durable syncs) show
    it in /metrics; syncs per commit is how group commit is seen at work."""
    counted = [s for s in stores if callable(getattr(s.store, "stats", None))]
    if not counted:
        return

    def sample() -> dict[LabelValues, float]:
        return {
            (s.port, s.engine, event): float(value)
            for s in counted
            for event, value in s.store.stats().items()
        }

    registry.sampled(
        "ownstack_engine_events_total",
        "Work an engine reports about itself (commits, syncs, ...), by port, engine and event.",
        "counter",
        ("port", "engine", "event"),
        sample,
    )


def open_stores(config: Config, clock: Clock) -> list[OpenStore]:
    opened: list[OpenStore] = []
    for port, spec in config.backends.items():
        try:
            engine = engine_for_port(spec.engine, port)
        except EngineError as exc:
            raise EngineError(f"backends.{port}: {exc}") from exc
        context = EngineContext(data_dir=config.data_dir, options=spec.options, clock=clock)
        try:
            store = engine.factories[port](context)
        except (TypeError, ValueError, KeyError) as exc:
            raise ConfigError(f"backends.{port} ({spec.engine}): {exc}") from exc
        opened.append(OpenStore(port, spec.engine, store))
    return opened


async def _open_all(stores: list[OpenStore]) -> None:
    for s in stores:
        opener = getattr(s.store, "open", None)
        if opener is None:
            continue
        try:
            result = opener()
            if inspect.isawaitable(result):
                await result
        except PortError as exc:
            # Say which port and engine could not open: the message is all a user sees.
            raise BackendUnavailable(f"backends.{s.port} ({s.engine}): {exc}") from exc


async def _close_all(stores: list[OpenStore]) -> None:
    # Reverse order: what was opened last may depend on what was opened first.
    for s in reversed(stores):
        await s.store.close()


def _lambda_invoking(
    awslambda: Any,
    config: Config,
    by_port: Mapping[str, Any],
    directory: Any,
    bus: Any,
    clock: Clock,
) -> Any:
    """Lambda's invoking side, when a runtime engine is configured (app_lambda.py)."""
    runtime = by_port.get("runtime")
    if runtime is None:
        return None
    from ownstack.app_lambda import connect_invoking

    return connect_invoking(awslambda, config, runtime, by_port["queue"], directory, bus, clock)


def _lambda_blobs(config: Config, clock: Clock) -> Any:
    """Lambda's packages in a blob store of their own, on the blobs port's engine: S3's orphan
    sweep deletes every blob no S3 record names, so the two must never share a location."""
    spec = config.backends["blobs"]
    options = dict(spec.options)
    if spec.engine == "fs":
        options["path"] = f"{options.get('path', 'blobs')}-lambda"
    elif spec.engine == "s3":
        options["prefix"] = f"{str(options.get('prefix', 'blobs/')).rstrip('/')}-lambda/"
    elif spec.engine != "memory":
        raise ConfigError(f"backends.blobs ({spec.engine}): no separate location for Lambda")
    engine = engine_for_port(spec.engine, "blobs")
    return engine.factories["blobs"](EngineContext(config.data_dir, options, clock))


def _sns_settings(config: Config) -> dict[str, Any]:
    """SNS's `limits.sns` and this server's URL (the links of messages other services publish
    through the events bus)."""
    from ownstack.app_lambda import endpoint_url
    from ownstack.services.sns.limits import parse_limits

    try:
        limits = parse_limits(config.limits.get("sns") or {})
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return {"limits": limits, "own_url": endpoint_url(config)}


def _s3_limits(config: Config) -> dict[str, Any]:
    raw = config.limits.get("s3")
    if not raw:
        return {}
    from ownstack.services.s3.base import S3Limits

    known = {f.name for f in fields(S3Limits)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"limits.s3: unknown limit(s) {', '.join(sorted(unknown))}")
    if not all(isinstance(v, int) and v > 0 for v in raw.values()):
        raise ConfigError("limits.s3: every limit must be a positive integer")
    return {"limits": S3Limits(**raw)}


class _LazyWires:
    """Loads the model of a service ownstack does not serve yet, so its operations answer
    NotImplemented in that service's own protocol. Only names botocore knows are tried."""

    def __init__(self, load: Callable[[str], ServiceWire]) -> None:
        self._load = load
        self._known: frozenset[str] | None = None
        self._failed: set[str] = set()

    def __call__(self, name: str) -> ServiceWire | None:
        if name in self._failed or name not in self._known_services():
            return None
        try:
            return self._load(name)
        except Exception:  # a model the wire layer cannot drive: treated as unknown
            self._failed.add(name)
            return None

    def _known_services(self) -> frozenset[str]:
        if self._known is None:
            from botocore.loaders import Loader

            self._known = frozenset(Loader().list_available_services("service-2"))
        return self._known
