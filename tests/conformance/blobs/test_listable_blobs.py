"""The ListableBlobs capability (listing blobs by age), for every blob engine.

The stores here get a real clock: the fs engine dates a blob by its file's mtime, which only
the wall clock sets, so both engines are driven by wall time, with gaps far wider than a file
system's timestamp granularity.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from conformance.kit import ENGINES, backends_for, engine_options, run
from ownstack.backends.fs import FsBlobs
from ownstack.backends.fs.layout import Layout
from ownstack.backends.s3 import S3Blobs
from ownstack.core.clock import SystemClock
from ownstack.ports.blobs import BlobStore, ListableBlobs
from ownstack.ports.engine import EngineContext

GAP_S = 0.1
WHOLE_SECOND_GAP_S = 1.05
"""For s3: S3 lists Last-Modified to the whole second (see S3Blobs.ids_older_than)."""
FUTURE = 4_000_000_000.0


@pytest.fixture(params=backends_for("blobs"))
def listable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    options = engine_options(request.param, tmp_path)
    ctx = EngineContext(data_dir=tmp_path, options=options, clock=SystemClock())
    store = ENGINES[request.param].factories["blobs"](ctx)
    assert isinstance(store, BlobStore) and isinstance(store, ListableBlobs)
    yield store
    run(store.close())


async def one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def put(store: BlobStore, data: bytes = b"x") -> str:
    return run(store.put(one(data))).id


def listed(store: BlobStore, cutoff: float) -> list[str]:
    assert isinstance(store, ListableBlobs)

    async def collect() -> list[str]:
        return [blob_id async for blob_id in store.ids_older_than(cutoff)]

    return run(collect())


def test_lists_blobs_put_before_the_cutoff_only(listable: BlobStore) -> None:
    gap = WHOLE_SECOND_GAP_S if isinstance(listable, S3Blobs) else GAP_S
    before = put(listable, b"before")
    time.sleep(gap)
    cutoff = time.time()
    time.sleep(gap)
    after = put(listable, b"after")
    assert listed(listable, cutoff) == [before]
    assert sorted(listed(listable, FUTURE)) == sorted([before, after])
    assert listed(listable, 0.0) == []


def test_deleted_blobs_are_not_listed(listable: BlobStore) -> None:
    kept, gone = put(listable), put(listable)
    run(listable.delete(gone))
    assert listed(listable, FUTURE) == [kept]


def test_empty_store_lists_nothing(listable: BlobStore) -> None:
    assert listed(listable, FUTURE) == []


def test_every_blob_is_listed_exactly_once(listable: BlobStore) -> None:
    ids = [put(listable, n.to_bytes(2, "big")) for n in range(300)]  # spread over many fan-out dirs
    got = listed(listable, FUTURE)
    assert len(got) == len(ids)
    assert set(got) == set(ids)


def test_deleting_while_listing_is_safe(listable: BlobStore) -> None:
    ids = {put(listable, bytes([n])) for n in range(50)}
    assert isinstance(listable, ListableBlobs)

    async def delete_each_listed() -> set[str]:
        seen: set[str] = set()
        async for blob_id in listable.ids_older_than(FUTURE):
            seen.add(blob_id)
            await listable.delete(blob_id)
        return seen

    assert run(delete_each_listed()) == ids
    assert listed(listable, FUTURE) == []


def test_fs_lists_only_what_its_layout_could_have_written(tmp_path: Path) -> None:
    store = FsBlobs(tmp_path / "blobs")
    real = put(store)
    layout = Layout(store.root)
    old = time.time() - 3600
    strays = [
        layout.temp_path("a" * 32),  # a put in progress
        store.root / "README",
        store.root / "ab" / "cd" / ("ff" * 16),  # an id in the wrong fan-out dir
        store.root / "ab" / "cd" / "abcd-not-an-id",
        store.root / "zz" / "zz" / ("0" * 32),
    ]
    for path in strays:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not a blob")
        os.utime(path, (old, old))
    (store.root / "ab" / "cd" / ("abcd" + "0" * 28)).mkdir()  # a dir with a blob's name
    assert listed(store, FUTURE) == [real]
