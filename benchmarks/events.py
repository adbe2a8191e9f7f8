"""Events end to end: how long after a write a python3.12 function's handler is running, on an
idle server: S3 PutObject -> bucket notification -> handler, DynamoDB PutItem -> stream
mapping -> handler, SQS SendMessage -> queue mapping -> handler.

A fresh ownstack server (default engines) runs on the server core with every sandbox it starts;
the client is a child process on the load core (`python -m benchmarks.events client SETTINGS`).
Each sample is one write at a time: the client takes `time.time()` just before the write call,
the handler takes `time.time()` on its first line and then reports it (with the ids of the
records it got) to a sink queue, which the client reads after the fact. Latency is the
difference of the two clocks (one host, one clock); reading the report back is off the
measured path. The client waits for each report and a random 20-40 ms more (so the previous
invocation has settled and samples do not lock onto the server's 20 ms stream polls) before
the next write.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.awslambda import TRUST, on_cpu_ns
from benchmarks.procs import (
    ACCESS_KEY,
    ACCOUNT_ID,
    LOAD_CPU,
    REGION,
    SECRET_KEY,
    BenchError,
    pinned,
    running,
    start_ownstack,
)
from benchmarks.report import Check, ScenarioResult

RUNTIME = "python3.12"
SOURCES = ("s3", "dynamodb", "sqs")
TITLES = {
    "s3": "S3 PutObject -> notification -> handler",
    "dynamodb": "DynamoDB PutItem -> stream mapping -> handler",
    "sqs": "SQS SendMessage -> queue mapping -> handler",
}
SAMPLES = 150
WARMUP = 5
"""Per source: WARMUP samples (the first starts the function's sandbox) then SAMPLES counted."""
PAUSE_S = (0.020, 0.040)
SOURCE_BUDGET_S = 25.0
REPORT_TIMEOUT_S = 10.0
CLIENT_TIMEOUT_S = 150
TARGET_MS = 100.0
OTHER_LOAD_NOTE = 15.0
"""Percent of a core used by other processes during the loops above which the run is noisy."""
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
HANDLER = """\
import json
import os
import time

import boto3

sink = boto3.client('sqs')


def handler(event, context):
    handled = time.time()
    ids = [record_id(record) for record in event.get('Records', [])]
    report = json.dumps({'t': handled, 'ids': ids})
    sink.send_message(QueueUrl=os.environ['SINK'], MessageBody=report)


def record_id(record):
    if 's3' in record:
        return record['s3']['object']['key']
    if 'dynamodb' in record:
        return record['dynamodb']['Keys']['pk']['S']
    return record['body']
"""


def runtime_missing() -> str | None:
    """Why python3.12 functions cannot run here, as the server's own engine would say."""
    from ownstack.backends.process import open_runtime
    from ownstack.core.clock import SystemClock
    from ownstack.ports.engine import EngineContext

    with tempfile.TemporaryDirectory() as scratch:
        engine = open_runtime(EngineContext(Path(scratch), {}, SystemClock()))
        return engine.unavailable(RUNTIME)


# --- the client (child process, load core) ------------------------------------------------


def boto_clients(port: int) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    config = Config(retries={"total_max_attempts": 1}, read_timeout=60)
    return {
        name: session.client(
            name,
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=config,
        )
        for name in ("iam", "lambda", "s3", "dynamodb", "sqs")
    }


def zipped(source: str) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.py", source)
    return buf.getvalue()


def admin_role(iam: Any) -> str:
    made = iam.create_role(RoleName="bench-events", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="bench-events", PolicyName="all", PolicyDocument=json.dumps(ADMIN))
    return str(made["Role"]["Arn"])


def until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise BenchError(f"events: {what} not within {timeout} s")
        time.sleep(0.05)


def make_function(lam: Any, name: str, role: str, sink: str) -> str:
    made = lam.create_function(
        FunctionName=name,
        Runtime=RUNTIME,
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": zipped(HANDLER)},
        Environment={"Variables": {"SINK": sink}},
    )

    def active() -> bool:
        return bool(lam.get_function(FunctionName=name)["Configuration"]["State"] == "Active")

    until(active, f"function {name} Active")
    return str(made["FunctionArn"])


def map_source(lam: Any, source_arn: str, function: str, **extra: Any) -> None:
    uuid = lam.create_event_source_mapping(
        EventSourceArn=source_arn, FunctionName=function, **extra
    )["UUID"]
    until(lambda: lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled", "mapping")


def wire_s3(c: dict[str, Any], function: str) -> Callable[[str], None]:
    bucket = "bench-events"
    c["s3"].create_bucket(Bucket=bucket)
    c["lambda"].add_permission(
        FunctionName=function,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount=ACCOUNT_ID,
    )
    lambdas = [{"LambdaFunctionArn": function, "Events": ["s3:ObjectCreated:Put"]}]
    c["s3"].put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": lambdas}
    )
    return lambda key: c["s3"].put_object(Bucket=bucket, Key=key, Body=b"x")


def wire_dynamodb(c: dict[str, Any], function: str) -> Callable[[str], None]:
    table = c["dynamodb"].create_table(
        TableName="bench-events",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    map_source(c["lambda"], table["LatestStreamArn"], function, StartingPosition="LATEST")
    return lambda key: c["dynamodb"].put_item(TableName="bench-events", Item={"pk": {"S": key}})


def wire_sqs(c: dict[str, Any], function: str) -> Callable[[str], None]:
    url = c["sqs"].create_queue(QueueName="bench-events-source")["QueueUrl"]
    attrs = c["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    map_source(c["lambda"], attrs["Attributes"]["QueueArn"], function)
    return lambda body: c["sqs"].send_message(QueueUrl=url, MessageBody=body)


class Sink:
    """The handlers' reports: record id -> the handler's time.time() (the first, if sent twice)."""

    def __init__(self, sqs: Any, url: str) -> None:
        self.sqs, self.url = sqs, url
        self.handled: dict[str, float] = {}

    def wait(self, record_id: str) -> float | None:
        deadline = time.monotonic() + REPORT_TIMEOUT_S
        while record_id not in self.handled and time.monotonic() < deadline:
            got = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            for message in got:
                report = json.loads(message["Body"])
                for found in report["ids"]:
                    self.handled.setdefault(found, float(report["t"]))
            if got:
                entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                           for i, m in enumerate(got)]  # fmt: skip
                self.sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)
        return self.handled.get(record_id)


def busy_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)  # less idle and iowait


