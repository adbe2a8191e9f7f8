"""1 KiB durable PUT, 64 connections: wrk cycles through presigned PUT URLs, one key each.

Every PUT must be durable before it is answered (ownstack fsyncs or commits); moto keeps
objects in memory, so the ratio shows what durability costs against an emulator that has none.
fsyncs per PUT: ownstack's own sync counters from /metrics over the timed run, and the sync
syscalls strace sees over a separate, untimed batch of PUTs (benchmarks/syncs.py).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.fill import run_fill
from benchmarks.load import WrkResult, run_wrk
from benchmarks.procs import Server, running, start_moto, start_ownstack
from benchmarks.report import Check, ScenarioResult, ratio
from benchmarks.syncs import count_sync_calls, metric_syncs
from benchmarks.targets import make_bucket, presigner, put_targets

BODY_BYTES = 1024
OWNSTACK_KEYS = 60_000  # more than ownstack PUTs in the run, so every PUT makes a new object
MOTO_KEYS = 10_000
TRACED_PUTS = 2_000


def syncs_per_put_traced(server: Server) -> float | None:
    """strace-counted sync calls per PUT over TRACED_PUTS new keys (untimed)."""
    targets = put_targets(presigner(server), TRACED_PUTS, "traced")
    done: list[int] = []

    def put_all() -> None:
        done.append(run_fill(server.port, targets, BODY_BYTES).ok)

    calls = count_sync_calls(server.pid, put_all)
    if calls is None or not done or done[0] == 0:
        return None
    return calls / done[0]


def measure(server: Server, keys: int, seconds: float, name: str) -> WrkResult:
    make_bucket(server)
    targets = put_targets(presigner(server), keys, "put")
    result = run_wrk(server.endpoint, targets, method="PUT", body_bytes=BODY_BYTES, seconds=seconds)
    if result.ok == 0 or result.status_errors:
        raise RuntimeError(f"{name}: {result.status_errors} of {result.requests} PUTs failed")
    return result


def run(workdir: Path, seconds: float) -> ScenarioResult:
    result = ScenarioResult("1 KiB durable PUT, presigned, 64 conns")
    with running(start_ownstack(workdir, workdir / "put-data")) as server:
        syncs_before = metric_syncs(server.endpoint)
        own = measure(server, OWNSTACK_KEYS, seconds, "ownstack")
        syncs_after = metric_syncs(server.endpoint)
        traced = syncs_per_put_traced(server)
    with running(start_moto(workdir)) as server:
        moto = measure(server, MOTO_KEYS, seconds, "moto")

    result.measures["ownstack PUT/s"] = own.ok_per_s
    result.measures["ownstack p99 ms"] = own.p99_ms
    result.measures["moto PUT/s"] = moto.ok_per_s
    result.measures["moto p99 ms"] = moto.p99_ms
    if own.ok > OWNSTACK_KEYS:
        result.notes.append(f"{own.ok} PUTs > {OWNSTACK_KEYS} keys: some were overwrites")
    for series, after in syncs_after.items():
        per_put = (after - syncs_before.get(series, 0.0)) / own.ok
        result.measures[f"ownstack syncs/PUT, /metrics {series}"] = per_put
    if not syncs_after:
        result.notes.append("ownstack /metrics has no sync counter")
    result.measures["ownstack sync syscalls/PUT, strace"] = "n/a" if traced is None else traced
    result.checks.append(Check("ownstack / moto", ratio(own.ok_per_s, moto.ok_per_s), 10))
    return result
