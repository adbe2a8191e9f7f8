"""The engines' own counters in /metrics: how group commit is seen from outside."""

from __future__ import annotations

import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def _engine_events(server: Any) -> dict[str, float]:
    with urllib.request.urlopen(f"{server.endpoint}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    assert "# TYPE ownstack_engine_events_total counter" in text
    pattern = r'ownstack_engine_events_total\{port="meta",engine="sqlite",event="(\w+)"\} (\d+)'
    return {event: float(value) for event, value in re.findall(pattern, text)}


def test_sqlite_commits_and_syncs_are_exposed(server: Any) -> None:
    s3 = server.client("s3")
    s3.create_bucket(Bucket="engine-metrics")
    before = _engine_events(server)
    with ThreadPoolExecutor(16) as pool:
        list(
            pool.map(
                lambda i: s3.put_object(Bucket="engine-metrics", Key=f"k{i}", Body=b"x"), range(200)
            )
        )
    after = _engine_events(server)
    commits = after["commits"] - before["commits"]
    syncs = after["syncs"] - before["syncs"]
    assert commits >= 200  # one commit per acknowledged PUT at least
    assert 1 <= syncs <= commits  # never more durable syncs than commits
    assert after["errors"] == before["errors"]
