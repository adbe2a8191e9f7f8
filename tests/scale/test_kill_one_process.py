"""SIGKILL one of two processes sharing the engines while both take writes: every write that
was acknowledged, through either, is there afterwards, and the survivor never stopped."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from scalekit import shared_config

from conformance.kit import postgres_unreachable
from ownstack.backends import postgres

pytestmark = pytest.mark.slow

WRITES_PER_WRITER = 150
VICTIM_ACKS_BEFORE_KILL = 20
"""The kill lands once the victim has taken this many writes (of its 300): under way, whatever
the machine's speed (a fixed delay could see all of them done, or none begun)."""
LOAD_TIMEOUT_S = 30.0
NO_RETRY = Config(retries={"total_max_attempts": 1})
"""The victim's writers do not retry: after the kill each retry would only wait out the standard
mode's backoff (up to seconds) before failing again."""


def _writer(
    client: Any, bucket: str, prefix: str, acked: dict[str, bytes], errors: list[str]
) -> Callable[[], None]:
    def run() -> None:
        for index in range(WRITES_PER_WRITER):
            key, body = f"{prefix}/{index}", f"{prefix}:{index}".encode() * 50
            try:
                client.put_object(Bucket=bucket, Key=key, Body=body)
            except (ClientError, BotoCoreError) as err:
                errors.append(f"{key}: {err}")
                continue
            acked[key] = body

    return run


def test_a_killed_process_loses_no_acknowledged_write(
    tmp_path: Path, launch_server: Callable[..., Any]
) -> None:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    if not postgres.engine.provides("meta"):
        pytest.skip("the postgres engine does not provide the meta port")
    config = shared_config(tmp_path / "schema", tmp_path / "blobs")
    servers = []
    for index in range(2):
        data = tmp_path / f"node{index}"
        data.mkdir()
        (data / "ownstack.yaml").write_text(config)
        servers.append(launch_server(data))
    victim, survivor = servers
    try:
        bucket = "crash-shared"
        survivor.client("s3").create_bucket(Bucket=bucket)
        victim_acked: dict[str, bytes] = {}
        survivor_acked: dict[str, bytes] = {}
        victim_errors: list[str] = []
        survivor_errors: list[str] = []
        victim_client = victim.client("s3", config=NO_RETRY)
        threads = [
            threading.Thread(
                target=_writer(victim_client, bucket, f"v{i}", victim_acked, victim_errors)
            )
            for i in range(2)
        ] + [
            threading.Thread(
                target=_writer(
                    survivor.client("s3"), bucket, f"s{i}", survivor_acked, survivor_errors
                )
            )
            for i in range(2)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while len(victim_acked) < VICTIM_ACKS_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.process.send_signal(signal.SIGKILL)
        for thread in threads:
            thread.join(120)
        assert not survivor_errors, survivor_errors[:3]
        assert victim_errors, "the victim was killed before any write reached it"
        assert len(victim_acked) >= VICTIM_ACKS_BEFORE_KILL, victim_errors[:3]
        reader = survivor.client("s3")
        for key, body in (victim_acked | survivor_acked).items():
            assert reader.get_object(Bucket=bucket, Key=key)["Body"].read() == body, key
        assert len(survivor_acked) == 2 * WRITES_PER_WRITER
    finally:
        for server in servers:
            server.stop()
