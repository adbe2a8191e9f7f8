"""Deleting blob files off the caller's path: rename into <root>/trash now, unlink later.

Why: unlinking a big file is slow to return though it costs almost no CPU (256 MiB on the bench
VM's ext4, mounted with `discard`: ~40 ms of waiting, 0.2 ms of CPU), and an overwrite awaited
it before answering. A rename within the file system is a directory update that returns at
once; it takes the blob out of the namespace (a reader gets BlobNotFound from then on), which
is all `delete` promises. One daemon thread unlinks what lands in the trash.

Nothing here needs to be durable: if a crash loses the rename, the file is still a blob no
record refers to, and S3's start-up orphan sweep reclaims it; if a crash leaves files in the
trash, the next start empties it (Layout.prepare).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from pathlib import Path


class Reaper:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def unlink_later(self, path: Path) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="ownstack-blob-reaper", daemon=True
                )
                self._thread.start()
        self._queue.put(path)

    def close(self, timeout: float = 5.0) -> None:
        """Unlink what is queued (for at most `timeout` seconds), then stop the thread; what is
        left waits in the trash for the next start."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._queue.put(None)
        thread.join(timeout)

    def _run(self) -> None:
        while (path := self._queue.get()) is not None:
            with contextlib.suppress(OSError):  # gone already, or the next start's to remove
                os.unlink(path)
