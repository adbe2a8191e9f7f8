"""examples/photo-pipeline, end to end against a real server: its own setup.sh and check.sh,
run with the aws CLI exactly as a user would (S3 notification -> Python function -> DynamoDB
stream -> Node.js function -> SNS -> SQS -> Python function with partial batch failures and a
dead-letter queue; a Scheduler schedule running a clean-up function every minute)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "photo-pipeline"


def _needs() -> str | None:
    for tool in ("zip", "node"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "awslambda"))
    from invokekit import runtime_missing

    for runtime in ("python3.12", "nodejs20.x"):
        reason = runtime_missing(runtime)
        if reason:
            return f"{runtime} cannot run here: {reason}"
    return None


def _run(script: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(EXAMPLE / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_photo_pipeline_end_to_end(fresh_server: Any, tmp_path: Path) -> None:
    reason = _needs()
    if reason:
        pytest.skip(reason)
    server = fresh_server()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=server.endpoint,
        AWS_ACCESS_KEY_ID=server.access_key,
        AWS_SECRET_ACCESS_KEY=server.secret_key,
        AWS_DEFAULT_REGION=server.region,
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        TMPDIR=str(tmp_path),
    )
    setup = _run("setup.sh", env, 240)
    assert setup.returncode == 0, f"setup.sh failed:\n{setup.stdout}\n{setup.stderr}"
    check = _run("check.sh", env, 240)
    assert check.returncode == 0, f"check.sh failed:\n{check.stdout}\n{check.stderr}"
    assert check.stdout.splitlines() == [
        "ok: S3 -> thumbnail: record for uploads/good-dog.jpg",
        "ok: stream -> announce -> SNS -> SQS -> consume: done/uploads/good-dog.jpg",
        "ok: partial batch failure -> redrive: bad-cat.jpg in ready-dlq",
        "ok: Scheduler -> cleanup ran",
        "pipeline works end to end",
    ]
