"""The `ownstack` command: env output, credentials on disk, overrides, config validation."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ownstack.cli import main

pytestmark = pytest.mark.own_server

EXPORT = re.compile(r"^export (AWS_[A-Z_]+)=(\S+)$")


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without the developer's AWS_* / OWNSTACK_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OWNSTACK_"))}
    env.update(extra or {})
    return env


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ownstack.cli", *args],
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def exports(stdout: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in stdout.splitlines():
        match = EXPORT.match(line)
        assert match, f"not an export line: {line!r}"
        found[match.group(1)] = match.group(2)
    return found


def test_env_prints_the_running_servers_five_exports(fresh_server: Any, tmp_path: Path) -> None:
    srv = fresh_server(tmp_path / "d", fixed_credentials=False)
    proc = run_cli("env", "--data", str(srv.data_dir))
    assert proc.returncode == 0, proc.stderr
    values = exports(proc.stdout)
    assert list(values) == [
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ]
    assert values["AWS_ENDPOINT_URL"] == srv.endpoint  # the port it listens on, not 4566
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", values["AWS_ACCESS_KEY_ID"])
    assert re.fullmatch(r"[A-Za-z0-9/+]{40}", values["AWS_SECRET_ACCESS_KEY"])
    assert values["AWS_DEFAULT_REGION"] == values["AWS_REGION"] == "us-east-1"
    assert (values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"]) == (
        srv.access_key,
        srv.secret_key,
    )


def test_env_never_creates_a_data_dir_or_keys(tmp_path: Path) -> None:
    data = tmp_path / "d"
    proc = run_cli("env", "--data", str(data))
    assert (proc.returncode, proc.stdout) == (1, "")
    assert f"no server found: there is no data dir at {data} (from --data)" in proc.stderr
    assert not data.exists()
    data.mkdir()
    proc = run_cli("env", "--data", str(data))
    assert (proc.returncode, proc.stdout) == (1, "")
    assert f"no server has started on {data} yet (it holds no keys)" in proc.stderr
    assert list(data.iterdir()) == []


def test_credentials_file_is_private_and_stable(tmp_path: Path) -> None:
    data = tmp_path / "d"
    first = run_cli("account", "list", "--data", str(data))  # makes the data dir's identity
    second = run_cli("env", "--data", str(data))
    third = run_cli("env", "--data", str(data))
    assert first.returncode == second.returncode == third.returncode == 0
    assert second.stdout == third.stdout
    assert json.loads(first.stdout)[0]["AccessKeyId"] in second.stdout
    assert "no server is running on" in second.stderr  # stopped: its keys, with a note
    mode = stat.S_IMODE((data / "credentials.json").stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert not [p.name for p in data.iterdir() if p.name.endswith(".tmp")]


def test_env_overrides(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    env = {
        "OWNSTACK_DATA": str(tmp_path / "d"),
        "OWNSTACK_PORT": "4999",
        "OWNSTACK_HOST": "0.0.0.0",
        "OWNSTACK_REGION": "eu-west-3",
        "OWNSTACK_ROOT_ACCESS_KEY": "AKIAOVERRIDE00000001",
        "OWNSTACK_ROOT_SECRET_KEY": "override-secret",
        "OWNSTACK_ACCOUNT_ID": "123456789012",
    }
    proc = run_cli("env", env=env)
    assert proc.returncode == 0, proc.stderr
    assert exports(proc.stdout) == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4999",
        "AWS_ACCESS_KEY_ID": "AKIAOVERRIDE00000001",
        "AWS_SECRET_ACCESS_KEY": "override-secret",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_REGION": "eu-west-3",
    }
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == []


def test_yaml_settings_and_credentials(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "ownstack.yaml").write_text(
        "port: 4600\nregion: ap-south-1\n"
        "credentials: {access_key: AKIAFROMYAML00000001, secret_key: yaml-secret,"
        " account_id: '123456789012'}\n"
    )
    proc = run_cli("env", "--data", str(data))
    assert proc.returncode == 0, proc.stderr
    values = exports(proc.stdout)
    assert values["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4600"
    assert values["AWS_ACCESS_KEY_ID"] == "AKIAFROMYAML00000001"
    assert values["AWS_SECRET_ACCESS_KEY"] == "yaml-secret"
    assert values["AWS_REGION"] == "ap-south-1"


def test_account_id_is_12_digits_and_stable(fresh_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "stable"
    first = fresh_server(data, fixed_credentials=False)
    identity = first.client("sts").get_caller_identity()
    assert re.fullmatch(r"\d{12}", identity["Account"])
    env_before = exports(run_cli("env", "--data", str(data)).stdout)
    assert first.stop() in (0, -15)
    second = fresh_server(data, fixed_credentials=False)
    again = second.client("sts").get_caller_identity()
    fields = ("UserId", "Account", "Arn")
    assert {k: again[k] for k in fields} == {k: identity[k] for k in fields}
    assert second.access_key == env_before["AWS_ACCESS_KEY_ID"]
    assert second.secret_key == env_before["AWS_SECRET_ACCESS_KEY"]


def test_account_id_override(fresh_server: Any) -> None:
    srv = fresh_server(env={"OWNSTACK_ACCOUNT_ID": "999988887777"})
    assert srv.client("sts").get_caller_identity()["Arn"] == "arn:aws:iam::999988887777:root"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("backends:\n  meta: nosuch\n", "backends.meta: unknown engine 'nosuch' (available: "),
        ("backends:\n  topics: sqlite\n", "unknown port 'topics'"),
        (
            "backends:\n  queue: fs\n",
            "backends.queue: engine 'fs' does not provide the 'queue' port",
        ),
        (
            "backends:\n  blobs: sqlite\n",
            "backends.blobs: engine 'sqlite' does not provide the 'blobs' port",
        ),
        ("limits:\n  s3: {max_nothing: 1}\n", "limits.s3: unknown limit(s) max_nothing"),
        ("limits:\n  http: {nothing: 1}\n", "limits.http: unknown limit(s) nothing"),
        (
            "limits:\n  http: {request_timeout: 0}\n",
            "limits.http.request_timeout must be a positive number",
        ),
        ("nonsense: 1\n", "unknown setting(s) in ownstack.yaml: nonsense"),
    ],
)
def test_bad_config_fails_at_start(tmp_path: Path, yaml_text: str, message: str) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "ownstack.yaml").write_text(yaml_text)
    proc = run_cli("serve", "--port", "0", "--data", str(data))
    assert proc.returncode == 2
    assert proc.stderr.startswith("ownstack: configuration error: ")
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_explicit_config_file_must_exist(tmp_path: Path) -> None:
    proc = run_cli("serve", "--data", str(tmp_path), "--config", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr


def test_serve_announces_itself_and_stops_on_sigterm(fresh_server: Any) -> None:
    srv = fresh_server(args=["--host", "127.0.0.1"])
    assert srv.stop() == 0
    first_line = srv.log().splitlines()[0]
    assert first_line == (
        f"ownstack listening on http://127.0.0.1:{srv.port} (data {srv.data_dir})"
    )


def test_memory_engines_from_yaml(fresh_server: Any) -> None:
    srv = fresh_server(
        config_yaml="backends:\n  meta: memory\n  blobs: {engine: memory}\n  queue: memory\n"
    )

    with urllib.request.urlopen(f"{srv.endpoint}/_ownstack/health", timeout=5) as resp:
        assert json.loads(resp.read())["backends"] == {
            "meta": {"engine": "memory", "ready": True},
            "blobs": {"engine": "memory", "ready": True},
            "queue": {"engine": "memory", "ready": True},
            "logs": {"engine": "memory", "ready": True},
            "runtime": {"engine": "process", "ready": True},
        }


def test_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "serve" in capsys.readouterr().out
    assert os.environ.get("OWNSTACK_NEVER_SET") is None


def test_s3_limits_from_yaml_reach_the_service(fresh_server: Any) -> None:
    from botocore.exceptions import ClientError

    srv = fresh_server(config_yaml="limits:\n  s3: {max_key_bytes: 8}\n")
    s3 = srv.client("s3")
    s3.create_bucket(Bucket="limits")
    s3.put_object(Bucket="limits", Key="12345678", Body=b"")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket="limits", Key="123456789", Body=b"")
    assert exc.value.response["Error"]["Code"] == "KeyTooLongError"
    assert exc.value.response["Error"]["MaxSizeAllowed"] == "8"


def test_second_server_on_one_data_dir_is_refused(fresh_server: Any) -> None:
    """Two servers writing one data dir would break group commit and the read cache; the second
    one says why and exits, and the first keeps serving."""
    first = fresh_server()
    proc = run_cli("serve", "--port", "0", "--data", str(first.data_dir))
    assert proc.returncode == 1
    assert proc.stderr.startswith("ownstack: cannot start: ")
    assert "held by another process: one ownstack server per data directory" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert first.client("s3").list_buckets()["Buckets"] == []
