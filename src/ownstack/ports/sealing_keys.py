"""Keys that seal data at rest or in tokens (STS session tokens, SQS message bodies), kept in
the meta port so every process sharing it seals and opens with the same ones."""

from __future__ import annotations

import contextlib
import os

from .errors import ConditionFailed
from .meta import ABSENT, MetaStore, Put

FIRST_KEY_ID = "0001"
"""Key ids sort: the greatest is the current one (room for rotation: add a greater id)."""


async def load_keys(meta: MetaStore, ns: str) -> dict[str, bytes]:
    """Every 32-byte key of namespace `ns`, by id; the first is created (once, across processes:
    the first writer wins and everyone uses its key) when there is none."""
    records = await meta.scan(ns)
    if not records:
        with contextlib.suppress(ConditionFailed):
            await meta.commit([Put(ns, FIRST_KEY_ID, os.urandom(32), ABSENT)])
        records = await meta.scan(ns)
    return {record.key: record.value for record in records}
