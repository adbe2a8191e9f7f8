"""Crash test: SIGKILL the server under concurrent uploads, restart it, prove nothing was lost.

DESIGN.md: a write is acknowledged only after it is durable, and a crash at any instant loses no
acknowledged write and leaves no half-written object visible. Three rounds of: uploader threads
(boto3, 1 KiB / 200 KiB / 6 MiB single PUTs, plus a multipart upload) run against a server with
its own data dir; at a random moment the process gets SIGKILL; it is restarted on the same data
dir and every key is checked against what was sent and what was acknowledged.

Each key is written by one thread only, so its versions are totally ordered: after the crash a
key must hold its last acknowledged version or a later one that was in flight (never an older
one, never bytes that were not sent as a whole), and a version once seen after a restart can
never roll back.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

pytestmark = pytest.mark.slow

KiB = 1024
MiB = 1024 * KiB
ROUNDS = 3
UPLOADERS = 6
KEYS_PER_UPLOADER = 8
# (size, weight): inline-sized, a typical small file, one above the 5 MiB part minimum.
SIZES = ((1 * KiB, 5), (200 * KiB, 3), (6 * MiB, 1))
MPU_PARTS = (5 * MiB, 5 * MiB, 1 * MiB)
ACKS_BEFORE_KILL = 25
LOAD_TIMEOUT_S = 20.0
JOIN_TIMEOUT_S = 30.0
BUCKET = "crash-test"


@dataclass
class KeyHistory:
    """The versions sent for one key, in order, and how far the server has promised them."""

    sent: list[str] = field(default_factory=list)  # sha256 of each version, in send order
    sizes: list[int] = field(default_factory=list)
    durable: int = -1  # index of the last acknowledged (or since observed) version

    def allowed(self) -> set[str]:
        start = max(self.durable, 0)
        return set(self.sent[start:])

    def absent_allowed(self) -> bool:
        return self.durable < 0


@dataclass
class Ledger:
    singles: dict[str, KeyHistory] = field(default_factory=dict)
    multiparts: dict[str, KeyHistory] = field(default_factory=dict)
    acks: int = 0
    multipart_acks: int = 0
    server_errors: list[str] = field(default_factory=list)  # answers, not dropped connections
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sending(self, table: dict[str, KeyHistory], key: str, body_sha: str, size: int) -> int:
        with self.lock:
            hist = table.setdefault(key, KeyHistory())
            hist.sent.append(body_sha)
            hist.sizes.append(size)
            return len(hist.sent) - 1

    def acked(self, table: dict[str, KeyHistory], key: str, index: int) -> None:
        with self.lock:
            table[key].durable = max(table[key].durable, index)
            self.acks += 1
            self.multipart_acks += table is self.multiparts


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def crash_client(server: Any) -> Any:
    """No retries and short timeouts: a dead server must stop the uploaders, not stall them."""
    return server.client(
        "s3", config=Config(connect_timeout=2, read_timeout=20, retries={"total_max_attempts": 1})
    )


def uploader(s3: Any, ledger: Ledger, worker: int, seed: int, stop: threading.Event) -> None:
    rng = random.Random(seed)
    sizes, weights = zip(*SIZES, strict=True)
    while not stop.is_set():
        key = f"w{worker}/key {rng.randrange(KEYS_PER_UPLOADER)}.bin"
        body = os.urandom(rng.choices(sizes, weights)[0])
        index = ledger.sending(ledger.singles, key, sha(body), len(body))
        try:
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        except ClientError as err:  # a killed server answers nothing: this is a real error
            ledger.server_errors.append(f"PUT {key}: {err}")
            return
        except Exception:  # the server was killed under this request: stop, unacknowledged
            return
        ledger.acked(ledger.singles, key, index)


def multipart_uploader(s3: Any, ledger: Ledger, round_no: int, stop: threading.Event) -> None:
    for n in range(1_000):
        if stop.is_set():
            return
        key = f"mpu/round{round_no}-{n}.bin"
        parts = [os.urandom(size) for size in MPU_PARTS]
        whole = b"".join(parts)
        index = ledger.sending(ledger.multiparts, key, sha(whole), len(whole))
        try:
            complete_multipart(s3, key, parts)
        except ClientError as err:
            ledger.server_errors.append(f"multipart {key}: {err}")
            return
        except Exception:  # killed mid-upload: the object must be absent or whole
            return
        ledger.acked(ledger.multiparts, key, index)


def complete_multipart(s3: Any, key: str, parts: list[bytes]) -> None:
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    done = []
    for number, part in enumerate(parts, start=1):
        etag = s3.upload_part(
            Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=number, Body=part
        )["ETag"]
        done.append({"PartNumber": number, "ETag": etag})
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
    )


def run_until_killed(server: Any, ledger: Ledger, round_no: int, rng: random.Random) -> None:
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=uploader,
            args=(crash_client(server), ledger, w, rng.randrange(2**32), stop),
            daemon=True,
        )
        for w in range(UPLOADERS)
    ]
    threads.append(
        threading.Thread(
            target=multipart_uploader,
            args=(crash_client(server), ledger, round_no, stop),
            daemon=True,
        )
    )
    acks_at_start, multipart_at_start = ledger.acks, ledger.multipart_acks

    def going() -> bool:
        singles = ledger.acks - acks_at_start >= ACKS_BEFORE_KILL
        return singles and ledger.multipart_acks > multipart_at_start

    for thread in threads:
        thread.start()
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while not going() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert going(), f"uploads stalled: {ledger.acks - acks_at_start} acks, {ledger.server_errors}"
    time.sleep(rng.uniform(0.0, 0.6))  # the kill lands at a random point of the traffic
    server.process.kill()
    server.process.wait()
    stop.set()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)
        assert not thread.is_alive(), "an uploader hung after the server died"
    assert not ledger.server_errors, "\n".join(ledger.server_errors)


def read_object(s3: Any, key: str) -> bytes | None:
    try:
        return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    except ClientError as err:
        if err.response["Error"]["Code"] == "NoSuchKey":
            return None
        raise


def listed_objects(s3: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            found[item["Key"]] = item["Size"]
    return found


def check_table(s3: Any, table: dict[str, KeyHistory], problems: list[str]) -> dict[str, int]:
    """Read every key back; returns key -> size of those that exist. Problems are appended."""
    readable: dict[str, int] = {}
    for key, hist in sorted(table.items()):
        body = read_object(s3, key)
        if body is None:
            if not hist.absent_allowed():
                problems.append(f"{key}: acknowledged version {hist.durable} lost (NoSuchKey)")
            continue
        readable[key] = len(body)
        digest = sha(body)
        if digest not in hist.allowed():
            old = digest in hist.sent
            what = "an older version than the last acknowledged" if old else "bytes never sent"
            problems.append(f"{key}: holds {what} ({len(body)} bytes)")
            continue
        # What a restarted server served is durable from now on: it may never roll back.
        hist.durable = max(hist.durable, hist.sent.index(digest, max(hist.durable, 0)))
    return readable


def verify(s3: Any, ledger: Ledger) -> None:
    problems: list[str] = []
    readable = check_table(s3, ledger.singles, problems)
    readable |= check_table(s3, ledger.multiparts, problems)
    listed = listed_objects(s3)
    if listed != readable:
        extra = sorted(set(listed) - set(readable))
        missing = sorted(set(readable) - set(listed))
        sizes = sorted(k for k in set(listed) & set(readable) if listed[k] != readable[k])
        problems.append(
            f"listing != readable objects: listed only {extra[:5]}, "
            f"readable only {missing[:5]}, size differs {sizes[:5]}"
        )
    assert not problems, "\n".join(problems)


def test_sigkill_under_load_loses_no_acknowledged_write(
    fresh_server: Callable[..., Any],
) -> None:
    seed = int(os.environ.get("OWNSTACK_CRASH_SEED", random.randrange(2**32)))
    print(f"crash test seed {seed} (OWNSTACK_CRASH_SEED reproduces the kill points)")
    rng = random.Random(seed)
    server = fresh_server()
    data_dir = server.data_dir
    crash_client(server).create_bucket(Bucket=BUCKET)
    ledger = Ledger()
    for round_no in range(ROUNDS):
        run_until_killed(server, ledger, round_no, rng)
        server = fresh_server(data_dir=data_dir)
        verify(crash_client(server), ledger)
        print(f"round {round_no}: {ledger.acks} PUTs, {ledger.multipart_acks} multiparts acked")
    assert ledger.acks >= ROUNDS * ACKS_BEFORE_KILL
    assert ledger.multipart_acks >= ROUNDS
