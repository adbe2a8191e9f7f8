"""Lambda's Python runtimes: AWS's awslambdaric over the host's interpreters, in bubblewrap,
against a stub Runtime API. Each runtime skips, saying why, where it is not installed here."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from runtimekit import FUNCTION_ARN, bwrap_missing, run_in_sandbox

from ownstack.backends.process.runtimes import launch_for, unavailable

PYTHON_RUNTIMES = ["python3.10", "python3.11", "python3.12", "python3.13"]

APP = """\
import os
import sys

import boto3
import botocore

import layermod


def handler(event, context):
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_arn": context.invoked_function_arn,
        "boto3": [boto3.__version__, boto3.__file__],
        "botocore": botocore.__version__,
        "sqs_protocol": boto3.client("sqs", region_name="us-east-1").meta.service_model.protocol,
        "layer": layermod.NAME,
        "sys_path": sys.path[:5],
        "executable": sys.executable,
        "cwd": os.getcwd(),
        "execution_env": os.environ["AWS_EXECUTION_ENV"],
    }


def fail(event, context):
    raise ValueError("boom " + str(event["x"]))
"""


@pytest.fixture(params=PYTHON_RUNTIMES)
def python_runtime(request: pytest.FixtureRequest) -> str:
    reason = bwrap_missing() or unavailable(request.param)
    if reason:
        pytest.skip(reason)
    return str(request.param)


@pytest.fixture
def code(tmp_path: Path) -> tuple[Path, Path]:
    """The function's code and one layer (/opt/python/layermod.py)."""
    code_dir, layer_dir = tmp_path / "code", tmp_path / "layer"
    (layer_dir / "python").mkdir(parents=True)
    code_dir.mkdir()
    (code_dir / "app.py").write_text(APP)
    (layer_dir / "python/layermod.py").write_text('NAME = "from a layer"\n')
    return code_dir, layer_dir


def expected_paths(runtime: str) -> tuple[list[str], str]:
    """sys.path's head and where boto3 is, as on Lambda (3.11+: the SDK in site-packages)."""
    version = runtime.removeprefix("python")
    site = f"/var/lang/lib/python{version}/site-packages"
    layers = ["/var/task", f"/opt/python/lib/python{version}/site-packages", "/opt/python"]
    if version == "3.10":
        return [*layers, "/var/runtime", f"/var/lang/lib/python{version.replace('.', '')}.zip"], (
            "/var/runtime/boto3/__init__.py"
        )
    return [*layers, site, "/var/runtime"], f"{site}/boto3/__init__.py"


def test_handler_result_comes_back_for_each_invocation(
    python_runtime: str, code: tuple[Path, Path]
) -> None:
    code_dir, layer_dir = code
    launch = launch_for(python_runtime, "app.handler")
    events = [("req-1", {"n": 1}), ("req-2", {"n": 2})]
    run = asyncio.run(
        run_in_sandbox(launch, code_dir, events, handler="app.handler", layer_dir=layer_dir)
    )
    sys_path, boto3_file = expected_paths(python_runtime)
    version = python_runtime.removeprefix("python")
    for request_id, event in events:
        posted = run.posted[request_id]
        assert posted.kind == "response", run.output
        assert posted.json() == {
            "event": event,
            "request_id": request_id,
            "function_arn": FUNCTION_ARN,
            "boto3": ["1.43.11", boto3_file],
            "botocore": "1.43.11",
            "sqs_protocol": "json",
            "layer": "from a layer",
            "sys_path": sys_path,
            "executable": f"/var/lang/bin/python{version}",
            "cwd": "/var/task",
            "execution_env": f"AWS_Lambda_{python_runtime}",
        }
    assert run.cold_start_s is not None and run.cold_start_s < 10  # Lambda's bound on init


def test_exception_comes_back_through_error(python_runtime: str, code: tuple[Path, Path]) -> None:
    code_dir, layer_dir = code
    launch = launch_for(python_runtime, "app.fail")
    run = asyncio.run(
        run_in_sandbox(
            launch, code_dir, [("req-9", {"x": 7})], handler="app.fail", layer_dir=layer_dir
        )
    )
    posted = run.posted["req-9"]
    assert posted.kind == "error", run.output
    assert posted.json() == {
        "errorMessage": "boom 7",
        "errorType": "ValueError",
        "requestId": "req-9",
        "stackTrace": [
            '  File "/var/task/app.py", line 27, in fail\n'
            '    raise ValueError("boom " + str(event["x"]))\n'
        ],
    }
    cause = json.loads(posted.headers["lambda-runtime-function-xray-error-cause"])
    assert cause["exceptions"][0]["type"] == "ValueError"
    assert "[ERROR] ValueError: boom 7" in run.output


def test_missing_handler_module_is_an_init_error(
    python_runtime: str, code: tuple[Path, Path]
) -> None:
    code_dir, _ = code
    launch = launch_for(python_runtime, "missing.handler")
    run = asyncio.run(run_in_sandbox(launch, code_dir, [("req-1", {})], handler="missing.handler"))
    assert set(run.posted) == {"init"}, run.output
    assert run.posted["init"].json() == {
        "errorMessage": "Unable to import module 'missing': No module named 'missing'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
