"""Accounts in the metadata port, so every process sharing a store has the same accounts, root
keys and account ids.

Namespace ACCOUNTS_NS:
  name/<name>        -> the account (JSON: name, id, root keys)
  id/<account id>    -> its name   (an account id belongs to one account)
  key/<access key>   -> its name   (a root key belongs to one account)
  changes            -> b""        (rewritten by every account write: what watchers poll)

The default account is the one named "default". Sources (the data dir's credentials, the
accounts ownstack.yaml declares, accounts.json) only seed the store: each account is written
with ABSENT expectations on its name, id and key, so the first writer wins and a process whose
own files disagree adopts what is stored. Accounts are listed default first, then in the order
they were created (their record's version).
"""

from __future__ import annotations

import json
import logging

from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, MetaStore, Op, Put, Record, prefix_end

from .model import Account

ACCOUNTS_NS = "accounts"
CHANGES = "changes"
DEFAULT_NAME = "default"
_NAME, _ID, _KEY = "name/", "id/", "key/"
_SCAN_LIMIT = 100_000
log = logging.getLogger("ownstack.identity")


def _encode(account: Account) -> bytes:
    return json.dumps(
        {
            "name": account.name,
            "id": account.id,
            "root_access_key": account.root_access_key,
            "root_secret_key": account.root_secret_key,
        }
    ).encode()


def _decode(record: Record) -> Account:
    doc = json.loads(record.value)
    return Account(doc["name"], doc["id"], doc["root_access_key"], doc["root_secret_key"])


class AccountRecords:
    def __init__(self, meta: MetaStore) -> None:
        self.meta = meta

    async def load(self) -> list[Account]:
        """Every stored account, the default first, then in creation order."""
        end = prefix_end(_NAME)
        records = await self.meta.scan(ACCOUNTS_NS, start=_NAME, end=end, limit=_SCAN_LIMIT)
        records.sort(key=lambda r: (r.key != _NAME + DEFAULT_NAME, r.version, r.key))
        return [_decode(r) for r in records]

    async def changes(self) -> int:
        """The version of the change marker (0: no account was ever stored)."""
        marker = await self.meta.get(ACCOUNTS_NS, CHANGES)
        return 0 if marker is None else marker.version

    async def seed(self, account: Account) -> bool:
        """Store `account` unless its name, id or root key is taken (True: it was stored)."""
        ops: list[Op] = [
            Put(ACCOUNTS_NS, _NAME + account.name, _encode(account), ABSENT),
            Put(ACCOUNTS_NS, _ID + account.id, account.name.encode(), ABSENT),
            Put(ACCOUNTS_NS, _KEY + account.root_access_key, account.name.encode(), ABSENT),
            Put(ACCOUNTS_NS, CHANGES, b""),
        ]
        try:
            await self.meta.commit(ops)
        except ConditionFailed:
            return False
        return True

    async def replace_default(self, account: Account) -> bool:
        """Make `account` the default, in place of the stored one (explicitly configured root
        credentials win over the store). False if its id or key belongs to another account or
        the default changed meanwhile."""
        current = await self.meta.get(ACCOUNTS_NS, _NAME + DEFAULT_NAME)
        if current is None:
            return await self.seed(account)
        old = _decode(current)
        if old == account:
            return True
        ops: list[Op] = [Put(ACCOUNTS_NS, _NAME + DEFAULT_NAME, _encode(account), current.version)]
        if old.id != account.id:
            ops.append(Delete(ACCOUNTS_NS, _ID + old.id))
            ops.append(Put(ACCOUNTS_NS, _ID + account.id, DEFAULT_NAME.encode(), ABSENT))
        if old.root_access_key != account.root_access_key:
            ops.append(Delete(ACCOUNTS_NS, _KEY + old.root_access_key))
            key = _KEY + account.root_access_key
            ops.append(Put(ACCOUNTS_NS, key, DEFAULT_NAME.encode(), ABSENT))
        ops.append(Put(ACCOUNTS_NS, CHANGES, b""))
        try:
            await self.meta.commit(ops)
        except ConditionFailed:
            return False
        return True
