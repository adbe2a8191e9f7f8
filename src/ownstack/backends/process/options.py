"""The process engine's options (ownstack.yaml `backends.runtime`), checked once at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from ownstack.ports.engine import EngineOption

AWS_PROCESS_LIMIT = 1024
"""Lambda's quota on processes and threads per execution environment."""
AWS_OPEN_FILES_LIMIT = 1024
"""Lambda's quota on file descriptors per execution environment."""


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True, slots=True)
class ProcessOptions:
    # Each option's doc is field metadata: the configuration reference (docs/configuration.md)
    # is generated from it (OPTIONS below).
    scratch_dir: Path = field(
        metadata=_doc(
            "Where the engine keeps what sandboxes are built from (merged layers, /etc/passwd);"
            " never visible inside a sandbox as a whole."
        )
    )
    bwrap: str = field(
        default="bwrap",
        metadata=_doc("The bubblewrap binary (a name looked up on PATH, or a path)."),
    )
    setpriv: str = field(
        default="setpriv",
        metadata=_doc("util-linux's setpriv: drops root to a sandbox's own host uid before bwrap."),
    )
    host_uid_base: int = field(
        default=61000,
        metadata=_doc(
            "When ownstack runs as root, each sandbox runs as its own host uid from [base, base +"
            " host_uid_count): its sockets, processes and files are told apart from ownstack's"
            " and from other sandboxes' by the kernel (Runtime API peer check, RLIMIT_NPROC)."
        ),
    )
    host_uid_count: int = field(default=4000, metadata=_doc("How many host uids sandboxes use."))
    uid_claims_dir: Path = field(
        default=Path("/run/ownstack/sandbox-uids"),
        metadata=_doc(
            "Where a sandbox's host uid is claimed (a lock file per uid): one place for the whole"
            " host, so no two ownstack processes, whatever their data dirs, hand out the same uid."
        ),
    )
    cgroups: bool = field(
        default=True,
        metadata=_doc(
            "Bound memory, processes and CPU share with a cgroup per sandbox when the host lets"
            " ownstack create one; false (or no writable cgroup): per-process rlimits only."
        ),
    )
    max_processes: int = field(
        default=AWS_PROCESS_LIMIT, metadata=_doc("Processes and threads per sandbox (Lambda's).")
    )
    max_open_files: int = field(
        default=AWS_OPEN_FILES_LIMIT, metadata=_doc("File descriptors per sandbox (Lambda's).")
    )
    cpu_seconds: int = field(
        default=6 * 3600,
        metadata=_doc("RLIMIT_CPU per process: only a backstop (a warm sandbox lives long)."),
    )
    init_timeout_s: float = field(
        default=10.0,
        metadata=_doc(
            "Lambda's bound on a runtime's init phase before it is retried within the invoke phase."
        ),
    )
    sandbox_uid: int = field(
        default=993, metadata=_doc("The uid the function sees (Lambda's sbx_user1051).")
    )
    sandbox_gid: int = field(default=990, metadata=_doc("The gid the function sees."))

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


OPTIONS = tuple(
    EngineOption(
        f.name,
        None if f.default is MISSING else f.default,
        f.metadata["doc"],
        shown_default="`<data>/runtime`" if f.default is MISSING else None,
    )
    for f in fields(ProcessOptions)
)
"""The options ownstack.yaml `backends.runtime` may set, with their defaults."""