def client_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuWindow:
    """Cores busy since start(): the whole machine, the server with its sandboxes, this client."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.start()

    def start(self) -> None:
        self.ticks, self.server = busy_ticks(), sum(on_cpu_ns(self.server_pid))
        self.client, self.started = client_cpu_s(), time.monotonic()

    def shares(self) -> dict[str, float]:
        wall = time.monotonic() - self.started
        ticks = busy_ticks()
        share = (ticks[0] - self.ticks[0]) / max(1, ticks[1] - self.ticks[1])
        return {
            "machine": share * (os.cpu_count() or 1),
            "server": (sum(on_cpu_ns(self.server_pid)) - self.server) / 1e9 / wall,
            "client": (client_cpu_s() - self.client) / wall,
        }


def measure(write: Callable[[str], None], sink: Sink, source: str, server_pid: int) -> Any:
    """Sequential samples of one source: write -> handler latencies, write round trips, the
    reports that never came, and the CPU the machine, server (+ sandboxes), client spent."""
    latencies: list[float] = []
    answered: list[float] = []
    missing = 0
    cpu = CpuWindow(server_pid)
    for i in range(WARMUP + SAMPLES):
        record_id = f"{source}-{i:04d}"
        sent = time.time()
        write(record_id)
        round_trip = time.time() - sent
        handled = sink.wait(record_id)
        if i == WARMUP - 1:
            cpu.start()  # the CPU shares and the time budget cover the counted samples only
        elif i >= WARMUP and handled is None:
            missing += 1
        elif i >= WARMUP and handled is not None:
            latencies.append(handled - sent)
            answered.append(round_trip)
        if time.monotonic() - cpu.started > SOURCE_BUDGET_S:
            break
        time.sleep(random.uniform(*PAUSE_S))
    return {"latencies": latencies, "answered": answered, "missing": missing,
            "cpu": cpu.shares()}  # fmt: skip


def client_main(settings: dict[str, Any]) -> dict[str, Any]:
    c = boto_clients(settings["port"])
    role = admin_role(c["iam"])
    sink_url = c["sqs"].create_queue(QueueName="bench-events-sink")["QueueUrl"]
    sink = Sink(c["sqs"], sink_url)
    wiring = {"s3": wire_s3, "dynamodb": wire_dynamodb, "sqs": wire_sqs}
    out = {}
    for source in SOURCES:
        function = make_function(c["lambda"], f"bench-events-{source}", role, sink_url)
        write = wiring[source](c, function)
        out[source] = measure(write, sink, source, settings["server_pid"])
    return out


# --- the scenario (parent) --------------------------------------------------------------------


def measure_ownstack(workdir: Path) -> dict[str, Any]:
    with running(start_ownstack(workdir, workdir / "events-data")) as server:
        settings = {"port": server.port, "server_pid": server.pid}
        argv = [sys.executable, "-m", "benchmarks.events", "client", json.dumps(settings)]
        proc = subprocess.run(
            pinned(LOAD_CPU, argv),
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT_S,
            check=False,
            cwd=Path(__file__).parent.parent,
        )
    if proc.returncode != 0:
        raise BenchError(f"events client failed: {proc.stderr.strip()[-2000:]}")
    measured: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return measured


def ms_at(ordered: list[float], quantile: float) -> float:
    return 1000 * ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]


def source_result(source: str, got: dict[str, Any]) -> ScenarioResult:
    result = ScenarioResult(f"Events {TITLES[source]}, idle server, {RUNTIME}")
    latencies, answered = sorted(got["latencies"]), sorted(got["answered"])
    m, cpu = result.measures, got["cpu"]
    m["samples (one write at a time)"] = len(latencies)
    if latencies:
        p50, p99, top = ms_at(latencies, 0.5), ms_at(latencies, 0.99), 1000 * latencies[-1]
        m["write -> handler p50 / p99 / max, ms"] = f"{p50:.1f} / {p99:.1f} / {top:.1f}"
        m["  write call answered after, p50 ms"] = ms_at(answered, 0.5)
    m["CPU % of a core: machine / server+sandboxes / client"] = (
        f"{100 * cpu['machine']:.0f} / {100 * cpu['server']:.0f} / {100 * cpu['client']:.0f}"
    )
    others = 100 * (cpu["machine"] - cpu["server"] - cpu["client"])
    if others > OTHER_LOAD_NOTE:
        result.notes.append(
            f"other processes used ~{others:.0f}% of a core during the samples (a CI run?): "
            "the server was not idle and these figures are noisy"
        )
    if got["missing"]:
        result.notes.append(f"{got['missing']} writes reached no handler in {REPORT_TIMEOUT_S} s")
    median = ms_at(latencies, 0.5) if latencies else None
    result.checks.append(Check("write -> handler p50", median, TARGET_MS, " ms", at_most=True))
    return result


def skipped(reason: str) -> list[ScenarioResult]:
    results = []
    for source in SOURCES:
        result = ScenarioResult(f"Events {TITLES[source]}, idle server, {RUNTIME}")
        result.notes.append(f"skipped: {RUNTIME} functions cannot run here: {reason}")
        result.checks.append(Check("write -> handler p50", None, TARGET_MS, " ms", at_most=True))
        results.append(result)
    return results


def run(workdir: Path) -> list[ScenarioResult]:
    reason = runtime_missing()
    if reason:
        return skipped(reason)
    measured = measure_ownstack(workdir)
    return [source_result(source, measured[source]) for source in SOURCES]


if __name__ == "__main__":
    if sys.argv[1:2] != ["client"] or len(sys.argv) != 3:
        raise SystemExit("usage: python -m benchmarks.events client SETTINGS_JSON")
    print(json.dumps(client_main(json.loads(sys.argv[2]))))
