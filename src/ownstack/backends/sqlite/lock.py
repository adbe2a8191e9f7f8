"""One process per meta database: an exclusive advisory lock on `<file>.lock`.

SqliteMeta caches point reads (cache.py) and assumes every write goes through its own writer;
a second server on the same data dir would break both silently, so it is refused at start. The
kernel drops the lock when the process dies (SIGKILL included): no stale lock after a crash.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ownstack.ports.errors import BackendUnavailable


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise BackendUnavailable(
                f"{path} is held by another process: one ownstack server per data directory"
            ) from None
        except BaseException:
            os.close(self._fd)
            raise

    def release(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)  # closing the only descriptor releases the lock
