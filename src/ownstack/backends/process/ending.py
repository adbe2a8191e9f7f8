"""What a sandbox holds on the host (its process, Runtime API server and connections, output
pipe, cgroup, memory watch, host uid) and how all of it is let go, once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Callable

from .cgroups import SandboxCgroup
from .limits import MemoryWatch
from .output import OutputCapture

EXIT_WAIT_S = 5.0
"""How long an ended sandbox's processes may take to be reaped (the kernel's work, after
SIGKILL: normally well under 100 ms)."""
CGROUP_REMOVE_TRIES = 200
"""10 ms apart: a group can be removed once its last process is gone."""


class Remains:
    def __init__(self, loop: asyncio.AbstractEventLoop, kill_for: Callable[[str], None]) -> None:
        self._loop = loop
        self._kill_for = kill_for
        self.process: subprocess.Popen[bytes] | None = None
        self.cgroup: SandboxCgroup | None = None
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.Transport] = set()
        self.output: OutputCapture | None = None
        self.on_release: list[Callable[[], None]] = []
        self._pidfd: int | None = None
        self._oom_fd: int | None = None
        self._watch: MemoryWatch | None = None
        self._exited: asyncio.Future[int] = loop.create_future()
        self._released: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def attach_process(
        self, process: subprocess.Popen[bytes], on_exit: Callable[[int], None]
    ) -> None:
        self.process = process
        self._pidfd = os.pidfd_open(process.pid)

        def exited() -> None:
            self._stop_reading_pidfd()
            returncode = process.wait()
            if not self._exited.done():
                self._exited.set_result(returncode)
            on_exit(returncode)

        self._loop.add_reader(self._pidfd, exited)

    def attach_cgroup(self, cgroup: SandboxCgroup, memory_limit: int) -> None:
        self.cgroup = cgroup
        self._watch = MemoryWatch(self._loop, cgroup, memory_limit, self._kill_for)
        self._oom_fd = cgroup.oom_eventfd()
        if self._oom_fd is not None:
            self._loop.add_reader(self._oom_fd, self._oom_killed)

    def _oom_killed(self) -> None:
        # The hard bound was hit and the kernel killed a process: Lambda ends the sandbox.
        if self._oom_fd is not None:
            with contextlib.suppress(OSError):
                os.eventfd_read(self._oom_fd)
        self._kill_for("signal: killed")

    def watch(self, active: bool) -> None:
        if self._watch is None:
            return
        if active:
            self._watch.activate()
        else:
            self._watch.deactivate()

    def kill(self) -> None:
        """SIGKILL the sandbox's pid-namespace init (bwrap's child): the kernel then kills
        every process of the namespace, and bwrap exits only once they are all gone, so
        waiting for bwrap waits for the whole tree. Killing bwrap itself would return at
        once and leave the namespace to die in the background."""
        running = self.process is not None and not self._exited.done()
        pid = self.process.pid if self.process is not None and running else None
        targets = (_children(pid) or [pid]) if pid is not None else []  # not cloned yet: bwrap
        for target in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(target, signal.SIGKILL)
        if self.cgroup is not None:
            self.cgroup.kill(spare=pid if targets != [pid] else None)

    def take_output(self) -> str:
        return self.output.take() if self.output is not None else ""

    async def release(self) -> None:
        if self._released is None:
            self._released = self._loop.create_task(self._release())
        await asyncio.shield(self._released)

    async def _release(self) -> None:
        self.kill()
        self.watch(False)
        if self.process is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._exited), EXIT_WAIT_S)
            except TimeoutError:  # the namespace is slow to die: do not wait on it forever
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(self.process.pid, signal.SIGKILL)
        if self.server is not None:
            self.server.close()
        for transport in list(self.connections):
            transport.abort()
        if self.output is not None:
            self.output.close()
        self._close_oom_fd()
        await self._remove_cgroup()
        for release in self.on_release:
            release()
        self.on_release.clear()

    async def _remove_cgroup(self) -> None:
        if self.cgroup is None:
            return
        for _ in range(CGROUP_REMOVE_TRIES):
            if self.cgroup.remove():
                return
            self.cgroup.kill(spare=None if self._exited.done() else self.pid)
            await asyncio.sleep(0.01)

    def _stop_reading_pidfd(self) -> None:
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None

    def _close_oom_fd(self) -> None:
        if self._oom_fd is not None:
            self._loop.remove_reader(self._oom_fd)
            os.close(self._oom_fd)
            self._oom_fd = None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listed:
            return [int(child) for child in listed.read().split()]
    except (OSError, ValueError):
        return []
