"""The aws CLI (`aws lambda ...`, with --endpoint-url) against a real server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lambdakit import make_zip, unique

pytestmark = pytest.mark.clients

Run = subprocess.CompletedProcess[str]


def _aws(server: Any, home: Path, *args: str, check: bool = True) -> Run:
    tool = Path(sys.executable).parent / "aws"
    exe = str(tool) if tool.exists() else shutil.which("aws")
    if exe is None:
        pytest.skip("the aws CLI is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=server.access_key,
        AWS_SECRET_ACCESS_KEY=server.secret_key,
        AWS_DEFAULT_REGION=server.region,
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        HOME=str(home),
    )
    argv = [exe, "--endpoint-url", server.endpoint, "--output", "json", *args]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def test_cli_function_lifecycle(server: Any, role: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    package = tmp_path / "function.zip"
    package.write_bytes(make_zip())
    name = unique("cli")
    made = json.loads(
        _aws(
            server,
            home,
            "lambda",
            "create-function",
            "--function-name",
            name,
            "--runtime",
            "python3.12",
            "--handler",
            "index.handler",
            "--role",
            role,
            "--zip-file",
            f"fileb://{package}",
        ).stdout
    )
    assert (made["FunctionName"], made["State"]) == (name, "Pending")
    _aws(server, home, "lambda", "wait", "function-active-v2", "--function-name", name)
    got = json.loads(_aws(server, home, "lambda", "get-function", "--function-name", name).stdout)
    assert got["Configuration"]["State"] == "Active"
    listed = json.loads(_aws(server, home, "lambda", "list-functions").stdout)
    assert name in [f["FunctionName"] for f in listed["Functions"]]
    version = json.loads(
        _aws(server, home, "lambda", "publish-version", "--function-name", name).stdout
    )
    assert version["Version"] == "1"
    _aws(server, home, "lambda", "delete-function", "--function-name", name)
    missing = _aws(server, home, "lambda", "get-function", "--function-name", name, check=False)
    assert missing.returncode != 0
    assert (
        "(ResourceNotFoundException) when calling the GetFunction operation: Function not found"
        in missing.stderr
    )


def test_cli_invokes_and_reads_the_logs(server: Any, role: str, tmp_path: Path) -> None:
    from invokekit import eventually, need

    need("python3.12")
    home = tmp_path / "home"
    home.mkdir()
    package = tmp_path / "function.zip"
    code = (
        "def handler(event, context):\n    print('cli says', event['n'])\n    return event['n'] * 2"
    )
    package.write_bytes(make_zip({"index.py": code}))
    name = unique("cli")
    _aws(server, home, "lambda", "create-function", "--function-name", name,
         "--runtime", "python3.12", "--handler", "index.handler", "--role", role,
         "--zip-file", f"fileb://{package}")  # fmt: skip
    _aws(server, home, "lambda", "wait", "function-active-v2", "--function-name", name)
    out_file = tmp_path / "out.json"
    done = json.loads(
        _aws(
            server,
            home,
            "lambda",
            "invoke",
            "--function-name",
            name,
            "--payload",
            '{"n": 21}',
            "--log-type",
            "Tail",
            str(out_file),
        ).stdout
    )
    assert done["StatusCode"] == 200
    assert done["ExecutedVersion"] == "$LATEST"
    assert json.loads(out_file.read_text()) == 42

    def logged() -> list[str]:
        found = _aws(server, home, "logs", "filter-log-events",
                     "--log-group-name", f"/aws/lambda/{name}", check=False)  # fmt: skip
        if found.returncode != 0:
            return []
        return [e["message"] for e in json.loads(found.stdout)["events"]]

    messages = eventually(lambda: [m for m in logged() if m.startswith("cli says 21")])
    assert [m.rstrip("\n") for m in messages] == ["cli says 21"]
