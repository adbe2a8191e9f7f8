"""What CloudWatch Logs keeps: groups, streams, events and settings across a restart and a
killed process; retention (events past it are never read, and the sweep removes them); and
what deletes leave behind is cleared."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from logskit import DAY_MS, messages, now_ms, put, unique

from ownstack.backends.sqlite import SqliteLogs, SqliteMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.services.logs.service import LogsService
from ownstack.services.logs.sweep import GONE_GRACE_S, Sweeper

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"


def _fill(logs: Any, group: str) -> list[str]:
    logs.create_log_group(logGroupName=group, tags={"k": "v"})
    logs.put_retention_policy(logGroupName=group, retentionInDays=14)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = now_ms()
    texts = [f"event {i}" for i in range(50)]
    for i in range(0, 50, 10):
        put(logs, group, "s", *[(now - 1000 + j, texts[j]) for j in range(i, i + 10)])
    return texts


def _check(logs: Any, group: str, texts: list[str]) -> None:
    (found,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert (found["retentionInDays"], found["storedBytes"]) == (14, sum(len(t) for t in texts))
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"k": "v"}
    got = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    assert messages(got["events"]) == texts
    assert messages(logs.filter_log_events(logGroupName=group)["events"]) == texts


@pytest.mark.timeout(120)
def test_everything_survives_a_restart_and_a_killed_process(
    fresh_server: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = fresh_server(data)
    group = unique()
    texts = _fill(first.client("logs"), group)
    first.stop()
    second = fresh_server(data)
    _check(second.client("logs"), group, texts)
    more = put(second.client("logs"), group, "s", (now_ms(), "acknowledged just before the kill"))
    assert more["nextSequenceToken"] == "51".zfill(56)
    second.process.send_signal(signal.SIGKILL)
    second.process.wait(timeout=30)
    third = fresh_server(data)
    got = third.client("logs").get_log_events(logGroupName=group, logStreamName="s")
    assert messages(got["events"])[-1] == "acknowledged just before the kill"
    assert len(got["events"]) == 51


def test_events_older_than_the_retention_are_never_read(logs: Any) -> None:
    group = unique()
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = now_ms()
    put(logs, group, "s", (now - DAY_MS + 2500, "about to expire"), (now - 1000, "recent"))
    assert messages(logs.filter_log_events(logGroupName=group)["events"]) == [
        "about to expire",
        "recent",
    ]
    time.sleep(3)
    assert messages(logs.filter_log_events(logGroupName=group)["events"]) == ["recent"]
    got = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    assert messages(got["events"]) == ["recent"]


def test_a_shorter_retention_hides_older_events_at_once_and_a_longer_shows_them(logs: Any) -> None:
    group = unique()
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = now_ms()
    put(logs, group, "s", (now - 2 * DAY_MS, "two days old"))
    put(logs, group, "s", (now - 1000, "new"))
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    assert messages(logs.filter_log_events(logGroupName=group)["events"]) == ["new"]
    logs.put_retention_policy(logGroupName=group, retentionInDays=3)  # not swept yet: back
    assert messages(logs.filter_log_events(logGroupName=group)["events"]) == ["two days old", "new"]


# -- the sweep, in process, on real sqlite stores and a clock moved by hand --------------------


def _ctx() -> RequestContext:
    principal = Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIA", "root")
    return RequestContext("req", ACCOUNT, "us-east-1", principal)


class _Stores:
    def __init__(self, path: Path, clock: ManualClock) -> None:
        self.meta = SqliteMeta(path / "meta.db")
        self.logs = SqliteLogs(path / "logs.db", clock)
        self.service = LogsService(self.meta, self.logs, clock, "us-east-1")

    async def close(self) -> None:
        await self.logs.close()
        await self.meta.close()


async def _stores(path: Path, clock: ManualClock) -> AsyncIterator[_Stores]:
    stores = _Stores(path, clock)
    try:
        yield stores
    finally:
        await stores.close()


async def _events(service: LogsService, group: str) -> list[str]:
    found = await service.filter_log_events(_ctx(), {"logGroupName": group})
    return messages(found["events"])


def test_the_sweep_removes_what_retention_expired(tmp_path: Path) -> None:
    clock = ManualClock(time.time())

    async def go() -> None:
        async for stores in _stores(tmp_path, clock):
            service, ctx = stores.service, _ctx()
            await service.create_log_group(ctx, {"logGroupName": "/g"})
            await service.create_log_stream(ctx, {"logGroupName": "/g", "logStreamName": "s"})
            await service.put_retention_policy(ctx, {"logGroupName": "/g", "retentionInDays": 1})
            now = int(clock.now() * 1000)
            events = [
                {"timestamp": now - 1000, "message": "old"},
                {"timestamp": now, "message": "new"},
            ]
            await service.put_log_events(
                ctx, {"logGroupName": "/g", "logStreamName": "s", "logEvents": events}
            )
            sweeper = Sweeper(stores.meta, stores.logs, clock)
            assert await sweeper.sweep_once() == 0
            clock.advance(DAY_MS / 1000 - 0.5)  # "old" is now past one day, "new" is not
            assert await sweeper.sweep_once() == 1
            group = (await service.group_named(ctx, "/g")).log
            (stats,) = await stores.logs.shard_stats(group)
            assert (stats.records, stats.data_bytes) == (1, 3)
            assert await _events(service, "/g") == ["new"]

    asyncio.run(go())


def test_the_service_runs_the_sweep_in_the_background(tmp_path: Path) -> None:
    clock = ManualClock(time.time())

    async def go() -> None:
        async for stores in _stores(tmp_path, clock):
            service, ctx = stores.service, _ctx()
            await service.create_log_group(ctx, {"logGroupName": "/g"})
            await service.create_log_stream(ctx, {"logGroupName": "/g", "logStreamName": "s"})
            await service.put_log_events(
                ctx,
                {
                    "logGroupName": "/g",
                    "logStreamName": "s",
                    "logEvents": [{"timestamp": int(clock.now() * 1000), "message": "x"}],
                },
            )
            await service.put_retention_policy(ctx, {"logGroupName": "/g", "retentionInDays": 1})
            clock.advance(2 * DAY_MS / 1000)
            service.sweep_interval = 0.05
            await service.start()
            log = (await service.group_named(ctx, "/g")).log
            try:
                for _ in range(200):
                    if (await stores.logs.shard_stats(log))[0].records == 0:
                        break
                    await asyncio.sleep(0.05)
                assert (await stores.logs.shard_stats(log))[0].records == 0
            finally:
                await service.stop()

    asyncio.run(go())


def test_events_appended_to_a_stream_being_deleted_are_cleared_later(tmp_path: Path) -> None:
    clock = ManualClock(time.time())

    async def go() -> None:
        async for stores in _stores(tmp_path, clock):
            service, ctx = stores.service, _ctx()
            await service.create_log_group(ctx, {"logGroupName": "/g"})
            await service.create_log_stream(ctx, {"logGroupName": "/g", "logStreamName": "s"})
            group = await service.group_named(ctx, "/g")
            stream = await service.stream(group, "s")
            await service.delete_log_stream(ctx, {"logGroupName": "/g", "logStreamName": "s"})
            # A PutLogEvents that had found the stream before the delete appends after it.
            await service.append_events(group, stream, [(int(clock.now() * 1000), "late")], ["x"])
            assert [s.records for s in await stores.logs.shard_stats(group.log)] == [1]
            sweeper = Sweeper(stores.meta, stores.logs, clock)
            assert await sweeper.clear_tombstones() == 0  # too recent: an append may be on its way
            clock.advance(GONE_GRACE_S + 1)
            assert await sweeper.clear_tombstones() == 1
            assert await stores.logs.shard_stats(group.log) == []
            assert await sweeper.clear_tombstones() == 0
            await service.create_log_stream(ctx, {"logGroupName": "/g", "logStreamName": "s"})
            assert await _events(service, "/g") == []

    asyncio.run(go())


def test_a_deleted_group_leaves_nothing_after_the_sweep(tmp_path: Path) -> None:
    clock = ManualClock(time.time())

    async def go() -> None:
        async for stores in _stores(tmp_path, clock):
            service, ctx = stores.service, _ctx()
            await service.create_log_group(ctx, {"logGroupName": "/g"})
            for name in ("a", "b"):
                await service.create_log_stream(ctx, {"logGroupName": "/g", "logStreamName": name})
            group = await service.group_named(ctx, "/g")
            stream = await service.stream(group, "a")
            await service.delete_log_group(ctx, {"logGroupName": "/g"})
            await service.append_events(group, stream, [(int(clock.now() * 1000), "late")], ["x"])
            clock.advance(GONE_GRACE_S + 1)
            assert await Sweeper(stores.meta, stores.logs, clock).clear_tombstones() == 1
            assert await stores.logs.shard_stats(group.log) == []
            base = f"{group.id}/"
            assert await stores.meta.scan("logs:streams", start=base, end=base + "\uffff") == []

    asyncio.run(go())
