"""The runtime port's suite drives an engine directly (built by its Engine factory, as `serve`
builds it; no server), with `provided.al2023` custom runtimes: a stdlib-only python3
bootstrap (runtime_bootstrap.py) and a bash + curl one."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ownstack.backends import process
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.runtime import Invocation, Runtime, SandboxSpec

PYTHON = Path("/usr/bin/python3")
BOOTSTRAP = (Path(__file__).parent / "runtime_bootstrap.py").read_text()
ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
ENGINES = {"process": process.engine}
"""Every engine of the runtime port; each runs the whole suite."""


@dataclass
class Kit:
    """Builds code dirs, specs and engines for one test, in its own tmp dir."""

    tmp: Path
    engine_name: str

    @property
    def data_dir(self) -> Path:
        return self.tmp / "data"

    def engine(self, **options: Any) -> Runtime:
        factory = ENGINES[self.engine_name].factories["runtime"]
        runtime = factory(EngineContext(self.data_dir, options, SystemClock()))
        assert isinstance(runtime, Runtime)
        return runtime

    def code(self, name: str = "fn", bootstrap: str | None = BOOTSTRAP, mode: int = 0o755) -> Path:
        code = self.tmp / name
        code.mkdir(mode=0o755)
        if bootstrap is not None:
            (code / "bootstrap").write_text(bootstrap)
            (code / "bootstrap").chmod(mode)
        return code

    def spec(self, code: Path, **fields: Any) -> SandboxSpec:
        fields.setdefault("timeout_s", 5)
        fields.setdefault("runtime", "provided.al2023")
        fields.setdefault("handler", "handler.main")
        return SandboxSpec(function_name="fn", version="$LATEST", code_dir=code, **fields)


def invocation(event: Any, timeout_s: float = 5, **fields: Any) -> Invocation:
    payload = event if isinstance(event, bytes) else json.dumps(event).encode()
    deadline_ms = int((time.time() + timeout_s) * 1000)
    request_id = fields.pop("request_id", str(uuid.uuid4()))
    return Invocation(request_id, payload, deadline_ms, fields.pop("arn", ARN), **fields)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def body(result: Any) -> Any:
    return json.loads(result.payload)
