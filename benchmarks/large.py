"""256 MiB objects: GET against nginx's sendfile, PUT against one core's MD5 rate.

A PUT must hash every byte (the ETag is the MD5) and write it durably, so one core's MD5 speed,
measured here in the same run, bounds what a single-core server can take. Best of 3 each.

GETs alternate between the two servers, and each side's file is read once, untimed, before
them: the comparison is of the serving paths, from the page cache. nginx's copy was just
written through the cache; ownstack writes big blobs with O_DIRECT (backends/fs/staging.py),
which leaves them out of it, so its first read would be a disk read (~400 MB/s here) instead.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from benchmarks.load import Transfer, best_transfer, curl
from benchmarks.procs import SERVER_CPU, running, start_nginx, start_ownstack
from benchmarks.report import Check, ScenarioResult, ratio
from benchmarks.targets import BUCKET, make_bucket, presigner

KEY = "large/256m.bin"
ROUNDS = 3


def md5_rate_mb_s(path: Path) -> tuple[float, str]:
    """One core's MD5 throughput over the file (in memory), on the server's core; best of 2."""
    data = path.read_bytes()
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {SERVER_CPU})
    try:
        best, digest = 0.0, ""
        for _ in range(2):
            start = time.perf_counter()
            digest = hashlib.md5(data).hexdigest()
            best = max(best, len(data) / (time.perf_counter() - start) / 1e6)
        return best, digest
    finally:
        os.sched_setaffinity(0, previous)


def run(workdir: Path, large_file: Path) -> list[ScenarioResult]:
    md5_mb_s, md5_hex = md5_rate_mb_s(large_file)
    size = large_file.stat().st_size
    own = start_ownstack(workdir, workdir / "large-data")
    with running(own), running(start_nginx(workdir, {"256m.bin": large_file})) as nginx:
        s3 = make_bucket(own)
        signer = presigner(own)
        put = best_transfer(signer.url("PUT", BUCKET, KEY), ROUNDS, upload=large_file)
        head = s3.head_object(Bucket=BUCKET, Key=KEY)
        if (head["ContentLength"], head["ETag"]) != (size, f'"{md5_hex}"'):
            raise RuntimeError(
                f"ownstack stored {head['ContentLength']} bytes, ETag {head['ETag']}"
            )
        own_get, nginx_get = _alternating(signer.url("GET", BUCKET, KEY), nginx.endpoint)
    for transfer in (own_get, nginx_get):
        if transfer.size != size:
            raise RuntimeError(f"GET returned {transfer.size} of {size} bytes")
    return [get_result(own_get, nginx_get), put_result(put, md5_mb_s)]


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


def put_result(put: Transfer, md5_mb_s: float) -> ScenarioResult:
    result = ScenarioResult("256 MiB PUT, best of 3")
    result.measures["ownstack MB/s"] = put.mb_per_s
    result.measures["MD5 on one core MB/s"] = md5_mb_s
    share = ratio(100 * put.mb_per_s, md5_mb_s)
    result.checks.append(Check("ownstack / one-core MD5", share, 70, unit="%"))
    return result
