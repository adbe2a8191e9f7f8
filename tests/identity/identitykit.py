"""Shared by the shared-identity tests: a "process" is what build_app makes of identities (a
SharedAccountBook, an IdentityDirectory, the IAM service over it, a watcher), and a cluster is
several of them on one meta store."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.kit import Backend
from ownstack.core.clock import SystemClock
from ownstack.core.context import ROOT, Principal, RequestContext
from ownstack.identity.accounts import AccountsFile
from ownstack.identity.directory import IdentityDirectory
from ownstack.identity.model import Account
from ownstack.identity.shared_accounts import SharedAccountBook
from ownstack.identity.watcher import IdentityWatcher
from ownstack.ports.meta import MetaStore
from ownstack.services.iam.service import IamService

REGION = "us-east-1"


def account(name: str, account_id: str, key: str) -> Account:
    return Account(name, account_id, key, f"{key.lower()}-secret".ljust(40, "0"))


@dataclass
class Node:
    """One ownstack process's identities."""

    data_dir: Path
    accounts: SharedAccountBook
    directory: IdentityDirectory
    iam: IamService
    watcher: IdentityWatcher

    def root(self, account_id: str | None = None) -> RequestContext:
        acct = self.accounts.by_id(account_id) if account_id else self.accounts.default
        assert acct is not None
        principal = Principal(
            acct.id, f"arn:aws:iam::{acct.id}:root", acct.id, acct.root_access_key
        )
        assert principal.kind == ROOT
        return RequestContext("req", acct.id, REGION, principal)


async def start_node(
    meta: MetaStore,
    data_dir: Path,
    default: Account,
    *,
    pinned: bool = False,
    watching: bool = True,
    interval: float | None = None,
) -> Node:
    clock = SystemClock()
    data_dir.mkdir(parents=True, exist_ok=True)
    book = SharedAccountBook([default], AccountsFile(data_dir), meta, pinned_default=pinned)
    directory = IdentityDirectory(meta, book, clock)
    await book.open()
    await directory.open()
    watcher = IdentityWatcher(directory, book, *(() if interval is None else (interval,)))
    if watching:
        watcher.start()
    return Node(data_dir, book, directory, IamService(meta, directory, clock), watcher)


@contextlib.asynccontextmanager
async def shared_stores(backend: Backend, count: int) -> AsyncIterator[list[MetaStore]]:
    """`count` handles on one meta store: one object for the in-process engines (sqlite holds
    its file for one store at a time), a store each for an engine on a server (postgres), as
    separate processes would have."""
    separate = backend.persistent and not backend.exclusive
    opened: list[Any] = [backend.open() for _ in range(count if separate else 1)]
    for store in opened:
        opener = getattr(store, "open", None)
        if opener is not None:
            await opener()
    try:
        yield [opened[i % len(opened)] for i in range(count)]
    finally:
        for store in opened:
            await store.close()


async def stop_all(*nodes: Node) -> None:
    for node in nodes:
        await node.watcher.stop()


async def seconds_until(check: Callable[[], Any], limit: float) -> float:
    """How long until `check()` is truthy (awaited if it is a coroutine function's result);
    fails after `limit` seconds."""
    started = time.monotonic()
    while True:
        outcome = check()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        elapsed = time.monotonic() - started
        if outcome:
            return elapsed
        assert elapsed < limit, f"not seen within {limit} s"
        await asyncio.sleep(0.01)
