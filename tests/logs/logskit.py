"""Shared by the CloudWatch Logs tests: servers per log engine, clients, names, times."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

DAY_MS = 86_400_000


def unique(prefix: str = "/t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def now_ms() -> int:
    return int(time.time() * 1000)


def log_engines() -> list[Any]:
    """The engines providing the log port that keep data across a restart, as pytest params
    (postgres skipped when no server is reachable)."""
    from conformance import kit  # type: ignore[import-not-found]

    return [p for p in kit.backends_for("logs") if getattr(p, "values", [p])[0] != "memory"]


def engine_config_yaml(data: Path, engine: str) -> str:
    """ownstack.yaml backing the log port with `engine` (postgres: a schema of its own)."""
    from conformance import kit

    spec: dict[str, Any] = {"engine": engine}
    if engine == "postgres":
        spec.update(kit.postgres_options(data))
    return f"backends: {{logs: {json.dumps(spec)}}}\n"


def error_of(exc: pytest.ExceptionInfo[Any]) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a botocore ClientError."""
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def make_stream(logs: Any, group: str | None = None, stream: str = "s") -> tuple[str, str]:
    group = group or unique()
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    return group, stream


def put(logs: Any, group: str, stream: str, *events: tuple[int, str]) -> dict[str, Any]:
    result: dict[str, Any] = logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": t, "message": m} for t, m in events],
    )
    return result


def messages(events: list[dict[str, Any]]) -> list[str]:
    return [str(e["message"]) for e in events]


def cli_env(server: Any, home: Path) -> dict[str, str]:
    """The environment of an `aws` CLI (or a tail_client.py) run against `server`, with no
    developer settings and no retries."""
    import os

    home.mkdir(parents=True, exist_ok=True)
    config = home / "config"
    config.write_text(f"[default]\nregion = {server.region}\nmax_attempts = 1\n")
    (home / "credentials").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OWNSTACK_"))}
    env.update(
        AWS_ACCESS_KEY_ID=server.access_key,
        AWS_SECRET_ACCESS_KEY=server.secret_key,
        AWS_DEFAULT_REGION=server.region,
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    return env
