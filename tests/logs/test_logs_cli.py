"""Real clients: the aws CLI (1.x: filter-log-events, get-log-events, describe-*, put-log-events,
start-live-tail) and what `aws logs tail` (CLI v2) asks, with and without --follow, run as a
process that is started, fed and killed (tail_client.py)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from logskit import cli_env, make_stream, now_ms, put, unique

pytestmark = pytest.mark.clients

HERE = Path(__file__).resolve().parent


@pytest.fixture
def aws(server: Any, tmp_path: Path) -> Any:
    exe = str(Path(sys.executable).parent / "aws")
    env = cli_env(server, tmp_path / "aws")

    def run(*args: str) -> Any:
        argv = [exe, "--endpoint-url", server.endpoint, "--output", "json", "logs", *args]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    return run


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def test_the_cli_writes_and_reads_events(aws: Any) -> None:
    group = unique()
    aws("create-log-group", "--log-group-name", group)
    aws("create-log-stream", "--log-group-name", group, "--log-stream-name", "cli")
    now = now_ms()
    events = json.dumps(
        [{"timestamp": now - 2, "message": "ERROR a"}, {"timestamp": now - 1, "message": "INFO b"}]
    )
    put_result = aws(
        "put-log-events",
        "--log-group-name",
        group,
        "--log-stream-name",
        "cli",
        "--log-events",
        events,
    )
    assert put_result == {"nextSequenceToken": "2".zfill(56)}
    got = aws(
        "get-log-events", "--log-group-name", group, "--log-stream-name", "cli", "--start-from-head"
    )
    assert [e["message"] for e in got["events"]] == ["ERROR a", "INFO b"]
    (described,) = aws("describe-log-groups", "--log-group-name-prefix", group)["logGroups"]
    assert described["logGroupName"] == group
    streams = aws("describe-log-streams", "--log-group-name", group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["cli"]


def test_filter_log_events_follows_every_page(server: Any, aws: Any) -> None:
    logs = server.client("logs")
    group, stream = make_stream(logs)
    now = now_ms()
    for batch in range(3):
        put(
            logs,
            group,
            stream,
            *[(now - 100 + batch * 10 + i, f"ERROR {batch}-{i}") for i in range(4)],
        )
    put(logs, group, stream, (now, "INFO not this one"))
    # The CLI pages by itself: 2 events a call, every page until nextToken is absent.
    found = aws(
        "filter-log-events",
        "--log-group-name",
        group,
        "--filter-pattern",
        "ERROR",
        "--page-size",
        "2",
    )
    assert [e["message"] for e in found["events"]] == [
        f"ERROR {b}-{i}" for b in range(3) for i in range(4)
    ]
    assert "nextToken" not in found


def test_live_tail_is_not_implemented(server: Any) -> None:
    """StartLiveTail answers an event stream, which ownstack's JSON codec does not produce. (Its
    endpoint has the host prefix `stream-`; the CLI cannot reach 127.0.0.1 that way at all.)"""
    logs = server.client("logs", config=Config(inject_host_prefix=False))
    group, _ = make_stream(logs)
    arn = f"arn:aws:logs:{server.region}:{server.account_id}:log-group:{group}"
    with pytest.raises(ClientError) as exc:
        logs.start_live_tail(logGroupIdentifiers=[arn])
    assert exc.value.response["Error"]["Code"] == "NotImplemented"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def _tail(server: Any, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    argv = [sys.executable, str(HERE / "tail_client.py"), server.endpoint, *args]
    return subprocess.Popen(
        argv,
        env=cli_env(server, tmp_path / "tail"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_tail_without_follow_prints_what_is_there_and_ends(server: Any, tmp_path: Path) -> None:
    logs = server.client("logs")
    group = unique()
    logs.create_log_group(logGroupName=group)
    now = now_ms()
    for stream in ("a", "b"):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    put(logs, group, "a", (now - 700_000, "too early"), (now - 3, "a1"), (now - 1, "a2"))
    put(logs, group, "b", (now - 2, "b1"))
    tail = _tail(server, tmp_path, group, str(now - 600_000))  # --since 10m, the default
    out, err = tail.communicate(timeout=60)
    assert tail.returncode == 0, err
    assert out.splitlines() == [
        f"{_iso(now - 3)} a a1",
        f"{_iso(now - 2)} b b1",
        f"{_iso(now - 1)} a a2",
    ]


def test_tail_follow_prints_new_events_once_as_they_come(server: Any, tmp_path: Path) -> None:
    logs = server.client("logs")
    group, stream = make_stream(logs)
    start = now_ms()
    put(logs, group, stream, (start, "first"))
    tail = _tail(server, tmp_path, group, str(start - 1000), "--follow", "--filter-pattern=-DEBUG")
    lines: queue.Queue[str] = queue.Queue()
    assert tail.stdout is not None
    output = tail.stdout

    def read() -> None:
        for line in output:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    try:
        assert lines.get(timeout=30).endswith(" s first")
        put(
            logs,
            group,
            stream,
            (start, "same time as first"),
            (start + 5, "DEBUG skipped"),
            (start + 5, "second"),
        )
        time.sleep(0.2)
        put(logs, group, stream, (start + 9, "third"))
        got = [lines.get(timeout=30).split(" ", 2)[2] for _ in range(3)]
        assert got == ["same time as first", "second", "third"]
        time.sleep(1.0)  # several polls more: nothing is printed twice
        assert lines.empty()
    finally:
        tail.kill()
        tail.wait(timeout=30)
