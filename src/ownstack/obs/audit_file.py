"""The audit log's files: <dir>/audit.log, then audit.log.1 (newest) ... audit.log.<keep>.

Lines are appended whole, in batches, and fsynced after each batch; a file is rotated before a
line that would take it past `max_bytes`, so no record is ever split across two files (one
record larger than `max_bytes` gets a file to itself). Not thread-safe: AuditLog serialises the
calls.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

FILE_NAME = "audit.log"
_MODE = 0o600  # records name principals, keys and parameters: readable by the server's user only


class RotatingAuditFile:
    def __init__(self, directory: Path, max_bytes: int, keep: int) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if keep < 0:
            raise ValueError("keep must not be negative")
        self.directory = directory
        self.path = directory / FILE_NAME
        self.max_bytes = max_bytes
        self.keep = keep
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._fd = -1
        self._size = 0
        self._open()

    def _open(self) -> None:
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        self._fd = os.open(self.path, flags, _MODE)
        os.fchmod(self._fd, _MODE)  # an older file made with a looser mode is tightened too
        self._size = os.fstat(self._fd).st_size
        if self._size and os.pread(self._fd, 1, self._size - 1) != b"\n":
            # A crash cut the last record: end its line so the next record starts clean.
            self._write_all(b"\n")

    def write_lines(self, lines: Sequence[bytes]) -> None:
        """Append `lines` (each ending in a newline), rotating as needed, then fsync."""
        if self._fd < 0:
            raise ValueError("audit log file is closed")
        chunk: list[bytes] = []
        chunk_size = 0
        for line in lines:
            pending = self._size + chunk_size
            if pending and pending + len(line) > self.max_bytes:
                self._write_all(b"".join(chunk))
                self._rotate()
                chunk, chunk_size = [], 0
            chunk.append(line)
            chunk_size += len(line)
        if chunk:
            self._write_all(b"".join(chunk))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
            self._size += written

    def _rotate(self) -> None:
        """audit.log.N -> N+1 (the last one dropped by the rename onto it), audit.log -> .1."""
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = -1
        self._drop_beyond_keep()
        for number in range(self.keep - 1, 0, -1):
            older = self._numbered(number)
            if older.exists():
                os.replace(older, self._numbered(number + 1))
        if self.keep:
            os.replace(self.path, self._numbered(1))
        else:
            self.path.unlink()
        self._sync_directory()
        self._open()

    def _drop_beyond_keep(self) -> None:
        """Files past `keep` (left by an earlier run with a larger `keep`) are removed."""
        number = self.keep + 1
        while (extra := self._numbered(number)).exists():
            extra.unlink()
            number += 1

    def _numbered(self, number: int) -> Path:
        return self.directory / f"{FILE_NAME}.{number}"

    def _sync_directory(self) -> None:
        """The renames themselves are durable only once the directory is synced."""
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
