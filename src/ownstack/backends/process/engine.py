"""The process engine's Runtime: sandboxes as Linux namespaces (bubblewrap), bounded by a
cgroup each when the host allows (else rlimits), serving Lambda's Runtime API on loopback."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
import uuid
from pathlib import Path

from ownstack.core.clock import Clock
from ownstack.core.processes import pid_alive
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.runtime import SandboxSpec, SandboxUnavailable

from .cgroups import EngineCgroups, find_engine_cgroups
from .command import Identity, Tools
from .launches import (
    PROVIDED,
    EntrypointError,
    Launch,
    managed_launch,
    managed_unavailable,
    provided_launch,
)
from .layers import LayerMerger
from .options import ProcessOptions
from .peers import PeerLookup
from .probe import find_tools, try_sandbox
from .sandbox import ProcessSandbox
from .spawn import Host, spawn
from .uids import UidPool

log = logging.getLogger("ownstack.runtime.process")


class ProcessRuntime:
    def __init__(self, options: ProcessOptions, clock: Clock) -> None:
        self._options = options
        self._clock = clock
        self._as_root = os.geteuid() == 0
        self._uids = UidPool(options.host_uid_base, options.host_uid_count, options.uid_claims_dir)
        self._scratch = options.scratch_dir / f"p{os.getpid()}"
        self._sandboxes: dict[str, ProcessSandbox] = {}
        self._probe_lock = threading.Lock()
        self._probed: Tools | str | None = None
        self._host: Host | None = None
        self._host_lock: asyncio.Lock | None = None
        self._layers = LayerMerger(self._scratch)
        self._closed = False

    @property
    def sandboxes(self) -> int:
        return len(self._sandboxes)

    def unavailable(self, runtime: str) -> str | None:
        problem = self._isolation_problem()
        if problem is not None:
            return problem
        if runtime in PROVIDED:
            return None
        return managed_unavailable(runtime)

    async def start(self, spec: SandboxSpec) -> ProcessSandbox:
        host = await self._ready_host()
        if not spec.code_dir.is_dir():
            raise SandboxUnavailable(
                f"the function's code directory {spec.code_dir} does not exist"
            )
        opt_dir = await self._opt_dir(spec)
        launch = self._launch(spec, opt_dir)
        sandbox = ProcessSandbox(uuid.uuid4().hex, spec, self._clock, self._options.init_timeout_s)
        self._sandboxes[sandbox.id] = sandbox
        sandbox.remains.on_release.append(lambda: self._forget(sandbox.id))
        if isinstance(launch, EntrypointError):
            sandbox.fail_entrypoint(launch.message, launch.error_type)
            return sandbox
        try:
            await spawn(sandbox, launch, opt_dir, self._identity(sandbox), host)
        except BaseException:
            await sandbox.end()
            raise
        return sandbox

    async def health(self) -> None:
        # A host without bubblewrap is not a broken engine: it refuses functions and says why
        # (unavailable), while every other service goes on.
        if self._closed:
            raise BackendUnavailable("the process runtime engine is closed")

    async def close(self) -> None:
        self._closed = True
        sandboxes = list(self._sandboxes.values())
        await asyncio.gather(*(s.end() for s in sandboxes), return_exceptions=True)
        if self._host is not None:
            self._host.peers.close()
            if self._host.cgroups is not None:
                self._host.cgroups.close()
        await asyncio.to_thread(shutil.rmtree, self._scratch, True)

    def _forget(self, sandbox_id: str) -> None:
        self._sandboxes.pop(sandbox_id, None)

    # -- start's parts ----------------------------------------------------------------------
    async def _ready_host(self) -> Host:
        if self._closed:
            raise SandboxUnavailable("the process runtime engine is closed")
        problem = await asyncio.to_thread(self._isolation_problem)
        if problem is not None:
            raise SandboxUnavailable(problem)
        if self._host is None:
            self._host_lock = self._host_lock or asyncio.Lock()
            async with self._host_lock:  # two first starts at once prepare the host once
                if self._host is None:
                    assert isinstance(self._probed, Tools)
                    cgroups = await asyncio.to_thread(self._prepare)
                    self._host = Host(self._options, self._probed, cgroups, PeerLookup())
        return self._host

    def _prepare(self) -> EngineCgroups | None:
        _sweep_scratch(self._options.scratch_dir)
        self._scratch.mkdir(mode=0o755, parents=True, exist_ok=True)
        cgroups = find_engine_cgroups(self._options.cgroups)
        if cgroups is not None:
            try:
                cgroups.prepare()
            except OSError as exc:
                log.warning("process runtime: cannot make cgroups (%s); bounding with rlimits", exc)
                cgroups = None
        bounds = cgroups.kind if cgroups is not None else "rlimits (no writable cgroup)"
        log.info("process runtime: sandboxes isolated by bubblewrap, bounded by %s", bounds)
        return cgroups

    async def _opt_dir(self, spec: SandboxSpec) -> Path | None:
        try:
            return await self._layers.opt_dir(spec.layer_dirs)
        except OSError as exc:
            raise SandboxUnavailable(
                f"cannot assemble the function's layers at /opt: {exc}"
            ) from exc

    def _launch(self, spec: SandboxSpec, opt_dir: Path | None) -> Launch | EntrypointError:
        if spec.runtime in PROVIDED:
            return provided_launch(spec.code_dir, opt_dir, as_other=self._as_root)
        problem = managed_unavailable(spec.runtime)
        if problem is not None:
            raise SandboxUnavailable(problem)
        return managed_launch(spec.runtime, spec.handler)

    def _identity(self, sandbox: ProcessSandbox) -> Identity:
        options = self._options
        if not self._as_root:
            return Identity(None, options.sandbox_uid, options.sandbox_gid)
        uid = self._uids.take()
        sandbox.remains.on_release.append(lambda: self._uids.give_back(uid))
        return Identity(uid, uid, uid)

    def _isolation_problem(self) -> str | None:
        with self._probe_lock:
            if self._probed is None:
                self._probed = self._probe()
        return self._probed if isinstance(self._probed, str) else None

    def _probe(self) -> Tools | str:
        tools = find_tools(self._options.bwrap, self._options.setpriv, self._as_root)
        if isinstance(tools, str):
            return tools
        options = self._options
        probe_uid = options.host_uid_base + options.host_uid_count - 1
        identity = (
            Identity(probe_uid, probe_uid, probe_uid)
            if self._as_root
            else Identity(None, options.sandbox_uid, options.sandbox_gid)
        )
        problem = try_sandbox(tools, identity)
        return problem if problem is not None else tools


def _sweep_scratch(scratch: Path) -> None:
    """Remove what ownstack processes that are gone left in the scratch dir."""
    if not scratch.is_dir():
        return
    for entry in scratch.iterdir():
        pid = entry.name.removeprefix("p")
        if entry.name == pid or not pid.isdigit() or pid_alive(int(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)
