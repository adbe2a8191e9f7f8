"""The Lambda Runtime API as a runtime sees it: the invocation's headers and payload, responses,
errors, init errors, streamed responses, and the answers Lambda gives to wrong calls."""

from __future__ import annotations

import json
from typing import Any

from sandboxkit import ARN, Kit, body, invocation, run

from ownstack.ports.runtime import Sandbox

CURL_BOOTSTRAP = """#!/bin/bash
set -euo pipefail
echo "bash runtime starting"
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  RID="$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)"
  echo "got ${EVENT:0:40}"
  printf '{"echoed": %s}' "$EVENT" > /tmp/response
  curl -sS -o /dev/null -X POST "$API/invocation/$RID/response" --data-binary @/tmp/response
done
"""


async def started(kit: Kit, **spec: Any) -> tuple[Any, Sandbox]:
    runtime = kit.engine()
    sandbox = await runtime.start(kit.spec(kit.code(), **spec))
    return runtime, sandbox


def test_a_bash_and_curl_bootstrap_answers_invocations(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code(bootstrap=CURL_BOOTSTRAP)))
        first = await sandbox.invoke(invocation({"n": 1}))
        second = await sandbox.invoke(invocation({"n": 2}))
        await runtime.close()
        assert (first.outcome, body(first)) == ("success", {"echoed": {"n": 1}})
        assert first.logs == 'bash runtime starting\ngot {"n": 1}\n'
        assert first.init_duration_ms is not None and first.init_duration_ms > 0
        assert (second.outcome, body(second), second.logs) == (
            "success",
            {"echoed": {"n": 2}},
            'got {"n": 2}\n',
        )
        assert second.init_duration_ms is None

    run(scenario())


def test_curl_posting_a_large_response_is_not_kept_waiting(kit: Kit) -> None:
    """curl sends `Expect: 100-continue` before a body over 1 MiB and waits a second for the
    go-ahead: the server gives it at once, as Lambda's does."""

    async def scenario() -> None:
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code(bootstrap=CURL_BOOTSTRAP)))
        await sandbox.invoke(invocation({"n": 0}))
        big = {"text": "x" * 1_500_000}
        result = await sandbox.invoke(invocation(big))
        await runtime.close()
        assert (result.outcome, body(result)) == ("success", {"echoed": big})
        assert result.duration_ms < 500

    run(scenario())


def test_next_carries_the_invocation_in_lambdas_headers(kit: Kit) -> None:
    async def scenario() -> None:
        runtime, sandbox = await started(kit)
        sent = invocation(
            {"action": "echo", "k": "v"},
            request_id="8476a536-e9f4-11e8-9739-2dfe598c3fcd",
            trace_id="Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
            client_context='{"custom":{"a":"b"}}',
            cognito_identity='{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
        )
        plain = await sandbox.invoke(invocation({"action": "echo"}, request_id="r2"))
        result = await sandbox.invoke(sent)  # warm: init's time no longer moves the deadline
        await runtime.close()
        assert result.outcome == "success"
        assert body(result) == {
            "event": {"action": "echo", "k": "v"},
            "headers": {
                "lambda-runtime-aws-request-id": "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
                "lambda-runtime-deadline-ms": str(sent.deadline_ms),
                "lambda-runtime-invoked-function-arn": ARN,
                "lambda-runtime-trace-id": sent.trace_id,
                "lambda-runtime-client-context": '{"custom":{"a":"b"}}',
                "lambda-runtime-cognito-identity": sent.cognito_identity,
                "content-type": "application/json",
            },
        }
        assert set(body(plain)["headers"]) == {
            "lambda-runtime-aws-request-id",
            "lambda-runtime-deadline-ms",
            "lambda-runtime-invoked-function-arn",
            "content-type",
        }

    run(scenario())


def test_an_error_post_is_an_error_with_its_document_and_type(kit: Kit) -> None:
    async def scenario() -> None:
        runtime, sandbox = await started(kit)
        typed = await sandbox.invoke(
            invocation({"action": "fail", "message": "boom", "header": True})
        )
        untyped = await sandbox.invoke(invocation({"action": "fail", "message": "bang"}))
        after = await sandbox.invoke(invocation({"action": "echo"}))
        alive = sandbox.alive
        await runtime.close()
        assert (typed.outcome, typed.error_type) == ("error", "Unhandled")
        assert body(typed) == {
            "errorMessage": "boom",
            "errorType": "HandlerError",
            "stackTrace": ["x"],
        }
        assert (untyped.outcome, untyped.error_type) == ("error", "HandlerError")
        assert alive and after.outcome == "success"
        # A line the runtime writes after posting lands in that invocation's logs or, when it
        # comes after the engine has taken them, in the next one's.
        assert 'error posted: 202 {"status":"OK"}\n' in typed.logs + untyped.logs

    run(scenario())


def test_a_wrong_request_id_is_400_invalid_request_id(kit: Kit) -> None:
    async def scenario() -> None:
        runtime, sandbox = await started(kit)
        result = await sandbox.invoke(invocation({"action": "bad_request_id"}))
        await runtime.close()
        assert result.outcome == "success"
        assert body(result) == {
            "status": 400,
            "body": '{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}',
        }

    run(scenario())


