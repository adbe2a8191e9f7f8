"""The memory engine: real, in-process meta, blob, queue and log stores (none survives a restart).

It passes the same conformance suites as the durable engines, so tests and `ownstack run
--ephemeral` get the exact semantics of the real thing without touching disk.
"""

from __future__ import annotations

from ownstack.backends.memory.blobs import MemoryBlobs
from ownstack.backends.memory.logs import MemoryLogs
from ownstack.backends.memory.meta import MemoryMeta
from ownstack.backends.memory.queues import MemoryQueues
from ownstack.ports.engine import Engine, EngineContext


def open_meta(ctx: EngineContext) -> MemoryMeta:
    return MemoryMeta()


def open_blobs(ctx: EngineContext) -> MemoryBlobs:
    return MemoryBlobs(ctx.clock)


def open_queues(ctx: EngineContext) -> MemoryQueues:
    return MemoryQueues(ctx.clock)


def open_logs(ctx: EngineContext) -> MemoryLogs:
    return MemoryLogs(ctx.clock)


engine = Engine(
    name="memory",
    factories={
        "meta": open_meta,
        "blobs": open_blobs,
        "queue": open_queues,
        "logs": open_logs,
    },
)

__all__ = [
    "MemoryBlobs",
    "MemoryLogs",
    "MemoryMeta",
    "MemoryQueues",
    "engine",
    "open_blobs",
    "open_logs",
    "open_meta",
    "open_queues",
]
