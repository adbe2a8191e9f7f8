"""ListObjectVersions' walk: every version of every key, keys in order, each key's versions
newest first, rolled up at a delimiter, at most N entries.

The versions are the records of versions_ns (records.py: each key's versions sort newest
first under it) and the objects_ns records written without versioning (seq 0: a key's null
version from before versioning, newer than any of its versions_ns records). The two
namespaces are read side by side and merged in key order: "k" sorts before "k\\x00<id>", and
no key holds a NUL, so the merge is exactly (key, newest first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from ownstack.ports.meta import MetaStore, Record, prefix_end

from .listing_scan import MAX_SCAN, common_prefix, start_after
from .records import BucketRecord, objects_ns, version_key, versions_ns
from .versioning_ids import NULL
from .versioning_store import key_range, locate


@dataclass(slots=True)
class _Seq:
    seq: int = 0


_SEQ = msgspec.json.Decoder(_Seq)


def _written_without_versioning(rec: Record) -> bool:
    return _SEQ.decode(rec.value).seq == 0


def name_of(record_key: str) -> str:
    """The object key of a versions_ns key (an objects_ns key is one already)."""
    return record_key.split("\x00", 1)[0]


class _Cursor:
    """One namespace read forward a page at a time, with a way to skip ahead."""

    def __init__(
        self,
        meta: MetaStore,
        ns: str,
        start: str,
        end: str | None,
        batch: int,
        keep: Callable[[Record], bool] | None = None,
    ) -> None:
        self._meta, self._ns, self._pos, self._end = meta, ns, start, end
        self._batch, self._keep = batch, keep
        self._buf: list[Record] = []
        self._done = False

    async def peek(self, bound: str | None = None) -> Record | None:
        """The next record; None when there is none, or (with `bound`) none up to `bound`:
        scanning stops once past it, so records filtered out are not read ahead for nothing."""
        while not self._buf:
            if self._done or (bound is not None and self._pos > bound):
                return None
            page = await self._meta.scan(
                self._ns, start=self._pos, end=self._end, limit=self._batch
            )
            self._done = len(page) < self._batch
            if page:
                self._pos = page[-1].key + "\x00"
            kept = page if self._keep is None else [r for r in page if self._keep(r)]
            self._buf = kept[::-1]  # popped from the end
        return self._buf[-1]

    def pop(self) -> None:
        self._buf.pop()

    def skip_to(self, pos: str) -> None:
        """Drop everything before `pos`."""
        while self._buf and self._buf[-1].key < pos:
            self._buf.pop()
        if not self._buf and pos > self._pos:
            self._pos = pos


@dataclass(slots=True)
class VersionPage:
    entries: list[tuple[str, bytes, bool]] = field(default_factory=list)
    """(object key, record value, is latest)."""
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last_key: str = ""
    last_version: bytes | None = None
    """The last entry's record (None when the page ended on a common prefix, or is empty)."""


async def version_start(
    meta: MetaStore,
    bucket: BucketRecord,
    key_marker: str,
    version_marker: str,
    prefix: str,
    delimiter: str,
) -> tuple[str, str | None]:
    """Where the listing starts (a record key position), and the key it resumes inside when
    it starts after one of that key's versions (VersionIdMarker)."""
    if not key_marker:
        return prefix, None
    if common_prefix(key_marker, prefix, delimiter) is not None:
        return start_after(key_marker, prefix, delimiter), None  # past the rolled-up prefix
    if not version_marker:
        return max(key_range(key_marker)[1], prefix), None  # after all of the key's versions
    if version_marker != NULL:
        return max(version_key(key_marker, version_marker) + "\x00", prefix), key_marker
    found = await locate(meta, bucket, key_marker, NULL, with_current=False)
    if found is None:
        return max(key_range(key_marker)[1], prefix), None
    if found.stored is None:  # written without versioning: objects_ns, newest of the key
        return max(key_marker + "\x00", prefix), key_marker
    return max(found.stored.key + "\x00", prefix), key_marker


async def _first_of_key(meta: MetaStore, bucket: BucketRecord, key: str, record_key: str) -> bool:
    """Whether the versions_ns record `record_key` is its key's newest version."""
    current = await meta.get(objects_ns(bucket.id), key)
    if current is not None and _written_without_versioning(current):
        return False
    start = key_range(key)[0]
    return not await meta.scan(versions_ns(bucket.id), start=start, end=record_key, limit=1)


async def version_page(
    meta: MetaStore,
    bucket: BucketRecord,
    *,
    prefix: str,
    delimiter: str,
    start: str,
    resume_key: str | None,
    max_items: int,
) -> VersionPage:
    page = VersionPage()
    if max_items <= 0:
        return page
    end = prefix_end(prefix) if prefix else None
    batch = max(2, min(MAX_SCAN, max_items + 1))
    cursors = (
        _Cursor(meta, versions_ns(bucket.id), start, end, batch),
        _Cursor(meta, objects_ns(bucket.id), start, end, batch, _written_without_versioning),
    )
    previous = resume_key
    count = 0
    while True:
        # objects_ns is read only as far as the next version: its records written without
        # versioning are few, and the rest (copies of versions) are skipped unread beyond that.
        newest = await cursors[0].peek()
        heads = [newest, await cursors[1].peek(None if newest is None else newest.key)]
        live = [(rec.key, i) for i, rec in enumerate(heads) if rec is not None]
        if not live:
            return page
        record_key, which = min(live)
        if count >= max_items:
            page.truncated = True
            return page
        name = name_of(record_key)
        count += 1
        cp = common_prefix(name, prefix, delimiter)
        if cp is not None:
            page.prefixes.append(cp)
            page.last_key, page.last_version = cp, None
            after = prefix_end(cp)
            if after is None:
                return page
            for cursor in cursors:
                cursor.skip_to(after)
            previous = None
            continue
        rec = heads[which]
        assert rec is not None
        cursors[which].pop()
        if name != previous:
            latest = True
        elif previous == resume_key and not page.entries:
            latest = await _first_of_key(meta, bucket, name, record_key)
        else:
            latest = False
        previous = name
        page.entries.append((name, rec.value, latest))
        page.last_key, page.last_version = name, rec.value
