"""A cgroup per sandbox: a hard memory bound, a process-count bound and one CPU-scheduling
entity (so a fork bomb competes with ownstack as one task, not a thousand).

The groups are made under ownstack's own cgroup (cgroup v1: in the memory, pids and cpu
hierarchies; v2: a delegated directory), named `ownstack-<pid>/<sandbox>`, so whatever bounds
the host set on ownstack also bounds its sandboxes. Nothing is moved but the sandbox's own
processes; everything made is removed when the sandbox ends (and, for a crashed ownstack, at
the next start).

tmpfs pages are memory to the kernel: the hard bound is MemorySize + the /tmp size, so a
function filling its /tmp is never killed for it; MemorySize itself is enforced on the
sandbox's anonymous memory by the sandbox's memory watch (limits.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from ownstack.core.processes import pid_alive

V1_CONTROLLERS = ("memory", "pids", "cpu")
V2_CONTROLLERS = frozenset({"memory", "pids"})
_PREFIX = "ownstack-"
STAT_REFRESH_S = 1.0
"""How old the memory.stat figures in a `sample` may be. Reading memory.stat costs ~40 us of
kernel time (it sums per-CPU counters; measured on cgroup v1), more than the rest of a warm
invocation's bookkeeping, and a sample is taken at every invocation's end. The peak, which
carries a new high of memory use, is read every time (one small file)."""


@dataclass(frozen=True, slots=True)
class Sample:
    anon: int
    """Bytes of anonymous memory (what MemorySize bounds)."""
    peak: int
    """The group's peak usage in bytes, page cache and tmpfs included."""
    cache: int
    """Page cache and tmpfs bytes now (taken off the peak for Max Memory Used)."""


