"""One process per database: an exclusive advisory lock on `<file>.lock`.

SqliteMeta caches point reads (cache.py) and assumes every write goes through its own writer,
and SqliteQueues keeps its catalog in memory (queues_catalog.py): a second server on the same
data dir would break both silently, so it is refused at start. The kernel drops the lock when
the process dies (SIGKILL included): no stale lock after a crash.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ownstack.ports.errors import BackendUnavailable

T = TypeVar("T")


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


def open_locked(path: Path, what: str, open_: Callable[[Path], T]) -> tuple[FileLock, T]:
    """Lock the database at `path` to this process (creating its directory), then open it with
    `open_(path)`. BackendUnavailable if either fails; the lock is released if opening fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path.with_name(path.name + ".lock"))
    except OSError as exc:
        raise BackendUnavailable(f"cannot lock {what} database {path}: {exc}") from exc
    try:
        return lock, open_(path)
    except (OSError, sqlite3.Error) as exc:
        lock.release()
        raise BackendUnavailable(f"cannot open {what} database {path}: {exc}") from exc
    except BaseException:  # e.g. migrations.SchemaTooNew, already a port error
        lock.release()
        raise
