"""What an invocation leaves behind, worded as AWS words it: the START / END / REPORT lines around
the function's own output, the error documents of a timeout or a dead runtime, and the
`X-Amz-Log-Result` tail (the last 4 KB of the invocation's log, base64)."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from ownstack.ports.runtime import InvocationResult

LOG_TAIL_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Answer:
    """The invocation as the Invoke response carries it."""

    payload: bytes
    function_error: str | None
    """X-Amz-Function-Error: "Unhandled" when the function (or its runtime) failed."""
    log: str
    """START...REPORT: the lines CloudWatch Logs gets and LogType=Tail returns the end of."""


def iso_millis(now: float) -> str:
    stamp = datetime.fromtimestamp(now, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def _error_document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _failure(result: InvocationResult, request_id: str, timeout_s: int) -> tuple[bytes, str]:
    """The payload and the log line of a timeout or a dead runtime."""
    if result.outcome == "timeout":
        message = f"Task timed out after {timeout_s:.2f} seconds"
        return (
            _error_document("Sandbox.Timedout", f"RequestId: {request_id} Error: {message}"),
            message,
        )
    reason = _engine_reason(result.payload) or "Runtime exited with error: signal: killed"
    text = f"RequestId: {request_id} Error: {reason}"
    return _error_document("Runtime.ExitError", text), f"{text}\nRuntime.ExitError"


def _engine_reason(payload: bytes) -> str:
    """What the engine said of a dead runtime ("Runtime exited with error: exit status 1"):
    only it knows a kill from an exit."""
    try:
        doc = json.loads(payload) if payload else None
    except ValueError:
        return ""
    message = doc.get("errorMessage") if isinstance(doc, dict) else None
    if not isinstance(message, str):
        return ""
    return message.rpartition(" Error: ")[2] if " Error: " in message else message


def report_line(
    request_id: str, result: InvocationResult, memory_mb: int, duration_ms: float
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {max(1, math.ceil(duration_ms))} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max(1, result.max_memory_mb)} MB",
    ]
    if result.init_duration_ms is not None:
        parts.append(f"Init Duration: {result.init_duration_ms:.2f} ms")
    if result.outcome == "timeout":
        parts.append("Status: timeout")
    elif result.outcome in ("crash", "init_error"):
        parts.append("Status: error\tError Type: Runtime.ExitError")
    return "\t".join(parts) + "\t"


@dataclass(frozen=True, slots=True)
class LogStyle:
    """The function's LoggingConfig: Text lines, or JSON records (platform.start and
    platform.report, at INFO, shown when SystemLogLevel lets INFO through)."""

    json: bool = False
    system_level: str = "INFO"

    @property
    def platform_lines(self) -> bool:
        return not self.json or self.system_level in ("TRACE", "DEBUG", "INFO")


def answer(
    result: InvocationResult,
    *,
    request_id: str,
    version: str,
    memory_mb: int,
    timeout_s: int,
    now: float,
    style: LogStyle = LogStyle(),
) -> Answer:
    """Turn the engine's result into the response and the log of one invocation."""
    payload, function_error = result.payload, None
    duration_ms = result.duration_ms
    failure_line = ""
    if result.outcome in ("timeout", "crash"):
        payload, failure_line = _failure(result, request_id, timeout_s)
        function_error = "Unhandled"
        if result.outcome == "timeout":
            failure_line = f"{iso_millis(now)} {request_id} {failure_line}"
            duration_ms = max(duration_ms, timeout_s * 1000.0)
    elif result.outcome in ("error", "init_error"):
        function_error = "Unhandled"
    if style.json:
        lines = _json_lines(result, request_id, version, memory_mb, duration_ms, now, style)
    else:
        lines = [f"START RequestId: {request_id} Version: {version}"]
        lines += [result.logs.rstrip("\n")] if result.logs else []
        lines += [failure_line] if failure_line else []
        lines.append(f"END RequestId: {request_id}")
        lines.append(report_line(request_id, result, memory_mb, duration_ms))
    return Answer(payload, function_error, "\n".join(lines) + "\n" if lines else "")


def _json_lines(
    result: InvocationResult,
    request_id: str,
    version: str,
    memory_mb: int,
    duration_ms: float,
    now: float,
    style: LogStyle,
) -> list[str]:
    """The JSON log format: the runtime writes the function's own records (it was told with
    AWS_LAMBDA_LOG_FORMAT); the platform's are platform.start and platform.report."""
    stamp = iso_millis(now)
    output = [result.logs.rstrip("\n")] if result.logs else []
    if not style.platform_lines:
        return output
    metrics: dict[str, object] = {
        "durationMs": round(duration_ms, 3),
        "billedDurationMs": max(1, math.ceil(duration_ms)),
        "memorySizeMB": memory_mb,
        "maxMemoryUsedMB": max(1, result.max_memory_mb),
    }
    if result.init_duration_ms is not None:
        metrics["initDurationMs"] = round(result.init_duration_ms, 3)
    report: dict[str, object] = {"requestId": request_id, "metrics": metrics}
    report["status"] = {"timeout": "timeout", "crash": "error", "init_error": "error"}.get(
        result.outcome, "success"
    )
    if report["status"] == "error":
        report["errorType"] = "Runtime.ExitError"
    start = {"requestId": request_id, "version": version}
    return [
        json.dumps({"time": stamp, "type": "platform.start", "record": start}),
        *output,
        json.dumps({"time": stamp, "type": "platform.report", "record": report}),
    ]


def log_tail(log: str) -> str:
    """X-Amz-Log-Result: the last 4 KB of the invocation's log, base64."""
    data = log.encode("utf-8")[-LOG_TAIL_BYTES:]
    return base64.b64encode(data).decode("ascii")
