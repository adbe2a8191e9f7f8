"""Issue #15's proof: a newcomer's first commands (docs/getting-started.md) in a temporary HOME.

`ownstack serve --port P` is started as the getting-started page says, from a project directory,
with no --data and no XDG_DATA_HOME: its data goes to ~/.local/share/ownstack of that HOME. Every
client command then runs from *another* directory: `ownstack env` (its exports used by boto3),
`ownstack status`, `ownstack env --profile ownstack` and the aws CLI v1 with `--profile ownstack`
for SQS (no AWS_ENDPOINT_URL anywhere: awscli v1 would send SQS to AWS without the plugin the
profile set-up adds), `ownstack aws sqs ...`, and `ownstack --version`. A queue made through each
path is listed through the others. With no server and no data dir, `ownstack env` fails saying
so, and creates nothing.

The commands are the installed `ownstack` and `aws` of this virtualenv (an editable install of
this working tree), so what is tested is the code as it stands, not the last commit. HOME is a
temporary directory: the real ~/.aws and data dir are never read or written.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import boto3
import pytest

from ownserver import free_port

BIN = Path(sys.executable).parent
OWNSTACK = BIN / "ownstack"
AWS = BIN / "aws"
START_TIMEOUT_S = 30.0

pytestmark = [
    pytest.mark.clients,  # runs the aws CLI
    pytest.mark.skipif(
        not (OWNSTACK.exists() and AWS.exists()), reason="needs the virtualenv's ownstack and aws"
    ),
]


@dataclass
class Newcomer:
    """A user's shell: a HOME of its own, the virtualenv's commands on PATH, nothing else."""

    home: Path
    env: dict[str, str]

    def run(self, *argv: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in argv],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def newcomer(home: Path) -> Newcomer:
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "OWNSTACK_", "XDG_")) and k not in ("HOME", "PATH")
    }
    # Only this virtualenv's `aws` (v1) may answer to the name: not one elsewhere on PATH.
    env.update(HOME=str(home), PATH=f"{BIN}:/usr/bin:/bin", AWS_PAGER="")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return Newcomer(home, env)


@dataclass
class Started:
    user: Newcomer
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    elsewhere: Path


@pytest.fixture
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    root = tmp_path_factory.mktemp("first-use")
    user = newcomer(root / "home")
    project, elsewhere = root / "project", root / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    port = free_port()
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(OWNSTACK), "serve", "--port", str(port)],
            cwd=project,
            env=user.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "shell" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield Started(user, port, process, log, elsewhere)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def test_a_newcomers_first_commands(started: Started, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the order the getting-started page gives them; each step uses what the one before
    made."""
    # boto3 in this process reads only the exports, never the developer's ~/.aws.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(started.user.home / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(started.user.home / "no-credentials"))
    the_banner_says_how_to_connect(started)
    env_from_elsewhere_gives_boto3_the_servers_keys(started)
    profile_and_ownstack_aws_reach_sqs_with_awscli_v1(started)
    status_and_version(started)
    a_stopped_server_is_not_running(started)


def the_banner_says_how_to_connect(started: Started) -> None:
    data = started.user.home / ".local" / "share" / "ownstack"
    assert started.log.read_text().splitlines()[:3] == [
        f"ownstack listening on http://127.0.0.1:{started.port} (data {data})",
        f"  console  http://127.0.0.1:{started.port}/_ownstack/console/",
        '  shell    eval "$(ownstack env)"',
    ]
    assert not (started.elsewhere / ".ownstack").exists()


