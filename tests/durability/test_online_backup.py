"""docs/operations.md's online back-up, run as the page shows it (the `backup` snippet, see
tests/docsnippets.py), against a server that keeps writing: small (inline) and large (blob)
objects, some SSE-S3, overwrites, deletes and SQS sends. The copy is restored as the page says
(`cp -a`) into a new data dir and a server started on it must have:

- every object and message acknowledged before the back-up began, with its exact bytes;
- every object it lists readable, with bytes some write sent (no record without its blob);
- objects deleted or overwritten on the original after the back-up, as they were (the hard
  links keep a deleted blob's bytes);
- the same root keys.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from docsnippets import snippets
from ownserver import ServerHandle, start_server

pytestmark = pytest.mark.slow

SIZES = (300, 70_000, 200_000)  # inline, and two blob-backed sizes (inline limit: 64 KiB)
WRITES_BEFORE = 24
WRITES_AFTER = 8
WRITER_LIMIT_S = 60.0
BUCKET = "backup-under-load"
HOT = "hot"


def body_for(key: str, version: int) -> bytes:
    stem = f"{key}:{version}:".encode()
    size = SIZES[version % len(SIZES)]
    return (stem * (size // len(stem) + 1))[:size]


@dataclass
class Ledger:
    """What the writer sent and when the server acknowledged it (time.monotonic())."""

    sent: dict[str, list[bytes]] = field(default_factory=dict)
    """key -> every body a PUT was started with, in order."""
    acked: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    """key -> (ack time, index into `sent`) of each acknowledged PUT."""
    deleting: dict[str, float] = field(default_factory=dict)
    """key -> when its DELETE was started."""
    messages: dict[str, float | None] = field(default_factory=dict)
    """message body -> ack time (None: sent, not acknowledged)."""
    rounds: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Writer(threading.Thread):
    def __init__(self, server: ServerHandle, queue_url: str, ledger: Ledger) -> None:
        super().__init__(name="backup-writer", daemon=True)
        self.s3 = server.client("s3")
        self.sqs = server.client("sqs")
        self.queue_url = queue_url
        self.ledger = ledger
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        deadline = time.monotonic() + WRITER_LIMIT_S
        try:
            i = 0
            while not self.stop.is_set() and time.monotonic() < deadline:
                self.round(i)
                i += 1
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc

    def round(self, i: int) -> None:
        self.put(f"obj-{i:04d}", sse=i % 5 == 0)
        self.put(HOT)
        if i >= 3 and i % 2 == 1:
            key = f"obj-{i - 3:04d}"
            with self.ledger.lock:
                self.ledger.deleting[key] = time.monotonic()
            self.s3.delete_object(Bucket=BUCKET, Key=key)
        body = f"message-{i}"
        with self.ledger.lock:
            self.ledger.messages[body] = None
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)
        with self.ledger.lock:
            self.ledger.messages[body] = time.monotonic()
            self.ledger.rounds = i + 1

    def put(self, key: str, *, sse: bool = False) -> None:
        with self.ledger.lock:
            versions = self.ledger.sent.setdefault(key, [])
            index = len(versions)
            versions.append(body_for(key, index))
        extra = {"ServerSideEncryption": "AES256"} if sse else {}
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=versions[index], **extra)
        with self.ledger.lock:
            self.ledger.acked.setdefault(key, []).append((time.monotonic(), index))


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = start_server(tmp_path_factory.mktemp("backup") / "data", fixed_credentials=False)
    yield handle
    handle.stop()


def needs_tools() -> None:
    for tool in ("sqlite3", "lsof", "flock", "bash"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (the documented back-up uses it)")


def wait_for_rounds(ledger: Ledger, writer: Writer, rounds: int) -> None:
    deadline = time.monotonic() + WRITER_LIMIT_S
    while ledger.rounds < rounds:
        assert writer.error is None, writer.error
        assert time.monotonic() < deadline, f"the writer made {ledger.rounds} rounds"
        time.sleep(0.02)


def run_backup(data: Path, backup: Path, work: Path) -> str:
    script = work / "ownstack-backup"
    script.write_text(snippets("operations.md")["backup"].text)
    proc = subprocess.run(
        ["bash", str(script), str(data), str(backup)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def all_messages(server: ServerHandle) -> list[str]:
    sqs = server.client("sqs")
    url = sqs.get_queue_url(QueueName="backup-jobs")["QueueUrl"]
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)
        if not got.get("Messages"):
            return bodies
        bodies += [m["Body"] for m in got["Messages"]]


def listed_objects(s3: Any) -> dict[str, bytes]:
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for item in page.get("Contents", [])
    ]
    return {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}


def test_backup_while_writing_restores_every_acknowledged_write(
    original: ServerHandle, tmp_path: Path
) -> None:
    needs_tools()
    s3 = original.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    queue_url = original.client("sqs").create_queue(QueueName="backup-jobs")["QueueUrl"]
    ledger = Ledger()
    writer = Writer(original, queue_url, ledger)
    writer.start()
    try:
        wait_for_rounds(ledger, writer, WRITES_BEFORE)
        began = time.monotonic()
        out = run_backup(original.data_dir, tmp_path / "backup", tmp_path)
        ended = time.monotonic()
        wait_for_rounds(ledger, writer, ledger.rounds + WRITES_AFTER)
    finally:
        writer.stop.set()
        writer.join(WRITER_LIMIT_S)
    assert writer.error is None, writer.error
    assert f"(server {original.process.pid} paused for the copy)" in out

    # After the back-up, delete and overwrite objects acknowledged before it began.
    before = {k: v for k, v in ledger.acked.items() if v[0][0] < began and k != HOT}
    gone = sorted(k for k in before if k not in ledger.deleting)[:4]
    assert len(gone) == 4, before
    for key in gone:
        s3.delete_object(Bucket=BUCKET, Key=key)
    ledger.deleting.update(dict.fromkeys(gone, time.monotonic()))

    restored_dir = tmp_path / "restored"
    subprocess.run(["cp", "-a", str(tmp_path / "backup"), str(restored_dir)], check=True)
    restored = start_server(restored_dir, fixed_credentials=False)
    try:
        assert (restored.access_key, restored.secret_key) == (
            original.access_key,
            original.secret_key,
        )
        check_objects(restored.client("s3"), ledger, began, ended, gone)
        check_messages(all_messages(restored), ledger, began)
    finally:
        restored.stop()


def check_objects(
    s3: Any, ledger: Ledger, began: float, ended: float, deleted_after: list[str]
) -> None:
    found = listed_objects(s3)
    for key, body in found.items():  # every listed object has the bytes of a write
        assert body in ledger.sent[key], f"{key}: {len(body)} bytes no write sent"
    must = {
        key: ledger.sent[key][acks[0][1]]
        for key, acks in ledger.acked.items()
        if key != HOT and acks[0][0] < began and ledger.deleting.get(key, ended + 1) > ended
    }
    assert set(deleted_after) <= set(must)
    missing = sorted(set(must) - set(found))
    assert not missing, f"acknowledged before the back-up, missing after restore: {missing}"
    assert {key: found[key] for key in must} == must
    last_before = max(index for at, index in ledger.acked[HOT] if at < began)
    assert ledger.sent[HOT].index(found[HOT]) >= last_before
    for key in must:
        if int(key.split("-")[1]) % 5 == 0:  # written with SSE-S3: still decrypts, still says so
            assert s3.head_object(Bucket=BUCKET, Key=key)["ServerSideEncryption"] == "AES256"


def check_messages(received: list[str], ledger: Ledger, began: float) -> None:
    acked_before = {body for body, at in ledger.messages.items() if at is not None and at < began}
    assert len(received) == len(set(received))
    assert set(received) <= set(ledger.messages)
    assert acked_before <= set(received)
