"""Invoke, against a real server running real sandboxes: results, errors and timeouts as AWS
reports them, the REPORT line, warm reuse, the execution role's credentials inside, throttling,
and the logs in CloudWatch Logs."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from invokekit import eventually, invoke_json, need, python_function
from lambdakit import error_of, lambda_role, make_zip, unique

pytestmark = pytest.mark.slow

ECHO = (
    "def handler(event, context):\n"
    "    return {'got': event, 'left': context.get_remaining_time_in_millis() > 0}\n"
)
FAILS = "def handler(event, context):\n    raise ValueError('bad input: ' + str(event.get('n')))\n"
SLEEPS = "import time\ndef handler(event, context):\n    time.sleep(5)\n    return 'late'\n"
PRINTS = (
    "def handler(event, context):\n    print('hello from', context.function_name)\n    return 1\n"
)
ENV = (
    "import os\n"
    "def handler(event, context):\n"
    "    keys = ['AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_REGION',\n"
    "            'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'LAMBDA_TASK_ROOT',\n"
    "            'AWS_LAMBDA_LOG_GROUP_NAME', 'MY_SETTING', '_HANDLER', '_X_AMZN_TRACE_ID']\n"
    "    return {k: os.environ.get(k) for k in keys}\n"
)
WRITES_S3 = (
    "import boto3\n"
    "def handler(event, context):\n"
    "    s3 = boto3.client('s3')\n"
    "    try:\n"
    "        s3.put_object(Bucket=event['bucket'], Key='from-lambda', Body=b'hi')\n"
    "    except Exception as exc:\n"
    "        return {'error': exc.response['Error']['Code']}\n"
    "    return {'ok': True}\n"
)


def _report(log_result: str) -> str:
    text = base64.b64decode(log_result).decode()
    return next(line for line in text.splitlines() if line.startswith("REPORT"))


def test_request_response_returns_the_result_and_tails_the_log(lam: Any, role: str) -> None:
    name = python_function(lam, role, ECHO)
    out, body = invoke_json(lam, name, {"a": 1}, LogType="Tail")
    assert out["StatusCode"] == 200
    assert out["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in out
    assert body == {"got": {"a": 1}, "left": True}
    log = base64.b64decode(out["LogResult"]).decode()
    assert log.startswith("START RequestId: ")
    assert "Version: $LATEST" in log.splitlines()[0]
    assert "\nEND RequestId: " in log
    report = _report(out["LogResult"])
    assert "Memory Size: 128 MB" in report
    assert "Init Duration: " in report  # the first invocation started the sandbox
    out, _ = invoke_json(lam, name, {"a": 2}, LogType="Tail")
    assert "Init Duration" not in _report(out["LogResult"])  # warm: the same sandbox


def test_unhandled_error_is_reported_as_aws_does(lam: Any, role: str) -> None:
    name = python_function(lam, role, FAILS)
    out, body = invoke_json(lam, name, {"n": 7})
    assert out["StatusCode"] == 200
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "bad input: 7"
    assert isinstance(body["stackTrace"], list)


def test_timeout_ends_the_sandbox_and_says_so(lam: Any, role: str) -> None:
    name = python_function(lam, role, SLEEPS, Timeout=1)
    out, body = invoke_json(lam, name, LogType="Tail")
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert "Task timed out after 1.00 seconds" in base64.b64decode(out["LogResult"]).decode()


def test_environment_is_lambdas(lam: Any, role: str) -> None:
    name = python_function(
        lam, role, ENV, MemorySize=256, Environment={"Variables": {"MY_SETTING": "x"}}
    )
    _, body = invoke_json(lam, name)
    _, again = invoke_json(lam, name)
    traces = [body.pop("_X_AMZN_TRACE_ID"), again["_X_AMZN_TRACE_ID"]]
    for trace in traces:  # set by the runtime client from Lambda-Runtime-Trace-Id
        assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", trace)
    assert traces[0] != traces[1]
    assert body == {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "MY_SETTING": "x",
        "_HANDLER": "index.handler",
    }


def test_boto3_inside_has_the_roles_permissions_only(server: Any, lam: Any, iam: Any) -> None:
    s3 = server.client("s3")
    allowed, denied = unique("ok"), unique("no")
    s3.create_bucket(Bucket=allowed)
    s3.create_bucket(Bucket=denied)
    role_name = unique("role")
    role = lambda_role(iam, role_name)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{allowed}/*"}
        ],
    }
    iam.put_role_policy(RoleName=role_name, PolicyName="p", PolicyDocument=json.dumps(policy))
    name = python_function(lam, role, WRITES_S3)
    _, body = invoke_json(lam, name, {"bucket": allowed})
    assert body == {"ok": True}
    assert s3.get_object(Bucket=allowed, Key="from-lambda")["Body"].read() == b"hi"
    _, body = invoke_json(lam, name, {"bucket": denied})
    assert body == {"error": "AccessDenied"}


def test_dry_run_and_missing_function(lam: Any, role: str) -> None:
    name = python_function(lam, role, ECHO)
    out = lam.invoke(FunctionName=name, InvocationType="DryRun")
    assert out["StatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=unique("missing"))
    assert error_of(exc)[0] == "ResourceNotFoundException"
    assert error_of(exc)[2] == 404


def test_payload_limits_and_bad_json(lam: Any, role: str) -> None:
    name = python_function(lam, role, ECHO)
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=name, Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert error_of(exc) == (
        "RequestEntityTooLargeException",
        "Request must be smaller than 6291456 bytes for the Invoke operation",
        413,
    )
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=name, Payload=b"{not json")
    assert error_of(exc)[0] == "InvalidRequestContentException"


def test_reserved_concurrency_zero_throttles(lam: Any, role: str) -> None:
    name = python_function(lam, role, ECHO)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=name, Payload=b"{}")
    code, _, status = error_of(exc)
    assert (code, status) == ("TooManyRequestsException", 429)
    assert exc.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lam.delete_function_concurrency(FunctionName=name)
    assert invoke_json(lam, name)[0]["StatusCode"] == 200


def test_versions_and_aliases_run_their_own_code(lam: Any, role: str) -> None:
    name = python_function(lam, role, "def handler(e, c):\n    return 'one'\n")
    lam.publish_version(FunctionName=name)
    lam.update_function_code(
        FunctionName=name, ZipFile=make_zip({"index.py": "def handler(e, c):\n    return 'two'\n"})
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert invoke_json(lam, name)[1] == "two"
    out, body = invoke_json(lam, name, Qualifier="live")
    assert (out["ExecutedVersion"], body) == ("1", "one")
    out, body = invoke_json(lam, f"{name}:1")
    assert (out["ExecutedVersion"], body) == ("1", "one")


def test_output_reaches_cloudwatch_logs(server: Any, lam: Any, role: str) -> None:
    name = python_function(lam, role, PRINTS)
    invoke_json(lam, name)
    logs = server.client("logs")

    def messages() -> list[str]:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except ClientError:
            return []
        found = [e["message"] for e in events]
        return found if any(m.startswith("REPORT") for m in found) else []

    found = eventually(messages)
    assert found[0].startswith("START RequestId: ")
    assert any(m.startswith(f"hello from {name}") for m in found)
    assert any(m.startswith("END RequestId: ") for m in found)
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert len(streams) == 1
    assert "/[$LATEST]" in streams[0]["logStreamName"]


def test_custom_runtime_with_a_shell_bootstrap(lam: Any, role: str) -> None:
    need("provided.al2023")
    bootstrap = (
        "#!/bin/sh\n"
        "set -eu\n"
        'API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"\n'
        "while true; do\n"
        '  HEADERS="$(mktemp)"\n'
        '  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")\n'
        '  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" |\n'
        "       tr -d '[:space:]' | cut -d: -f2)\n"
        '  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\": $EVENT}" >/dev/null\n'
        "done\n"
    )
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime="provided.al2023",
        Role=role,
        Handler="unused",
        Code={"ZipFile": _executable_zip("bootstrap", bootstrap)},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    assert invoke_json(lam, name, {"k": "v"})[1] == {"echo": {"k": "v"}}


def test_node_function(lam: Any, role: str) -> None:
    need("nodejs20.x")
    code = "exports.handler = async (event) => ({ node: process.version.split('.')[0], event });\n"
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime="nodejs20.x",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": make_zip({"index.js": code})},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    assert invoke_json(lam, name, {"x": 1})[1] == {"node": "v20", "event": {"x": 1}}


def _executable_zip(name: str, text: str) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o755 << 16
        archive.writestr(info, text)
    return buf.getvalue()


def test_response_stream_sends_chunks_then_completes(lam: Any, role: str) -> None:
    need("nodejs20.x")
    code = (
        "exports.handler = awslambda.streamifyResponse(async (event, stream) => {\n"
        "  stream.write('one,');\n"
        "  await new Promise((r) => setTimeout(r, 50));\n"
        "  stream.write('two');\n"
        "  stream.end();\n"
        "});\n"
    )
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime="nodejs20.x",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": make_zip({"index.js": code})},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    out = lam.invoke_with_response_stream(FunctionName=name, Payload=b"{}", LogType="Tail")
    assert out["StatusCode"] == 200
    assert out["ExecutedVersion"] == "$LATEST"
    chunks, complete = [], None
    for event in out["EventStream"]:
        if "PayloadChunk" in event:
            chunks.append(event["PayloadChunk"]["Payload"])
        else:
            complete = event["InvokeComplete"]
    assert b"".join(chunks) == b"one,two"
    assert complete is not None and "ErrorCode" not in complete
    assert base64.b64decode(complete["LogResult"]).decode().startswith("START RequestId:")


def test_response_stream_of_a_buffered_function(lam: Any, role: str) -> None:
    name = python_function(lam, role, ECHO)
    out = lam.invoke_with_response_stream(FunctionName=name, Payload=b'{"z": 1}')
    events = list(out["EventStream"])
    body = b"".join(e["PayloadChunk"]["Payload"] for e in events if "PayloadChunk" in e)
    assert json.loads(body) == {"got": {"z": 1}, "left": True}
    assert events[-1]["InvokeComplete"] == {}


def test_layers_are_importable_from_opt(lam: Any, role: str) -> None:
    need("python3.12")
    layer = lam.publish_layer_version(
        LayerName=unique("layer"),
        Content={"ZipFile": make_zip({"python/shared_util.py": "VALUE = 'from the layer'\n"})},
        CompatibleRuntimes=["python3.12"],
    )["LayerVersionArn"]
    code = "import shared_util\ndef handler(event, context):\n    return shared_util.VALUE\n"
    name = python_function(lam, role, code, Layers=[layer])
    assert invoke_json(lam, name)[1] == "from the layer"


def test_a_runtime_this_host_cannot_run_is_refused_at_create(lam: Any, role: str) -> None:
    from invokekit import runtime_missing

    runtime = next((r for r in ("nodejs18.x", "nodejs22.x") if runtime_missing(r)), None)
    if runtime is None:
        pytest.skip("this host can run every Node.js runtime")
    with pytest.raises(ClientError) as exc:
        lam.create_function(
            FunctionName=unique(),
            Runtime=runtime,
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": make_zip({"index.js": "exports.handler = async () => 1;\n"})},
        )
    code, message, status = error_of(exc)
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert str(runtime_missing(runtime)) in message


def test_json_log_format(lam: Any, role: str) -> None:
    code = (
        "import logging\n"
        "logger = logging.getLogger()\n"
        "def handler(event, context):\n"
        "    logger.info('structured hello')\n"
        "    logger.debug('not at INFO')\n"
        "    return 1\n"
    )
    name = python_function(
        lam,
        role,
        code,
        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO"},
    )
    out, _ = invoke_json(lam, name, LogType="Tail")
    lines = [json.loads(line) for line in base64.b64decode(out["LogResult"]).decode().splitlines()]
    assert lines[0]["type"] == "platform.start"
    assert lines[-1]["type"] == "platform.report"
    assert lines[-1]["record"]["status"] == "success"
    assert lines[-1]["record"]["metrics"]["memorySizeMB"] == 128
    own = [line for line in lines if "message" in line]
    assert [(line["level"], line["message"]) for line in own] == [("INFO", "structured hello")]
