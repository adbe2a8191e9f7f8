"""The orphan sweep's cutoff on engines shared with other processes (services/s3/sweep.py):
another process's blob may be written long before its record commits, so a start on shared
engines (meta and blobs) only takes orphans older than SHARED_SWEEP_AGE_S; alone on its
engines a process keeps taking everything older than its start minus SWEEP_SLACK_S."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from conformance.kit import postgres_options, postgres_unreachable
from ownstack.backends.fs.layout import Layout, new_id
from ownstack.services.s3.sweep import (
    SHARED_SWEEP_AGE_S,
    SLOWEST_WRITE_BPS,
    SWEEP_SLACK_S,
    sweep_cutoff,
)

GiB = 1 << 30
STARTED = 1_700_000_000.0
HOUR_S = 3600.0
SWEEP_WAIT_S = 15.0


def test_alone_the_cutoff_is_the_start_minus_the_slack() -> None:
    assert SWEEP_SLACK_S == 2.0
    assert sweep_cutoff(STARTED, shared=False, max_write_bytes=5 * GiB) == STARTED - 2.0
    assert sweep_cutoff(STARTED, shared=False, max_write_bytes=500 * GiB) == STARTED - 2.0


def test_shared_the_cutoff_is_a_day_back() -> None:
    assert SHARED_SWEEP_AGE_S == 86_400.0
    # 5 GiB (S3's largest single PUT) at 64 KiB/s takes 22.8 h: within the day.
    assert 5 * GiB / SLOWEST_WRITE_BPS == 81_920.0
    assert sweep_cutoff(STARTED, shared=True, max_write_bytes=5 * GiB) == STARTED - 86_400.0


def test_shared_with_a_larger_write_limit_the_cutoff_covers_the_slowest_such_write() -> None:
    assert sweep_cutoff(STARTED, shared=True, max_write_bytes=50 * GiB) == STARTED - 819_200.0


# -- end to end: a real server restarted over planted orphans ------------------------------


def plant(root: Path, age_s: float) -> str:
    blob_id = new_id()
    path = Layout(root).path(blob_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"orphaned bytes " + blob_id.encode())
    mtime = time.time() - age_s
    os.utime(path, (mtime, mtime))
    return blob_id


def blob_files(root: Path) -> set[str]:
    return {path.name for path in root.glob("*/*/*") if path.is_file()}


def wait_for_log(server: Any, line: str) -> None:
    deadline = time.monotonic() + SWEEP_WAIT_S
    while line not in server.log():
        if time.monotonic() > deadline:
            pytest.fail(f"no {line!r} after {SWEEP_WAIT_S} s:\n{server.log()}")
        time.sleep(0.05)


def test_a_start_alone_on_its_engines_takes_an_hour_old_orphan(fresh_server: Any) -> None:
    srv = fresh_server()  # sqlite meta, fs blobs: exclusive to this process
    srv.client("s3").create_bucket(Bucket="bkt")
    assert srv.stop() == 0
    blobs = srv.data_dir / "blobs"
    hour_old, days_old = plant(blobs, HOUR_S), plant(blobs, 2 * SHARED_SWEEP_AGE_S)
    srv2 = fresh_server(data_dir=srv.data_dir)
    wait_for_log(srv2, "orphan blob sweep: deleted 2 unreferenced blob(s)")
    assert blob_files(blobs) & {hour_old, days_old} == set()


def test_a_start_on_shared_engines_keeps_an_hour_old_orphan(
    fresh_server: Any, tmp_path: Path
) -> None:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    blobs = tmp_path / "shared-blobs"
    spec = {
        "meta": {"engine": "postgres", **postgres_options(tmp_path / "schema")},
        "blobs": {"engine": "fs", "path": str(blobs)},
    }
    config = f"backends: {json.dumps(spec)}\n"  # JSON is YAML
    srv = fresh_server(config_yaml=config)  # postgres meta, fs blobs: shared
    srv.client("s3").create_bucket(Bucket="bkt")
    assert srv.stop() == 0
    hour_old, days_old = plant(blobs, HOUR_S), plant(blobs, 2 * SHARED_SWEEP_AGE_S)
    srv2 = fresh_server(data_dir=srv.data_dir)
    wait_for_log(srv2, "orphan blob sweep: deleted 1 unreferenced blob(s)")
    assert blob_files(blobs) & {hour_old, days_old} == {hour_old}
