"""A sandbox's stdout and stderr: one pipe for both (so their lines keep the order they were
written in), read as it arrives and handed out per invocation.

Everything a runtime wrote before it posted its response is in the pipe when the post
arrives, so `take` drains the pipe before cutting: an invocation's last lines are never left
for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os

MAX_BUFFERED = 8 * 1024 * 1024
"""Output kept for one invocation; past it ownstack drops the rest (and says so) rather than
hold a runaway function's output in memory."""
_READ_SIZE = 65536
_CALLBACK_READS = 16
_DRAIN_READS = 256


class OutputCapture:
    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        self._loop = loop
        self._fd: int | None = fd
        self._chunks: list[bytes] = []
        self._size = 0
        self._dropped = 0
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._read)

    def take(self) -> str:
        """What was written since the last take, decoded (invalid UTF-8 replaced)."""
        self._read(_DRAIN_READS)
        data = b"".join(self._chunks)
        self._chunks, self._size = [], 0
        text = data.decode("utf-8", "replace")
        if self._dropped:
            text += f"\n[ownstack: {self._dropped} more bytes of output were dropped]\n"
            self._dropped = 0
        return text

    def close(self) -> None:
        """Stop reading; what is still in the pipe is kept for the last `take`."""
        self._read(_DRAIN_READS)
        if self._fd is None:
            return
        self._loop.remove_reader(self._fd)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None

    def _read(self, reads: int = _CALLBACK_READS) -> None:
        # Bounded: a function writing as fast as ownstack reads must not hold the loop.
        for _ in range(reads):
            if self._fd is None:
                return
            try:
                chunk = os.read(self._fd, _READ_SIZE)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:  # every writer is gone
                self._loop.remove_reader(self._fd)
                os.close(self._fd)
                self._fd = None
                return
            self._keep(chunk)

    def _keep(self, chunk: bytes) -> None:
        room = MAX_BUFFERED - self._size
        if room < len(chunk):
            self._dropped += len(chunk) - max(room, 0)
            chunk = chunk[: max(room, 0)]
        if chunk:
            self._chunks.append(chunk)
            self._size += len(chunk)
