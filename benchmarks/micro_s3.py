"""CPU microseconds per S3 hot-path call (GetObject, PutObject of 1 KiB) on the embedded
backends (SqliteMeta + FsBlobs in a temp dir), without HTTP, auth or the wire layer.

PUT is measured with CONCURRENCY puts in flight, as under load, so the sqlite writer batches;
its time is process CPU (both threads) per put. GET is sequential, main thread only.

    .venv/bin/python -m benchmarks.micro_s3 [iterations] [get] [put]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from ownstack.backends.fs.blobs import FsBlobs
from ownstack.backends.sqlite import SqliteMeta
from ownstack.core.clock import SystemClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.http import BytesBody
from ownstack.services.s3.service import S3Service

ACCOUNT = "123456789012"
CONCURRENCY = 32
BODY = b"x" * 1024


def _thread_cpu(thread: threading.Thread) -> float:
    """CPU seconds (user + system) of another thread of this process, from /proc."""
    with open(f"/proc/self/task/{thread.native_id}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ctx() -> RequestContext:
    arn = f"arn:aws:iam::{ACCOUNT}:root"
    return RequestContext("r", ACCOUNT, "us-east-1", Principal(ACCOUNT, arn, ACCOUNT, "AKIA"))


async def _bench(root: Path, n: int, modes: list[str]) -> None:
    meta = SqliteMeta(root / "meta.db")
    svc = S3Service(meta, FsBlobs(root / "blobs"), SystemClock())
    ctx = _ctx()
    await svc.create_bucket(ctx, {"Bucket": "bench"})

    async def put(key: str) -> None:
        await svc.put_object(
            ctx, {"Bucket": "bench", "Key": key, "Body": BytesBody(BODY), "ContentLength": 1024}
        )

    await put("one")
    for _ in range(3 if "get" in modes else 0):
        t0 = time.thread_time()
        for _ in range(n):
            await svc.get_object(ctx, {"Bucket": "bench", "Key": "one"})
        print(f"get_object: {(time.thread_time() - t0) / n * 1e6:.1f} us")
    writer = next(t for t in threading.enumerate() if t.name == "ownstack-meta-commit")
    for _ in range(3 if "put" in modes else 0):
        c0, m0, w0 = time.process_time(), time.thread_time(), _thread_cpu(writer)
        for i in range(0, n, CONCURRENCY):
            await asyncio.gather(*(put(f"k{j % 1000}") for j in range(i, i + CONCURRENCY)))
        total, main_cpu = time.process_time() - c0, time.thread_time() - m0
        print(
            f"put_object: {total / n * 1e6:.1f} us all threads,"
            f" {main_cpu / n * 1e6:.1f} us event loop,"
            f" {(_thread_cpu(writer) - w0) / n * 1e6:.1f} us writer"
        )
    await meta.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    modes = sys.argv[2:] or ["get", "put"]
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_bench(Path(tmp), n, modes))


if __name__ == "__main__":
    main()
