"""Helpers of the invocation tests: whether functions can run here, and functions to run."""

from __future__ import annotations

import functools
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lambdakit import make_zip, unique


@functools.cache
def runtime_missing(runtime: str) -> str | None:
    """Why functions of `runtime` cannot run on this machine (no bubblewrap, no bundle), as the
    server's own engine would say."""
    from ownstack.backends.process import open_runtime
    from ownstack.core.clock import SystemClock
    from ownstack.ports.engine import EngineContext

    with tempfile.TemporaryDirectory() as scratch:
        engine = open_runtime(EngineContext(Path(scratch), {}, SystemClock()))
        return engine.unavailable(runtime)


def need(runtime: str) -> None:
    reason = runtime_missing(runtime)
    if reason:
        pytest.skip(f"{runtime} cannot run here: {reason}")


def python_function(
    lam: Any, role: str, code: str, *, runtime: str = "python3.12", **extra: Any
) -> str:
    need(runtime)
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": make_zip({"index.py": code})},
        **extra,
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def invoke_json(lam: Any, name: str, event: Any = None, **extra: Any) -> tuple[dict[str, Any], Any]:
    out = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}), **extra)
    body = out["Payload"].read()
    return out, json.loads(body) if body else None


def eventually(check: Callable[[], Any], timeout: float = 30.0, every: float = 0.25) -> Any:
    """The first truthy result of `check` within `timeout` seconds (else the test fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"nothing within {timeout} s")
        time.sleep(every)
