"""DeleteBucket racing the writes that create things in the bucket, against a real server.

What must hold (as on AWS): a write answered 200 is never lost. If DeleteBucket succeeded, no
PutObject answered 200 may have committed: one that committed before it would have made it fail
(BucketNotEmpty), and one that looked the bucket up before it must fail rather than commit into
the deleted bucket. In-progress multipart uploads do not keep a bucket (S3 deletes a bucket with
no objects, and its uploads with it), so a CreateMultipartUpload answered 200 may be gone with
the bucket. So after a round, either the bucket exists and holds every key and upload answered
200, or it is gone and no PutObject was answered 200.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError
from s3kit import code_of

from ownstack.backends.sqlite.meta import SqliteMeta
from ownstack.ports.meta import Put
from ownstack.services.s3.deletions import BUCKET_DELETIONS
from ownstack.services.s3.records import BUCKETS, BucketRecord

MAX_ROUNDS = 160
ENOUGH_OF_EACH = 8
"""Rounds the delete won, and rounds a write won, before the test is satisfied."""
WRITERS = 6
WRITES_PER_WRITER = 6
# Inline-sized and blob-sized bodies: a blob widens the window between lookup and commit.
BODIES = (b"a" * 1024, b"b" * (96 * 1024))
REFUSALS = {"NoSuchBucket", "OperationAborted"}
"""What a write racing the delete may be answered instead of 200."""


@dataclass
class Round:
    bucket: str
    acked_keys: list[str] = field(default_factory=list)
    acked_uploads: list[tuple[str, str]] = field(default_factory=list)
    refused: int = 0
    deleted: bool = False
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _writer(s3: Any, state: Round, start: threading.Barrier, n: int) -> None:
    rng = random.Random(n)
    start.wait()
    for i in range(WRITES_PER_WRITER):
        key = f"w{n}-{i}"
        try:
            if rng.random() < 0.2:
                upload = s3.create_multipart_upload(Bucket=state.bucket, Key=key)["UploadId"]
                with state.lock:
                    state.acked_uploads.append((key, upload))
            else:
                s3.put_object(Bucket=state.bucket, Key=key, Body=rng.choice(BODIES))
                with state.lock:
                    state.acked_keys.append(key)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            with state.lock:
                if code in REFUSALS:
                    state.refused += 1
                else:
                    state.unexpected.append(code)
            if code == "NoSuchBucket":
                return


def _deleter(
    s3: Any,
    state: Round,
    start: threading.Barrier,
    writers: list[threading.Thread],
    head_start: float,
) -> None:
    start.wait()
    time.sleep(head_start)  # the writers' lead in this round (see _head_start)
    while True:
        try:
            s3.delete_bucket(Bucket=state.bucket)
            state.deleted = True
            return
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code not in ("BucketNotEmpty", "OperationAborted"):
                state.unexpected.append(f"delete: {code}")
                return
        if not any(w.is_alive() for w in writers):
            return


def _head_start(deleted: int, kept: int) -> float:
    """How long the deleter waits once all are let go. Which side wins a round depends on the
    machine's load (a busy one lets the delete win most rounds): the side that lags gets the
    next rounds tilted its way, so both outcomes keep coming on any machine."""
    return min(0.05, max(0, deleted - kept) * 0.002)


def _run_round(s3: Any, clients: list[Any], head_start: float) -> Round:
    """One round: a new bucket, WRITERS writers and one deleter let go together."""
    state = Round(f"race-{uuid.uuid4().hex[:12]}")
    s3.create_bucket(Bucket=state.bucket)
    start = threading.Barrier(len(clients))
    writers = [
        threading.Thread(target=_writer, args=(client, state, start, n))
        for n, client in enumerate(clients[1:])
    ]
    deleter = threading.Thread(
        target=_deleter, args=(clients[0], state, start, writers, head_start)
    )
    for thread in [*writers, deleter]:
        thread.start()
    for thread in [*writers, deleter]:
        thread.join(60)
    return state


def _check_round(s3: Any, state: Round) -> None:
    assert not state.unexpected, state.unexpected
    if state.deleted:
        assert state.acked_keys == []  # acked uploads went with the bucket
        with pytest.raises(ClientError) as gone:
            s3.head_bucket(Bucket=state.bucket)
        assert code_of(gone)[1] == 404
        return
    for key in state.acked_keys:
        s3.head_object(Bucket=state.bucket, Key=key)
    listed = s3.list_multipart_uploads(Bucket=state.bucket).get("Uploads", [])
    assert {(u["Key"], u["UploadId"]) for u in listed} == set(state.acked_uploads)


def _empty_and_delete(s3: Any, bucket: str) -> None:
    for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=obj["Key"])
    for up in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=bucket, Key=up["Key"], UploadId=up["UploadId"])
    s3.delete_bucket(Bucket=bucket)


def test_an_acknowledged_write_is_never_lost_to_a_racing_delete(server: Any) -> None:
    s3 = server.client("s3")
    clients = [server.client("s3") for _ in range(WRITERS + 1)]  # boto3 clients are slow to make
    deleted = kept = refused = 0
    for _ in range(MAX_ROUNDS):
        state = _run_round(s3, clients, _head_start(deleted, kept))
        _check_round(s3, state)
        refused += state.refused
        if state.deleted:
            deleted += 1
        else:
            kept += 1
            _empty_and_delete(s3, state.bucket)
        if min(deleted, kept) >= ENOUGH_OF_EACH and refused:
            break
    # Both outcomes, and writes refused in the race, were seen: the race was exercised.
    assert min(deleted, kept) >= ENOUGH_OF_EACH and refused, (deleted, kept, refused)


def test_a_marker_left_by_a_killed_server_is_cleared_at_start(fresh_server: Any) -> None:
    first = fresh_server()
    s3 = first.client("s3")
    s3.create_bucket(Bucket="interrupted")
    data_dir = first.data_dir
    first.process.kill()  # as if it died between DeleteBucket's two phases
    first.process.wait()
    first.stop()
    asyncio.run(_leave_marker(data_dir / "meta.db", "interrupted"))
    assert asyncio.run(_markers(data_dir / "meta.db")) == 1  # what the test left

    second = fresh_server(data_dir)
    s3 = second.client("s3")
    s3.put_object(Bucket="interrupted", Key="k", Body=b"after restart")
    assert s3.get_object(Bucket="interrupted", Key="k")["Body"].read() == b"after restart"
    second.stop()
    assert asyncio.run(_markers(data_dir / "meta.db")) == 0


async def _leave_marker(path: Any, bucket: str) -> None:
    meta = SqliteMeta(path)
    try:
        raw = await meta.get(BUCKETS, bucket)
        assert raw is not None
        await meta.commit([Put(BUCKET_DELETIONS, BucketRecord.decode(raw.value).id, b"")])
    finally:
        await meta.close()


async def _markers(path: Any) -> int:
    meta = SqliteMeta(path)
    try:
        return len(await meta.scan(BUCKET_DELETIONS))
    finally:
        await meta.close()
