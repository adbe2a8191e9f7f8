"""Per-account IAM generation records: how N processes sharing one meta store learn that IAM
changed something in an account.

Every IAM commit also writes GENERATIONS/<account id> (an unconditional Put, so the record's
version moves with the commit that changed the account: no read, no extra round trip). The
value is irrelevant; the version is the generation. A watcher in every process reads the whole
namespace (one record per account) on a timer and compares versions with the last it saw: an
account whose version moved has had an IAM write since, by any process.

A write whose account cannot be told from its ops bumps ALL_ACCOUNTS instead, which every
process reads as "every account changed": over-invalidation, never a stale cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ownstack.ports.meta import MetaStore, Op, Put

from .records import ALIASES, KEYS, AccessKeyRecord

GENERATIONS = "iam:generations"
ALL_ACCOUNTS = "*"
_SCAN_LIMIT = 100_000
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def touched_accounts(ops: Sequence[Op]) -> set[str]:
    """The accounts an IAM commit writes to, read off its keys: entity keys start with the
    account id, per-account records (ACCOUNTS, password policies...) are keyed by it, a key
    record names its account. An op that says nothing of its account (a deleted key, an alias)
    belongs to the others' account: an IAM write acts in one account (the caller's). Only a
    commit none of whose ops names one gives ALL_ACCOUNTS."""
    found = {account for op in ops if (account := _account_of(op)) is not None}
    return found or {ALL_ACCOUNTS}


def _account_of(op: Op) -> str | None:
    if not op.ns.startswith("iam:") or op.ns == ALIASES:
        return None
    head = op.key.split("/", 1)[0]
    if _ACCOUNT_ID.match(head):
        return head
    if op.ns == KEYS and isinstance(op, Put):
        try:
            return AccessKeyRecord.decode(op.value).account_id
        except ValueError:
            return None
    return None


def bump_ops(accounts: Iterable[str]) -> list[Put]:
    """The Puts that move the generation of each account (sorted: a stable lock order)."""
    return [Put(GENERATIONS, account, b"") for account in sorted(set(accounts))]


class GenerationTracker:
    """What this process last saw of the generation records, and what moved since."""

    def __init__(self, meta: MetaStore) -> None:
        self.meta = meta
        self._seen: dict[str, int] = {}

    async def read(self) -> dict[str, int]:
        records = await self.meta.scan(GENERATIONS, limit=_SCAN_LIMIT)
        return {r.key: r.version for r in records}

    def moved(self, current: dict[str, int]) -> set[str]:
        """The accounts whose generation moved between what was seen and `current`."""
        return {a for a, version in current.items() if self._seen.get(a) != version}

    def accept(self, current: dict[str, int]) -> None:
        """Everything up to `current` has been acted on."""
        self._seen = dict(current)
