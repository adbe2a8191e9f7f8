"""Facts about processes of this host."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists here (it may be in another pid namespace, or
    belong to another user: signal 0 to it is then refused, but it exists)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


OPEN_FILES_CAP = 1 << 20
"""The most descriptors asked for when the hard limit is unlimited (Linux's default
fs.nr_open; macOS refuses more than its OPEN_MAX anyway, and then keeps the old limit)."""


def raise_open_files_limit() -> tuple[int, int]:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; (before, after).

    Why: a desktop session's soft limit is often 1024, and every client connection and every
    warm sandbox (its output pipe, its Runtime API socket) holds descriptors, so a busy server
    would meet EMFILE long before the machine runs short. The hard limit is what the operator
    allows; the soft one is only a default for programs that use select(), which ownstack does
    not (its loop is epoll/kqueue). Sandboxes get their own limit (RLIMIT_NOFILE at spawn).
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = OPEN_FILES_CAP if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft, soft  # refused (a platform cap below the hard limit): keep what we had
        return soft, target
    return soft, soft
