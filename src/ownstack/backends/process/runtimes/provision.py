"""Installing a runtime's bundle: AWS's runtime interface client and SDK at pinned versions,
installed with (and for) the interpreter that will run them.

Installs are explicit (`make runtimes`, or `python -m ownstack.backends.process.runtimes
install`), never triggered by a request: one takes a minute and needs PyPI or npm. Each runtime
is installed under an exclusive file lock in a temporary directory renamed into place once
complete, so concurrent installs (two `make` runs, CI workers) neither collide nor let a sandbox
see half a bundle.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from ownstack.backends.process.runtimes import installers
from ownstack.backends.process.runtimes.bundles import (
    MANIFEST,
    Manifest,
    bundle_dir,
    digest,
    read_manifest,
    tree_size,
)
from ownstack.backends.process.runtimes.catalog import ManagedRuntime
from ownstack.backends.process.runtimes.installers import InstallError
from ownstack.backends.process.runtimes.interpreters import Interpreter, find_node, find_python

Log = Callable[[str], None]

__all__ = ["InstallError", "find_interpreter", "install"]


def find_interpreter(runtime: ManagedRuntime) -> Interpreter | None:
    if runtime.family == "python":
        return find_python(runtime.version)
    return find_node(runtime.version)


def install(runtime: ManagedRuntime, root: Path, log: Log, *, force: bool = False) -> Manifest:
    """The runtime's current bundle, installed now unless it already is (for an interpreter
    that still exists). Raises InstallError saying why it could not be."""
    root.mkdir(parents=True, exist_ok=True)
    target = bundle_dir(root, runtime)
    with _locked(root / f".{runtime.name}.lock"):
        existing = read_manifest(target)
        if existing is not None and Path(existing.interpreter).is_file() and not force:
            return existing
        interpreter = find_interpreter(runtime)
        if interpreter is None:
            raise InstallError(f"no {runtime.family} {runtime.version} interpreter found")
        manifest = _build(runtime, interpreter, root, target, log)
        _remove_stale(root, runtime, keep=target)
        return manifest


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _build(
    runtime: ManagedRuntime, interpreter: Interpreter, root: Path, target: Path, log: Log
) -> Manifest:
    # We hold the runtime's lock: any staging or retired copy left here is a crashed install's.
    for leftover in (
        *root.glob(f".staging-{runtime.name}-*"),
        *root.glob(f".retired-{runtime.name}-*"),
    ):
        shutil.rmtree(leftover, ignore_errors=True)
    staging = root / f".staging-{runtime.name}-{os.getpid()}"
    staging.mkdir()
    started = time.monotonic()
    try:
        log(f"{runtime.name}: installing for {interpreter.executable} ({interpreter.version})")
        install_log = root / f"{runtime.name}.install.log"
        install_log.write_text("")
        if runtime.family == "python":
            packages = installers.install_python(runtime, interpreter, staging, install_log)
        else:
            packages = installers.install_node(interpreter, staging, install_log)
        _make_world_readable(staging)
        manifest = Manifest(
            runtime=runtime.name,
            digest=digest(runtime),
            interpreter=str(interpreter.executable),
            prefix=str(interpreter.prefix),
            interpreter_version=interpreter.version,
            packages=packages,
        )
        manifest = replace(
            manifest,
            install_seconds=round(time.monotonic() - started, 1),
            size_bytes=tree_size(staging),
        )
        # Written last: a bundle without its manifest is never used.
        (staging / MANIFEST).write_text(manifest.to_json())
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _make_world_readable(tree: Path) -> None:
    """Sandboxes may run as their own uid (not the installer's): everything must be readable,
    directories and executables traversable, whatever the installer's umask was."""
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in (*dirnames, *filenames):
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            wanted = mode | 0o444 | (0o111 if path.is_dir() or mode & 0o100 else 0)
            if wanted != mode:
                path.chmod(wanted)
    tree.chmod(tree.stat().st_mode | 0o555)


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename the complete bundle to its name. A reinstall (forced, or the interpreter changed)
    moves the old one aside and deletes it: restart a server whose warm sandboxes use it."""
    if target.exists():
        retired = target.with_name(f".retired-{target.name}-{os.getpid()}")
        target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
        return
    staging.rename(target)


def _remove_stale(root: Path, runtime: ManagedRuntime, keep: Path) -> None:
    """Bundles of this runtime for pins that are no longer current."""
    for other in root.glob(f"{runtime.name}-*"):
        if other != keep and other.is_dir() and other.name[len(runtime.name) + 1 :].isalnum():
            shutil.rmtree(other, ignore_errors=True)
