"""Where blobs live on disk: <root>/ab/cd/<id> for id "abcd...", temp files in <root>/tmp,
deleted ones on their way out in <root>/trash (reaper.py).

Ids are 32 random hex digits chosen here; nothing a client sends ever becomes part of a path,
and an id that is not 32 hex digits is refused before it gets near the file system.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
from pathlib import Path

from ownstack.ports.errors import BlobNotFound

_ID = re.compile(r"[0-9a-f]{32}")


def new_id() -> str:
    return secrets.token_hex(16)


def fsync_dir(path: Path) -> None:
    """Make the directory's entries (a rename, a new file or subdirectory) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Layout:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.trash = root / "trash"
        self._made: set[Path] = set()
        """Fan-out directories known to exist (durably): a put mkdirs only the first time."""
        self._lock = threading.Lock()

    def path(self, blob_id: str) -> Path:
        """The final path of a blob; BlobNotFound for anything that is not one of our ids."""
        if not _ID.fullmatch(blob_id):
            raise BlobNotFound(blob_id)
        return self.root / blob_id[:2] / blob_id[2:4] / blob_id

    def temp_path(self, blob_id: str) -> Path:
        return self.tmp / blob_id

    def trash_path(self, blob_id: str) -> Path:
        return self.trash / blob_id

    def prepare(self) -> None:
        """Create the root, tmp and trash dirs, and drop what a crash left in them: temp files
        of puts that never returned, and deleted blobs not unlinked yet (nobody references
        either)."""
        for scratch in (self.tmp, self.trash):
            scratch.mkdir(parents=True, exist_ok=True)
            for leftover in scratch.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            fsync_dir(scratch)
        fsync_dir(self.root)

    def ensure_parent(self, final: Path) -> None:
        """Create the fan-out dirs of `final` (in a worker thread), durably, once."""
        parent = final.parent
        if parent in self._made:
            return
        for directory in (parent.parent, parent):
            self._make_durably(directory)
        with self._lock:
            self._made.add(parent)

    @staticmethod
    def _make_durably(directory: Path) -> None:
        # fsync the parent even when the dir already exists: whoever created it (another
        # thread, a process that crashed) may not have made its entry durable yet.
        directory.mkdir(exist_ok=True)
        fsync_dir(directory.parent)
