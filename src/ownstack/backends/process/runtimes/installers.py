"""The two installers: pip (Python runtimes) and npm (Node.js runtimes), each run with the
interpreter the bundle is for, output kept in the bundle's install.log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ownstack.backends.process.runtimes.bundles import (
    NODE_ESM_HOOK_FILES,
    NODE_PACKAGE_FILES,
    PYTHON_RIC_REQUIREMENTS,
    PYTHON_SDK_REQUIREMENTS,
)
from ownstack.backends.process.runtimes.catalog import ManagedRuntime, python_sdk_in_site_packages
from ownstack.backends.process.runtimes.interpreters import Interpreter

PIP_TIMEOUT_S = 15 * 60
NPM_TIMEOUT_S = 30 * 60
"""aws-lambda-ric compiles curl and aws-lambda-cpp from source: minutes on a small machine."""
NODE_ADDON = "node_modules/aws-lambda-ric/dist/rapid-client.node"


class InstallError(Exception):
    """A runtime could not be installed; the message says why (and where the log is)."""


def install_python(
    runtime: ManagedRuntime, python: Interpreter, staging: Path, log: Path
) -> dict[str, str]:
    """awslambdaric into runtime/ (/var/runtime); the SDK into site-packages/ from Python 3.11,
    into runtime/ before, as on Lambda. Returns the installed distributions' versions."""
    runtime_dir, site_dir = staging / "runtime", staging / "site-packages"
    site_dir.mkdir()
    pip = _pip_command(python, runtime.version, log)
    if python_sdk_in_site_packages(runtime.version):
        _pip_install(pip, runtime_dir, (PYTHON_RIC_REQUIREMENTS,), log)
        _pip_install(pip, site_dir, (PYTHON_SDK_REQUIREMENTS,), log)
    else:
        _pip_install(pip, runtime_dir, (PYTHON_RIC_REQUIREMENTS, PYTHON_SDK_REQUIREMENTS), log)
    for target in (runtime_dir, site_dir):
        # Console scripts whose #! names the host interpreter: nothing inside can run them.
        shutil.rmtree(target / "bin", ignore_errors=True)
    check = "import awslambdaric.bootstrap, runtime_client, boto3"
    pythonpath = f"{runtime_dir}{os.pathsep}{site_dir}"
    _run([str(python.executable), "-c", check], log, cwd=staging, env={"PYTHONPATH": pythonpath})
    return {**_distributions(runtime_dir), **_distributions(site_dir)}


def install_node(node: Interpreter, staging: Path, log: Path) -> dict[str, str]:
    """`npm ci` of the pinned package-lock.json into runtime/ (/var/runtime): aws-lambda-ric's
    install scripts build its native addon with node-gyp against this node."""
    runtime_dir = staging / "runtime"
    runtime_dir.mkdir()
    for source in NODE_PACKAGE_FILES:
        shutil.copy(source, runtime_dir / source.name)
    npm_ci = [*_npm_command(node), "ci", "--no-audit", "--no-fund", "--foreground-scripts"]
    _run(npm_ci, log, env=_npm_env(node), cwd=runtime_dir, timeout=NPM_TIMEOUT_S)
    addon = runtime_dir / NODE_ADDON
    if not addon.is_file():
        raise InstallError(
            f"aws-lambda-ric's native addon was not built ({addon} is missing): see"
            f" {log} for the build's output"
        )
    ric = runtime_dir / "node_modules/aws-lambda-ric"
    for build_leftovers in ("deps", "build"):
        # curl's and aws-lambda-cpp's sources and objects: the addon links them statically.
        shutil.rmtree(ric / build_leftovers, ignore_errors=True)
    for source in NODE_ESM_HOOK_FILES:
        shutil.copy(source, runtime_dir / source.name)
    # The addon reads the Runtime API's address when loaded; any address proves it loads.
    load = f"require({json.dumps(str(addon))})"
    _run(
        [str(node.executable), "-e", load],
        log,
        cwd=staging,
        env={"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9"},
    )
    return _node_packages(runtime_dir)


def _pip_command(python: Interpreter, version: str, log: Path) -> list[str]:
    """The interpreter's own pip (it builds for itself); failing that, ownstack's pip told to
    fetch wheels for that Python version."""
    own = [str(python.executable), "-m", "pip"]
    try:
        _run([*own, "--version"], log, timeout=60)
    except InstallError:
        cross = ["--python-version", version, "--implementation", "cp", "--only-binary=:all:"]
        return [sys.executable, "-m", "pip", *cross]
    return own


def _pip_install(pip: Sequence[str], target: Path, requirements: Sequence[Path], log: Path) -> None:
    # The options that follow `install` must come after it: a fallback command carries some.
    command, extra = list(pip[:3]), list(pip[3:])
    requirement_args = [arg for path in requirements for arg in ("-r", str(path))]
    flags = ["--disable-pip-version-check", "--no-input", "--no-warn-script-location"]
    install = [*command, "install", *flags, *extra, "--target", str(target), *requirement_args]
    _run(install, log, timeout=PIP_TIMEOUT_S)


def _npm_command(node: Interpreter) -> list[str]:
    bundled = node.prefix / "lib/node_modules/npm/bin/npm-cli.js"
    if bundled.is_file():
        return [str(node.executable), str(bundled)]
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError(f"no npm found for {node.executable}")
    return [npm]


def _npm_env(node: Interpreter) -> dict[str, str]:
    """node-gyp must build against this node and its headers, which ship with it (it would
    otherwise download them)."""
    env = {"PATH": f"{node.executable.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    if (node.prefix / "include/node/node_api.h").is_file():
        env["npm_config_nodedir"] = str(node.prefix)
    env["npm_config_update_notifier"] = "false"
    return env


def _run(
    command: Sequence[str],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> None:
    with log_path.open("a") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        try:
            done = subprocess.run(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InstallError(f"{command[0]} could not run: {exc}") from exc
    if done.returncode != 0:
        tail = "".join(log_path.read_text(errors="replace").splitlines(keepends=True)[-15:])
        raise InstallError(
            f"`{' '.join(command[:4])} ...` failed (exit {done.returncode}); last lines of"
            f" {log_path}:\n{tail}"
        )


def _distributions(target: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for metadata in sorted(target.glob("*.dist-info/METADATA")):
        fields = dict(
            line.split(": ", 1)
            for line in metadata.read_text(errors="replace").splitlines()[:20]
            if line.startswith(("Name: ", "Version: "))
        )
        if "Name" in fields and "Version" in fields:
            found[fields["Name"]] = fields["Version"]
    return found


def _node_packages(runtime_dir: Path) -> dict[str, str]:
    wanted = json.loads((runtime_dir / "package.json").read_text())["dependencies"]
    found: dict[str, str] = {}
    for name in sorted(wanted):
        manifest = json.loads((runtime_dir / "node_modules" / name / "package.json").read_text())
        found[name] = str(manifest["version"])
    return found
