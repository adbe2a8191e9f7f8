"""Wall and CPU time of FsBlobs.put for one 256 MiB blob, pinned to one core like the server.

The bytes come from memory in the chunk size the HTTP server hands over (256,000 bytes, what
uvloop reads per call on loopback), and the observer is the S3 PUT's own Digester (MD5 plus the
default CRC64NVME), so what is left is this engine's share: the loop/writer hand-off, the file
writes, and the durability tail (fsync, rename, dir fsync). Wall time includes waiting for the
disk; CPU time is the whole process's. Best of N rounds (the machine is shared and noisy).

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

from ownstack.backends.fs import FsBlobs
from ownstack.services.s3.checksums import Digester

SIZE = 256 << 20
CHUNK = 256_000
CPU = 0


async def chunks(data: memoryview) -> AsyncIterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield bytes(data[start : start + CHUNK])
        await asyncio.sleep(0)  # a socket read hands control back to the loop between chunks


async def one_put(blobs: FsBlobs, data: memoryview) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and context switches (thread hand-offs) of one put."""
    digester = Digester(["CRC64NVME"])
    switches = _switches()
    wall, cpu = time.perf_counter(), time.process_time()
    ref = await blobs.put(chunks(data), observe=digester.update)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    switches = _switches() - switches
    await blobs.delete(ref.id)
    return wall, cpu, switches


def _switches() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF)
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
    for wall, cpu, switches in results:
        mb_s = SIZE / wall / 1e6
        times = f"wall {wall * 1e3:5.0f} ms  cpu {cpu * 1e3:5.0f} ms"
        print(f"{times}  {switches:5} switches  {mb_s:4.0f} MB/s")
    wall, cpu, switches = min(results)
    print(f"best: {SIZE / wall / 1e6:.0f} MB/s (wall {wall * 1e3:.0f} ms, cpu {cpu * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
