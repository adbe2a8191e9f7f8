"""How the sandbox engine starts a managed runtime: AWS's runtime interface client over the
host's interpreter, from a bundle installed beforehand (`make runtimes`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ownstack.backends.process.runtimes import catalog
from ownstack.backends.process.runtimes.bundles import (
    Manifest,
    bundle_dir,
    read_manifest,
    runtimes_root,
)
from ownstack.backends.process.runtimes.catalog import MANAGED, ManagedRuntime
from ownstack.backends.process.runtimes.interpreters import (
    find_node,
    find_nodes,
    find_python,
    node_search_places,
    python_search_places,
)
from ownstack.ports.runtime import SandboxUnavailable

USR = Path("/usr")
NODE_RIC_MAIN = f"{catalog.RUNTIME_DIR}/node_modules/aws-lambda-ric/bin/index.mjs"
NODE_ESM_HOOK = f"{catalog.RUNTIME_DIR}/esm-node-path.mjs"


@dataclass(frozen=True, slots=True)
class Launch:
    """What to run in the sandbox. The process must start in /var/task (LAMBDA_TASK_ROOT), as
    on Lambda: both clients load the handler relative to their working directory."""

    argv: tuple[str, ...]
    """The command, as paths seen inside the sandbox."""
    binds: tuple[tuple[Path, str], ...]
    """Host path -> sandbox path, bound read-only, in this order (a later bind may sit inside
    an earlier one: the runtime's site-packages inside the interpreter's prefix)."""
    env: Mapping[str, str]
    """Additions to the sandbox's environment (PYTHONPATH, NODE_PATH, PATH, ...)."""


def unavailable(runtime: str) -> str | None:
    """Why `runtime` can't run here (meant for the user), or None."""
    try:
        _installed(_managed(runtime))
    except SandboxUnavailable as exc:
        return exc.reason
    return None


def launch_for(runtime: str, handler: str) -> Launch:
    """Raises SandboxUnavailable with the same reason `unavailable` gives."""
    managed = _managed(runtime)
    bundle, manifest = _installed(managed)
    if managed.family == "python":
        return _python_launch(managed, bundle, manifest, handler)
    return _node_launch(managed, bundle, manifest, handler)


def _managed(runtime: str) -> ManagedRuntime:
    managed = MANAGED.get(runtime)
    if managed is None:
        raise SandboxUnavailable(
            f"runtime {runtime!r} is not a managed runtime ownstack provides"
            f" (it provides {', '.join(MANAGED)})"
        )
    return managed


def _installed(runtime: ManagedRuntime) -> tuple[Path, Manifest]:
    root = runtimes_root()
    bundle = bundle_dir(root, runtime)
    manifest = read_manifest(bundle)
    if manifest is None:
        raise SandboxUnavailable(_why_not_installed(runtime, root))
    if not Path(manifest.interpreter).is_file():
        raise SandboxUnavailable(
            f"runtime {runtime.name} was installed for {manifest.interpreter}, which is gone:"
            " run `make runtimes` to install it for another interpreter"
        )
    return bundle, manifest


def _why_not_installed(runtime: ManagedRuntime, root: Path) -> str:
    if runtime.family == "python":
        python = find_python(runtime.version)
        if python is None:
            return (
                f"no python {runtime.version} interpreter found for runtime {runtime.name}"
                f" ({python_search_places(runtime.version)})"
            )
        interpreter = python.executable
    else:
        node = find_node(runtime.version)
        if node is None:
            others = ", ".join(f"node {n.version} at {n.executable}" for n in find_nodes())
            return (
                f"no node {runtime.version} interpreter found for runtime {runtime.name}"
                f" ({node_search_places()}; found {others or 'none'})"
            )
        interpreter = node.executable
    return (
        f"runtime {runtime.name} is not installed in {root}: run `make runtimes` (it installs AWS's"
        f" runtime interface client and SDK for {interpreter})"
    )


def _interpreter_binds(manifest: Manifest) -> tuple[str, tuple[tuple[Path, str], ...]]:
    """The interpreter's path inside the sandbox, and the binds that put it there."""
    executable, prefix = Path(manifest.interpreter), Path(manifest.prefix)
    if prefix == USR:
        return str(executable), ()
    inside = f"{catalog.LANG_DIR}/{executable.relative_to(prefix)}"
    return inside, ((prefix, catalog.LANG_DIR),)


def _python_launch(
    runtime: ManagedRuntime, bundle: Path, manifest: Manifest, handler: str
) -> Launch:
    python, binds = _interpreter_binds(manifest)
    binds += _libpython_binds(Path(manifest.prefix), runtime.version)
    binds += (
        (bundle / "runtime", catalog.RUNTIME_DIR),
        (bundle / "site-packages", catalog.python_site_packages(runtime.version)),
    )
    env = {
        **_common_env(runtime),
        "PYTHONPATH": ":".join(catalog.python_paths(runtime.version)),
    }
    return Launch(argv=(python, "-m", "awslambdaric", handler), binds=binds, env=env)


def _libpython_binds(prefix: Path, minor_version: str) -> tuple[tuple[Path, str], ...]:
    """A shared-library build (pyenv's) finds libpython through an absolute RUNPATH under its
    host prefix: bind that one file there too, so the interpreter starts even when a function
    sets its own LD_LIBRARY_PATH (Lambda lets it)."""
    if prefix.is_relative_to(USR):
        return ()
    library = prefix / f"lib/libpython{minor_version}.so.1.0"
    return ((library, str(library)),) if library.is_file() else ()


def _node_launch(runtime: ManagedRuntime, bundle: Path, manifest: Manifest, handler: str) -> Launch:
    node, binds = _interpreter_binds(manifest)
    binds += ((bundle / "runtime", catalog.RUNTIME_DIR),)
    flags = _node_flags(manifest.interpreter_version)
    env = {**_common_env(runtime), "NODE_PATH": catalog.node_path(runtime.version)}
    return Launch(argv=(node, *flags, NODE_RIC_MAIN, handler), binds=binds, env=env)


def _node_flags(version: str) -> tuple[str, ...]:
    """Lambda turns off Node.js's experimental require(esm) (Node.js 20, 22) and module-type
    detection (22); and the ESM NODE_PATH hook needs module.register (18.19, 20.6)."""
    major, minor = (int(part) for part in version.split(".")[:2])
    flags: list[str] = []
    if (major == 20 and minor >= 17) or major >= 22:
        flags.append("--no-experimental-require-module")
    if major >= 22:
        flags.append("--no-experimental-detect-module")
    if (major, minor) >= (20, 6) or (major == 18 and minor >= 19):
        flags += ["--import", NODE_ESM_HOOK]
    return tuple(flags)


def _common_env(runtime: ManagedRuntime) -> dict[str, str]:
    return {
        "PATH": catalog.AWS_PATH,
        "LD_LIBRARY_PATH": catalog.AWS_LD_LIBRARY_PATH,
        "LAMBDA_RUNTIME_DIR": catalog.RUNTIME_DIR,
        "AWS_EXECUTION_ENV": runtime.execution_env,
    }
