"""The engine as a whole: it refuses (and says why) rather than run a function unisolated,
checks its options, and ends everything it started when it closes."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest
from sandboxkit import Kit, invocation, run

from ownstack.backends import process
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.runtime import Runtime, Sandbox, SandboxUnavailable

NO_BWRAP = (
    "bubblewrap (no-such-bwrap) is not installed: the process engine runs no function without "
    "isolating it; install bubblewrap (Debian/Ubuntu: apt install bubblewrap; Fedora: dnf "
    "install bubblewrap)"
)


def test_without_bubblewrap_nothing_runs_and_the_reason_is_given(tmp_path: Path) -> None:
    async def scenario() -> None:
        runtime = process.engine.factories["runtime"](
            EngineContext(tmp_path, {"bwrap": "no-such-bwrap"}, SystemClock())
        )
        assert runtime.unavailable("provided.al2023") == NO_BWRAP
        assert runtime.unavailable("python3.12") == NO_BWRAP
        code = tmp_path / "code"
        code.mkdir()
        spec = Kit(tmp_path, "process").spec(code)
        with pytest.raises(SandboxUnavailable) as refused:
            await runtime.start(spec)
        assert refused.value.reason == NO_BWRAP
        await runtime.health()  # the engine is fine: it refuses functions, nothing else
        await runtime.close()

    run(scenario())


def test_unknown_options_are_refused(tmp_path: Path) -> None:
    factory = process.engine.factories["runtime"]
    with pytest.raises(ValueError, match="unknown option\\(s\\) for the process engine: nope"):
        factory(EngineContext(tmp_path, {"nope": 1}, SystemClock()))
    with pytest.raises(ValueError, match="process engine option cgroups must be true or false"):
        factory(EngineContext(tmp_path, {"cgroups": "yes"}, SystemClock()))


def test_the_engine_claims_the_runtime_port_and_its_protocols(kit: Kit) -> None:
    assert set(process.engine.factories) == {"runtime"}
    runtime = kit.engine()
    assert isinstance(runtime, Runtime)

    async def scenario() -> None:
        sandbox = await runtime.start(kit.spec(kit.code()))
        assert isinstance(sandbox, Sandbox)
        assert len(sandbox.id) == 32 and sandbox.alive
        await runtime.close()

    run(scenario())


def test_managed_runtimes_come_from_the_runtimes_module(kit: Kit) -> None:
    runtime = kit.engine()
    if importlib.util.find_spec("ownstack.backends.process.runtimes") is None:
        expected = "managed runtimes are not available in this build of the process engine"
        assert runtime.unavailable("python3.12") == expected
    assert runtime.unavailable("provided.al2023") is None
    assert runtime.unavailable("provided") is None
    assert isinstance(runtime.unavailable("cobol85"), str)


def test_a_missing_code_dir_is_refused(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        with pytest.raises(SandboxUnavailable) as refused:
            await runtime.start(kit.spec(kit.tmp / "nowhere"))
        await runtime.close()
        assert (
            refused.value.reason
            == f"the function's code directory {kit.tmp / 'nowhere'} does not exist"
        )

    run(scenario())


def test_close_ends_every_sandbox_and_removes_what_it_made(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        code = kit.code()
        sandboxes = [await runtime.start(kit.spec(code)) for _ in range(3)]
        busy = sandboxes[0].invoke(invocation({"action": "sleep", "seconds": 30}, timeout_s=60))
        import asyncio

        pending = asyncio.ensure_future(busy)
        await sandboxes[1].invoke(invocation({"action": "echo"}))
        await asyncio.sleep(0.3)
        await runtime.close()
        result = await pending
        assert [s.alive for s in sandboxes] == [False, False, False]
        assert result.outcome == "crash"  # ended from outside mid-invocation
        assert list((kit.data_dir / "runtime").iterdir()) == []
        with pytest.raises(SandboxUnavailable, match="closed"):
            await runtime.start(kit.spec(code))

    run(scenario())


def test_engines_sharing_a_data_dir_never_share_a_sandbox_uid(kit: Kit) -> None:
    """`serve --workers N`: every worker has its own engine over one data dir."""
    if os.geteuid() != 0:
        pytest.skip("sandboxes run as ownstack's own uid when it does not run as root")

    async def scenario() -> None:
        first, second = kit.engine(), kit.engine()
        code = kit.code()
        sandboxes = [await first.start(kit.spec(code)), await second.start(kit.spec(code))]
        sandboxes.append(await first.start(kit.spec(code)))
        seen = [await s.invoke(invocation({"action": "describe"})) for s in sandboxes]
        await first.close()
        await second.close()
        uids = [json.loads(result.payload)["uid"] for result in seen]
        assert len(set(uids)) == 3

    run(scenario())
