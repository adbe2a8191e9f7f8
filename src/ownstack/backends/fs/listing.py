"""Listing blobs by age (the ListableBlobs capability): a walk of the fan-out dirs.

The walk runs in worker threads, one fan-out dir per hop, so the event loop never blocks on
the file system and at most one leaf dir's ids are held at a time. Only names the layout could
have produced are listed: a two-hex-digit dir, then another, then a 32-hex-digit file whose
name starts with both (so tmp/ and anything foreign dropped into the root are never touched).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

_FANOUT = re.compile(r"[0-9a-f]{2}")
_ID = re.compile(r"[0-9a-f]{32}")


async def ids_older_than(root: Path, cutoff: float) -> AsyncIterator[str]:
    for top in await asyncio.to_thread(_fanout_dirs, root):
        for leaf in await asyncio.to_thread(_fanout_dirs, top):
            prefix = top.name + leaf.name
            for blob_id in await asyncio.to_thread(_old_ids, leaf, prefix, cutoff):
                yield blob_id


def _fanout_dirs(parent: Path) -> list[Path]:
    """The fan-out subdirs of `parent`, sorted (a stable order makes the walk predictable)."""
    try:
        with os.scandir(parent) as entries:
            found = [
                Path(e.path)
                for e in entries
                if _FANOUT.fullmatch(e.name) and e.is_dir(follow_symlinks=False)
            ]
    except FileNotFoundError:
        return []
    return sorted(found)


def _old_ids(leaf: Path, prefix: str, cutoff: float) -> list[str]:
    found: list[str] = []
    try:
        with os.scandir(leaf) as entries:
            for entry in entries:
                if not (_ID.fullmatch(entry.name) and entry.name.startswith(prefix)):
                    continue
                if _is_old_file(entry, cutoff):
                    found.append(entry.name)
    except FileNotFoundError:
        return []
    return found


def _is_old_file(entry: os.DirEntry[str], cutoff: float) -> bool:
    if not entry.is_file(follow_symlinks=False):
        return False
    try:
        return entry.stat(follow_symlinks=False).st_mtime < cutoff
    except FileNotFoundError:  # deleted since the dir was read
        return False
