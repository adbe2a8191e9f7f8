"""The accounts a server holds: the default account (the data dir's root credentials), the
accounts ownstack.yaml declares with fixed keys, and those `ownstack account create` keeps in
<data>/accounts.json.

The file is written atomically (temp file, fsync, rename, directory fsync) under an fcntl lock,
so concurrent creates all succeed and agree. A running server reads it again when a request
brings an access key (or an account id) it does not know and the file changed: a stat per
miss, so an account created on its data dir works at once, no restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from .model import Account
from .sessions import access_key_id, new_secret

ACCOUNTS_FILE = "accounts.json"
DEFAULT_NAME = "default"
ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
ACCOUNT_NAME_RE = re.compile(r"^[\w.+=,@-]{1,50}$")


class AccountConflict(ValueError):
    """An account cannot be created as asked (its name or id belongs to another)."""


class StaticAccountBook:
    """A fixed list of accounts, the first being the default (benchmarks, direct tests)."""

    def __init__(self, accounts: list[Account]) -> None:
        self._accounts = list(accounts)
        self._by_key = {a.root_access_key: a for a in self._accounts}
        self._by_id = {a.id: a for a in self._accounts}

    @property
    def default(self) -> Account:
        return self._accounts[0]

    def by_access_key(self, access_key: str) -> Account | None:
        account = self._by_key.get(access_key)
        if account is None:
            return None
        # The dict lookup found it by hash; compare in constant time all the same.
        same = hmac.compare_digest(account.root_access_key.encode(), access_key.encode())
        return account if same else None

    def by_id(self, account_id: str) -> Account | None:
        return self._by_id.get(account_id)

    def all(self) -> list[Account]:
        return list(self._accounts)


class AccountsFile:
    """<data>/accounts.json: the accounts `ownstack account create` made."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / ACCOUNTS_FILE
        self._lock_path = data_dir / f".{ACCOUNTS_FILE}.lock"

    def stamp(self) -> tuple[int, int, int] | None:
        """What changes whenever the file is replaced (None: there is no file)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def read(self) -> list[Account]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return [
            Account(a["name"], a["id"], a["root_access_key"], a["root_secret_key"])
            for a in doc["accounts"]
        ]

    def create(
        self, name: str, account_id: str | None, existing: list[Account]
    ) -> tuple[Account, bool]:
        """The account named `name`, created if absent (True) or as it exists (False).
        `existing` are the accounts kept elsewhere (default, ownstack.yaml). Raises
        AccountConflict when `account_id` disagrees or belongs to another account."""
        if not ACCOUNT_NAME_RE.match(name):
            raise AccountConflict(
                f"account name {name!r} must be 1 to 50 letters, digits or _.+=,@-"
            )
        if account_id is not None and not ACCOUNT_ID_RE.match(account_id):
            raise AccountConflict(f"account id must be 12 digits, got {account_id!r}")
        with self._locked():
            stored = self.read()
            everyone = existing + stored
            found = next((a for a in everyone if a.name == name), None)
            if found is not None:
                if account_id is not None and account_id != found.id:
                    raise AccountConflict(
                        f"account {name!r} exists with id {found.id}, not {account_id}"
                    )
                return found, False
            taken = {a.id for a in everyone}
            if account_id in taken:
                owner = next(a.name for a in everyone if a.id == account_id)
                raise AccountConflict(f"account id {account_id} belongs to account {owner!r}")
            new_id = account_id or _new_account_id(taken)
            account = Account(name, new_id, access_key_id("AKIA", new_id), new_secret())
            self._write([*stored, account])
            return account, True

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _write(self, accounts: list[Account]) -> None:
        doc = {
            "accounts": [
                {
                    "name": a.name,
                    "id": a.id,
                    "root_access_key": a.root_access_key,
                    "root_secret_key": a.root_secret_key,
                }
                for a in accounts
            ]
        }
        tmp = self.path.with_name(f".{ACCOUNTS_FILE}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, json.dumps(doc, indent=2).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _new_account_id(taken: set[str]) -> str:
    while True:
        # No leading zero: legal on AWS, but it trips tools that read the id as a number.
        candidate = str(secrets.randbelow(9 * 10**11) + 10**11)
        if candidate not in taken:
            return candidate


class LiveAccountBook:
    """The default and declared accounts, plus accounts.json, re-read when it changes."""

    def __init__(self, fixed: list[Account], file: AccountsFile) -> None:
        self._fixed = list(fixed)
        self._file = file
        self._stamp: tuple[int, int, int] | None = None
        self._book = StaticAccountBook(self._fixed)
        self._reload()

    @property
    def default(self) -> Account:
        return self._book.default

    def by_access_key(self, access_key: str) -> Account | None:
        found = self._book.by_access_key(access_key)
        if found is None and self._refresh():
            found = self._book.by_access_key(access_key)
        return found

    def by_id(self, account_id: str) -> Account | None:
        found = self._book.by_id(account_id)
        if found is None and self._refresh():
            found = self._book.by_id(account_id)
        return found

    def all(self) -> list[Account]:
        self._refresh()
        return self._book.all()

    def _refresh(self) -> bool:
        """Re-read the file if it changed. True if the book changed. Checked at every miss: a
        stat (~2 us) is little beside the request that missed, and a check skipped for being
        too soon after another (the watcher's, or another miss) once refused a key created a
        moment earlier."""
        if self._file.stamp() == self._stamp:
            return False
        return self._reload()

    def _reload(self) -> bool:
        self._stamp = self._file.stamp()
        try:
            stored = self._file.read()
        except (OSError, ValueError, KeyError, TypeError):
            return False  # a damaged file: keep what we had; `account list` will say why
        self._book = StaticAccountBook(merge_accounts(self._fixed, stored))
        return True


def merge_accounts(fixed: list[Account], stored: list[Account]) -> list[Account]:
    """`fixed` then the stored accounts that clash with none of them (name, id or key): the
    configuration wins over the file."""
    names = {a.name for a in fixed}
    ids = {a.id for a in fixed}
    keys = {a.root_access_key for a in fixed}
    merged = list(fixed)
    for account in stored:
        if account.name in names or account.id in ids or account.root_access_key in keys:
            continue
        merged.append(account)
        names.add(account.name)
        ids.add(account.id)
        keys.add(account.root_access_key)
    return merged