def env_from_elsewhere_gives_boto3_the_servers_keys(started: Started) -> None:
    printed = started.user.run("ownstack", "env", cwd=started.elsewhere)
    assert printed.returncode == 0, printed.stderr
    exports = dict(
        line.removeprefix("export ").split("=", 1) for line in printed.stdout.splitlines()
    )
    exports = {name: shlex.split(value)[0] for name, value in exports.items()}
    assert exports["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{started.port}"
    session = boto3.session.Session(
        aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        region_name=exports["AWS_REGION"],
    )
    s3 = session.client("s3", endpoint_url=exports["AWS_ENDPOINT_URL"])
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="hello.txt", Body=b"first use")
    assert s3.get_object(Bucket="photos", Key="hello.txt")["Body"].read() == b"first use"
    sqs = session.client("sqs", endpoint_url=exports["AWS_ENDPOINT_URL"])
    sqs.create_queue(QueueName="from-boto3")


def profile_and_ownstack_aws_reach_sqs_with_awscli_v1(started: Started) -> None:
    user, cwd = started.user, started.elsewhere
    written = user.run("ownstack", "env", "--profile", "ownstack", cwd=cwd)
    assert written.returncode == 0, written.stderr
    assert "added [plugins] ownstack_endpoints" in written.stderr
    credentials = user.home / ".aws" / "credentials"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    config = (user.home / ".aws" / "config").read_text()
    assert f"endpoint_url = http://127.0.0.1:{started.port}" in config
    assert user.run(AWS, "--version", cwd=cwd).stdout.startswith("aws-cli/1.")

    made = user.run("aws", "--profile", "ownstack", "sqs", "create-queue", "--queue-name",
                    "from-profile", cwd=cwd)  # fmt: skip
    assert made.returncode == 0, made.stderr
    made = user.run("ownstack", "aws", "sqs", "create-queue", "--queue-name", "from-ownstack-aws",
                    cwd=cwd)  # fmt: skip
    assert made.returncode == 0, made.stderr

    wanted = {"from-boto3", "from-profile", "from-ownstack-aws"}
    for argv in (("aws", "--profile", "ownstack"), ("ownstack", "aws")):
        listed = user.run(*argv, "sqs", "list-queues", cwd=cwd)
        assert listed.returncode == 0, listed.stderr
        names = {url.rsplit("/", 1)[1] for url in json.loads(listed.stdout)["QueueUrls"]}
        assert wanted <= names, (argv, names)
    failed = user.run("ownstack", "aws", "sqs", "get-queue-url", "--queue-name", "nope", cwd=cwd)
    assert failed.returncode == 255 and "NonExistentQueue" in failed.stderr  # awscli v1's code


def status_and_version(started: Started) -> None:
    shown = started.user.run("ownstack", "status", cwd=started.elsewhere)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"ownstack {metadata.version('ownstack')} is running (pid ")
    assert f"  endpoint  http://127.0.0.1:{started.port}\n" in shown.stdout
    assert re.search(r"  holds     1 account, 1 bucket, \d+ queues, ", shown.stdout), shown.stdout
    version = started.user.run("ownstack", "--version", cwd=started.elsewhere)
    assert version.stdout == f"ownstack {metadata.version('ownstack')}\n"


def a_stopped_server_is_not_running(started: Started) -> None:
    started.process.send_signal(signal.SIGTERM)
    assert started.process.wait(30) == 0
    data = started.user.home / ".local" / "share" / "ownstack"
    assert not (data / "server.json").exists()
    shown = started.user.run("ownstack", "status", cwd=started.elsewhere)
    assert (shown.returncode, shown.stdout) == (3, f"ownstack is not running (data {data})\n")


def test_env_without_a_server_fails_and_creates_nothing(tmp_path: Path) -> None:
    user = newcomer(tmp_path / "home")
    printed = user.run("ownstack", "env", cwd=tmp_path)
    assert (printed.returncode, printed.stdout) == (1, "")
    data = user.home / ".local" / "share" / "ownstack"
    assert printed.stderr == (
        f"ownstack: no server found: there is no data dir at {data} (the default data dir)."
        " Start one with `ownstack serve`, or name yours with --data DIR or $OWNSTACK_DATA\n"
    )
    for argv in (("ownstack", "status"), ("ownstack", "aws", "s3", "ls")):
        assert user.run(*argv, cwd=tmp_path).returncode in (1, 3)
    assert list(user.home.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
