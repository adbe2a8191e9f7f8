"""Bounds: the deadline, MemorySize, the /tmp size, the process count. A function past one is
ended (and says how, in Lambda's words); the engine, and every other sandbox, go on."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from sandboxkit import Kit, body, invocation, run

KILLED = "Runtime exited with error: signal: killed"


def _gone(pid: int | None) -> bool:
    assert pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_past_the_deadline_the_sandbox_is_ended_and_the_invocation_times_out(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code(), timeout_s=1))
        await sandbox.invoke(invocation({"action": "echo"}))
        pid = sandbox.remains.pid  # type: ignore[attr-defined]
        result = await sandbox.invoke(invocation({"action": "sleep", "seconds": 30}, timeout_s=1))
        alive = sandbox.alive
        await runtime.close()
        assert (result.outcome, result.payload, result.error_type) == ("timeout", b"", None)
        assert 950 <= result.duration_ms < 2000
        assert result.logs == "going to sleep\n"
        assert not alive and _gone(pid)

    run(scenario())


def test_a_runtime_exiting_mid_invocation_is_a_crash(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code()))
        result = await sandbox.invoke(invocation({"action": "exit", "code": 7}, request_id="r7"))
        later = await sandbox.invoke(invocation({"action": "echo"}, request_id="r8"))
        await runtime.close()
        assert (result.outcome, result.error_type) == ("crash", "Runtime.ExitError")
        assert body(result) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": "RequestId: r7 Error: Runtime exited with error: exit status 7",
        }
        assert result.logs == "init says hello\nexiting\n"
        assert later.outcome == "crash" and not sandbox.alive

    run(scenario())


def test_memory_past_memory_size_kills_the_sandbox(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        # The kernel's hard bound is MemorySize + /tmp (640 MB): MemorySize itself ends it.
        sandbox = await runtime.start(kit.spec(kit.code(), memory_mb=128, ephemeral_mb=512))
        result = await sandbox.invoke(invocation({"action": "hog", "mb": 600}, request_id="r1"))
        other = await runtime.start(kit.spec(kit.code("fn2"), memory_mb=128))
        fine = await other.invoke(invocation({"action": "hog", "mb": 60}))
        await runtime.close()
        assert (result.outcome, result.error_type) == ("crash", "Runtime.ExitError")
        assert body(result) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: r1 Error: {KILLED}",
        }
        assert 128 <= result.max_memory_mb < 400
        assert (fine.outcome, body(fine)) == ("success", {"held_mb": 60})
        assert 60 <= fine.max_memory_mb < 128

    run(scenario())


def test_max_memory_used_follows_each_invocation_of_one_sandbox(kit: Kit) -> None:
    """The engine keeps the sandbox's memory files open between invocations: each reading is
    still taken afresh (the peak grows with the second invocation's allocation)."""

    async def scenario() -> None:
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code(), memory_mb=256))
        small = await sandbox.invoke(invocation({"action": "hog", "mb": 10}, request_id="r1"))
        large = await sandbox.invoke(invocation({"action": "hog", "mb": 120}, request_id="r2"))
        await runtime.close()
        assert (body(small), body(large)) == ({"held_mb": 10}, {"held_mb": 120})
        assert small.max_memory_mb < 120 <= large.max_memory_mb < 256

    run(scenario())


def test_memory_size_bounds_init_too(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        hungry = {"TEST_INIT": "hog", "TEST_INIT_MB": "600"}
        sandbox = await runtime.start(kit.spec(kit.code(), memory_mb=128, environment=hungry))
        result = await sandbox.invoke(invocation({}, request_id="r1"))
        await runtime.close()
        assert (result.outcome, result.error_type) == ("init_error", "Runtime.ExitError")
        assert body(result) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: r1 Error: {KILLED}",
        }
        assert result.logs == "init says hello\n"

    run(scenario())


def test_tmp_is_bounded_by_its_size_and_is_not_memory(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code(), memory_mb=128, ephemeral_mb=160))
        result = await sandbox.invoke(invocation({"action": "fill_tmp", "limit_mb": 400}))
        after = await sandbox.invoke(invocation({"action": "echo"}))
        await runtime.close()
        # 160 MB of /tmp with 128 MB of memory: the disk fills (ENOSPC), nothing is killed.
        assert (result.outcome, body(result)) == (
            "success",
            {"written_mb": 160, "outcome": "errno 28"},
        )
        assert after.outcome == "success"

    run(scenario())


@pytest.mark.slow
def test_a_fork_bomb_is_contained_and_everything_else_goes_on(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        code = kit.code()
        bomb = await runtime.start(kit.spec(code, memory_mb=2048, ephemeral_mb=64, timeout_s=4))
        bystander = await runtime.start(kit.spec(code))
        await bystander.invoke(invocation({"action": "echo"}))
        bomb_pid = bomb.remains.pid  # type: ignore[attr-defined]
        exploding = asyncio.ensure_future(
            bomb.invoke(invocation({"action": "fork_bomb"}, timeout_s=4))
        )
        await asyncio.sleep(1.0)  # the bomb is at its process bound by now
        lags, answers = [], []
        for n in range(10):
            began = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - began - 0.01)
            answers.append(await bystander.invoke(invocation({"action": "echo", "n": n})))
        result = await exploding
        fresh = await runtime.start(kit.spec(code))
        after = await fresh.invoke(invocation({"action": "echo"}))
        await runtime.close()
        assert result.outcome == "timeout"
        assert result.logs == "init says hello\nforking\n"
        assert [body(a)["event"]["n"] for a in answers] == list(range(10))
        assert max(lags) < 0.25, lags  # ownstack's loop keeps being served
        assert after.outcome == "success"
        assert _gone(bomb_pid)

    run(scenario())


def test_an_ended_sandbox_leaves_no_process_behind(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code()))
        await sandbox.invoke(invocation({"action": "talk", "lines": 1}))
        namespace = _pid_namespace_of(sandbox.remains.pid)  # type: ignore[attr-defined]
        before = _processes_in(namespace)
        await sandbox.end()
        await sandbox.end()  # idempotent
        alive = sandbox.alive
        after = _processes_in(namespace)
        await runtime.close()
        assert not alive
        assert len(before) == 2  # bwrap's reaper and the runtime
        assert after == []  # all gone by the time end() returns

    run(scenario())


def _pid_namespace_of(launcher: int | None) -> str:
    """The sandbox's pid namespace: that of the launcher's (bwrap's) child."""
    children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
    return os.readlink(f"/proc/{children[0]}/ns/pid")


def _processes_in(namespace: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.readlink(entry / "ns" / "pid") == namespace:
                found.append(entry.name)
        except OSError:
            continue
    return found
