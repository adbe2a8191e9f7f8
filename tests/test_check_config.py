"""`ownstack check-config`: one line per port, exit 0 when all are usable and 2 otherwise; and
`serve` refusing a configuration it cannot start on, before anything listens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.kit import postgres_options, postgres_unreachable

pytestmark = pytest.mark.own_server

AVAILABLE = "(available: fs, memory, postgres, process, s3, sqlite)"
DEAD_DSN = "postgresql://127.0.0.1:1/test"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OWNSTACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "ownstack.cli", *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def check(tmp_path: Path, yaml_text: str | None = None) -> subprocess.CompletedProcess[str]:
    data = tmp_path / "data"
    if yaml_text is None:
        return run_cli("check-config", "--data", str(data))
    config = tmp_path / "ownstack.yaml"
    config.write_text(yaml_text)
    return run_cli("check-config", str(config), "--data", str(data))


def test_the_default_configuration_checks_ok(tmp_path: Path) -> None:
    proc = check(tmp_path)
    assert proc.stdout.splitlines() == [
        "meta: sqlite ok",
        "blobs: fs ok",
        "queue: sqlite ok",
        "logs: sqlite ok",
        "runtime: process ok",
    ]
    assert (proc.returncode, proc.stderr) == (0, "")


@pytest.mark.parametrize(
    ("yaml_text", "lines"),
    [
        (
            "backends:\n  meta: postgress\n",
            [
                f"meta: postgress FAILED: unknown engine 'postgress' {AVAILABLE}",
                "blobs: fs ok",
                "queue: sqlite ok",
                "logs: sqlite ok",
                "runtime: process ok",
            ],
        ),
        (
            "backends:\n  queue: fs\n  blobs: sqlite\n",
            [
                "meta: sqlite ok",
                "blobs: sqlite FAILED: engine 'sqlite' does not provide the 'blobs' port "
                "(it provides: logs, meta, queue)",
                "queue: fs FAILED: engine 'fs' does not provide the 'queue' port "
                "(it provides: blobs)",
                "logs: sqlite ok",
                "runtime: process ok",
            ],
        ),
    ],
    ids=["unknown-engine", "port-not-provided"],
)
def test_each_port_is_reported_on_its_own_line(
    tmp_path: Path, yaml_text: str, lines: list[str]
) -> None:
    proc = check(tmp_path, yaml_text)
    assert proc.stdout.splitlines() == lines
    assert (proc.returncode, proc.stderr) == (2, "")


def test_an_unreachable_dsn_fails_its_port_only(tmp_path: Path) -> None:
    proc = check(tmp_path, f"backends:\n  queue: {{engine: postgres, dsn: '{DEAD_DSN}'}}\n")
    meta, blobs, queue, logs, runtime = proc.stdout.splitlines()
    assert (logs, runtime) == ("logs: sqlite ok", "runtime: process ok")
    assert (meta, blobs) == ("meta: sqlite ok", "blobs: fs ok")
    refused = "queue: postgres FAILED: cannot connect to postgresql://127.0.0.1:1/test: "
    assert queue.startswith(refused + "[Errno 111] Connect")
    assert "('127.0.0.1', 1)" in queue
    assert (proc.returncode, proc.stderr) == (2, "")


def test_unknown_settings_are_a_configuration_error(tmp_path: Path) -> None:
    proc = check(tmp_path, "nonsense: 1\nbackends: {meta: sqlite}\n")
    assert proc.stdout == ""
    assert proc.stderr == (
        "ownstack: configuration error: unknown setting(s) in ownstack.yaml: nonsense\n"
    )
    assert proc.returncode == 2


def test_a_missing_config_file_is_a_configuration_error(tmp_path: Path) -> None:
    proc = run_cli("check-config", str(tmp_path / "nope.yaml"), "--data", str(tmp_path))
    assert proc.stderr == (
        f"ownstack: configuration error: config file {tmp_path / 'nope.yaml'} does not exist\n"
    )
    assert proc.returncode == 2


def test_a_data_dir_held_by_a_running_server_is_ok_and_left_alone(fresh_server: Any) -> None:
    srv = fresh_server()
    srv.client("s3").create_bucket(Bucket="kept")
    proc = run_cli("check-config", "--data", str(srv.data_dir))
    assert proc.stdout.splitlines() == [
        "meta: sqlite ok (held by a running server)",
        "blobs: fs ok",
        "queue: sqlite ok (held by a running server)",
        "logs: sqlite ok (held by a running server)",
        "runtime: process ok",
    ]
    assert proc.returncode == 0
    assert [b["Name"] for b in srv.client("s3").list_buckets()["Buckets"]] == ["kept"]


@pytest.fixture
def postgres(tmp_path: Path) -> dict[str, Any]:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    return postgres_options(tmp_path)


def test_a_reachable_postgres_checks_ok(tmp_path: Path, postgres: dict[str, Any]) -> None:
    spec = f"{{engine: postgres, dsn: '{postgres['dsn']}', schema: {postgres['schema']}}}"
    proc = check(tmp_path, f"backends:\n  queue: {spec}\n")
    assert proc.stdout.splitlines() == [
        "meta: sqlite ok",
        "blobs: fs ok",
        "queue: postgres ok",
        "logs: sqlite ok",
        "runtime: process ok",
    ]
    assert proc.returncode == 0


# -- serve refuses before anything listens ----------------------------------------------------


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port this test listens on (no SO_REUSEADDR): a server that tried to bind it would fail
    with "address already in use", so any other failure happened before it bound anything."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def serve(tmp_path: Path, port: int, yaml_text: str) -> subprocess.CompletedProcess[str]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "ownstack.yaml").write_text(yaml_text)
    return run_cli("serve", "--port", str(port), "--data", str(data))


def test_serve_with_an_unknown_engine_exits_2_before_binding(
    tmp_path: Path, taken_port: int
) -> None:
    proc = serve(tmp_path, taken_port, "backends:\n  meta: postgress\n")
    assert proc.stderr == (
        f"ownstack: configuration error: backends.meta: unknown engine 'postgress' {AVAILABLE}\n"
    )
    assert proc.returncode == 2


def test_serve_with_a_dead_dsn_exits_1_before_binding(tmp_path: Path, taken_port: int) -> None:
    proc = serve(
        tmp_path, taken_port, f"backends:\n  queue: {{engine: postgres, dsn: '{DEAD_DSN}'}}\n"
    )
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr  # one line, no traceback, no unclosed-store warnings
    assert lines[0].startswith("ownstack: cannot start: ")
    assert "Connection refused" in lines[0] or "Connect call failed" in lines[0]
    assert "already in use" not in lines[0]


def test_serve_names_the_port_and_engine_that_cannot_open(tmp_path: Path) -> None:
    proc = serve(tmp_path, 0, f"backends:\n  queue: {{engine: postgres, dsn: '{DEAD_DSN}'}}\n")
    assert proc.stderr.startswith("ownstack: cannot start: backends.queue (postgres): ")


def test_more_workers_than_the_engines_allow_fail_the_check(tmp_path: Path) -> None:
    proc = run_cli("check-config", "--data", str(tmp_path / "d"), env={"OWNSTACK_WORKERS": "2"})
    *ports, workers = proc.stdout.splitlines()
    assert ports == [
        "meta: sqlite ok",
        "blobs: fs ok",
        "queue: sqlite ok",
        "logs: sqlite ok",
        "runtime: process ok",
    ]
    assert workers.startswith(
        "workers: 2 FAILED: --workers 2 needs shared engines: backends.meta is 'sqlite', "
    )
    assert proc.returncode == 2
