"""SQS: 1 KiB SendMessage and ReceiveMessage+DeleteMessage with 32 producers and 32 consumers
at once, per queue engine, against moto's server in the same run; and the end-to-end latency
of a long-polled message (send -> receive).

The load comes from benchmarks/node/sqs_load.mjs (SigV4-signed AWS JSON 1.0 over keep-alive
connections, pinned to the load core): a Python client would saturate its own core first.
Every send to ownstack is durable before it is answered (the engine's commit); moto keeps
messages in memory. Consumers receive up to 10 messages with WaitTimeSeconds=1 and delete each
one by one, so "consumed/s" counts messages received and deleted.
"""

from __future__ import annotations

import json
import socket
import subprocess
import uuid
from pathlib import Path
from typing import Any

from benchmarks.procs import (
    ACCESS_KEY,
    LOAD_CPU,
    REGION,
    SECRET_KEY,
    BenchError,
    Server,
    pinned,
    require,
    running,
    start_moto,
    start_ownstack,
)
from benchmarks.report import Check, ScenarioResult, ratio

LOAD_SCRIPT = Path(__file__).parent / "node" / "sqs_load.mjs"
PRODUCERS = CONSUMERS = 32
BODY_BYTES = 1024
LATENCY_SAMPLES = 200
POSTGRES = ("127.0.0.1", 5432)
CHECKED_ENGINE = "sqlite"
"""The embedded default: the engine the >= 10x moto target is for."""


def run(workdir: Path, seconds: float) -> list[ScenarioResult]:
    with running(start_moto(workdir)) as moto:
        moto_rates = throughput(moto, seconds)
    results = []
    for engine in engines():
        data_dir = workdir / f"sqs-{engine}"
        write_config(data_dir, engine)
        with running(start_ownstack(workdir, data_dir)) as own:
            rates = throughput(own, seconds)
            latency = load(own, make_queue(own, "latency"), mode="latency", samples=LATENCY_SAMPLES)
        results.append(engine_result(engine, rates, moto_rates, latency))
    return results


def engines() -> list[str]:
    found = ["memory", "sqlite"]
    with socket.socket() as sock:
        sock.settimeout(0.5)
        if sock.connect_ex(POSTGRES) == 0:
            found.append("postgres")
    return found


def write_config(data_dir: Path, engine: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    spec = engine
    if engine == "postgres":  # a schema of its own: nothing left over from an earlier run
        spec = f"{{engine: postgres, schema: bench_{uuid.uuid4().hex[:8]}}}"
    (data_dir / "ownstack.yaml").write_text(f"backends:\n  queue: {spec}\n")


def throughput(server: Server, seconds: float) -> dict[str, float]:
    queue_url = make_queue(server, "throughput")
    return load(
        server,
        queue_url,
        mode="throughput",
        producers=PRODUCERS,
        consumers=CONSUMERS,
        seconds=seconds,
        bodyBytes=BODY_BYTES,
    )


def make_queue(server: Server, name: str) -> str:
    import boto3

    sqs = boto3.session.Session().client(
        "sqs",
        endpoint_url=server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url


def load(server: Server, queue_url: str, **settings: Any) -> dict[str, float]:
    node = require("node")
    settings.update(
        endpoint=server.endpoint,
        region=REGION,
        accessKey=ACCESS_KEY,
        secretKey=SECRET_KEY,
        queueUrl=queue_url,
    )
    argv = pinned(LOAD_CPU, [node, str(LOAD_SCRIPT), json.dumps(settings)])
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0:
        raise BenchError(f"sqs load on {server.name} failed: {proc.stderr.strip()[-800:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def engine_result(
    engine: str, own: dict[str, float], moto: dict[str, float], latency: dict[str, float]
) -> ScenarioResult:
    result = ScenarioResult(f"SQS 1 KiB, {PRODUCERS} producers + {CONSUMERS} consumers, {engine}")
    result.measures["ownstack sent/s"] = own["sent_per_s"]
    result.measures["ownstack consumed/s"] = own["consumed_per_s"]
    result.measures["moto sent/s"] = moto["sent_per_s"]
    result.measures["moto consumed/s"] = moto["consumed_per_s"]
    result.measures["long-poll send->receive p50 ms"] = latency["p50_ms"]
    result.measures["long-poll send->receive p99 ms"] = latency["p99_ms"]
    sends = ratio(own["sent_per_s"], moto["sent_per_s"])
    consumed = ratio(own["consumed_per_s"], moto["consumed_per_s"])
    if engine == CHECKED_ENGINE:
        result.checks.append(Check("sent/s, ownstack / moto", sends, 10))
        result.checks.append(Check("consumed/s, ownstack / moto", consumed, 10))
    else:
        result.measures["sent/s, ownstack / moto"] = "n/a" if sends is None else sends
        result.measures["consumed/s, ownstack / moto"] = "n/a" if consumed is None else consumed
    return result
