"""/opt for a sandbox: the function's layers merged in order, later layers winning.

One layer is bound as it is. Several are merged once per distinct list into a directory of
hard links (a copy across filesystems) under the engine's scratch dir, shared read-only by
every sandbox started with that list; layer versions never change, so the merge never goes
stale. Merged dirs live until the engine closes.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import shutil
from pathlib import Path


class LayerMerger:
    def __init__(self, scratch: Path) -> None:
        self._scratch = scratch
        self._merged: dict[str, asyncio.Task[Path]] = {}

    async def opt_dir(self, layer_dirs: tuple[Path, ...]) -> Path | None:
        """The host dir to bind at /opt, or None when there are no layers."""
        if not layer_dirs:
            return None
        if len(layer_dirs) == 1:
            return layer_dirs[0]
        key = hashlib.sha256("\0".join(str(d.resolve()) for d in layer_dirs).encode()).hexdigest()
        task = self._merged.get(key)
        if task is None or (task.done() and task.exception() is not None):
            target = self._scratch / f"opt-{key[:32]}"
            task = asyncio.ensure_future(asyncio.to_thread(merge_layers, layer_dirs, target))
            self._merged[key] = task
        return await asyncio.shield(task)


def merge_layers(layer_dirs: tuple[Path, ...], target: Path) -> Path:
    """Merge into a fresh dir beside `target`, then rename it into place (a crash midway
    leaves no half-merged /opt for a later start to take)."""
    if target.is_dir():
        return target
    building = target.with_name(f"{target.name}.{os.getpid()}.partial")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(mode=0o755, parents=True)
    for layer in layer_dirs:
        _merge_tree(layer, building)
    os.rename(building, target)
    return target


def _merge_tree(source: Path, dest: Path) -> None:
    for entry in os.scandir(source):
        here = dest / entry.name
        if entry.is_dir(follow_symlinks=False):
            if not here.is_dir() or here.is_symlink():
                _remove(here)
                here.mkdir(mode=0o755)
                shutil.copystat(entry.path, here, follow_symlinks=False)
            _merge_tree(Path(entry.path), here)
            continue
        _remove(here)
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), here)
        else:
            _link_or_copy(Path(entry.path), here)


def _link_or_copy(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        shutil.copy2(source, dest)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
