"""1 KiB GET through a presigned URL (signature in the query), 64 connections, wrk.

ownstack verifies the SigV4 query signature and reads the object on every request; moto and
nginx get the same URL (moto parses it, nginx ignores the query and serves a static file).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.load import WrkResult, run_wrk
from benchmarks.procs import running, start_moto, start_nginx, start_ownstack
from benchmarks.report import Check, ScenarioResult, ratio
from benchmarks.targets import BUCKET, make_bucket, presigner

KEY = "small/1k.bin"
WARMUP_S = 2.0


def measure(endpoint: str, target: str, seconds: float, name: str) -> WrkResult:
    run_wrk(endpoint, [target], seconds=WARMUP_S)
    result = run_wrk(endpoint, [target], seconds=seconds)
    if result.ok == 0 or result.status_errors:
        raise RuntimeError(f"{name}: {result.status_errors} of {result.requests} GETs failed")
    return result


def run(workdir: Path, small_file: Path, seconds: float) -> ScenarioResult:
    body = small_file.read_bytes()
    rates: dict[str, WrkResult] = {}
    with running(start_ownstack(workdir, workdir / "get-data")) as server:
        make_bucket(server, {KEY: body})
        rates["ownstack"] = measure(
            server.endpoint, presigner(server).path("GET", BUCKET, KEY), seconds, "ownstack"
        )
    with running(start_moto(workdir)) as server:
        make_bucket(server, {KEY: body})
        rates["moto"] = measure(
            server.endpoint, presigner(server).path("GET", BUCKET, KEY), seconds, "moto"
        )
    with running(start_nginx(workdir, {"1k.bin": small_file})) as server:
        rates["nginx"] = measure(
            server.endpoint, "/1k.bin?X-Amz-Signature=ignored", seconds, "nginx"
        )

    result = ScenarioResult("1 KiB GET, presigned, 64 conns")
    for name, rate in rates.items():
        result.measures[f"{name} req/s"] = rate.ok_per_s
        result.measures[f"{name} p99 ms"] = rate.p99_ms
    own = rates["ownstack"].ok_per_s
    result.checks.append(Check("ownstack / moto", ratio(own, rates["moto"].ok_per_s), 20))
    nginx_share = ratio(100 * own, rates["nginx"].ok_per_s)
    result.checks.append(Check("ownstack / nginx", nginx_share, 30, unit="%"))
    return result
