"""The process engine's options (ownstack.yaml `backends.runtime`), checked once at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

AWS_PROCESS_LIMIT = 1024
"""Lambda's quota on processes and threads per execution environment."""
AWS_OPEN_FILES_LIMIT = 1024
"""Lambda's quota on file descriptors per execution environment."""


@dataclass(frozen=True, slots=True)
class ProcessOptions:
    scratch_dir: Path
    """Where the engine keeps what sandboxes are built from (merged layers, /etc/passwd);
    never visible inside a sandbox as a whole. Default: <data dir>/runtime."""
    bwrap: str = "bwrap"
    """The bubblewrap binary (a name looked up on PATH, or a path)."""
    setpriv: str = "setpriv"
    """util-linux's setpriv: drops root to a sandbox's own host uid before bwrap runs."""
    host_uid_base: int = 61000
    """When ownstack runs as root, each sandbox runs as its own host uid from
    [base, base + host_uid_count): its sockets, processes and files are told apart from
    ownstack's and from other sandboxes' by the kernel (Runtime API peer check, RLIMIT_NPROC)."""
    host_uid_count: int = 4000
    uid_claims_dir: Path = Path("/run/ownstack/sandbox-uids")
    """Where a sandbox's host uid is claimed (a lock file per uid): one place for the whole
    host, so no two ownstack processes, whatever their data dirs, hand out the same uid."""
    cgroups: bool = True
    """Bound memory, processes and CPU share with a cgroup per sandbox when the host lets
    ownstack create one; False (or no writable cgroup): per-process rlimits only."""
    max_processes: int = AWS_PROCESS_LIMIT
    max_open_files: int = AWS_OPEN_FILES_LIMIT
    cpu_seconds: int = 6 * 3600
    """RLIMIT_CPU per process: only a backstop (a warm sandbox lives long; Lambda has none)."""
    init_timeout_s: float = 10.0
    """Lambda's bound on a runtime's init phase before it is retried within the invoke phase."""
    sandbox_uid: int = 993
    sandbox_gid: int = 990
    """The ids the function sees (Lambda's sbx_user1051)."""

    @classmethod
    def parse(cls, data_dir: Path, raw: Mapping[str, Any]) -> ProcessOptions:
        """From ownstack.yaml; ValueError naming an unknown or ill-typed option."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ValueError(f"unknown option(s) for the process engine: {', '.join(unknown)}")
        values: dict[str, Any] = {"scratch_dir": data_dir / "runtime"}
        for name, value in raw.items():
            values[name] = _coerce(name, value, cls.__dataclass_fields__[name].default)
        return cls(**values)


def _coerce(name: str, value: object, default: object) -> object:
    if name in ("scratch_dir", "uid_claims_dir"):
        return Path(str(value)).expanduser().absolute()
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"process engine option {name} must be true or false")
        return value
    if isinstance(default, int | float) and not isinstance(value, bool):
        if isinstance(value, int | float) and value > 0:
            return type(default)(value)
        raise ValueError(f"process engine option {name} must be a positive number")
    if isinstance(default, str) and isinstance(value, str) and value:
        return value
    raise ValueError(f"process engine option {name} has the wrong type: {value!r}")
