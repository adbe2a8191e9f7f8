"""The accounts a server holds. (Minimal: the default account only; the accounts helper
replaces it with the accounts file and ownstack.yaml's `accounts`.)"""

from __future__ import annotations

import hmac

from .model import Account


class StaticAccountBook:
    def __init__(self, accounts: list[Account]) -> None:
        self._accounts = list(accounts)

    @property
    def default(self) -> Account:
        return self._accounts[0]

    def by_access_key(self, access_key: str) -> Account | None:
        for account in self._accounts:
            if hmac.compare_digest(account.root_access_key.encode(), access_key.encode()):
                return account
        return None

    def by_id(self, account_id: str) -> Account | None:
        return next((a for a in self._accounts if a.id == account_id), None)

    def all(self) -> list[Account]:
        return list(self._accounts)
