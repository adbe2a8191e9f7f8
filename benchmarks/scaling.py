"""Outgrowing one machine: small PUT/GET and SQS throughput on the shared engines (metadata and
queues in PostgreSQL, blobs on a shared directory) with 1, 2 and 3 gateway processes
(`ownstack serve --workers N`, one port), against one process on the embedded engines (sqlite)
in the same run.

The server processes are all pinned to the server core, as every scenario's are: on this
2-core machine the point is not linear scaling but that nothing serialises needlessly, and that
the shared engines cost what they must (a PostgreSQL round trip where sqlite has a local
commit) and no more. PostgreSQL itself runs unpinned.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from benchmarks import small_get, small_put, sqs
from benchmarks.procs import (
    BIN,
    Server,
    ownstack_env,
    running,
    spawn,
    wait_ready,
)
from benchmarks.report import Check, ScenarioResult, ratio
from benchmarks.targets import BUCKET, presigner, s3_client

GATEWAYS = (1, 2, 3)
PUT_KEYS = 60_000
GET_KEY = "small/1k.bin"


def run(workdir: Path, small_file: Path, seconds: float) -> list[ScenarioResult]:
    if "postgres" not in sqs.engines():
        raise RuntimeError("scaling: no PostgreSQL server reachable at 127.0.0.1:5432")
    body = small_file.read_bytes()
    rates = {"sqlite": _measure(workdir, "scale-sqlite", None, 1, body, seconds)}
    for count in GATEWAYS:
        name = f"postgres x{count}"
        rates[name] = _measure(
            workdir, f"scale-pg{count}", _shared_config(workdir), count, body, seconds
        )
    return [_report(rates)]


def _shared_config(workdir: Path) -> str:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    spec = {
        "meta": {"engine": "postgres", "schema": schema},
        "queue": {"engine": "postgres", "schema": schema},
        "blobs": {"engine": "fs", "path": str(workdir / f"blobs-{schema}")},
    }
    return f"backends: {json.dumps(spec)}\n"


def _start(workdir: Path, data_dir: Path, config: str | None, workers: int) -> Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (data_dir / "ownstack.yaml").write_text(config)
    argv = [str(BIN / "ownstack"), "serve", "--host", "127.0.0.1", "--port", "{port}"]
    argv += ["--data", str(data_dir)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    server = spawn(f"ownstack-{data_dir.name}", argv, workdir, ownstack_env())
    wait_ready(server, f"{server.endpoint}/_ownstack/health")
    return server


def _measure(
    workdir: Path, name: str, config: str | None, workers: int, body: bytes, seconds: float
) -> dict[str, float]:
    with running(_start(workdir, workdir / name, config, workers)) as server:
        put = small_put.measure(server, PUT_KEYS, seconds, f"{name} PUT")  # makes the bucket
        s3_client(server).put_object(Bucket=BUCKET, Key=GET_KEY, Body=body)
        get = small_get.measure(
            server.endpoint, presigner(server).path("GET", BUCKET, GET_KEY), seconds, name
        )
        queue = sqs.throughput(server, seconds)
    return {
        "PUT/s": put.ok_per_s,
        "GET/s": get.ok_per_s,
        "SQS sent/s": queue["sent_per_s"],
        "SQS consumed/s": queue["consumed_per_s"],
    }


def _report(rates: dict[str, dict[str, float]]) -> ScenarioResult:
    result = ScenarioResult("Shared engines: postgres with 1-3 gateways vs sqlite, one run")
    for setup, measures in rates.items():
        for measure, value in measures.items():
            result.measures[f"{setup} {measure}"] = value
    base, one = rates["sqlite"], rates["postgres x1"]
    for measure in ("PUT/s", "SQS sent/s", "SQS consumed/s"):
        share = ratio(100 * one[measure], base[measure])
        result.checks.append(Check(f"postgres x1 / sqlite, {measure}", share, 50, unit="%"))
    result.measures["postgres x1 / sqlite, GET/s %"] = (
        ratio(100 * one["GET/s"], base["GET/s"]) or "n/a"
    )
    return result
