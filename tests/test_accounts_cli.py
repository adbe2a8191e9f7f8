"""`ownstack account create|list` and the accounts ownstack.yaml declares: idempotent creation,
the file's safety, a running server taking a new account without a restart, and accounts as
namespaces (each sees its own buckets and queues)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.own_server

ALT = {"name": "alt", "id": "222222222222", "key": "AKIAALTACCOUNTROOT01"}
ALT_SECRET = "alt-account-root-secret-0000000000000000"
ALT_YAML = (
    f'accounts:\n  - {{name: alt, id: "{ALT["id"]}", root_access_key: {ALT["key"]},'
    f' root_secret_key: "{ALT_SECRET}"}}\n'
)
KEY_RE = re.compile(r"^AKIA[A-Z2-7]{16}$")
FIXED = {
    "OWNSTACK_ROOT_ACCESS_KEY": "AKIAOWNSTACKTEST0001",
    "OWNSTACK_ROOT_SECRET_KEY": "ownstack-test-secret-key-0000000000000000",
    "OWNSTACK_ACCOUNT_ID": "123456789012",
}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OWNSTACK_"))}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "ownstack.cli", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def create(data: Path, name: str, *extra: str, env: dict[str, str] | None = None) -> Any:
    proc = run_cli("account", "create", name, "--data", str(data), *extra, env=env)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 1  # exactly one JSON object
    return json.loads(proc.stdout)


def listed(data: Path, env: dict[str, str] | None = None) -> list[dict[str, str]]:
    proc = run_cli("account", "list", "--data", str(data), env=env)
    assert proc.returncode == 0, proc.stderr
    rows: list[dict[str, str]] = json.loads(proc.stdout)
    return rows


def test_create_prints_the_new_root_and_is_idempotent(tmp_path: Path) -> None:
    data = tmp_path / "d"
    made = create(data, "team-a")
    assert list(made) == ["Name", "AccountId", "AccessKeyId", "SecretAccessKey"]
    assert made["Name"] == "team-a"
    assert re.fullmatch(r"[1-9]\d{11}", made["AccountId"])
    assert KEY_RE.match(made["AccessKeyId"]) and len(made["SecretAccessKey"]) == 40
    assert create(data, "team-a") == made
    assert create(data, "team-a", "--id", made["AccountId"]) == made
    path = data / "accounts.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_create_with_a_fixed_id(tmp_path: Path) -> None:
    data = tmp_path / "d"
    made = create(data, "fixed", "--id", "444455556666")
    assert made["AccountId"] == "444455556666"


def test_create_refuses_a_disagreeing_or_taken_id(tmp_path: Path) -> None:
    data = tmp_path / "d"
    made = create(data, "one", "--id", "111122223333")
    proc = run_cli("account", "create", "one", "--id", "999988887777", "--data", str(data))
    assert proc.returncode == 2 and proc.stdout == ""
    assert "account 'one' exists with id 111122223333, not 999988887777" in proc.stderr
    proc = run_cli("account", "create", "two", "--id", made["AccountId"], "--data", str(data))
    assert proc.returncode == 2
    assert "account id 111122223333 belongs to account 'one'" in proc.stderr
    proc = run_cli("account", "create", "three", "--id", "12345", "--data", str(data))
    assert proc.returncode == 2
    assert "account id must be 12 digits, got '12345'" in proc.stderr
    proc = run_cli("account", "create", "d", "--id", FIXED["OWNSTACK_ACCOUNT_ID"],
                   "--data", str(data), env=FIXED)  # fmt: skip
    assert proc.returncode == 2
    assert "belongs to account 'default'" in proc.stderr
    assert [a["Name"] for a in listed(data)] == ["default", "one"]


def test_list_puts_the_default_account_first_and_shows_no_secret(tmp_path: Path) -> None:
    data = tmp_path / "d"
    b = create(data, "b", env=FIXED)
    a = create(data, "a", env=FIXED)
    rows = listed(data, env=FIXED)
    assert rows == [
        {"Name": "default", "AccountId": "123456789012", "AccessKeyId": "AKIAOWNSTACKTEST0001"},
        {"Name": "b", "AccountId": b["AccountId"], "AccessKeyId": b["AccessKeyId"]},
        {"Name": "a", "AccountId": a["AccountId"], "AccessKeyId": a["AccessKeyId"]},
    ]
    assert create(data, "default", env=FIXED)["AccessKeyId"] == "AKIAOWNSTACKTEST0001"


def test_the_default_account_follows_the_generated_credentials(tmp_path: Path) -> None:
    data = tmp_path / "d"
    rows = listed(data)
    stored = json.loads((data / "credentials.json").read_text())
    assert rows == [
        {"Name": "default", "AccountId": stored["account_id"], "AccessKeyId": stored["access_key"]}
    ]


def test_concurrent_creates_all_land(tmp_path: Path) -> None:
    data = tmp_path / "d"
    names = [f"c{i}" for i in range(6)]
    with ThreadPoolExecutor(len(names)) as pool:
        made = list(pool.map(lambda n: create(data, n), names + names))
    by_name = {m["Name"]: m for m in made[: len(names)]}
    assert made[len(names) :] == made[: len(names)]  # the second round saw the first
    rows = listed(data)
    assert sorted(r["Name"] for r in rows[1:]) == names
    assert len({r["AccountId"] for r in rows}) == len(rows)
    assert {r["Name"]: r["AccountId"] for r in rows[1:]} == {
        n: by_name[n]["AccountId"] for n in names
    }


def test_yaml_accounts_are_listed_and_validated(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "ownstack.yaml").write_text(ALT_YAML)
    rows = listed(data, env=FIXED)
    assert rows[1] == {"Name": "alt", "AccountId": ALT["id"], "AccessKeyId": ALT["key"]}
    assert create(data, "alt", env=FIXED)["SecretAccessKey"] == ALT_SECRET
    (data / "ownstack.yaml").write_text(ALT_YAML.replace('"222222222222"', "2222"))
    proc = run_cli("account", "list", "--data", str(data), env=FIXED)
    assert proc.returncode == 2
    assert "every field must be a non-empty string (quote the id)" in proc.stderr
    duplicate = ALT_YAML + ALT_YAML.split("\n", 1)[1].replace("name: alt", "name: alt2")
    (data / "ownstack.yaml").write_text(duplicate)
    proc = run_cli("account", "list", "--data", str(data), env=FIXED)
    assert proc.returncode == 2
    assert "accounts: duplicate id '222222222222'" in proc.stderr
    (data / "ownstack.yaml").write_text(ALT_YAML.replace(ALT["id"], "123456789012"))
    proc = run_cli("account", "list", "--data", str(data), env=FIXED)
    assert proc.returncode == 2
    assert "'alt' has the default account's id 123456789012" in proc.stderr


def client(server: Any, service: str, account: dict[str, str]) -> Any:
    return server.client(
        service,
        aws_access_key_id=account["AccessKeyId"],
        aws_secret_access_key=account["SecretAccessKey"],
    )


def test_a_created_account_works_on_a_running_server(fresh_server: Any) -> None:
    server = fresh_server()
    made = create(server.data_dir, "late", env=FIXED)
    identity = client(server, "sts", made).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{made['AccountId']}:root"
    assert identity["Account"] == made["AccountId"]
    unknown = {"AccessKeyId": "AKIAUNKNOWNKEY000001", "SecretAccessKey": "x" * 40}
    with pytest.raises(ClientError) as info:
        client(server, "sts", unknown).get_caller_identity()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"
    second = create(server.data_dir, "later", env=FIXED)
    assert client(server, "sts", second).get_caller_identity()["Account"] == second["AccountId"]


def test_accounts_are_namespaces(fresh_server: Any) -> None:
    server = fresh_server(config_yaml=ALT_YAML)
    alt = {"AccessKeyId": ALT["key"], "SecretAccessKey": ALT_SECRET}
    assert client(server, "sts", alt).get_caller_identity()["Account"] == ALT["id"]
    main_s3, alt_s3 = server.client("s3"), client(server, "s3", alt)
    main_s3.create_bucket(Bucket="main-only-bucket")
    alt_s3.create_bucket(Bucket="alt-only-bucket")
    assert [b["Name"] for b in main_s3.list_buckets()["Buckets"]] == ["main-only-bucket"]
    assert [b["Name"] for b in alt_s3.list_buckets()["Buckets"]] == ["alt-only-bucket"]
    main_sqs, alt_sqs = server.client("sqs"), client(server, "sqs", alt)
    main_url = main_sqs.create_queue(QueueName="jobs")["QueueUrl"]
    alt_url = alt_sqs.create_queue(QueueName="jobs")["QueueUrl"]
    assert main_url != alt_url
    assert "/123456789012/jobs" in main_url and f"/{ALT['id']}/jobs" in alt_url
    assert main_sqs.list_queues()["QueueUrls"] == [main_url]
    assert alt_sqs.list_queues()["QueueUrls"] == [alt_url]
