"""The command line that starts a sandbox:

    sh -c <join the cgroups, set the rlimits> -> bwrap --args FD -> [setpriv ->] the runtime

- The shell runs as ownstack's user, so it may move itself into the sandbox's cgroups; every
  process of the sandbox starts there (nothing runs before it is bounded).
- bwrap reads its arguments from a memfd (`--args`): the environment (the function's
  credentials) and the host paths never appear in a command line another host user can read.
- As root, bwrap sets the view up with its privileges (so a code dir under a private
  directory such as /root can be bound) and `setpriv` then drops to the sandbox's own host uid
  with no capabilities and no_new_privs before the runtime starts. As another user, bwrap runs
  unprivileged in a user namespace (uid 993 inside) and forbids nested ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .mounts import View, view_args

WRAPPER = (
    'while [ "$1" != -- ]; do echo $$ >"$1" || exit 125; shift; done; shift; '
    'while [ "$1" != -- ]; do ulimit "$1" "$2" || exit 125; shift 2; done; shift; '
    'exec "$@"'
)
"""$1..: cgroup.procs files, --, ulimit flag/value pairs, --, the command."""
LAUNCH_FAILED = 125
"""The wrapper's exit status when it could not bound the sandbox (nothing of it ran)."""
HOSTNAME = "localhost"


@dataclass(frozen=True, slots=True)
class Identity:
    host_uid: int | None
    """Root mode: the sandbox's own host uid and gid (setpriv inside); None: user-namespace
    mode, the sandbox's processes run as ownstack's own uid outside."""
    uid: int
    gid: int
    """The ids the function sees."""


@dataclass(frozen=True, slots=True)
class Rlimits:
    cpu_seconds: int
    file_bytes: int
    open_files: int
    data_bytes: int | None = None
    """Only without a memory cgroup: the per-process bound on private memory."""
    processes: int | None = None
    """Only without a pids cgroup and with a host uid of the sandbox's own (root mode)."""

    def ulimit_args(self) -> list[str]:
        # dash's ulimit: -f counts 512-byte blocks, -d KiB; flags without -H/-S set both.
        args = ["-c", "0", "-t", str(self.cpu_seconds), "-n", str(self.open_files)]
        args += ["-f", str(max(1, self.file_bytes // 512))]
        if self.data_bytes is not None:
            args += ["-d", str(self.data_bytes // 1024)]
        if self.processes is not None:
            args += ["-p", str(self.processes)]
        return args


@dataclass(frozen=True, slots=True)
class Tools:
    bwrap: str
    setpriv: str
    disable_userns: bool
    """bwrap knows --disable-userns (0.8+)."""


def wrapper_argv(
    procs: Iterable[Path], limits: Rlimits, tools: Tools, args_fd: int, command: list[str]
) -> list[str]:
    """`command` (from `sandbox_command`) stays on the command line: bwrap takes no command
    from --args; it holds no secret (the runtime's path, the sandbox's uid)."""
    return [
        "/bin/sh", "-c", WRAPPER, "sh",
        *(str(p) for p in procs), "--",
        *limits.ulimit_args(), "--",
        tools.bwrap, "--args", str(args_fd), "--", *command,
    ]  # fmt: skip


def bwrap_options(
    identity: Identity, tools: Tools, env: Mapping[str, str], view: View
) -> list[str]:
    """Everything but the command, for the --args memfd."""
    args = _namespaces(identity, tools)
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += view_args(view)
    return [*args, "--chdir", "/var/task"]


def sandbox_command(identity: Identity, tools: Tools, argv: tuple[str, ...]) -> list[str]:
    if identity.host_uid is None:
        return list(argv)
    uid = str(identity.host_uid)
    return [
        tools.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--", *argv,
    ]  # fmt: skip


def _namespaces(identity: Identity, tools: Tools) -> list[str]:
    # The host network is kept on purpose: a function reaches ownstack (AWS_ENDPOINT_URL) and
    # the internet as a Lambda function does; its Runtime API answers only its own uid.
    args = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    args += ["--hostname", HOSTNAME]
    if identity.host_uid is None:
        args = ["--unshare-user", "--uid", str(identity.uid), "--gid", str(identity.gid), *args]
        if tools.disable_userns:
            args.append("--disable-userns")
    return args


def memfd_with(name: str, data: bytes) -> int:
    """A sealed-in-practice file descriptor holding `data`, read from its start (bwrap reads
    --args, --ro-bind-data from such fds)."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd


def nul_separated(args: list[str]) -> bytes:
    return b"".join(a.encode() + b"\0" for a in args)
