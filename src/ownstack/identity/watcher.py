"""IdentityWatcher: keeps this process's identities current with what other processes sharing
the meta store write (IAM users, keys, policies; accounts).

Every POLL_INTERVAL seconds it reads the IAM generation records (one scan, one record per
account) and the accounts' change marker (one point read); only when something moved does it
read more (the access keys; the accounts). The request path never reads the store for this.

Staleness bound (STALENESS_BOUND, 0.5 s): a change committed through one process is in force
in every other within POLL_INTERVAL plus one round of those reads (~250 ms + a few ms on a
healthy store), measured from the commit; the process that made the change applies it before
answering. AWS promises less: IAM is eventually consistent (its troubleshooting guide: a
change takes time to become visible from every endpoint), with no stated bound. While the
store does not answer, the watcher keeps what it had (logging once per outage) and the bound
does not hold.
"""

from __future__ import annotations

import asyncio
import logging

from .directory import IdentityDirectory
from .shared_accounts import SharedAccountBook

POLL_INTERVAL = 0.25
STALENESS_BOUND = 2 * POLL_INTERVAL
"""What the module doc promises, rounded up for the reads a round makes: seconds from a commit
through one process until every other process acts on it (on a healthy store)."""
log = logging.getLogger("ownstack.identity")


class IdentityWatcher:
    def __init__(
        self,
        directory: IdentityDirectory,
        accounts: SharedAccountBook | None,
        interval: float = POLL_INTERVAL,
    ) -> None:
        self.directory = directory
        self.accounts = accounts
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    async def poll(self) -> None:
        """One round: act on whatever other processes changed since the last one."""
        if self.accounts is not None:
            await self.accounts.catch_up()
        await self.directory.catch_up()

    def start(self) -> None:
        if self._task is None:
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run(), name="identity-watcher")

    async def stop(self) -> None:
        """Cancel the loop and wait for it (before the stores close under it)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        await asyncio.wait([task])  # unlike `await task`, never raises its outcome

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.poll()
            except Exception:  # the store is away: keep serving what we have, try again
                if not self._failing:
                    log.exception("identity watcher: reading the shared store failed")
                self._failing = True
                continue
            if self._failing:
                log.info("identity watcher: the shared store answers again")
            self._failing = False
