"""Which runtimes ownstack runs, and AWS's words for the others.

ownstack runs the Python, Node.js and OS-only (`provided`) runtimes below in its sandboxes
(the runtime engine may still say one is unavailable on this host: its interpreter missing).
Runtimes AWS has deprecated for creating functions get AWS's deprecation message; runtimes AWS
supports but ownstack does not (Java, .NET, Ruby, and those newer than listed here) get an
InvalidParameterValueException in the same words.
"""

from __future__ import annotations

import hashlib
import platform

from .errors import invalid

SUPPORTED = (
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "provided.al2",
    "provided.al2023",
)
UPGRADES = {
    "python2.7": "python3.13",
    "python3.6": "python3.13",
    "python3.7": "python3.13",
    "python3.8": "python3.13",
    "python3.9": "python3.13",
    "nodejs": "nodejs22.x",
    "nodejs4.3": "nodejs22.x",
    "nodejs4.3-edge": "nodejs22.x",
    "nodejs6.10": "nodejs22.x",
    "nodejs8.10": "nodejs22.x",
    "nodejs10.x": "nodejs22.x",
    "nodejs12.x": "nodejs22.x",
    "nodejs14.x": "nodejs22.x",
    "nodejs16.x": "nodejs22.x",
    "java8": "java21",
    "dotnetcore1.0": "dotnet8",
    "dotnetcore2.0": "dotnet8",
    "dotnetcore2.1": "dotnet8",
    "dotnetcore3.1": "dotnet8",
    "dotnet6": "dotnet8",
    "go1.x": "provided.al2023",
    "ruby2.5": "ruby3.3",
    "ruby2.7": "ruby3.3",
    "provided": "provided.al2023",
}
"""AWS's deprecated runtimes and the runtime its message recommends instead."""
ARCHITECTURES = ("x86_64", "arm64")
_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def check_runtime(runtime: str) -> None:
    """InvalidParameterValueException for a runtime ownstack cannot run (an unknown name has
    already failed the model's enum check)."""
    if runtime in SUPPORTED:
        return
    upgrade = UPGRADES.get(runtime)
    if upgrade is not None:
        raise invalid(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating "
            f"AWS Lambda functions. We recommend you use the new runtime ({upgrade}) while "
            "creating or updating functions."
        )
    raise invalid(
        f"The runtime parameter of {runtime} is not supported by ownstack for creating or "
        f"updating functions. Supported runtimes: {', '.join(SUPPORTED)}."
    )


def host_architecture() -> str:
    """The architecture functions run on here: sandboxes run code natively, never emulated."""
    return _MACHINES.get(platform.machine().lower(), platform.machine().lower())


def check_architecture(architecture: str, host: str) -> None:
    if architecture != host:
        raise invalid(
            f"The architecture {architecture} is not supported by ownstack on this host, "
            f"whose functions run natively on {host}."
        )


def runtime_version_arn(region: str, runtime: str) -> str:
    """RuntimeVersionConfig's ARN: one fixed version per runtime (ownstack does not patch
    runtimes under a running function)."""
    digest = hashlib.sha256(f"ownstack:{runtime}".encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"
