"""Start-up time (spawn to first 200 from /_ownstack/health) and RSS after 100,000 objects.

The objects are 1 KiB PUTs through presigned URLs, each key once, over 64 keep-alive connections
(benchmarks/fill.py); the RSS is the server's VmRSS from /proc once they are all answered.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.fill import run_fill
from benchmarks.procs import running, start_ownstack
from benchmarks.report import Check, ScenarioResult
from benchmarks.targets import make_bucket, presigner, put_targets

COUNT = 100_000
RSS_LIMIT_MIB = 200
START_LIMIT_S = 1.0


def run(workdir: Path, count: int = COUNT) -> ScenarioResult:
    result = ScenarioResult(f"footprint: start-up, RSS after {count:,} objects")
    with running(start_ownstack(workdir, workdir / "footprint-data")) as server:
        started_s = server.ready_after_s
        rss_empty = server.rss_mib()
        make_bucket(server)
        load = run_fill(server.port, put_targets(presigner(server), count, "fill"))
        rss_full = server.rss_mib()
    result.measures["spawn to first health 200, s"] = started_s
    result.measures["RSS at start, MiB"] = rss_empty
    result.measures["objects PUT (2xx)"] = load.ok
    result.measures["fill rate, PUT/s"] = load.ok_per_s
    result.measures[f"RSS after {load.ok:,} objects, MiB"] = rss_full
    if load.failed:
        result.notes.append(f"{load.failed} of {count} PUTs failed, first: {load.first_failure}")
    result.checks.append(Check("start-up", started_s, START_LIMIT_S, unit=" s", at_most=True))
    result.checks.append(Check("RSS", rss_full, RSS_LIMIT_MIB, unit=" MiB", at_most=True))
    return result
