"""Crash test for versioning: SIGKILL a server while concurrent clients overwrite, delete (delete
markers) and permanently delete versions of the same few keys in a versioning bucket, restart
it on the same data dir, and check:

- every acknowledged version is there with its bytes, every acknowledged delete marker is
  listed, every acknowledged permanent delete stayed done;
- nothing appears that was never sent, and versions are ordered as they were acknowledged;
- ListObjectVersions agrees with ListObjectsV2 and GET (one latest entry per key; the keys
  ListObjectsV2 shows are those whose latest version is not a marker, at that version);
- once the start-up orphan sweep has run, every blob file is named by a record and every
  record's blobs exist: no orphan survives, no version lost its bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ownstack.backends.fs.layout import Layout, new_id
from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.backends.sqlite.meta import SqliteMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.http import BytesBody
from ownstack.ports.meta import Record
from ownstack.services.s3.base import S3Limits
from ownstack.services.s3.records import (
    BUCKETS,
    BucketRecord,
    ObjectRecord,
    is_marker,
    objects_ns,
    versions_ns,
)
from ownstack.services.s3.service import S3Service
from ownstack.services.s3.sweep import SWEEP_SLACK_S

pytestmark = pytest.mark.slow

KiB = 1024
BUCKET = "versioning-crash"
KEYS = [f"k{n}" for n in range(5)]
WORKERS = 6
ROUNDS = 2
ACKS_BEFORE_KILL = 60
LOAD_TIMEOUT_S = 20.0
SWEEP_WAIT_S = 15.0
DAY_S = 86_400.0


@dataclass
class Put:
    key: str
    sha: str
    sent: float
    acked: float = 0.0
    version_id: str = ""


@dataclass
class Ledger:
    puts: list[Put] = field(default_factory=list)
    markers: dict[tuple[str, str], float] = field(default_factory=dict)  # acked, by (key, id)
    removed: set[tuple[str, str]] = field(default_factory=set)  # acked permanent deletes
    removing: set[tuple[str, str]] = field(default_factory=set)  # sent, outcome unknown
    errors: list[str] = field(default_factory=list)
    acks: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def removable(self, rng: random.Random) -> tuple[str, str] | None:
        with self.lock:
            done = {(p.key, p.version_id) for p in self.puts if p.version_id}
            done |= set(self.markers)
            choices = sorted(done - self.removed - self.removing)
            if not choices:
                return None
            picked = rng.choice(choices)
            self.removing.add(picked)
            return picked


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def client(server: Any) -> Any:
    return server.client(
        "s3", config=Config(connect_timeout=2, read_timeout=20, retries={"total_max_attempts": 1})
    )


def worker(s3: Any, ledger: Ledger, seed: int, stop: threading.Event) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        key, roll = rng.choice(KEYS), rng.random()
        try:
            if roll < 0.65:
                data = os.urandom(rng.choice((1 * KiB, 100 * KiB)))
                put = Put(key, sha(data), time.monotonic())
                with ledger.lock:
                    ledger.puts.append(put)
                version_id = s3.put_object(Bucket=BUCKET, Key=key, Body=data)["VersionId"]
                with ledger.lock:
                    put.version_id, put.acked = version_id, time.monotonic()
                    ledger.acks += 1
            elif roll < 0.82:
                marker = s3.delete_object(Bucket=BUCKET, Key=key)["VersionId"]
                with ledger.lock:
                    ledger.markers[(key, marker)] = time.monotonic()
                    ledger.acks += 1
            else:
                target = ledger.removable(rng)
                if target is None:
                    continue
                s3.delete_object(Bucket=BUCKET, Key=target[0], VersionId=target[1])
                with ledger.lock:
                    ledger.removing.discard(target)
                    ledger.removed.add(target)
                    ledger.acks += 1
        except ClientError as err:  # an answer, not a dropped connection: a real error
            ledger.errors.append(f"{key}: {err}")
            return
        except Exception:  # the server was killed under this request: outcome unknown
            return


def run_until_killed(server: Any, ledger: Ledger, rng: random.Random) -> None:
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=worker,
            args=(client(server), ledger, rng.randrange(2**32), stop),
            daemon=True,
        )
        for _ in range(WORKERS)
    ]
    start_acks = ledger.acks
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while ledger.acks - start_acks < ACKS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ledger.acks - start_acks >= ACKS_BEFORE_KILL, f"stalled: {ledger.errors}"
    time.sleep(rng.uniform(0.0, 0.3))  # the kill lands at a random point of the traffic
    server.process.kill()
    server.process.wait()
    stop.set()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive(), "a worker hung after the server died"
    assert not ledger.errors, "\n".join(ledger.errors)


def listing(s3: Any) -> dict[str, list[tuple[str, bool, bool]]]:
    """key -> [(version id, is latest, is marker)], newest first (markers placed by id)."""
    found: dict[str, list[tuple[str, bool, bool, str]]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=BUCKET, MaxKeys=7):
        for v in page.get("Versions", []):
            found.setdefault(v["Key"], []).append((v["VersionId"], v["IsLatest"], False, ""))
        for m in page.get("DeleteMarkers", []):
            found.setdefault(m["Key"], []).append((m["VersionId"], m["IsLatest"], True, ""))
    # Every id here is ownstack's (no null versions in this bucket): ids sort newest first.
    return {k: sorted((e[:3] for e in v), key=lambda e: e[0]) for k, v in found.items()}


def verify(s3: Any, ledger: Ledger) -> None:
    problems: list[str] = []
    listed = listing(s3)
    sent_by_key: dict[str, set[str]] = {}
    for put in ledger.puts:
        sent_by_key.setdefault(put.key, set()).add(put.sha)
    acked = {(p.key, p.version_id): p for p in ledger.puts if p.version_id}
    for (key, version_id), put in acked.items():
        if (key, version_id) in ledger.removing:
            continue
        try:
            data = s3.get_object(Bucket=BUCKET, Key=key, VersionId=version_id)["Body"].read()
        except ClientError as err:
            code = err.response["Error"]["Code"]
            if (key, version_id) not in ledger.removed:
                problems.append(f"{key}@{version_id}: acknowledged version lost ({code})")
            continue
        if (key, version_id) in ledger.removed:
            problems.append(f"{key}@{version_id}: permanently deleted, yet back")
        elif sha(data) != put.sha:
            problems.append(f"{key}@{version_id}: wrong bytes")
    for key, marker in ledger.markers:
        present = any(e[0] == marker and e[2] for e in listed.get(key, []))
        gone = (key, marker) in ledger.removed
        if present == gone and (key, marker) not in ledger.removing:
            problems.append(f"{key}@{marker}: marker {'back' if gone else 'lost'}")
    current: dict[str, str] = {}
    for key, entries in listed.items():
        latest = [e for e in entries if e[1]]
        if len(latest) != 1 or entries[0] != latest[0]:
            problems.append(f"{key}: latest flags wrong: {entries}")
            continue
        if not latest[0][2]:
            current[key] = latest[0][0]
        for version_id, _, marker in entries:
            if marker or (key, version_id) in acked:
                continue
            data = s3.get_object(Bucket=BUCKET, Key=key, VersionId=version_id)["Body"].read()
            if sha(data) not in sent_by_key.get(key, set()):
                problems.append(f"{key}@{version_id}: bytes never sent")
        problems += misordered(key, [e[0] for e in entries], list(acked.values()))
    objects = {
        o["Key"]: o["ETag"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for o in page.get("Contents", [])
    }
    if set(objects) != set(current):
        problems.append(f"ListObjectsV2 {sorted(objects)} != latest versions {sorted(current)}")
    for key, version_id in current.items():
        head = s3.head_object(Bucket=BUCKET, Key=key)
        if head["VersionId"] != version_id or head["ETag"] != objects.get(key):
            problems.append(f"{key}: GET's current {head['VersionId']} != listed {version_id}")
    assert not problems, "\n".join(problems[:20])


def misordered(key: str, order: list[str], acked: list[Put]) -> list[str]:
    """Versions acknowledged before another was sent must be listed as older than it."""
    place = {version_id: n for n, version_id in enumerate(order)}
    mine = [p for p in acked if p.key == key and p.version_id in place]
    return [
        f"{key}: {a.version_id} listed newer than {b.version_id}"
        for a in mine
        for b in mine
        if a.acked < b.sent and place[a.version_id] < place[b.version_id]
    ]


async def referenced_blobs(meta_path: Path) -> set[str]:
    meta = SqliteMeta(meta_path)
    try:
        found: set[str] = set()
        for raw in await meta.scan(BUCKETS):
            bucket = BucketRecord.decode(raw.value)
            for ns in (objects_ns(bucket.id), versions_ns(bucket.id)):
                start = ""
                while page := await meta.scan(ns, start=start, limit=1000):
                    for rec in page:
                        if not is_marker(rec.value):
                            found.update(s.blob_id for s in ObjectRecord.decode(rec.value).segments)
                    start = page[-1].key + "\x00"
        return found
    finally:
        await meta.close()


def blob_files(root: Path) -> set[str]:
    return {p.name for p in root.glob("*/*/*") if p.is_file()}


def wait_for_sweep(server: Any) -> None:
    deadline = time.monotonic() + SWEEP_WAIT_S
    while "orphan blob sweep: deleted" not in server.log():
        assert time.monotonic() < deadline, f"no sweep within {SWEEP_WAIT_S} s:\n{server.log()}"
        time.sleep(0.05)


def test_sigkill_under_versioned_load_keeps_every_acknowledged_version(
    fresh_server: Callable[..., Any],
) -> None:
    seed = int(os.environ.get("OWNSTACK_CRASH_SEED", random.randrange(2**32)))
    print(f"versioning crash seed {seed} (OWNSTACK_CRASH_SEED reproduces the kill points)")
    rng = random.Random(seed)
    server = fresh_server()
    data_dir = server.data_dir
    s3 = client(server)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    ledger = Ledger()
    for _ in range(ROUNDS):
        run_until_killed(server, ledger, rng)
        # One orphan surely there (old, unnamed): the sweep then says when it is done.
        planted = new_id()
        path = Layout(data_dir / "blobs").path(planted)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"orphan")
        os.utime(path, (time.time() - DAY_S, time.time() - DAY_S))
        # A blob counts as an orphan candidate only once older than the start minus the
        # sweep's slack for coarse file clocks: the last ones written before the kill too.
        time.sleep(SWEEP_SLACK_S + 0.2)
        server = fresh_server(data_dir=data_dir)
        wait_for_sweep(server)
        verify(client(server), ledger)
        assert server.stop() == 0
        files = blob_files(data_dir / "blobs")
        named = asyncio.run(referenced_blobs(data_dir / "meta.db"))
        assert planted not in files
        assert files - named == set(), "orphaned blob files survived the sweep"
        assert named - files == set(), "records name blobs that are gone"
        server = fresh_server(data_dir=data_dir)
    assert len([p for p in ledger.puts if p.version_id]) >= ROUNDS * ACKS_BEFORE_KILL // 2


# -- the orphan sweep against versioning's record moves, directly (memory engines) ---------

T0 = 1_700_000_000.0
ACCOUNT = "123456789012"
CTX = RequestContext(
    request_id="t",
    account_id=ACCOUNT,
    region="us-east-1",
    principal=Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIAEXAMPLE"),
)
SWEEP_SCANS = 4
"""One bucket, no upload: buckets, its uploads, its objects, its versions."""


class HookedMeta(MemoryMeta):
    """MemoryMeta that runs an armed action once, just before its `at`-th scan."""

    def __init__(self) -> None:
        super().__init__()
        self.scans, self.at = 0, 0
        self.action: Callable[[], Awaitable[Any]] | None = None

    async def scan(self, ns: str, **kw: Any) -> list[Record]:
        self.scans += 1
        if self.action is not None and self.scans == self.at:
            action, self.action = self.action, None
            await action()
        return await super().scan(ns, **kw)


async def _body(svc: S3Service, **params: Any) -> bytes:
    out = await svc.get_object(CTX, {"Bucket": "bkt", **params})
    data = out["Body"]
    return data if isinstance(data, bytes) else b"".join([c async for c in data])


async def _sweep_during(kind: str, at: int) -> None:
    clock = ManualClock(T0)
    meta, blobs = HookedMeta(), MemoryBlobs(clock)
    svc = S3Service(meta, blobs, clock, S3Limits(inline_max=4))

    async def call(op: str, **params: Any) -> Any:
        return await getattr(svc, op)(CTX, {"Bucket": "bkt", **params})

    async def put(data: bytes) -> str:
        return str((await call("put_object", Key="k", Body=BytesBody(data))).get("VersionId"))

    await svc.create_bucket(CTX, {"Bucket": "bkt"})
    if kind == "legacy":
        await put(b"legacy bytes")
    await call("put_bucket_versioning", VersioningConfiguration={"Status": "Enabled"})
    first = await put(b"first version")
    second = await put(b"second version")
    if kind == "undelete":
        second = (await call("delete_object", Key="k"))["VersionId"]
    orphan = (await blobs.put(_one(b"nobody's"))).id
    clock.advance(1)
    actions = {
        "legacy": lambda: put(b"third version"),  # copies the legacy record into versions_ns
        "promote": lambda: call("delete_object", Key="k", VersionId=second),
        "undelete": lambda: call("delete_object", Key="k", VersionId=second),
    }
    meta.at, meta.action = at, actions[kind]
    assert await svc.sweep_orphan_blobs(clock.now()) == 1
    if meta.action is not None:  # the sweep ended before the action's turn
        meta.action = None
        await actions[kind]()
    assert orphan not in {b async for b in blobs.ids_older_than(T0 + 10)}
    assert await _body(svc, Key="k", VersionId=first) == b"first version"
    if kind == "legacy":
        assert await _body(svc, Key="k", VersionId="null") == b"legacy bytes"
        assert await _body(svc, Key="k") == b"third version"
    elif kind == "promote":  # the newest version removed: the one before is current
        assert await _body(svc, Key="k") == b"first version"
    else:  # the delete marker removed: the version it hid is current again
        assert await _body(svc, Key="k") == b"second version"


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


@pytest.mark.parametrize("at", range(1, SWEEP_SCANS + 2))
@pytest.mark.parametrize("kind", ["legacy", "promote", "undelete"])
def test_a_versioning_change_anywhere_in_the_sweep_loses_no_bytes(kind: str, at: int) -> None:
    """Versioning writes copy records between objects_ns and versions_ns; wherever such a
    commit falls among the sweep's scans, every version keeps its blobs."""
    asyncio.run(_sweep_during(kind, at))
