"""The aws CLI as an IAM user and as a role session: what the policies allow works, the rest
fails with AWS's AccessDenied text, as a user of the CLI would see it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from authzkit import Keys, allow, doc, make_user, unique

READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def _aws(server: Any, keys: Keys, *args: str) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).parent / "aws"
    if not cli.exists():
        pytest.skip("the aws CLI is not installed in the venv (the dev extras bring it)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=keys.access_key,
        AWS_SECRET_ACCESS_KEY=keys.secret_key,
        AWS_DEFAULT_REGION=server.region,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    if keys.token:
        env["AWS_SESSION_TOKEN"] = keys.token
    argv = [str(cli), "--endpoint-url", server.endpoint, *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_cli_read_only_user_lists_but_cannot_upload(
    authz_server: Any, iam: Any, tmp_path: Path
) -> None:
    bucket = unique("cli")
    s3 = authz_server.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="seen.txt", Body=b"x")
    user = make_user(iam, managed=[READ_ONLY])
    listed = _aws(authz_server, user, "s3", "ls", f"s3://{bucket}/")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[-1] == "seen.txt"
    local = tmp_path / "new.txt"
    local.write_text("new")
    copied = _aws(authz_server, user, "s3", "cp", str(local), f"s3://{bucket}/new.txt")
    assert copied.returncode != 0
    assert "AccessDenied" in copied.stderr
    assert f"User: {user.arn} is not authorized to perform: s3:PutObject" in copied.stderr


def test_cli_assumed_role_session(authz_server: Any, iam: Any) -> None:
    caller = make_user(iam, inline=doc(allow("sts:AssumeRole")))
    trust = doc({"Effect": "Allow", "Principal": {"AWS": caller.arn}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName=unique("clirole"), AssumeRolePolicyDocument=trust)["Role"]
    assumed = _aws(
        authz_server,
        caller,
        "sts",
        "assume-role",
        "--role-arn",
        role["Arn"],
        "--role-session-name",
        "cli",
    )
    assert assumed.returncode == 0, assumed.stderr
    creds = json.loads(assumed.stdout)["Credentials"]
    session = Keys(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    who = _aws(authz_server, session, "sts", "get-caller-identity")
    assert who.returncode == 0, who.stderr
    account = role["Arn"].split(":")[4]
    expected = f"arn:aws:sts::{account}:assumed-role/{role['RoleName']}/cli"
    assert json.loads(who.stdout)["Arn"] == expected
    denied = _aws(authz_server, session, "sqs", "list-queues")
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr
