"""Host uids for sandboxes, one each while it lives (root mode): the kernel then tells a
sandbox's processes, sockets and process count apart from every other's.

Several ownstack processes on one host (`serve --workers N`) draw from the same range: a uid
is claimed with a lock file (flock) in the shared scratch dir, held while the sandbox lives,
and released by the kernel if the process holding it dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import heapq
import os
from pathlib import Path

from ownstack.ports.runtime import SandboxUnavailable


class UidPool:
    def __init__(self, base: int, count: int, claims: Path) -> None:
        self._claims = claims
        self._free = list(range(base, base + count))
        heapq.heapify(self._free)
        self._held: dict[int, int] = {}
        """uid -> the fd of its claim."""

    def take(self) -> int:
        self._claims.mkdir(mode=0o700, parents=True, exist_ok=True)
        passed: list[int] = []
        try:
            while self._free:
                uid = heapq.heappop(self._free)
                fd = self._claim(uid)
                if fd is not None:
                    self._held[uid] = fd
                    return uid
                passed.append(uid)  # another ownstack process has it
        finally:
            for uid in passed:
                heapq.heappush(self._free, uid)
        raise SandboxUnavailable(
            f"every sandbox uid is in use ({len(self._held)} sandboxes here); end some first"
        )

    def give_back(self, uid: int) -> None:
        fd = self._held.pop(uid, None)
        if fd is None:
            return
        os.close(fd)  # closing the file drops its lock
        heapq.heappush(self._free, uid)

    def _claim(self, uid: int) -> int | None:
        fd = os.open(self._claims / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except OSError:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        return fd
