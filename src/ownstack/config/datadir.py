"""Where a server keeps its data when nobody says: a per-user directory, the same from any
working directory, so `ownstack env` run anywhere finds the server `ownstack serve` started.

The order: `--data DIR`, then `$OWNSTACK_DATA`, then `./.ownstack` when it exists in the current
directory (the default of earlier releases: an upgrade keeps using the data it holds, and the
command says so), then `$XDG_DATA_HOME/ownstack` (`~/.local/share/ownstack` when XDG_DATA_HOME is
unset or relative, as the XDG Base Directory spec says). Resolving never creates anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

LEGACY_DIR = ".ownstack"
APP_DIR = "ownstack"


class DataDirSource(Enum):
    FLAG = "--data"
    ENV = "$OWNSTACK_DATA"
    LEGACY = "./.ownstack"
    DEFAULT = "default"

    @property
    def explicit(self) -> bool:
        return self in (DataDirSource.FLAG, DataDirSource.ENV)


@dataclass(frozen=True, slots=True)
class DataDirChoice:
    path: Path
    source: DataDirSource


def default_data_dir(env: Mapping[str, str]) -> Path:
    """$XDG_DATA_HOME/ownstack, or ~/.local/share/ownstack (the spec ignores a relative
    XDG_DATA_HOME)."""
    xdg = env.get("XDG_DATA_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / APP_DIR
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "share" / APP_DIR


def resolve_data_dir(
    flag: str | None, env: Mapping[str, str], cwd: Path | None = None
) -> DataDirChoice:
    """The data dir a command uses, and why (see the module doc)."""
    if flag:
        return DataDirChoice(_absolute(flag), DataDirSource.FLAG)
    if env.get("OWNSTACK_DATA"):
        return DataDirChoice(_absolute(env["OWNSTACK_DATA"]), DataDirSource.ENV)
    legacy = (cwd or Path.cwd()) / LEGACY_DIR
    if legacy.is_dir():
        return DataDirChoice(legacy.absolute(), DataDirSource.LEGACY)
    return DataDirChoice(default_data_dir(env), DataDirSource.DEFAULT)


def _absolute(path: str) -> Path:
    return Path(path).expanduser().absolute()
