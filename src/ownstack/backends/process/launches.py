"""What a sandbox runs: `provided.*` runtimes run the function's own `bootstrap` (as Lambda
does: /var/task/bootstrap, else /opt/bootstrap); managed runtimes (python3.x, nodejs*) are
described by `ownstack.backends.process.runtimes` (launch_for / unavailable)."""

from __future__ import annotations

import importlib
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ownstack.ports.runtime import SandboxUnavailable

PROVIDED = frozenset({"provided", "provided.al2", "provided.al2023"})
BOOTSTRAPS = ("/var/task/bootstrap", "/opt/bootstrap")
_RUNTIMES_MODULE = "ownstack.backends.process.runtimes"


@dataclass(frozen=True, slots=True)
class Launch:
    argv: tuple[str, ...]
    """The command, as paths inside the sandbox."""
    binds: tuple[tuple[Path, str], ...] = ()
    """Host path -> sandbox path, read-only (a managed runtime's interpreter, /var/runtime)."""
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EntrypointError:
    """The runtime cannot even be started: Lambda reports it as the init error of the first
    invocation (Runtime.InvalidEntrypoint), not as an unavailable runtime."""

    message: str
    error_type: str = "Runtime.InvalidEntrypoint"


def provided_launch(
    code_dir: Path, opt_dir: Path | None, as_other: bool
) -> Launch | EntrypointError:
    """The bootstrap to run. `as_other`: the sandbox's uid owns none of the files (ownstack
    runs as root), so the bootstrap needs the "others" execute bit."""
    for inside, host in zip(BOOTSTRAPS, (code_dir, opt_dir), strict=True):
        if host is None:
            continue
        path = host / "bootstrap"
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):  # resolved inside the sandbox's view, not the host's
            return Launch((inside,))
        if not stat.S_ISREG(mode):
            continue
        if not mode & (stat.S_IXOTH if as_other else stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
            return EntrypointError(f"fork/exec {inside}: permission denied")
        return Launch((inside,))
    return EntrypointError(f"Couldn't find valid bootstrap(s): [{' '.join(BOOTSTRAPS)}]")


def managed_unavailable(runtime: str) -> str | None:
    module, why = _runtimes_module()
    if module is None:
        return why
    reason: str | None = module.unavailable(runtime)
    return reason


def managed_launch(runtime: str, handler: str) -> Launch:
    """Raises SandboxUnavailable (the runtime is unknown or its interpreter missing)."""
    module, why = _runtimes_module()
    if module is None:
        raise SandboxUnavailable(why)
    theirs = module.launch_for(runtime, handler)
    return Launch(
        argv=tuple(str(a) for a in theirs.argv),
        binds=tuple((Path(host), str(inside)) for host, inside in theirs.binds),
        env={str(k): str(v) for k, v in dict(theirs.env).items()},
    )


def _runtimes_module() -> tuple[Any, str]:
    try:
        return importlib.import_module(_RUNTIMES_MODULE), ""
    except ImportError as exc:
        if exc.name == _RUNTIMES_MODULE:
            return None, "managed runtimes are not available in this build of the process engine"
        return None, f"the process engine's managed runtimes failed to load: {exc}"
