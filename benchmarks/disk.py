"""The disk's own durable write rate: the bound on any durable PUT, measured beside it.

A 256 MiB PUT must be on disk before it is answered, so a disk slower than the CPU work (the
MD5) caps the PUT whatever the server does. Bench VMs differ widely here: one wrote 256 MiB at
~1.9 GB/s, another at ~0.4 GB/s, with MD5 at ~0.7-0.8 GB/s on both. This writes the file the
way `dd bs=4M oflag=direct conv=fsync` would (4 MiB O_DIRECT writes, then fsync), into the same
file system as the server's data, so the report can say which bound a PUT figure is near.
"""

from __future__ import annotations

import mmap
import os
import time
from pathlib import Path

from ownstack.backends.fs.directio import set_direct

BLOCK = 4 << 20
_O_DIRECT = getattr(os, "O_DIRECT", 0)


def durable_write_mb_s(source: Path, directory: Path) -> float:
    """MB/s of writing `source` into a new file in `directory`, direct where the file system
    allows it (buffered otherwise), fsync included."""
    target = directory / "disk-probe.bin"
    buf = mmap.mmap(-1, BLOCK)  # page-aligned, as O_DIRECT needs
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_DIRECT
    try:
        fd = _open(target, flags)
        start = time.perf_counter()
        try:
            with source.open("rb", buffering=0) as src:
                while n := src.readinto(buf):
                    os.write(fd, memoryview(buf)[:n] if n == BLOCK else _tail(fd, buf, n))
            os.fsync(fd)
        finally:
            os.close(fd)
        return source.stat().st_size / (time.perf_counter() - start) / 1e6
    finally:
        buf.close()
        target.unlink(missing_ok=True)


def _open(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags, 0o600)
    except OSError:  # a file system without O_DIRECT (tmpfs): buffered, as the server does
        return os.open(path, flags & ~_O_DIRECT, 0o600)


def _tail(fd: int, buf: mmap.mmap, n: int) -> memoryview:
    """An unaligned last block goes buffered (O_DIRECT would refuse its length)."""
    set_direct(fd, False)
    return memoryview(buf)[:n]
