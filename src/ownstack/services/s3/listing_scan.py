"""The one listing walk every S3 listing shares: keys under a prefix, after a marker, rolled up
at a delimiter into common prefixes, at most N entries.

A rolled-up common prefix is skipped in one step (the next scan starts at `prefix_end(cp)`), so
a million keys under one prefix cost one scan, not a million reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ownstack.ports.meta import MetaStore, Record, prefix_end

MAX_SCAN = 1000


@dataclass(slots=True)
class Page:
    entries: list[Record] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last_entry: Record | None = None
    last_prefix: str | None = None
    """Whichever of the two came last is the page's end (NextMarker, continuation)."""
    last_was_prefix: bool = False

    @property
    def last_key(self) -> str:
        """The record key or common prefix the page ended on ("" for an empty page)."""
        if self.last_was_prefix:
            return self.last_prefix or ""
        return self.last_entry.key if self.last_entry is not None else ""


def _identity(key: str) -> str:
    return key


def common_prefix(name: str, prefix: str, delimiter: str) -> str | None:
    """The common prefix `name` rolls up into, or None when it is listed as itself."""
    if not delimiter or not name.startswith(prefix):
        return None
    idx = name.find(delimiter, len(prefix))
    return None if idx < 0 else name[: idx + len(delimiter)]


def start_after(marker: str, prefix: str, delimiter: str) -> str:
    """The first scan position strictly after `marker`. A marker that rolls up into a common
    prefix (the prefix itself, as NextMarker is when a page ended on one, or any key under it)
    skips everything under that prefix: the prefix sorts before the marker, so S3 never lists
    it again."""
    if not marker:
        return prefix
    rolled_up = common_prefix(marker, prefix, delimiter)
    if rolled_up is not None:
        return max(prefix_end(rolled_up) or "\U0010ffff", prefix)
    # The immediate successor of `marker` in string order.
    return max(marker + "\x00", prefix)


async def scan_page(
    meta: MetaStore,
    ns: str,
    *,
    prefix: str,
    delimiter: str,
    start: str,
    max_items: int,
    name_of: Callable[[str], str] = _identity,
) -> Page:
    """Up to `max_items` entries and common prefixes from `start` on. `name_of` maps a record key
    to the name that is matched and rolled up (the object key of an upload record)."""
    page = Page()
    if max_items <= 0:
        # S3 answers max-keys=0 with an empty page that is not truncated.
        return page
    end = prefix_end(prefix) if prefix else None
    pos: str | None = start
    count = 0
    while pos is not None:
        want = max(1, min(MAX_SCAN, max_items - count + 1))
        batch = await meta.scan(ns, start=pos, end=end, limit=want)
        if not batch:
            return page
        next_pos: str | None = batch[-1].key + "\x00"
        rolled_up = False
        for rec in batch:
            if count >= max_items:
                page.truncated = True
                return page
            cp = common_prefix(name_of(rec.key), prefix, delimiter)
            count += 1
            if cp is None:
                page.entries.append(rec)
                page.last_entry, page.last_was_prefix = rec, False
                continue
            page.prefixes.append(cp)
            page.last_prefix, page.last_was_prefix = cp, True
            # Skip the whole rolled-up prefix: rescan from just past it.
            next_pos = prefix_end(cp)
            rolled_up = True
            break
        if len(batch) < want and not rolled_up:
            return page
        pos = next_pos
    return page
