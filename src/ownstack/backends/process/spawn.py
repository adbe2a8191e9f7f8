"""Starting a sandbox's process: its Runtime API server first (the port goes in its
environment), then its cgroup, then the launcher (command.py) with its output on a pipe."""

from __future__ import annotations

import asyncio
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ownstack.ports.runtime import SandboxSpec, SandboxUnavailable

from .cgroups import EngineCgroups
from .command import (
    Identity,
    Rlimits,
    Tools,
    bwrap_options,
    memfd_with,
    nul_separated,
    sandbox_command,
    wrapper_argv,
)
from .ending import Remains
from .environ import check_environment, sandbox_environment
from .httpserver import ApiConnection
from .launches import Launch
from .mounts import View, group_text, passwd_text
from .options import ProcessOptions
from .output import OutputCapture
from .peers import PeerLookup
from .sandbox import ProcessSandbox
from .scheduling import batch_policy

MIB = 1024 * 1024
LAUNCHER_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
"""All the launcher shell gets of an environment (bwrap clears it for the runtime anyway)."""


@dataclass(frozen=True, slots=True)
class Host:
    """What the engine lends every start."""

    options: ProcessOptions
    tools: Tools
    cgroups: EngineCgroups | None
    peers: PeerLookup


class RuntimeApiGate:
    """Admits only connections from the sandbox's own host uid (when it has one)."""

    def __init__(self, remains: Remains, peers: PeerLookup, uid: int | None) -> None:
        self._remains = remains
        self._peers = peers
        self._uid = uid

    def admit(self, transport: asyncio.BaseTransport) -> bool:
        if self._uid is not None:
            peer, mine = transport.get_extra_info("peername"), transport.get_extra_info("sockname")
            if not peer or self._peers.uid_of(peer[:2], mine[:2]) != self._uid:
                return False
        self._remains.connections.add(cast(asyncio.Transport, transport))
        return True

    def closed(self, transport: asyncio.BaseTransport) -> None:
        self._remains.connections.discard(cast(asyncio.Transport, transport))


async def spawn(
    sandbox: ProcessSandbox, launch: Launch, opt_dir: Path | None, identity: Identity, host: Host
) -> None:
    """Start the sandbox's process; SandboxUnavailable when it cannot be (the caller ends the
    sandbox, which frees whatever was already made)."""
    spec, remains = sandbox.spec, sandbox.remains
    loop = asyncio.get_running_loop()
    gate = RuntimeApiGate(remains, host.peers, identity.host_uid)
    remains.server = await loop.create_server(
        lambda: ApiConnection(sandbox.api, gate), "127.0.0.1", 0
    )
    port = remains.server.sockets[0].getsockname()[1]
    env = sandbox_environment(spec, launch, f"127.0.0.1:{port}")
    if (problem := check_environment(env)) is not None:
        raise SandboxUnavailable(problem)
    procs = _bound(sandbox, host)
    view_fds = [memfd_with("passwd", passwd_text(identity.uid, identity.gid))]
    view_fds.append(memfd_with("group", group_text(identity.gid)))
    try:
        view = View(spec.code_dir, opt_dir, spec.ephemeral_mb * MIB, launch.binds, *view_fds)
        options = bwrap_options(identity, host.tools, env, view)
        view_fds.append(memfd_with("args", nul_separated(options)))
        command = sandbox_command(identity, host.tools, launch.argv)
        argv = wrapper_argv(
            procs, _rlimits(spec, host, identity), host.tools, view_fds[-1], command
        )
        _start(sandbox, argv, tuple(view_fds), loop)
    finally:
        for fd in view_fds:
            os.close(fd)


def _bound(sandbox: ProcessSandbox, host: Host) -> tuple[Path, ...]:
    """The sandbox's cgroup (its cgroup.procs files), when the engine has cgroups."""
    if host.cgroups is None:
        return ()
    spec = sandbox.spec
    try:
        group = host.cgroups.create(
            sandbox.id, (spec.memory_mb + spec.ephemeral_mb) * MIB, host.options.max_processes
        )
    except OSError as exc:
        raise SandboxUnavailable(f"cannot make the sandbox's cgroup: {exc}") from exc
    sandbox.remains.attach_cgroup(group, spec.memory_mb * MIB)
    return group.procs


def _rlimits(spec: SandboxSpec, host: Host, identity: Identity) -> Rlimits:
    bounded = host.cgroups is not None
    return Rlimits(
        cpu_seconds=host.options.cpu_seconds,
        # A backstop past the /tmp size, so a full /tmp says ENOSPC (as Lambda's does) first.
        file_bytes=(spec.ephemeral_mb + 1) * MIB,
        open_files=host.options.max_open_files,
        data_bytes=None if bounded else spec.memory_mb * MIB,
        # RLIMIT_NPROC counts a uid's processes: it bounds a sandbox only with a uid of its own.
        processes=None if bounded else host.options.max_processes,
    )


def _start(
    sandbox: ProcessSandbox, argv: list[str], fds: tuple[int, ...], loop: asyncio.AbstractEventLoop
) -> None:
    read_end, write_end = os.pipe2(os.O_CLOEXEC)
    try:
        with batch_policy():
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=write_end,
                stderr=write_end,
                pass_fds=fds,
                start_new_session=True,
                env=LAUNCHER_ENV,
            )
    except OSError as exc:
        os.close(read_end)
        raise SandboxUnavailable(f"cannot start the sandbox: {exc}") from exc
    finally:
        os.close(write_end)
    sandbox.remains.output = OutputCapture(loop, read_end)
    sandbox.remains.attach_process(process, sandbox.on_exit)
    sandbox.remains.watch(True)  # init is under way: MemorySize bounds it too
