"""`serve --workers N`: how many, when it is refused, and the supervisor (start, restart on
SIGKILL, graceful stop, nothing left behind) with a tiny fake worker, then for real on the
shared engines."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.kit import postgres_unreachable
from ownserver import free_port, server_env
from ownstack.config import BackendSpec, Config, ConfigError, find_engine
from ownstack.config.workers import refuse_exclusive_engines, worker_count
from ownstack.workers import Supervisor, _backoff

SHARED_DECLARED = "meta" in find_engine("postgres").shared_ports and (
    "blobs" in find_engine("fs").shared_ports
)
needs_shared = pytest.mark.skipif(
    not SHARED_DECLARED, reason="postgres and fs do not declare Engine.shared_ports yet"
)

# -- how many -----------------------------------------------------------------------------------


def test_the_flag_wins_over_the_environment_over_the_file() -> None:
    env = {"OWNSTACK_WORKERS": "3"}
    assert worker_count(2, env, 4) == 2
    assert worker_count(None, env, 4) == 3
    assert worker_count(None, {}, 4) == 4
    assert worker_count(None, {"OWNSTACK_WORKERS": ""}, None) == 1


@pytest.mark.parametrize(
    ("flag", "env", "message"),
    [
        (0, {}, "--workers: workers must be between 1 and 256, got 0"),
        (257, {}, "--workers: workers must be between 1 and 256, got 257"),
        (
            None,
            {"OWNSTACK_WORKERS": "two"},
            "OWNSTACK_WORKERS: workers must be a whole number, got 'two'",
        ),
    ],
)
def test_a_bad_count_is_a_configuration_error(
    flag: int | None, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        worker_count(flag, env, None)
    assert str(exc.value) == message


def test_a_yaml_boolean_is_not_a_count() -> None:
    with pytest.raises(ConfigError) as exc:
        worker_count(None, {}, True)
    assert str(exc.value) == "ownstack.yaml: workers must be a whole number, got True"


# -- refused on exclusive engines --------------------------------------------------------------


def config(**engines: str) -> Config:
    backends = {"meta": "sqlite", "blobs": "fs", "queue": "sqlite", **engines}
    return Config(Path("/nowhere"), backends={p: BackendSpec(e) for p, e in backends.items()})


def test_one_worker_is_never_refused() -> None:
    refuse_exclusive_engines(config(meta="memory"), 1)


@needs_shared
def test_the_embedded_defaults_refuse_two_workers() -> None:
    with pytest.raises(ConfigError) as exc:
        refuse_exclusive_engines(config(), 2)
    assert str(exc.value) == (
        "--workers 2 needs shared engines: backends.meta is 'sqlite', backends.queue is "
        "'sqlite', which one process holds at a time; use postgres (see docs/scaling.md)"
    )


@needs_shared
def test_memory_engines_refuse_two_workers_with_advice_per_port() -> None:
    with pytest.raises(ConfigError) as exc:
        refuse_exclusive_engines(config(meta="memory", blobs="memory", queue="memory"), 3)
    assert str(exc.value) == (
        "--workers 3 needs shared engines: backends.meta is 'memory', backends.blobs is "
        "'memory', backends.queue is 'memory', which one process holds at a time; use postgres "
        "for meta, use fs or s3 for blobs, use postgres for queue (see docs/scaling.md)"
    )


@needs_shared
def test_shared_engines_allow_many_workers() -> None:
    refuse_exclusive_engines(config(meta="postgres", queue="postgres"), 8)


def test_an_unknown_engine_is_named_with_its_port() -> None:
    with pytest.raises(ConfigError) as exc:
        refuse_exclusive_engines(config(queue="nosuch"), 2)
    assert str(exc.value).startswith("backends.queue: unknown engine 'nosuch' (available: ")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ownstack.cli", *args],
        env=server_env(env, fixed_credentials=False),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("how", ["flag", "env"])
def test_serve_refuses_two_workers_on_the_default_config(tmp_path: Path, how: str) -> None:
    with socket.socket() as taken:  # a bind attempt would fail "address already in use"
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        args = ["serve", "--port", port, "--data", str(tmp_path / "d")]
        if how == "flag":
            proc = run_cli(*args, "--workers", "2")
        else:
            proc = run_cli(*args, env={"OWNSTACK_WORKERS": "2"})
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "ownstack: configuration error: --workers 2 needs shared engines: "
        "backends.meta is 'sqlite', "
    )
    assert proc.stderr.endswith(" (see docs/scaling.md)\n")
    assert not (tmp_path / "d").exists()  # no store was built


# -- the supervisor, with a fake worker ---------------------------------------------------------

FAKE_WORKER = textwrap.dedent(
    """
    import os, select, signal, sys
    fd, log, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    def note(what):
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {what}\\n")
    note("started")
    if mode == "fail":
        sys.exit(2)
    def stop(*_):
        note("stopped")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    os.write(fd, b"ready\\n")
    while True:
        readable, _, _ = select.select([fd], [], [], 1.0)
        if readable and os.read(fd, 1) == b"":
            note("orphaned")
            sys.exit(0)
    """
)


def fake_command(log: Path, mode: str = "serve") -> Any:
    return lambda fd: [sys.executable, "-c", FAKE_WORKER, str(fd), str(log), mode]


def notes(log: Path) -> list[tuple[int, str]]:
    if not log.exists():
        return []
    return [
        (int(pid), what)
        for pid, what in (line.split() for line in log.read_text().split("\n") if line)
    ]


async def until(condition: Any, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "condition not met in time"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def test_a_killed_worker_is_restarted_and_stop_drains_them_all(tmp_path: Path) -> None:
    log = tmp_path / "log"
    said: list[str] = []

    async def scenario() -> tuple[int, list[int], list[int], float]:
        ready = asyncio.Event()
        supervisor = Supervisor(fake_command(log), 3, on_ready=ready.set, say=said.append)
        running = asyncio.create_task(supervisor.run())
        await asyncio.wait_for(ready.wait(), 10)
        before = supervisor.pids
        os.kill(before[1], signal.SIGKILL)
        took = await until(lambda: supervisor.pids[1] != before[1], 5)
        after = supervisor.pids
        await until(lambda: (after[1], "started") in notes(log), 5)
        supervisor.stop()
        return await asyncio.wait_for(running, 30), before, after, took

    code, before, after, took = asyncio.run(scenario())
    assert code == 0
    assert took < 1.0
    assert (after[0], after[2]) == (before[0], before[2])  # the others kept running
    assert said == [f"worker 1 (pid {before[1]}) was killed by SIGKILL; restarting"]
    assert sorted(notes(log)) == sorted(
        [(pid, "started") for pid in [*before, after[1]]] + [(pid, "stopped") for pid in after]
    )


def test_a_worker_that_cannot_start_fails_the_supervisor_with_its_code(tmp_path: Path) -> None:
    log = tmp_path / "log"
    code = asyncio.run(Supervisor(fake_command(log, "fail"), 4, say=print).run())
    assert code == 2
    assert [what for _, what in notes(log)] == ["started"]  # the first only: one message


def test_restarts_of_a_worker_that_cannot_start_back_off() -> None:
    assert [_backoff(n) for n in range(8)] == [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


SUPERVISOR_MAIN = textwrap.dedent(
    """
    import asyncio, sys
    from ownstack.workers import Supervisor
    log = sys.argv[1]
    command = lambda fd: [sys.executable, "-c", sys.argv[2], str(fd), log, "serve"]
    ready = lambda: print("ready", flush=True)
    sys.exit(asyncio.run(Supervisor(command, 2, on_ready=ready).run()))
    """
)


@pytest.fixture
def supervisor_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    log = tmp_path / "log"
    proc = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR_MAIN, str(log), FAKE_WORKER],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    yield proc, log
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_supervisor_stops_every_worker_and_exits_0(
    supervisor_process: tuple[subprocess.Popen[str], Path], sig: signal.Signals
) -> None:
    proc, log = supervisor_process
    proc.send_signal(sig)
    assert proc.wait(30) == 0
    started = {pid for pid, what in notes(log) if what == "started"}
    assert len(started) == 2
    assert {pid for pid, what in notes(log) if what == "stopped"} == started


def test_workers_stop_when_the_supervisor_is_killed(
    supervisor_process: tuple[subprocess.Popen[str], Path],
) -> None:
    proc, log = supervisor_process
    proc.kill()
    proc.wait()
    started = {pid for pid, what in notes(log) if what == "started"}
    deadline = time.monotonic() + 5
    while {pid for pid, what in notes(log) if what == "orphaned"} != started:
        assert time.monotonic() < deadline, notes(log)
        time.sleep(0.02)


# -- for real: N ownstack processes on the shared engines ------------------------------------


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(child) for child in text.split()}


def _health(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_ownstack/health", timeout=5) as resp:
        return int(resp.status)


@pytest.mark.slow
@needs_shared
def test_two_workers_on_postgres_survive_a_sigkill_and_stop_on_sigterm(tmp_path: Path) -> None:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    from scale.scalekit import shared_config

    data = tmp_path / "data"
    data.mkdir()
    (data / "ownstack.yaml").write_text(shared_config(tmp_path, tmp_path / "blobs"))
    port = free_port()
    log_path = tmp_path / "server.log"
    argv = [sys.executable, "-m", "ownstack.cli", "serve", "--workers", "2", "--port", str(port)]
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen([*argv, "--data", str(data)], stderr=log_file, env=server_env())
    try:
        deadline = time.monotonic() + 30
        while "listening" not in log_path.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert len(workers) == 2
        record = json.loads((data / "server.json").read_text())  # written once, by the supervisor
        assert (record["pid"], record["port"], record["workers"]) == (proc.pid, port, 2)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        statuses: list[int] = []
        resets = 0
        while len(_children(proc.pid) - workers) < 1:
            try:
                statuses.append(_health(port))  # the other keeps answering meanwhile
            except ConnectionResetError:
                # A connection the kernel had already queued on the killed worker's socket
                # (SO_REUSEPORT spreads them) is reset as that socket closes: SDKs retry it.
                resets += 1
            assert time.monotonic() - killed_at < 1.5
        assert set(statuses) <= {200} and resets <= 2, (statuses, resets)
        replacement = _children(proc.pid) - workers
        assert len(replacement) == 1 and victim not in _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert not (data / "server.json").exists()  # removed at a clean stop
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers | replacement)
        with pytest.raises(OSError):
            _health(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert f"listening on http://127.0.0.1:{port} (data {data}, 2 workers)" in log_path.read_text()
