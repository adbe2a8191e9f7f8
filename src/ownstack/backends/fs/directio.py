"""O_DIRECT on one fd: switching it on and off, and writing an aligned block.

A file system may refuse direct I/O: fcntl's F_SETFL then fails with EINVAL, and so does a write
whose memory, length or offset is not aligned as it needs. Both are reported, not raised, so
that the caller can write the rest buffered.
"""

from __future__ import annotations

import errno
import fcntl
import os

ALIGN = 4096
"""Alignment of a direct write's memory, length and file offset: a multiple of the logical
block size of disks (512 or 4096 bytes) and of ext4/xfs's usual block size."""

_O_DIRECT: int = getattr(os, "O_DIRECT", 0)
AVAILABLE = _O_DIRECT != 0
"""False where the platform has no O_DIRECT at all."""


def set_direct(fd: int, on: bool) -> bool:
    """Turn O_DIRECT on or off for `fd`; False if the file system refuses it."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | _O_DIRECT if on else flags & ~_O_DIRECT)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
        return False
    return True


def write_direct(fd: int, block: memoryview) -> memoryview:
    """Write `block` (aligned) at the fd's offset with O_DIRECT set; what a refusal left
    unwritten is returned. A refused write wrote nothing, and a short one moved the offset by
    what it wrote, so the rest can follow buffered."""
    while block:
        try:
            written = os.write(fd, block)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            return block
        block = block[written:]
    return block
