"""Lambda's managed runtimes that this engine provides, and the paths AWS gives each of them.

Paths are as seen inside the sandbox. They follow the managed runtimes' documented layout:
the interpreter under /var/lang, the runtime (client + SDK) under /var/runtime, the code at
/var/task, layers at /opt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TASK_ROOT = "/var/task"
RUNTIME_DIR = "/var/runtime"
LANG_DIR = "/var/lang"
"""Where AWS's managed runtimes keep their interpreter (/var/lang/bin/python3.12, .../node)."""

AWS_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
"""PATH as Lambda sets it."""
AWS_LD_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)
"""LD_LIBRARY_PATH as Lambda sets it."""

Family = Literal["python", "nodejs"]


@dataclass(frozen=True, slots=True)
class ManagedRuntime:
    name: str
    """Lambda's identifier: "python3.12", "nodejs20.x"."""
    family: Family
    version: str
    """The interpreter's version as far as the runtime fixes it: "3.12" for Python, "20" for
    Node.js (its major)."""

    @property
    def execution_env(self) -> str:
        """AWS_EXECUTION_ENV (awslambdaric reads it: thread polling on python3.12 and later)."""
        return f"AWS_Lambda_{self.name}"


MANAGED: dict[str, ManagedRuntime] = {
    runtime.name: runtime
    for runtime in (
        *(ManagedRuntime(f"python3.{minor}", "python", f"3.{minor}") for minor in (10, 11, 12, 13)),
        *(ManagedRuntime(f"nodejs{major}.x", "nodejs", str(major)) for major in (18, 20, 22)),
    )
}
"""Every runtime this module can provide, by Lambda identifier."""


def python_paths(minor_version: str) -> tuple[str, ...]:
    """sys.path ahead of the standard library, as on Lambda: the function's code (the working
    directory, first on sys.path with `python -m`), then layers, then what the runtime includes.
    From Python 3.11 the runtime's SDK sits in /var/lang/.../site-packages, ahead of
    /var/runtime (the runtime interface client); up to 3.10 both are in /var/runtime."""
    layers = (f"/opt/python/lib/python{minor_version}/site-packages", "/opt/python")
    if python_sdk_in_site_packages(minor_version):
        return (*layers, python_site_packages(minor_version), RUNTIME_DIR)
    return (*layers, RUNTIME_DIR)


def python_site_packages(minor_version: str) -> str:
    return f"{LANG_DIR}/lib/python{minor_version}/site-packages"


def python_sdk_in_site_packages(minor_version: str) -> bool:
    return int(minor_version.split(".")[1]) >= 11


def node_path(major: str) -> str:
    """NODE_PATH as Lambda sets it: layers (version-specific first), the runtime's SDK, the
    runtime, the code."""
    return ":".join(
        (
            f"/opt/nodejs/node{major}/node_modules",
            "/opt/nodejs/node_modules",
            f"{RUNTIME_DIR}/node_modules",
            RUNTIME_DIR,
            TASK_ROOT,
        )
    )
