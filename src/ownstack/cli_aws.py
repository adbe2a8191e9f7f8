"""`ownstack aws ARGS...`: the aws CLI pointed at the running server, with its keys and region
(what `awslocal` is for LocalStack users).

The aws CLI is the one on PATH, else the one installed beside this Python. The endpoint, keys,
region (and the CA bundle for the generated HTTPS certificate) go in its environment, and the
endpoint also as `--endpoint-url` (unless ARGS give one): awscli v1 ignores AWS_ENDPOINT_URL for
SQS. The aws CLI replaces this process, so its exit code and signals are the command's own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ownstack.cli_env import EXIT_NOT_FOUND, EnvFlags, ServerNotFound, find_target
from ownstack.config import Config

EXIT_NO_AWS = 127
"""As a shell says for a command it cannot find."""
OWN_OPTIONS = ("--data", "--config", "--port")
"""The options of `ownstack aws` itself, taken only before the aws CLI's arguments."""
_VERSION = re.compile(r"aws-cli/(\d+)\.")


@dataclass(frozen=True, slots=True)
class AwsCli:
    path: Path
    major: int | None
    """1 or 2 (None: its version could not be read)."""
    beside_us: bool
    """It runs on this Python environment's interpreter (it can import ownstack)."""


def split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """`aws [own options] ARGS...` -> (the part ownstack parses, the aws CLI's ARGS)."""
    own, rest = [argv[0]], list(argv[1:])
    while rest:
        head = rest[0]
        if head in ("-h", "--help") and len(own) == 1 and len(rest) == 1:
            own.append(rest.pop(0))
        elif head in OWN_OPTIONS and len(rest) > 1:
            own += rest[:2]
            del rest[:2]
        elif head.split("=", 1)[0] in OWN_OPTIONS and "=" in head:
            own.append(rest.pop(0))
        else:
            break
    return own, rest


def aws_command(config: Config, flags: EnvFlags, args: Sequence[str]) -> int:
    try:
        target = find_target(config, flags)
    except ServerNotFound as exc:
        print(f"ownstack: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    aws = find_aws(os.environ)
    if aws is None:
        print(
            "ownstack: no aws CLI found on PATH or beside this Python: install AWS CLI v2, or"
            " `pip install awscli` (v1)",
            file=sys.stderr,
        )
        return EXIT_NO_AWS
    env = {**os.environ, **target.exports()}
    given = any(a == "--endpoint-url" or a.startswith("--endpoint-url=") for a in args)
    endpoint = [] if given else ["--endpoint-url", target.endpoint]
    sys.stdout.flush()
    os.execve(aws, [str(aws), *endpoint, *args], env)  # noqa: S606 (argv, no shell)


def find_aws(env: Mapping[str, str]) -> Path | None:
    found = shutil.which("aws", path=env.get("PATH", os.defpath))
    if found:
        return Path(found)
    beside = Path(sys.executable).parent / "aws"
    return beside if os.access(beside, os.X_OK) else None


def describe_aws(path: Path) -> AwsCli:
    """Its major version (from `aws --version`) and whether it runs on our interpreter."""
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=20, check=False
        )
        match = _VERSION.search(done.stdout + done.stderr)
    except (OSError, subprocess.TimeoutExpired):
        match = None
    major = int(match.group(1)) if match else None
    return AwsCli(path, major, _interpreter_dir(path) == Path(sys.executable).absolute().parent)


def _interpreter_dir(path: Path) -> Path | None:
    """The directory of the Python a script's `#!` line names (None: not a Python script)."""
    try:
        with path.open("rb") as file:
            first = file.readline(512)
    except OSError:
        return None
    if not first.startswith(b"#!") or b"python" not in first:
        return None
    interpreter = first[2:].strip().split()[0].decode(errors="replace")
    return Path(interpreter).absolute().parent