def test_a_response_past_6_mib_is_413_and_the_invocation_fails(kit: Kit) -> None:
    async def scenario() -> None:
        runtime, sandbox = await started(kit)
        limit = 6 * 1024 * 1024 + 100
        at_limit = await sandbox.invoke(invocation({"action": "oversize", "bytes": limit}))
        over = await sandbox.invoke(invocation({"action": "oversize", "bytes": limit + 1}))
        after = await sandbox.invoke(invocation({"action": "echo"}))
        await runtime.close()
        assert (at_limit.outcome, len(at_limit.payload)) == ("success", limit)
        assert (over.outcome, over.error_type) == ("error", "Function.ResponseSizeTooLarge")
        assert body(over) == {
            "errorMessage": "Response payload size exceeded maximum allowed payload size "
            "(6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
        assert (
            'oversize posted: 413 {"errorMessage":"Exceeded maximum allowed payload size '
            '(6291556 bytes).","errorType":"RequestEntityTooLarge"}\n'
        ) in over.logs + after.logs
        assert after.outcome == "success"

    run(scenario())


def test_init_error_ends_the_sandbox_and_reports_the_runtimes_document(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code(), environment={"TEST_INIT": "error"}))
        result = await sandbox.invoke(invocation({"action": "echo"}))
        await runtime.close()
        assert (result.outcome, result.error_type) == ("init_error", "Runtime.ImportModuleError")
        assert body(result) == {
            "errorMessage": "cannot load",
            "errorType": "Runtime.ImportModuleError",
        }
        assert result.logs.startswith("init says hello\n")
        assert result.init_duration_ms is not None
        assert not sandbox.alive

    run(scenario())


def test_init_error_after_init_is_403(kit: Kit) -> None:
    async def scenario() -> None:
        runtime, sandbox = await started(kit)
        result = await sandbox.invoke(invocation({"action": "late_init_error"}))
        await runtime.close()
        assert body(result) == {
            "status": 403,
            "body": json.dumps(
                {
                    "errorMessage": "State transition from Running to InitError failed for "
                    "runtime. Error: State transition is not allowed",
                    "errorType": "InvalidStateTransition",
                },
                separators=(",", ":"),
            ),
        }

    run(scenario())


def test_a_runtime_exiting_before_next_is_an_init_error(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code(), environment={"TEST_INIT": "exit"}))
        result = await sandbox.invoke(invocation({}, request_id="rid-1"))
        await runtime.close()
        assert (result.outcome, result.error_type) == ("init_error", "Runtime.ExitError")
        assert body(result) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": "RequestId: rid-1 Error: Runtime exited with error: exit status 3",
        }
        assert result.logs == "init says hello\ninit gives up\n"

    run(scenario())


def test_a_streamed_response_goes_out_chunk_by_chunk(kit: Kit) -> None:
    async def scenario() -> None:
        runtime, sandbox = await started(kit)
        received: list[bytes] = []

        async def on_chunk(chunk: bytes) -> None:
            received.append(chunk)

        event = {"action": "stream", "chunks": ["first ", "second ", "third"], "pause": 0.05}
        streamed = await sandbox.invoke(invocation(event, on_chunk=on_chunk))
        gathered = await sandbox.invoke(invocation(event))
        await runtime.close()
        assert (streamed.outcome, streamed.streamed, streamed.payload) == ("success", True, b"")
        assert received == [b"first ", b"second ", b"third"]  # one call per chunk, as sent
        assert (gathered.outcome, gathered.streamed) == ("success", False)
        assert gathered.payload == b"first second third"
        assert "stream posted: HTTP/1.1 202 Accepted\n" in streamed.logs + gathered.logs

    run(scenario())


def test_a_stream_failing_midway_reports_the_trailers_error(kit: Kit) -> None:
    async def scenario() -> None:
        runtime, sandbox = await started(kit)
        received: list[bytes] = []

        async def on_chunk(chunk: bytes) -> None:
            received.append(chunk)

        event = {"action": "stream", "chunks": ["partial"], "fail": True}
        result = await sandbox.invoke(invocation(event, on_chunk=on_chunk))
        await runtime.close()
        assert (result.outcome, result.error_type, result.streamed) == ("error", "Boom", True)
        assert body(result) == {"errorMessage": "midway", "errorType": "Boom"}
        assert received == [b"partial"]

    run(scenario())


def test_apis_lambda_does_not_serve_here_are_404(kit: Kit) -> None:
    async def scenario() -> None:
        runtime, sandbox = await started(kit)
        requests = [
            ["POST", "/2020-01-01/extension/register"],
            ["PUT", "/2022-07-01/telemetry"],
            ["GET", "/2018-06-01/runtime/nothing"],
            ["POST", "/2018-06-01/runtime/invocation/next"],
        ]
        result = await sandbox.invoke(invocation({"action": "unknown_paths", "requests": requests}))
        await runtime.close()
        assert body(result) == {
            "POST /2020-01-01/extension/register": [404, "404 page not found\n"],
            "PUT /2022-07-01/telemetry": [404, "404 page not found\n"],
            "GET /2018-06-01/runtime/nothing": [404, "404 page not found\n"],
            "POST /2018-06-01/runtime/invocation/next": [405, ""],
        }

    run(scenario())


def test_output_is_attributed_to_the_invocation_that_wrote_it_in_order(kit: Kit) -> None:
    async def scenario() -> None:
        runtime, sandbox = await started(kit)
        first = await sandbox.invoke(invocation({"action": "talk", "lines": 2}))
        second = await sandbox.invoke(invocation({"action": "talk", "lines": 1}))
        await runtime.close()
        assert first.logs == "init says hello\nout 0\nerr 0\nout 1\nerr 1\n"
        assert second.logs == "out 0\nerr 0\n"

    run(scenario())
