"""256 MiB objects: GET against nginx's sendfile, PUT against one core's MD5 rate.

A PUT must hash every byte (the ETag is the MD5) and write it durably, so one core's MD5 speed,
measured here in the same run, bounds what a single-core server can take; so does the disk's
durable write rate, measured in turns with the PUTs and reported beside them (disk.py). Best
of 3 each.

GETs alternate between the two servers, and each side's file is read once, untimed, before
them: the comparison is of the serving paths, from the page cache. nginx's copy was just
written through the cache; ownstack writes big blobs with O_DIRECT (backends/fs/staging.py),
which leaves them out of it, so its first read would be a disk read (~400 MB/s here) instead.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.disk import durable_write_mb_s
from benchmarks.load import Transfer, curl
from benchmarks.procs import SERVER_CPU, BenchError, running, start_nginx, start_ownstack
from benchmarks.report import Check, ScenarioResult, ratio
from benchmarks.targets import BUCKET, make_bucket, presigner

KEY = "large/256m.bin"
ROUNDS = 3


def md5_rate_mb_s(path: Path) -> tuple[float, str]:
    """One core's MD5 throughput over the file (in memory), on the server's core; best of 2."""
    data = path.read_bytes()

    def rate() -> float:
        start = time.perf_counter()
        hashlib.md5(data).digest()
        return len(data) / (time.perf_counter() - start) / 1e6

    return max(_pinned(rate) for _ in range(2)), hashlib.md5(data).hexdigest()


def run(workdir: Path, large_file: Path) -> list[ScenarioResult]:
    md5_mb_s, md5_hex = md5_rate_mb_s(large_file)
    size = large_file.stat().st_size
    data_dir = workdir / "large-data"
    own = start_ownstack(workdir, data_dir)
    with running(own), running(start_nginx(workdir, {"256m.bin": large_file})) as nginx:
        s3 = make_bucket(own)
        signer = presigner(own)
        put, disk_mb_s = _puts_beside_disk(signer.url("PUT", BUCKET, KEY), large_file, data_dir)
        head = s3.head_object(Bucket=BUCKET, Key=KEY)
        if (head["ContentLength"], head["ETag"]) != (size, f'"{md5_hex}"'):
            raise RuntimeError(
                f"ownstack stored {head['ContentLength']} bytes, ETag {head['ETag']}"
            )
        own_get, nginx_get = _alternating(signer.url("GET", BUCKET, KEY), nginx.endpoint)
    for transfer in (own_get, nginx_get):
        if transfer.size != size:
            raise RuntimeError(f"GET returned {transfer.size} of {size} bytes")
    return [get_result(own_get, nginx_get), put_result(put, md5_mb_s, disk_mb_s)]


def _puts_beside_disk(url: str, large_file: Path, data_dir: Path) -> tuple[Transfer, float]:
    """Best of ROUNDS PUTs and best of ROUNDS plain durable writes of the same file into the
    server's file system (benchmarks/disk.py), taken in turns: the disk's speed drifts too."""
    puts, disk = [], []
    for _ in range(ROUNDS):
        puts.append(curl(url, upload=large_file))
        disk.append(_pinned(lambda: durable_write_mb_s(large_file, data_dir)))
    failed = [t for t in puts if not 200 <= t.status < 300]
    if failed:
        raise BenchError(f"256 MiB PUT answered {failed[0].status}")
    return max(puts, key=lambda t: t.mb_per_s), max(disk)


def _pinned(measure: Callable[[], float]) -> float:
    """`measure()` run on the server's core, as the server would run it."""
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {SERVER_CPU})
    try:
        return measure()
    finally:
        os.sched_setaffinity(0, previous)


def _alternating(own_url: str, nginx_endpoint: str) -> tuple[Transfer, Transfer]:
    """Best of ROUNDS GETs each, taken in turns (ownstack, nginx, ownstack, ...), after one
    untimed warming read each (see the module doc): this VM's speed drifts over minutes, and
    back-to-back batches let that drift decide the ratio (nginx alone measured 2.4-8.4 GB/s)."""
    nginx_url = f"{nginx_endpoint}/256m.bin"
    curl(own_url)
    curl(nginx_url)
    rounds = [(curl(own_url), curl(nginx_url)) for _ in range(ROUNDS)]
    for own, ng in rounds:
        for transfer in (own, ng):
            if not 200 <= transfer.status < 300:
                raise RuntimeError(f"GET answered {transfer.status}")
    best_own = max((own for own, _ in rounds), key=lambda t: t.mb_per_s)
    best_nginx = max((ng for _, ng in rounds), key=lambda t: t.mb_per_s)
    return best_own, best_nginx


def get_result(own: Transfer, nginx: Transfer) -> ScenarioResult:
    result = ScenarioResult("256 MiB GET, best of 3")
    result.measures["ownstack MB/s"] = own.mb_per_s
    result.measures["nginx MB/s"] = nginx.mb_per_s
    share = ratio(100 * own.mb_per_s, nginx.mb_per_s)
    result.checks.append(Check("ownstack / nginx", share, 70, unit="%"))
    return result


def put_result(put: Transfer, md5_mb_s: float, disk_mb_s: float) -> ScenarioResult:
    result = ScenarioResult("256 MiB PUT, best of 3")
    result.measures["ownstack MB/s"] = put.mb_per_s
    result.measures["MD5 on one core MB/s"] = md5_mb_s
    # Not a check: the disk bounds every durable PUT (benchmarks/disk.py), whatever the server.
    result.measures["disk's durable write MB/s"] = disk_mb_s
    of_disk = ratio(100 * put.mb_per_s, disk_mb_s)
    result.measures["ownstack / disk %"] = "n/a" if of_disk is None else of_disk
    share = ratio(100 * put.mb_per_s, md5_mb_s)
    result.checks.append(Check("ownstack / one-core MD5", share, 70, unit="%"))
    return result
