"""The runtime port: start an isolated sandbox for one function version, hand it invocations
through AWS's Lambda Runtime API, collect results and logs, end it under limits.

The port knows sandboxes, not functions: which sandbox serves which invocation (the warm pool,
scaling out to the concurrency limit, reaping idle ones) is the Lambda service's business, so
every engine gets it for free. An engine:
- isolates each sandbox (its own mount and pid namespaces at least: code read-only at
  `/var/task`, layers at `/opt`, a private `/tmp` of `ephemeral_mb`, no view of ownstack's data
  dir or of other sandboxes) and bounds it (memory to `memory_mb`, CPU time, process count);
- serves AWS's Lambda Runtime API to the code inside (`AWS_LAMBDA_RUNTIME_API`), so AWS's own
  runtime interface clients and custom `bootstrap`s run unchanged;
- never runs a sandbox unisolated: when its isolation tool is missing, `unavailable` says so
  and `start` raises SandboxUnavailable.

Engines: `process` (Linux namespaces through bubblewrap, the default); a `microvm` engine would
implement the same two protocols (docs/lambda-runtime.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

Outcome = Literal["success", "error", "timeout", "crash", "init_error"]
"""How an invocation ended:
- success: the runtime posted `/response`;
- error: the runtime posted `/error` (the function raised: Lambda's `Unhandled`);
- timeout: the deadline passed first; the engine has ended the sandbox;
- crash: the sandbox's process exited (or was killed past its memory) mid-invocation; ended;
  `payload` holds Lambda's document for it: {"errorType": "Runtime.ExitError", "errorMessage":
  "RequestId: <id> Error: Runtime exited with error: signal: killed"} (or "exit status N");
- init_error: the runtime posted `/init/error`, or exited before asking for its first event
  (Runtime.ExitError, as for a crash), or could not be started at all (no bootstrap:
  Runtime.InvalidEntrypoint); the sandbox is ended and `payload` holds the error document."""


class SandboxUnavailable(Exception):
    """The sandbox cannot be started: the isolation tool or the runtime's interpreter is
    missing, the code cannot be mounted... `reason` is meant for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SandboxSpec:
    """One function version's sandbox, as it is started."""

    function_name: str
    version: str
    """"$LATEST" or "1", "2", ..."""
    runtime: str
    """"python3.12", "nodejs20.x", "provided.al2023", ..."""
    handler: str
    code_dir: Path
    """The unpacked deployment package on the host; read-only at /var/task inside."""
    layer_dirs: tuple[Path, ...] = ()
    """Unpacked layers in the function's order; their files at /opt, later layers win."""
    memory_mb: int = 128
    ephemeral_mb: int = 512
    timeout_s: int = 3
    environment: Mapping[str, str] = field(default_factory=dict)
    """What the function sees: its own variables and the service's (AWS_REGION,
    AWS_LAMBDA_FUNCTION_NAME, credentials, AWS_ENDPOINT_URL, ...). The engine adds what only it
    knows: AWS_LAMBDA_RUNTIME_API, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR, _HANDLER, PATH..."""
    architecture: str = "x86_64"


@dataclass(frozen=True, slots=True)
class Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    """Unix time in milliseconds (Lambda-Runtime-Deadline-Ms)."""
    invoked_function_arn: str
    trace_id: str | None = None
    client_context: str | None = None
    """The client context JSON, as Lambda-Runtime-Client-Context carries it."""
    cognito_identity: str | None = None
    on_chunk: Callable[[bytes], Awaitable[None]] | None = None
    """For InvokeWithResponseStream: called with each chunk of a streamed response as it
    arrives (the runtime answered with `Lambda-Runtime-Function-Response-Mode: streaming`).
    The chunks are then not repeated in the result's payload."""


@dataclass(frozen=True, slots=True)
class InvocationResult:
    outcome: Outcome
    payload: bytes
    """The response body; for error/init_error the error document the runtime posted
    ({"errorMessage", "errorType", "stackTrace"}) or Lambda's own (see Outcome); for crash,
    Lambda's Runtime.ExitError document; for timeout, empty (the service words it)."""
    logs: str
    """What the sandbox wrote (stdout and stderr, in order) while this invocation ran, preceded
    by its init output on the invocation that ran init. The result is returned as soon as the
    response is posted: a line the runtime writes after posting may come in the next
    invocation's logs instead."""
    duration_ms: float
    init_duration_ms: float | None = None
    """Set on the first invocation of a sandbox: how long init took (the REPORT line's
    `Init Duration`)."""
    max_memory_mb: int = 0
    error_type: str | None = None
    """Lambda-Runtime-Function-Error-Type, or the error document's errorType."""
    streamed: bool = False
    """The response went out through `on_chunk`."""


@runtime_checkable
class Sandbox(Protocol):
    id: str
    """Unique among this engine's sandboxes (used in the log stream name)."""

    @property
    def alive(self) -> bool:
        """False once ended, timed out, crashed or killed: it takes no more invocations."""
        ...

    async def invoke(self, invocation: Invocation) -> InvocationResult:
        """Hand one invocation to the runtime and wait for its end. One at a time per sandbox
        (the caller serialises). The first invocation waits for init to finish (the runtime's
        first `GET .../invocation/next`); init's time counts against neither `timeout_s` nor
        `duration_ms` but is reported in `init_duration_ms` (AWS bounds init at 10 s).
        On timeout or crash the sandbox is ended before this returns."""
        ...

    async def end(self) -> None:
        """Kill the sandbox's whole process tree and free what it held. Idempotent."""
        ...


@runtime_checkable
class Runtime(Protocol):
    def unavailable(self, runtime: str) -> str | None:
        """Why `runtime` cannot run on this engine (missing interpreter, missing isolation
        tool, unknown runtime), or None when it can."""
        ...

    async def start(self, spec: SandboxSpec) -> Sandbox:
        """Start a sandbox: its process is running and its init under way when this returns.
        Raises SandboxUnavailable."""
        ...

    async def health(self) -> None: ...

    async def close(self) -> None:
        """End every sandbox this engine started."""
        ...
