"""The queue port's conformance suite: what persistent engines keep across close + reopen and
across a killed process (kit.PERSISTENT), and the one-process rule of exclusive engines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.kit import Backend, run
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.queues import Counts, NewMessage, QueueSpec, QueueStore

TESTS = Path(__file__).resolve().parents[2]


@pytest.fixture
def persistent(backend: Backend) -> Backend:
    if not backend.persistent:
        pytest.skip(f"{backend.name} keeps nothing across a reopen")
    return backend


def _reopen(backend: Backend, store: QueueStore) -> QueueStore:
    run(store.close())
    reopened = backend.open()
    assert isinstance(reopened, QueueStore)
    return reopened


def test_sent_messages_survive_close_and_reopen(persistent: Backend) -> None:
    store = persistent.open()

    async def fill(s: QueueStore) -> str:
        await s.create("q", QueueSpec())
        await s.send("q", [NewMessage("gone"), NewMessage("kept", attributes=b"a")])
        got = await s.receive("q", max_messages=10, visibility=0)
        (gone,) = [m for m in got if m.body == "gone"]
        await s.delete("q", [gone.receipt])
        return next(m.message_id for m in got if m.body == "kept")

    kept_id = run(fill(store))
    store = _reopen(persistent, store)
    try:
        got = run(store.receive("q", max_messages=10, visibility=30))
        assert [(m.message_id, m.body, m.attributes) for m in got] == [(kept_id, "kept", b"a")]
    finally:
        run(store.close())


def test_receipts_stay_valid_across_a_reopen(persistent: Backend) -> None:
    store = persistent.open()

    async def fill(s: QueueStore) -> list[str]:
        await s.create("q", QueueSpec())
        await s.send("q", [NewMessage("a"), NewMessage("b")])
        return [m.receipt for m in await s.receive("q", max_messages=10, visibility=600)]

    receipts = run(fill(store))
    store = _reopen(persistent, store)

    async def check(s: QueueStore) -> None:
        assert await s.delete("q", receipts[:1]) == [None]
        assert await s.counts("q") == Counts(visible=0, in_flight=1, delayed=0)
        # A new message never answers to an old message's receipt, even once that one is gone.
        await s.send("q", [NewMessage("c")])
        assert await s.delete("q", receipts[:1]) == [None]
        assert await s.counts("q") == Counts(visible=1, in_flight=1, delayed=0)

    try:
        run(check(store))
    finally:
        run(store.close())


def test_fifo_state_survives_close_and_reopen(persistent: Backend) -> None:
    store = persistent.open()

    async def fill(s: QueueStore) -> int:
        await s.create("f.fifo", QueueSpec(fifo=True))
        (sent,) = await s.send("f.fifo", [NewMessage("a", group="g", dedup_id="d")])
        assert sent.sequence is not None
        return sent.sequence

    first = run(fill(store))
    store = _reopen(persistent, store)

    async def check(s: QueueStore) -> None:
        (dup,) = await s.send("f.fifo", [NewMessage("a", group="g", dedup_id="d")])
        assert dup.duplicate and dup.sequence == first
        (new,) = await s.send("f.fifo", [NewMessage("b", group="g", dedup_id="e")])
        assert new.sequence is not None and new.sequence > first
        assert await s.counts("f.fifo") == Counts(2, 0, 0)
        got = await s.receive("f.fifo", max_messages=10, visibility=30)
        assert [m.body for m in got] == ["a", "b"]

    try:
        run(check(store))
    finally:
        run(store.close())


SENDER = """
import asyncio, sys
from pathlib import Path
from conformance.kit import ENGINES, Backend
from ownstack.ports.queues import NewMessage, QueueSpec

async def main():
    store = Backend(ENGINES[sys.argv[1]], "queue", Path(sys.argv[2])).open()
    await store.create("q", QueueSpec())
    sends = [store.send("q", [NewMessage(f"{i}-{j}") for j in range(5)]) for i in range(20)]
    await asyncio.gather(*sends)
    print("sent", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def test_acknowledged_sends_survive_a_killed_process(persistent: Backend) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}
    command = [sys.executable, "-c", SENDER, persistent.name, str(persistent.data_dir)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as sender:
        assert sender.stdout is not None
        try:
            assert sender.stdout.readline().strip() == "sent"
        finally:
            sender.send_signal(signal.SIGKILL)
            sender.wait()
    store = persistent.open()
    try:
        assert run(store.counts("q")) == Counts(visible=100, in_flight=0, delayed=0)
    finally:
        run(store.close())


def test_an_exclusive_engine_refuses_a_second_open(backend: Backend) -> None:
    if not backend.exclusive:
        pytest.skip(f"{backend.name} may be shared")
    store = backend.open()
    try:
        with pytest.raises(BackendUnavailable):
            backend.open()
    finally:
        run(store.close())
