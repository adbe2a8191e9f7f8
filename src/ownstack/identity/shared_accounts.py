"""SharedAccountBook: the accounts a server holds, kept in the metadata port so every process
sharing a store accepts the same root keys and gives the same account ids.

On `open` the process seeds the store from its own sources (the default identity, ownstack.yaml
accounts, accounts.json) — first writer wins, see account_records.py — and then serves what is
STORED. Explicitly configured root credentials (OWNSTACK_ROOT_* / OWNSTACK_ACCOUNT_ID or
ownstack.yaml `credentials`) are the operator's word and replace a different stored default;
generated credentials.json files only seed. A process whose own default disagrees with the
stored one says so in a warning.

`ownstack account create` still writes <data>/accounts.json: lookups fall back to it on a miss
(as LiveAccountBook does), so the server on that data dir accepts the new account at once; the
watcher then seeds it into the store (`catch_up`), where every other process picks it up.
Lookups stay in memory: only `open` and `catch_up` (the watcher) touch the store.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from ownstack.ports.meta import MetaStore

from .account_records import AccountRecords
from .accounts import AccountsFile, LiveAccountBook
from .model import Account

log = logging.getLogger("ownstack.identity")
ROOT_ENV = ("OWNSTACK_ROOT_ACCESS_KEY", "OWNSTACK_ROOT_SECRET_KEY", "OWNSTACK_ACCOUNT_ID")


def explicit_root_credentials(
    credentials: Mapping[str, str], env: Mapping[str, str] | None = None
) -> bool:
    """Whether the default identity was configured (env, ownstack.yaml) rather than generated."""
    env = os.environ if env is None else env
    return any(env.get(name) for name in ROOT_ENV) or any(credentials.values())


class SharedAccountBook:
    def __init__(
        self,
        configured: list[Account],
        file: AccountsFile,
        meta: MetaStore,
        *,
        pinned_default: bool = False,
    ) -> None:
        """`configured`: the process's default account first, then ownstack.yaml's.
        `pinned_default`: the default was configured explicitly (it replaces the stored one)."""
        self._configured = list(configured)
        self._file = file
        self._records = AccountRecords(meta)
        self._pinned = pinned_default
        self._stored: list[Account] = list(configured)  # until `open` reads the store
        self._seen = -1
        self._live = LiveAccountBook(self._stored, file)

    async def open(self) -> None:
        """Seed the store from this process's sources, then serve what it holds."""
        mine = self._configured[0]
        if self._pinned and not await self._records.replace_default(mine):
            log.warning(
                "the configured root access key %s or account id %s belongs to another stored"
                " account: serving the stored default account",
                mine.root_access_key,
                mine.id,
            )
        for account in [*self._configured, *self._live.all()]:
            await self._records.seed(account)
        await self._reload()
        for account in self._configured[1:]:
            if account not in self._stored:
                log.warning(
                    "ownstack.yaml account %r clashes with a stored account (name, id or root"
                    " key): serving the stored one",
                    account.name,
                )
        stored = self.default
        if stored != mine:
            log.warning(
                "the shared store's default account is %s (root access key %s); this data"
                " dir's credentials say %s (%s): serving the stored one, as every process does",
                stored.id,
                stored.root_access_key,
                mine.id,
                mine.root_access_key,
            )

    async def catch_up(self) -> bool:
        """Seed accounts.json's new accounts, then reload if any process changed the stored
        accounts. True if this process's accounts changed. (The watcher calls it.)"""
        stored_names = {a.name for a in self._stored}
        for account in self._live.all():
            if account.name not in stored_names:
                await self._records.seed(account)
        if await self._records.changes() == self._seen:
            return False
        await self._reload()
        return True

    async def _reload(self) -> None:
        # The marker is read first: a write landing during the load is seen next time.
        seen = await self._records.changes()
        stored = await self._records.load()
        if stored:
            self._stored = stored
            self._live = LiveAccountBook(stored, self._file)
        self._seen = seen

    # -- AccountBook: in memory

    @property
    def default(self) -> Account:
        return self._live.default

    def by_access_key(self, access_key: str) -> Account | None:
        return self._live.by_access_key(access_key)

    def by_id(self, account_id: str) -> Account | None:
        return self._live.by_id(account_id)

    def all(self) -> list[Account]:
        return self._live.all()
