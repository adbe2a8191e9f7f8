"""The environment a function's runtime starts with: exactly what Lambda sets, nothing of
ownstack's own environment (bwrap --clearenv first)."""

from __future__ import annotations

from collections.abc import Mapping

from ownstack.ports.runtime import SandboxSpec

from .launches import Launch

TASK_ROOT = "/var/task"
RUNTIME_DIR = "/var/runtime"
PATH = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
LD_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)
ENGINE_OWNED = frozenset(
    {"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER"}
)
"""Only the engine knows these; a function's own value for one never reaches the runtime."""


def sandbox_environment(spec: SandboxSpec, launch: Launch, api_address: str) -> dict[str, str]:
    """Lambda's defaults < the runtime's own (PYTHONPATH, ...) < the spec's < the engine's."""
    env = {
        "PATH": PATH,
        "LD_LIBRARY_PATH": LD_LIBRARY_PATH,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
    }
    env.update(launch.env)
    env.update(_without_engine_owned(spec.environment))
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": api_address,
            "LAMBDA_TASK_ROOT": TASK_ROOT,
            "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
            "_HANDLER": spec.handler,
        }
    )
    return env


def _without_engine_owned(environment: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in environment.items() if k not in ENGINE_OWNED}


def check_environment(env: Mapping[str, str]) -> str | None:
    """Why `env` cannot be passed to a process (a name with '=', a NUL anywhere), or None."""
    for key, value in env.items():
        if not key or "=" in key or "\0" in key or "\0" in value:
            return f"environment variable {key!r} cannot be passed to the runtime"
    return None
