"""Wall and CPU time of FsBlobs.put for one 256 MiB blob, pinned to one core like the server.

The bytes come from memory in the chunk size the HTTP server hands over (256,000 bytes, what
uvloop reads per call on loopback), and the observer is the S3 PUT's own Digester (MD5 plus the
default CRC64NVME), so what is left is this engine's share: the loop/writer hand-off, the file
writes, and the durability tail (fsync, rename, dir fsync). The writes are O_DIRECT where the
data dir's file system takes it (backends/fs/staging.py), buffered elsewhere, so the dir
matters (default: the system temp dir). Wall time includes waiting for the disk; CPU time is
the whole process's, split into user (hashing, copies, Python) and system (the kernel's share
of the writes and of fsync). Best of N rounds: the machine is shared and noisy, so compare
CPU; the wall time moves with the other load.

    .venv/bin/python -m benchmarks.micro_large_put [rounds] [data-dir]
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NamedTuple

from ownstack.backends.fs import FsBlobs
from ownstack.services.s3.checksums import Digester

SIZE = 256 << 20
CHUNK = 256_000
CPU = 0


async def chunks(data: memoryview) -> AsyncIterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield bytes(data[start : start + CHUNK])
        await asyncio.sleep(0)  # a socket read hands control back to the loop between chunks


class Round(NamedTuple):
    wall: float
    user: float
    sys: float
    switches: int
    """Context switches (thread hand-offs)."""

    @property
    def cpu(self) -> float:
        return self.user + self.sys


async def one_put(blobs: FsBlobs, data: memoryview) -> Round:
    digester = Digester(["CRC64NVME"])
    before = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    ref = await blobs.put(chunks(data), observe=digester.update)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    await blobs.delete(ref.id)
    return Round(
        wall,
        after.ru_utime - before.ru_utime,
        after.ru_stime - before.ru_stime,
        _switches(after) - _switches(before),
    )


def _switches(usage: resource.struct_rusage) -> int:
    return usage.ru_nvcsw + usage.ru_nivcsw


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    base = sys.argv[2] if len(sys.argv) > 2 else None
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {CPU})
    data = memoryview(os.urandom(SIZE))
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        blobs = FsBlobs(Path(tmp))
        results = [asyncio.run(one_put(blobs, data)) for _ in range(rounds)]
    for r in results:
        cpu = f"cpu {r.cpu * 1e3:5.0f} ms (user {r.user * 1e3:4.0f} sys {r.sys * 1e3:4.0f})"
        print(f"wall {r.wall * 1e3:5.0f} ms  {cpu}  {r.switches:5} switches  {_mb_s(r):4.0f} MB/s")
    fast = min(results, key=lambda r: r.wall)
    print(f"best wall: {_mb_s(fast):.0f} MB/s (wall {fast.wall * 1e3:.0f} ms)")
    lean = min(results, key=lambda r: r.cpu)
    print(
        f"best cpu: {lean.cpu * 1e3:.0f} ms (user {lean.user * 1e3:.0f} ms,"
        f" sys {lean.sys * 1e3:.0f} ms)"
    )


def _mb_s(r: Round) -> float:
    return SIZE / r.wall / 1e6


if __name__ == "__main__":
    main()
