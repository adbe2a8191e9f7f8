"""How the client commands find a server (docs/getting-started.md): the data dir's resolution
(--data, $OWNSTACK_DATA, ./.ownstack kept for upgrades, the per-user default), the record a
running server keeps (a live one versus one a killed server left), `env --port`, keys that only
the server's environment knows, and the AWS profile edit that keeps everything else."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from ownserver import TEST_ACCESS_KEY, ServerFactory, server_env
from ownstack.cli_profile import set_section
from ownstack.config.datadir import DataDirSource, resolve_data_dir


def ownstack(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m ownstack.cli ARGS` with no developer settings (and no fixed credentials unless
    `env` gives them), HOME under the test's directory."""
    clean = server_env(fixed_credentials=False)
    clean.pop("XDG_DATA_HOME", None)
    clean.update(HOME=str(cwd / "home"), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "ownstack.cli", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def exported(stdout: str) -> dict[str, str]:
    return dict(line.removeprefix("export ").split("=", 1) for line in stdout.splitlines())


def test_where_the_data_dir_is(tmp_path: Path) -> None:
    home = {"HOME": "/home/me"}
    default = resolve_data_dir(None, home, cwd=tmp_path)
    assert (default.path, default.source) == (
        Path("/home/me/.local/share/ownstack"),
        DataDirSource.DEFAULT,
    )
    xdg = resolve_data_dir(None, {**home, "XDG_DATA_HOME": "/xdg"}, cwd=tmp_path)
    assert xdg.path == Path("/xdg/ownstack")
    relative = resolve_data_dir(None, {**home, "XDG_DATA_HOME": "rel"}, cwd=tmp_path)
    assert relative.path == default.path  # the XDG spec: a relative path is ignored
    (tmp_path / ".ownstack").mkdir()  # an earlier release's data, in this directory
    legacy = resolve_data_dir(None, home, cwd=tmp_path)
    assert (legacy.path, legacy.source) == (tmp_path / ".ownstack", DataDirSource.LEGACY)
    given = resolve_data_dir(None, {**home, "OWNSTACK_DATA": "/env"}, cwd=tmp_path)
    assert (given.path, given.source) == (Path("/env"), DataDirSource.ENV)
    flag = resolve_data_dir("/flag", {**home, "OWNSTACK_DATA": "/env"}, cwd=tmp_path)
    assert (flag.path, flag.source) == (Path("/flag"), DataDirSource.FLAG)


def test_a_profile_edit_keeps_every_other_line() -> None:
    before = (
        "# my settings\n"
        "[default]\n"
        "region = eu-west-1\n"
        "\n"
        "[profile ownstack]\n"
        "output = json   \n"
        "endpoint_url = http://127.0.0.1:1\n"
        "ca_bundle = /old/cert.pem\n"
        "s3 =\n"
        "    addressing_style = path\n"
        "\n"
        "[profile work]  ; the real one\n"
        "region = us-west-2\n"
    )
    after = set_section(
        before,
        "[profile ownstack]",
        {"region": "us-east-1", "endpoint_url": "http://127.0.0.1:4566", "ca_bundle": None},
    )
    assert after == (
        "# my settings\n"
        "[default]\n"
        "region = eu-west-1\n"
        "\n"
        "[profile ownstack]\n"
        "output = json   \n"
        "endpoint_url = http://127.0.0.1:4566\n"
        "s3 =\n"
        "    addressing_style = path\n"
        "region = us-east-1\n"
        "\n"
        "[profile work]  ; the real one\n"
        "region = us-west-2\n"
    )
    appended = set_section("[default]\nregion = eu-west-1\n", "[plugins]", {"a": "b.c"})
    assert appended == "[default]\nregion = eu-west-1\n\n[plugins]\na = b.c\n"


def test_a_record_a_killed_server_left(fresh_server: ServerFactory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    srv = fresh_server(data, fixed_credentials=False)
    record = json.loads((data / "server.json").read_text())
    assert (record["pid"], record["port"], record["access_key_id"]) == (
        srv.process.pid,
        srv.port,
        srv.access_key,
    )
    moved = ownstack("env", "--data", str(data), "--port", "4999", cwd=tmp_path)
    assert exported(moved.stdout)["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4999"
    assert ownstack("status", "--data", str(data), cwd=tmp_path).returncode == 0

    srv.process.send_signal(signal.SIGKILL)
    srv.process.wait()
    assert (data / "server.json").exists()  # nobody removed it: its lock tells it is stale
    shown = ownstack("status", "--data", str(data), cwd=tmp_path)
    assert shown.returncode == 3
    assert f"its last run (pid {srv.process.pid}, started " in shown.stdout
    assert shown.stdout.endswith(") did not stop cleanly\n")
    printed = ownstack("env", "--data", str(data), cwd=tmp_path)
    assert printed.returncode == 0  # its keys still are the data dir's
    assert exported(printed.stdout)["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert f"no server is running on {data}" in printed.stderr

    again = fresh_server(data, fixed_credentials=False)  # replaces the stale record
    assert json.loads((data / "server.json").read_text())["pid"] == again.process.pid
    printed = ownstack("env", "--data", str(data), cwd=tmp_path)
    assert exported(printed.stdout)["AWS_ENDPOINT_URL"] == again.endpoint


def test_dot_ownstack_here_is_kept_and_keys_must_match(
    fresh_server: ServerFactory, tmp_path: Path
) -> None:
    """A server on ./.ownstack of a project (an earlier release's default), with root keys set
    in its environment only: `env` in that directory finds it and says which data dir it
    uses; without the same keys in its own environment it refuses rather than print others."""
    project = tmp_path / "project"
    data = project / ".ownstack"
    srv = fresh_server(data)  # the test keys, from the server's environment
    assert '  shell    eval "$(' in srv.log()
    assert f" env --data {data})" in srv.log()  # not the default: named in the banner

    same_keys = {
        "OWNSTACK_ROOT_ACCESS_KEY": srv.access_key,
        "OWNSTACK_ROOT_SECRET_KEY": srv.secret_key,
    }
    printed = ownstack("env", cwd=project, env=same_keys)
    assert printed.returncode == 0, printed.stderr
    assert exported(printed.stdout)["AWS_ENDPOINT_URL"] == srv.endpoint
    assert printed.stderr.startswith(f"ownstack: using {data} (./.ownstack here, ")

    refused = ownstack("env", cwd=project)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert f"accepts root key {TEST_ACCESS_KEY}, not " in refused.stderr
    assert "OWNSTACK_ROOT_ACCESS_KEY" in refused.stderr
    assert not (project / "home").exists()  # no HOME data dir made either
