"""Two real ownstack processes sharing one PostgreSQL meta schema, each with its own data dir
and its own generated credentials.json: they serve the same default account (the one stored
first), and a user, key or policy written through one is in force in the other within the
watcher's staleness bound. Skipped, saying why, where PostgreSQL is not reachable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conformance.kit import postgres_options, postgres_unreachable
from ownstack.backends import postgres
from ownstack.identity.watcher import STALENESS_BOUND

REQUEST_SLACK = 1.0
"""Seconds a few signed round trips may add to the bound on a loaded test machine."""
READ_ANYTHING = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
    }
)


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[list[Any]]:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    if not postgres.engine.provides("meta"):
        pytest.skip("the postgres engine does not provide the meta port")
    root = tmp_path_factory.mktemp("shared-identities")
    meta = {"engine": "postgres", **postgres_options(root / "schema")}
    servers: list[Any] = []
    try:
        for name in ("one", "two"):  # in turn: "one" seeds the store first
            data = root / name
            data.mkdir()
            (data / "ownstack.yaml").write_text(f"backends: {json.dumps({'meta': meta})}\n")
            servers.append(launch_server(data, fixed_credentials=False))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _as(server: Any, service: str, key_id: str, secret: str) -> Any:
    return server.client(service, aws_access_key_id=key_id, aws_secret_access_key=secret)


def _eventually(check: Callable[[], Any], limit: float) -> Any:
    started = time.monotonic()
    while True:
        try:
            return check()
        except ClientError:
            if time.monotonic() - started > limit:
                raise
        time.sleep(0.02)


def _error_code(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


def test_both_serve_the_default_account_stored_first(pair: list[Any]) -> None:
    one, two = pair
    stored_first = json.loads((one.data_dir / "credentials.json").read_text())
    own = json.loads((two.data_dir / "credentials.json").read_text())
    assert own["account_id"] != stored_first["account_id"]  # two generated identities
    for server in pair:
        caller = (
            one.client("sts")
            if server is one
            else _as(two, "sts", stored_first["access_key"], stored_first["secret_key"])
        )
        identity = caller.get_caller_identity()
        assert identity["Account"] == stored_first["account_id"]
        assert identity["Arn"] == f"arn:aws:iam::{stored_first['account_id']}:root"
    refused = _as(two, "sts", own["access_key"], own["secret_key"])
    assert _error_code(refused.get_caller_identity) == "InvalidClientTokenId"
    assert "serving the stored one, as every process does" in two.log()


def test_a_user_key_made_through_one_signs_against_the_other(pair: list[Any]) -> None:
    one, two = pair
    root_secret = json.loads((one.data_dir / "credentials.json").read_text())["secret_key"]
    root_two = _as(two, "iam", one.access_key, root_secret)
    iam_one = one.client("iam")
    iam_one.create_user(UserName="shared-alice")
    made = iam_one.create_access_key(UserName="shared-alice")["AccessKey"]
    key_id, secret = made["AccessKeyId"], made["SecretAccessKey"]

    started = time.monotonic()
    sts_two = _as(two, "sts", key_id, secret)
    identity = _eventually(sts_two.get_caller_identity, STALENESS_BOUND + REQUEST_SLACK)
    assert time.monotonic() - started < STALENESS_BOUND + REQUEST_SLACK
    assert identity["Arn"] == f"arn:aws:iam::{one.account_id}:user/shared-alice"
    assert identity["UserId"] == iam_one.get_user(UserName="shared-alice")["User"]["UserId"]

    # A policy put through two is in force in one.
    s3_one = _as(one, "s3", key_id, secret)
    assert _error_code(s3_one.list_buckets) == "AccessDenied"
    root_two.put_user_policy(
        UserName="shared-alice", PolicyName="list", PolicyDocument=READ_ANYTHING
    )
    listed = _eventually(s3_one.list_buckets, STALENESS_BOUND + REQUEST_SLACK)
    assert listed["Owner"]["ID"]

    # A key deleted through two is refused by one.
    root_two.delete_access_key(UserName="shared-alice", AccessKeyId=key_id)
    sts_one = _as(one, "sts", key_id, secret)
    deadline = time.monotonic() + STALENESS_BOUND + REQUEST_SLACK
    while True:
        try:
            sts_one.get_caller_identity()
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "InvalidClientTokenId"
            break
        assert time.monotonic() < deadline, "a deleted key is still accepted"
        time.sleep(0.02)


def test_an_account_created_on_one_data_dir_works_on_the_other(pair: list[Any]) -> None:
    one, two = pair
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OWNSTACK_"))}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ownstack.cli",
            "account",
            "create",
            "team-shared",
            "--data",
            str(one.data_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    made = json.loads(proc.stdout)
    sts_two = _as(two, "sts", made["AccessKeyId"], made["SecretAccessKey"])
    # one seeds the store on its next poll, two loads it on its own: two bounds at most.
    identity = _eventually(sts_two.get_caller_identity, 2 * STALENESS_BOUND + REQUEST_SLACK)
    assert identity["Account"] == made["AccountId"]