class SandboxCgroup:
    """One sandbox's groups. `procs` are the files its launcher writes its own pid into."""

    def __init__(self, dirs: dict[str, Path], v2: bool) -> None:
        self.dirs = dirs
        self.v2 = v2
        self.procs = tuple(d / "cgroup.procs" for d in dirs.values())
        self._memory = dirs["memory"]
        # Read at every invocation's end: kept open, only the needed fields parsed.
        memory = str(self._memory)
        self._stat_file = KernelFile(f"{memory}/memory.stat")
        self._usage_file = KernelFile(
            f"{memory}/{'memory.current' if v2 else 'memory.usage_in_bytes'}"
        )
        self._peak_file = KernelFile(
            f"{memory}/{'memory.peak' if v2 else 'memory.max_usage_in_bytes'}"
        )
        self._anon_key, self._cache_key = (b"anon", b"file") if v2 else (b"rss", b"cache")
        self._stat: tuple[float, list[int]] | None = None
        """When memory.stat was last read for a sample, and its anon and cache figures."""

    def anon_bytes(self) -> int:
        return _fields(self._stat_file.read(), (self._anon_key,))[0]

    def usage(self) -> int:
        return _int(self._usage_file.read())

    def sample(self) -> Sample:
        now = time.monotonic()
        if self._stat is None or now - self._stat[0] >= STAT_REFRESH_S:
            self._stat = now, _fields(self._stat_file.read(), (self._anon_key, self._cache_key))
        anon, cache = self._stat[1]
        peak = _int(self._peak_file.read()) or self.usage()  # memory.peak: Linux 5.19+
        return Sample(anon, peak, cache)

    def oom_kills(self) -> int:
        """How many processes the kernel killed for the hard memory bound."""
        name = "memory.events" if self.v2 else "memory.oom_control"
        return _stat(self._memory / name).get("oom_kill", 0)

    def oom_eventfd(self) -> int | None:
        """cgroup v1: an eventfd that becomes readable when the group hits its hard bound (v2
        needs none: memory.oom.group kills the whole group, which ends the sandbox)."""
        if self.v2:
            return None
        efd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        control = os.open(self._memory / "memory.oom_control", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _write(self._memory / "cgroup.event_control", f"{efd} {control}")
        except OSError:
            os.close(efd)
            return None
        finally:
            os.close(control)
        return efd

    def kill(self, spare: int | None = None) -> None:
        """SIGKILL every process in the groups but `spare` (bwrap, left to reap its child and
        exit by itself; the pid namespace's end takes whatever forks meanwhile)."""
        for procs in self.procs:
            _kill_all(procs, spare)

    def remove(self) -> bool:
        """Remove the groups; False while a process is still in one (try again later)."""
        for kept in (self._stat_file, self._usage_file, self._peak_file):
            kept.close()  # reopened by a later read, should one come
        removed = True
        for directory in self.dirs.values():
            try:
                directory.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                removed = False
        return removed


class EngineCgroups:
    """The engine's own group in each hierarchy; makes a SandboxCgroup per sandbox."""

    def __init__(self, parents: dict[str, Path], v2: bool) -> None:
        self.v2 = v2
        self._parents = parents
        self._mine = {c: p / f"{_PREFIX}{os.getpid()}" for c, p in parents.items()}

    @property
    def kind(self) -> str:
        return "cgroup v2" if self.v2 else f"cgroup v1 ({', '.join(self._parents)})"

    def prepare(self) -> None:
        """Make the engine's groups (removing a crashed ownstack's first); OSError if the
        host does not let this process."""
        for parent in self._parents.values():
            _sweep_stale(parent)
        for controller, mine in self._mine.items():
            mine.mkdir(exist_ok=True)
            if self.v2:
                _write(mine / "cgroup.subtree_control", "+memory +pids +cpu")
            elif controller == "memory":
                with contextlib.suppress(OSError):  # only needed on old kernels
                    _write(mine / "memory.use_hierarchy", "1")

    def create(self, name: str, memory_bytes: int, max_pids: int) -> SandboxCgroup:
        dirs = {c: m / name for c, m in self._mine.items()}
        if self.v2:
            dirs = {"memory": self._mine["unified"] / name}
        for directory in dirs.values():
            directory.mkdir()
        group = SandboxCgroup(dirs, self.v2)
        try:
            _limit(group, memory_bytes, max_pids)
        except OSError:
            group.remove()
            raise
        return group

    def close(self) -> None:
        for mine in self._mine.values():
            with contextlib.suppress(OSError):
                mine.rmdir()


def _limit(group: SandboxCgroup, memory_bytes: int, max_pids: int) -> None:
    memory = group.dirs["memory"]
    if group.v2:
        _write(memory / "memory.max", str(memory_bytes))
        _write(memory / "memory.swap.max", "0")
        _write(memory / "memory.oom.group", "1")
        _write(memory / "pids.max", str(max_pids))
        return
    _write(memory / "memory.limit_in_bytes", str(memory_bytes))
    with contextlib.suppress(OSError):  # memsw exists only with swap accounting on
        _write(memory / "memory.memsw.limit_in_bytes", str(memory_bytes))
    with contextlib.suppress(OSError):
        _write(memory / "memory.swappiness", "0")
    _write(group.dirs["pids"] / "pids.max", str(max_pids))


def find_engine_cgroups(enabled: bool) -> EngineCgroups | None:
    """The hierarchies this process may make sandbox groups in, or None (rlimits only)."""
    if not enabled:
        return None
    mounts = _cgroup_mounts()
    own = _own_cgroups()
    v1 = {c: mounts[c] / own[c].lstrip("/") for c in V1_CONTROLLERS if c in mounts and c in own}
    if "memory" in v1 and "pids" in v1:
        return EngineCgroups(v1, v2=False)
    unified = mounts.get("unified")
    if unified is None or "" not in own:
        return None
    mine = unified / own[""].lstrip("/")
    enabled_below = set(_read_text(mine / "cgroup.subtree_control").split())
    if enabled_below >= V2_CONTROLLERS:
        return EngineCgroups({"unified": mine}, v2=True)
    return None


def _cgroup_mounts() -> dict[str, Path]:
    """controller -> mount point ("unified" for the cgroup2 mount)."""
    found: dict[str, Path] = {}
    for line in _read_text(Path("/proc/self/mounts")).splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        point, kind, opts = Path(parts[1]), parts[2], set(parts[3].split(","))
        if kind == "cgroup2":
            found.setdefault("unified", point)
        elif kind == "cgroup":
            for controller in opts & set(V1_CONTROLLERS):
                found.setdefault(controller, point)
    return found


def _own_cgroups() -> dict[str, str]:
    """controller -> this process's cgroup path ("" is the v2 hierarchy)."""
    own: dict[str, str] = {}
    for line in _read_text(Path("/proc/self/cgroup")).splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    return own


def _sweep_stale(parent: Path) -> None:
    """Groups left by an ownstack process that died without ending its sandboxes."""
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            pid = entry.name.removeprefix(_PREFIX)
            if entry.name == pid or not pid.isdigit() or pid_alive(int(pid)):
                continue
            for child in (c for c in entry.iterdir() if c.is_dir()):
                _kill_all(child / "cgroup.procs")
                with contextlib.suppress(OSError):
                    child.rmdir()
            with contextlib.suppress(OSError):
                entry.rmdir()


def _kill_all(procs: Path, spare: int | None = None) -> None:
    for pid in _pids(procs):
        if pid == spare:
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _pids(procs: Path) -> list[int]:
    try:
        return [int(p) for p in _read_text(procs).split()]
    except (OSError, ValueError):
        return []


def _stat(path: Path) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in _read_text(path).splitlines():
        key, _, value = line.partition(" ")
        if value.isdigit():
            values[key] = int(value)
    return values


def _fields(content: bytes, keys: tuple[bytes, ...]) -> list[int]:
    """The values of `keys` in a flat-keyed cgroup file's content ("key value" lines), 0 if
    absent."""
    data = b"\n" + content
    values = []
    for key in keys:
        at = data.find(b"\n" + key + b" ")
        end = data.find(b"\n", at + 1) if at >= 0 else -1
        values.append(int(data[at + len(key) + 2 : end if end >= 0 else None]) if at >= 0 else 0)
    return values


def _int(content: bytes) -> int:
    text = content.strip()
    return int(text) if text.isdigit() else 0


class KernelFile:
    """A cgroup file read again and again: opened once, then read with pread from its start,
    which makes the kernel generate it afresh. Measured on cgroup v1 (2-vCPU VM): ~1 us a read
    against ~9 us for open + read + close, whose path walk costs more as the machine gets busy
    (~45 us under a warm-Invoke load); every warm invocation reads one."""

    __slots__ = ("_absent", "_fd", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._absent = False
        """The kernel has no such file (memory.peak before Linux 5.19): not looked for again."""

    def read(self) -> bytes:
        """The file's content; b"" when it cannot be read (absent, or its group is gone)."""
        if self._absent:
            return b""
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            return os.pread(self._fd, 65536, 0)
        except FileNotFoundError:
            self._absent = self._fd is None
            self.close()
        except OSError:
            self.close()
        return b""

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def _read_text(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        return os.read(fd, 65536).decode()
    finally:
        os.close(fd)


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
