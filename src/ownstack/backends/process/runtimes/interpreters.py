"""Finding the host's real interpreters (not shims, not virtualenvs) for a runtime's version.

A sandbox cannot use a pyenv shim or a virtualenv: it gets the interpreter's installation prefix
bound read-only, so what is found here is a binary and the prefix its standard library lives in.
Prefixes outside /usr are preferred: they can be mounted at /var/lang as on AWS, with nothing
but the runtime's own packages in site-packages; a system interpreter (/usr/bin/python3.11) runs
where it is, in the /usr every sandbox has.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

SYSTEM_BIN_DIRS = (Path("/usr/local/bin"), Path("/usr/bin"), Path("/bin"))
_ELF_MAGIC = b"\x7fELF"
_PY_VERSION = re.compile(rb'#define\s+PY_VERSION\s+"([^"]+)"')
_NODE_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class Interpreter:
    executable: Path
    """The real binary on the host (symlinks resolved)."""
    prefix: Path
    """Its installation prefix: executable is under prefix/bin, the standard library under
    prefix/lib."""
    version: str
    """Full version ("3.12.1", "20.20.2") when it could be read, else the runtime's ("3.12")."""


def find_python(minor_version: str, environ: Mapping[str, str] | None = None) -> Interpreter | None:
    """The first real python<minor_version> (e.g. "3.12"), without running it."""
    env = os.environ if environ is None else environ
    name = f"python{minor_version}"
    for candidate in _unique(_python_candidates(name, env)):
        found = _python_at(candidate, minor_version)
        if found is not None:
            return found
    return None


def python_search_places(minor_version: str) -> str:
    return (
        f"looked for python{minor_version} on PATH, in pyenv and uv installs,"
        " in /usr/local/bin and /usr/bin"
    )


def find_nodes(environ: Mapping[str, str] | None = None) -> list[Interpreter]:
    """Every distinct node binary found, in preference order (runs each with --version)."""
    env = os.environ if environ is None else environ
    found: list[Interpreter] = []
    for candidate in _unique(_node_candidates(env)):
        version = _node_version(candidate)
        if version is not None:
            found.append(Interpreter(candidate, candidate.parent.parent, version))
    return found


def find_node(major: str, environ: Mapping[str, str] | None = None) -> Interpreter | None:
    return next((node for node in find_nodes(environ) if node_major(node) == major), None)


def node_major(node: Interpreter) -> str:
    return node.version.split(".")[0]


def node_search_places() -> str:
    return "looked for node on PATH, in nvm and n installs, in /usr/local/bin and /usr/bin"


def _python_candidates(name: str, env: Mapping[str, str]) -> Iterator[Path]:
    path_dirs = [Path(d) for d in env.get("PATH", "").split(os.pathsep) if d]
    yield from (d / name for d in path_dirs if d not in SYSTEM_BIN_DIRS)
    home = Path(env.get("HOME") or Path.home())
    pyenv_root = Path(env.get("PYENV_ROOT") or home / ".pyenv")
    yield from (d / "bin" / name for d in _newest_first(pyenv_root / "versions", name[6:] + "."))
    uv_root = Path(env.get("UV_PYTHON_INSTALL_DIR") or home / ".local/share/uv/python")
    yield from (d / "bin" / name for d in _newest_first(uv_root, f"cpython-{name[6:]}."))
    yield from (d / name for d in SYSTEM_BIN_DIRS)


def _node_candidates(env: Mapping[str, str]) -> Iterator[Path]:
    path_dirs = [Path(d) for d in env.get("PATH", "").split(os.pathsep) if d]
    yield from (
        d / exe for d in path_dirs if d not in SYSTEM_BIN_DIRS for exe in ("node", "nodejs")
    )
    home = Path(env.get("HOME") or Path.home())
    nvm_dir = Path(env.get("NVM_DIR") or home / ".nvm")
    yield from (d / "bin/node" for d in _newest_first(nvm_dir / "versions/node", "v"))
    n_prefix = Path(env.get("N_PREFIX") or "/usr/local")
    yield from (d / "bin/node" for d in _newest_first(n_prefix / "n/versions/node", ""))
    yield from (d / exe for d in SYSTEM_BIN_DIRS for exe in ("node", "nodejs"))


def _newest_first(parent: Path, name_prefix: str) -> list[Path]:
    """parent's subdirectories named name_prefix..., highest version first."""
    try:
        dirs = [d for d in parent.iterdir() if d.name.startswith(name_prefix) and d.is_dir()]
    except OSError:
        return []
    return sorted(dirs, key=lambda d: _version_key(d.name), reverse=True)


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _unique(paths: Iterable[Path]) -> Iterator[Path]:
    """Real binaries (symlinks resolved), each once."""
    seen: set[Path] = set()
    for path in paths:
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if real not in seen and _is_elf(real):
            seen.add(real)
            yield real


def _is_elf(path: Path) -> bool:
    """Shims (pyenv, asdf, volta) are scripts: a sandbox could not run them."""
    try:
        with path.open("rb") as file:
            return file.read(4) == _ELF_MAGIC
    except OSError:
        return False


def _python_at(executable: Path, minor_version: str) -> Interpreter | None:
    prefix = executable.parent.parent
    # Python's own landmark for its prefix; a virtualenv's bin/python resolves to its base.
    if not (prefix / f"lib/python{minor_version}/os.py").is_file():
        return None
    return Interpreter(executable, prefix, _python_full_version(prefix, minor_version))


def _python_full_version(prefix: Path, minor_version: str) -> str:
    try:
        header = (prefix / f"include/python{minor_version}/patchlevel.h").read_bytes()
    except OSError:
        return minor_version
    match = _PY_VERSION.search(header)
    return match.group(1).decode() if match else minor_version


def _node_version(executable: Path) -> str | None:
    try:
        done = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _NODE_VERSION.match(done.stdout.strip())
    return ".".join(match.groups()) if match else None
