"""Crash test: SIGKILL the server under a load of sends and receives, restart it on the same data
dir, and prove no acknowledged message was lost (one may be delivered again: at-least-once).

Producers send unique bodies (single sends and batches, to a standard and a FIFO queue),
consumers receive and delete; each records what the server acknowledged. After the kill the
restarted server's queues are drained: every acknowledged send must have been received before
the kill or be received now, and nothing is received that was never sent.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.config import Config
from sqskit import engine_config_yaml, queue_engines

pytestmark = pytest.mark.slow

ROUNDS = 2
PRODUCERS = 4
CONSUMERS = 2
ACKS_BEFORE_KILL = 150
VISIBILITY = "2"
LOAD_TIMEOUT_S = 30.0
QUEUES = ("crash-standard", "crash-ordered.fifo")


@dataclass
class Ledger:
    attempted: set[str] = field(default_factory=set)
    acked: set[str] = field(default_factory=set)
    received: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def crash_client(server: Any) -> Any:
    config = Config(connect_timeout=2, read_timeout=30, retries={"total_max_attempts": 1})
    return server.client("sqs", config=config)


def urls(sqs: Any) -> list[str]:
    return [sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in QUEUES]


def produce(sqs: Any, ledger: Ledger, worker: int, round_no: int, stop: threading.Event) -> None:
    rng = random.Random(worker * 1000 + round_no)
    targets = urls(sqs)
    for n in range(100_000):
        if stop.is_set():
            return
        url = rng.choice(targets)
        bodies = [f"r{round_no}-w{worker}-{n}-{i}" for i in range(rng.choice((1, 1, 5)))]
        entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)]
        if url.endswith(".fifo"):
            for entry in entries:
                entry["MessageGroupId"] = f"g{worker}"
        with ledger.lock:
            ledger.attempted.update(bodies)
        try:
            result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        except Exception:  # killed under this request: unacknowledged
            return
        if result.get("Failed"):
            ledger.errors.append(f"send failed: {result['Failed']}")
            return
        with ledger.lock:
            ledger.acked.update(bodies)


def consume(sqs: Any, ledger: Ledger, stop: threading.Event) -> None:
    targets = urls(sqs)
    while not stop.is_set():
        for url in targets:
            try:
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                with ledger.lock:
                    ledger.received.update(m["Body"] for m in got)
                if got:
                    entries = [
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(got)
                    ]
                    sqs.delete_message_batch(QueueUrl=url, Entries=entries)
            except Exception:
                return


def run_until_killed(server: Any, ledger: Ledger, round_no: int, rng: random.Random) -> None:
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=produce, args=(crash_client(server), ledger, w, round_no, stop), daemon=True
        )
        for w in range(PRODUCERS)
    ]
    threads += [
        threading.Thread(target=consume, args=(crash_client(server), ledger, stop), daemon=True)
        for _ in range(CONSUMERS)
    ]
    start_acks = len(ledger.acked)
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while len(ledger.acked) - start_acks < ACKS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(ledger.acked) - start_acks >= ACKS_BEFORE_KILL, ledger.errors
    time.sleep(rng.uniform(0.0, 0.5))
    server.process.kill()
    server.process.wait()
    stop.set()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive(), "a client hung after the server died"
    assert not ledger.errors, ledger.errors


def drain(sqs: Any, ledger: Ledger) -> None:
    """Receive (and delete) everything, waiting out the visibility of messages in flight at
    the kill."""
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < float(VISIBILITY) + 1.5:
        for url in urls(sqs):
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if got:
                quiet_since = time.monotonic()
                ledger.received.update(m["Body"] for m in got)
                sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(got)
                    ],
                )
        time.sleep(0.05)


def durable_engines() -> list[Any]:
    """The persistent queue engines (memory keeps nothing across a restart)."""
    return [p for p in queue_engines() if (p if isinstance(p, str) else p.values[0]) != "memory"]


@pytest.mark.parametrize("engine", durable_engines())
def test_sigkill_under_load_loses_no_acknowledged_message(
    engine: str, fresh_server: Callable[..., Any], tmp_path: Any
) -> None:
    seed = int(os.environ.get("OWNSTACK_CRASH_SEED", random.randrange(2**32)))
    print(f"sqs crash test seed {seed} (OWNSTACK_CRASH_SEED reproduces the kill points)")
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    server = fresh_server(data_dir, config_yaml=engine_config_yaml(data_dir, engine))
    sqs = crash_client(server)
    attrs = {"VisibilityTimeout": VISIBILITY}
    sqs.create_queue(QueueName=QUEUES[0], Attributes=attrs)
    fifo_attrs = {**attrs, "FifoQueue": "true", "ContentBasedDeduplication": "true"}
    sqs.create_queue(QueueName=QUEUES[1], Attributes=fifo_attrs)
    ledger = Ledger()
    for round_no in range(ROUNDS):
        run_until_killed(server, ledger, round_no, rng)
        server = fresh_server(data_dir=data_dir)
        drain(crash_client(server), ledger)
        lost = ledger.acked - ledger.received
        assert not lost, (
            f"round {round_no}: {len(lost)} acknowledged messages lost: {sorted(lost)[:5]}"
        )
        unknown = ledger.received - ledger.attempted
        assert not unknown, f"received messages never sent: {sorted(unknown)[:5]}"
        print(f"round {round_no}: {len(ledger.acked)} sends acked, {len(ledger.received)} received")


@pytest.mark.parametrize("engine", durable_engines())
def test_move_task_resumes_after_a_kill(
    engine: str, fresh_server: Callable[..., Any], tmp_path: Any
) -> None:
    data_dir = tmp_path / "data"
    server = fresh_server(data_dir, config_yaml=engine_config_yaml(data_dir, engine))
    sqs = crash_client(server)
    dlq = sqs.create_queue(QueueName="moves-dlq")["QueueUrl"]
    dlq_arn = f"arn:aws:sqs:us-east-1:{server.account_id}:moves-dlq"
    policy = f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": 1}}'
    src = sqs.create_queue(QueueName="moves-src", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    target = sqs.create_queue(QueueName="moves-target")["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=src, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(6)]
    )
    seen = 0
    while seen < 6:
        got = sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, VisibilityTimeout=0)
        seen += len(got.get("Messages", []))
    assert "Messages" not in sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)
    sqs.start_message_move_task(
        SourceArn=dlq_arn,
        DestinationArn=f"arn:aws:sqs:us-east-1:{server.account_id}:moves-target",
        MaxNumberOfMessagesPerSecond=2,
    )
    time.sleep(1.2)
    server.process.kill()
    server.process.wait()
    server = fresh_server(data_dir=data_dir)
    sqs = crash_client(server)
    deadline = time.monotonic() + 20
    task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    while task["Status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
        task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 6)
    attrs = sqs.get_queue_attributes(QueueUrl=target, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "6"
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq)
