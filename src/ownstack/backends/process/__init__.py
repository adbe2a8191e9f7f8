"""The process engine: the runtime port on Linux namespaces. Each sandbox is a bubblewrap
sandbox (own mount, pid, ipc, uts and cgroup namespaces; the host's network), bounded by a
cgroup of its own where the host allows, serving AWS's Lambda Runtime API on loopback.
docs/lambda-runtime.md says what is isolated and bounded, and what is not."""

from __future__ import annotations

from ownstack.ports.engine import Engine, EngineContext

from .engine import ProcessRuntime
from .options import OPTIONS, ProcessOptions


def open_runtime(ctx: EngineContext) -> ProcessRuntime:
    return ProcessRuntime(ProcessOptions.parse(ctx.data_dir, ctx.options), ctx.clock)


engine = Engine(
    name="process",
    factories={"runtime": open_runtime},
    # Each server process runs its own sandboxes: nothing is shared, nothing is exclusive.
    shared_ports=frozenset({"runtime"}),
    options=OPTIONS,
)

__all__ = ["ProcessOptions", "ProcessRuntime", "engine", "open_runtime"]
