"""MemorySize, enforced and measured.

With a cgroup, the kernel's hard bound is MemorySize + the /tmp size (tmpfs pages are memory);
MemorySize itself bounds the sandbox's anonymous memory: while the sandbox works (init, an
invocation) its usage is looked at every WATCH_INTERVAL_S, and past MemorySize the sandbox is
killed, as Lambda kills a function over its memory. Between invocations only the hard bound
holds (Lambda freezes an idle sandbox; this engine does not).

Without a cgroup, RLIMIT_DATA bounds each process's private memory (an allocation past it
fails instead of the process being killed) and Max Memory Used is the resident size of the
sandbox's processes when an invocation ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from collections.abc import Callable

from .cgroups import SandboxCgroup

WATCH_INTERVAL_S = 0.02
MIB = 1024 * 1024


class MemoryWatch:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        cgroup: SandboxCgroup,
        limit_bytes: int,
        on_exceeded: Callable[[str], None],
    ) -> None:
        self._loop = loop
        self._cgroup = cgroup
        self._limit = limit_bytes
        self._on_exceeded = on_exceeded
        self._timer: asyncio.TimerHandle | None = None

    def activate(self) -> None:
        if self._timer is None:
            self._timer = self._loop.call_later(WATCH_INTERVAL_S, self._tick)

    def deactivate(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def over(self) -> bool:
        # usage (one small file) first: the anonymous count needs memory.stat
        return self._cgroup.usage() > self._limit and self._cgroup.anon_bytes() > self._limit

    def _tick(self) -> None:
        self._timer = None
        if self.over():
            self._on_exceeded("signal: killed")
            return
        self.activate()


def max_memory_mb(cgroup: SandboxCgroup | None, pid: int | None) -> int:
    """Max Memory Used: the cgroup's peak without page cache and /tmp, at least the anonymous
    memory now; without a cgroup, the processes' resident size now."""
    if cgroup is not None:
        sample = cgroup.sample()
        used = max(sample.anon, sample.peak - sample.cache)
    else:
        used = tree_rss(pid) if pid is not None else 0
    return max(1, math.ceil(used / MIB))


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and its descendants."""
    total, todo, page = 0, [pid], os.sysconf("SC_PAGE_SIZE")
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(f"/proc/{current}/statm", encoding="ascii") as statm:
                total += int(statm.read().split()[1]) * page
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as kids:
                todo.extend(int(k) for k in kids.read().split())
    return total
