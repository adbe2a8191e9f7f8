"""Lambda's Node.js runtimes: AWS's aws-lambda-ric (built from source) over the host's node,
in bubblewrap, against a stub Runtime API; ES module and CommonJS handlers importing the SDK
the runtime includes and a layer's package. Runtimes with no node of their major here skip."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from runtimekit import Run, bwrap_missing, run_in_sandbox

from ownstack.backends.process.runtimes import launch_for, unavailable

NODE_RUNTIMES = ["nodejs18.x", "nodejs20.x", "nodejs22.x"]

ESM_APP = """\
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NAME } from "layerpkg";

export const handler = async (event, context) => ({
  event,
  requestId: context.awsRequestId,
  clients: [S3Client.name, DynamoDBDocumentClient.name],
  s3From: import.meta.resolve("@aws-sdk/client-s3"),
  layer: NAME,
  cwd: process.cwd(),
  executionEnv: process.env.AWS_EXECUTION_ENV,
});

export const fail = async (event) => {
  throw new TypeError(`boom ${event.x}`);
};
"""

CJS_APP = """\
const { S3Client } = require("@aws-sdk/client-s3");
const { SQSClient } = require("@aws-sdk/client-sqs");

exports.handler = async (event, context) => ({
  event,
  requestId: context.awsRequestId,
  clients: [S3Client.name, SQSClient.name],
  s3From: require.resolve("@aws-sdk/client-s3"),
  layer: require("layerpkg").NAME,
});
"""


@pytest.fixture(params=NODE_RUNTIMES)
def node_runtime(request: pytest.FixtureRequest) -> str:
    reason = bwrap_missing() or unavailable(request.param)
    if reason:
        pytest.skip(reason)
    return str(request.param)


@pytest.fixture
def layer_dir(tmp_path: Path) -> Path:
    """A layer with a dual (ESM + CommonJS) package in /opt/nodejs/node_modules."""
    package = tmp_path / "layer/nodejs/node_modules/layerpkg"
    package.mkdir(parents=True)
    exports = {"import": "./index.mjs", "require": "./index.cjs"}
    (package / "package.json").write_text(json.dumps({"name": "layerpkg", "exports": exports}))
    (package / "index.mjs").write_text('export const NAME = "layer, as ESM";\n')
    (package / "index.cjs").write_text('exports.NAME = "layer, as CommonJS";\n')
    return tmp_path / "layer"


def run_app(runtime: str, tmp_path: Path, files: dict[str, str], handler: str, layer: Path) -> Run:
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    for name, text in files.items():
        (code_dir / name).write_text(text)
    events: list[tuple[str, object]] = [("req-1", {"x": 1}), ("req-2", {"x": 2})]
    launch = launch_for(runtime, handler)
    return asyncio.run(run_in_sandbox(launch, code_dir, events, handler=handler, layer_dir=layer))


def test_es_module_handler_imports_the_sdk_and_layers(
    node_runtime: str, tmp_path: Path, layer_dir: Path
) -> None:
    run = run_app(node_runtime, tmp_path, {"index.mjs": ESM_APP}, "index.handler", layer_dir)
    for request_id, x in (("req-1", 1), ("req-2", 2)):
        posted = run.posted[request_id]
        assert posted.kind == "response", run.output
        assert posted.json() == {
            "event": {"x": x},
            "requestId": request_id,
            "clients": ["S3Client", "DynamoDBDocumentClient"],
            "s3From": "file:///var/runtime/node_modules/@aws-sdk/client-s3/dist-cjs/index.js",
            "layer": "layer, as ESM",
            "cwd": "/var/task",
            "executionEnv": f"AWS_Lambda_{node_runtime}",
        }
    assert run.cold_start_s is not None and run.cold_start_s < 10


def test_commonjs_handler_requires_the_sdk_and_layers(
    node_runtime: str, tmp_path: Path, layer_dir: Path
) -> None:
    run = run_app(node_runtime, tmp_path, {"index.js": CJS_APP}, "index.handler", layer_dir)
    posted = run.posted["req-2"]
    assert posted.kind == "response", run.output
    assert posted.json() == {
        "event": {"x": 2},
        "requestId": "req-2",
        "clients": ["S3Client", "SQSClient"],
        "s3From": "/var/runtime/node_modules/@aws-sdk/client-s3/dist-cjs/index.js",
        "layer": "layer, as CommonJS",
    }


def test_exception_comes_back_through_error(
    node_runtime: str, tmp_path: Path, layer_dir: Path
) -> None:
    run = run_app(node_runtime, tmp_path, {"index.mjs": ESM_APP}, "index.fail", layer_dir)
    posted = run.posted["req-1"]
    assert posted.kind == "error", run.output
    document = posted.json()
    assert isinstance(document, dict)
    # Node.js runtimes name the stack `trace` (Python's: `stackTrace`), as on Lambda.
    assert sorted(document) == ["errorMessage", "errorType", "trace"]
    assert (document["errorType"], document["errorMessage"]) == ("TypeError", "boom 1")
    assert document["trace"][:2] == [
        "TypeError: boom 1",
        "    at Runtime.fail [as handler] (file:///var/task/index.mjs:16:9)",
    ]
    cause = json.loads(posted.headers["lambda-runtime-function-xray-error-cause"])
    assert cause["exceptions"][0]["type"] == "TypeError"


def test_missing_handler_module_is_an_init_error(
    node_runtime: str, tmp_path: Path, layer_dir: Path
) -> None:
    run = run_app(node_runtime, tmp_path, {"index.mjs": ESM_APP}, "missing.handler", layer_dir)
    assert set(run.posted) == {"init"}, run.output
    document = run.posted["init"].json()
    assert isinstance(document, dict)
    assert document["errorType"] == "Runtime.ImportModuleError"
    assert document["errorMessage"].startswith("Error: Cannot find module 'missing'")
