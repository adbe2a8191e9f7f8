"""Helpers of the STS suite: boto3 clients signed with any credentials, the aws CLI, and
the accounts this suite's server declares in its ownstack.yaml."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from accountskit import (  # noqa: F401 (the tests here import them from this kit)
    ALT_ACCESS_KEY,
    ALT_ACCOUNT,
    ALT_SECRET_KEY,
    THIRD_ACCESS_KEY,
    THIRD_ACCOUNT,
    THIRD_SECRET_KEY,
)


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def client(server: Any, service: str, creds: Mapping[str, str] | None = None) -> Any:
    """A client of `server` signed with `creds` (an STS Credentials dict, or AccessKeyId /
    SecretAccessKey alone); the server's root when None."""
    if creds is None:
        return server.client(service)
    return server.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
    )


def keys(access_key: str, secret_key: str) -> dict[str, str]:
    return {"AccessKeyId": access_key, "SecretAccessKey": secret_key}


def error_of(exc: Any) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err.get("Message", "")


def trust_policy(*principals: str, condition: dict[str, Any] | None = None) -> str:
    import json

    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def aws_cli(server: Any, home: Path, creds: Mapping[str, str], *args: str) -> str:
    exe = Path(sys.executable).parent / "aws"
    found = str(exe) if exe.exists() else shutil.which("aws")
    if found is None:
        pytest.skip("aws CLI is not installed (CI installs it with .ci/ensure-tools)")
    home.mkdir(parents=True, exist_ok=True)
    (home / "config").write_text(f"[default]\nregion = {server.region}\n")
    (home / "credentials").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    if creds.get("SessionToken"):
        env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    argv = [found, "--endpoint-url", server.endpoint, "--output", "json", *args]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def unvalidated(server: Any, service: str) -> Any:
    """A root client that sends what it is given (botocore checks lengths client-side)."""
    from botocore.config import Config

    return server.client(service, config=Config(parameter_validation=False))
