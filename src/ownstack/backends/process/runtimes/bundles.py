"""Where installed runtimes live and how one is recognised as complete and current.

A runtime's bundle is `<root>/<runtime>-<digest>/`: `runtime/` (mounted at /var/runtime),
`site-packages/` for Python (mounted over /var/lang/lib/pythonX.Y/site-packages), and the
manifest, written last. The digest covers the pinned versions (requirements files, package.json
and its lock) and the bundle format, so changing a pin makes the old bundle not current and
`make runtimes` installs a new one beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ownstack.backends.process.runtimes.catalog import ManagedRuntime

BUNDLE_FORMAT = 1
MANIFEST = "ownstack-runtime.json"
SOURCES = Path(__file__).parent
PYTHON_RIC_REQUIREMENTS = SOURCES / "python/ric-requirements.txt"
PYTHON_SDK_REQUIREMENTS = SOURCES / "python/sdk-requirements.txt"
NODE_PACKAGE_FILES = tuple(
    SOURCES / "nodejs" / name for name in ("package.json", "package-lock.json")
)
NODE_ESM_HOOK_FILES = tuple(
    SOURCES / "nodejs" / name for name in ("esm-node-path.mjs", "esm-node-path-hooks.mjs")
)


@dataclass(frozen=True, slots=True)
class Manifest:
    runtime: str
    digest: str
    interpreter: str
    """The host binary the bundle was installed for (and is run with)."""
    prefix: str
    interpreter_version: str
    packages: dict[str, str] = field(default_factory=dict)
    """What was installed: distribution/package name -> version."""
    install_seconds: float = 0.0
    size_bytes: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def runtimes_root(environ: Mapping[str, str] | None = None) -> Path:
    """$OWNSTACK_RUNTIMES_DIR, default ~/.cache/ownstack/runtimes."""
    env = os.environ if environ is None else environ
    configured = env.get("OWNSTACK_RUNTIMES_DIR")
    if configured:
        return Path(configured).expanduser().absolute()
    home = Path(env.get("HOME") or Path.home())
    return home / ".cache/ownstack/runtimes"


def pin_files(runtime: ManagedRuntime) -> tuple[Path, ...]:
    if runtime.family == "python":
        return (PYTHON_RIC_REQUIREMENTS, PYTHON_SDK_REQUIREMENTS)
    return (*NODE_PACKAGE_FILES, *NODE_ESM_HOOK_FILES)


def digest(runtime: ManagedRuntime) -> str:
    hasher = hashlib.sha256(f"{BUNDLE_FORMAT}:{runtime.name}".encode())
    for path in pin_files(runtime):
        hasher.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()[:16]


def bundle_dir(root: Path, runtime: ManagedRuntime) -> Path:
    return root / f"{runtime.name}-{digest(runtime)}"


def read_manifest(bundle: Path) -> Manifest | None:
    """The manifest of a complete bundle, or None (absent, half-written, other format)."""
    try:
        raw = json.loads((bundle / MANIFEST).read_text())
        return Manifest(**raw)
    except (OSError, ValueError, TypeError):
        return None


def tree_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(dirpath) / name).lstat().st_size
            except OSError:
                continue
    return total
