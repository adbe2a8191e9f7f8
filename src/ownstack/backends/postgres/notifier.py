"""Outgoing NOTIFYs of one session, in the background and coalesced: while one is being sent,
the queues named meanwhile wait, and go out together in the next (one statement, however many
queues and changes). Callers never wait for it: what they changed is committed already, and a
NOTIFY only shortens other processes' long polls.

Each goes, when it can, over the session's LISTEN connection rather than a pooled one, so it
takes no connection a receive is waiting for, and its echo (PostgreSQL hands a session its own
notifications too) comes from that connection's backend: the session knows to ignore it."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ownstack.backends.postgres import driver, sql

log = logging.getLogger("ownstack.postgres")
_CLOSE_TIMEOUT = 1.0


class Notifier:
    def __init__(self, pool: driver.Pool, channel: str) -> None:
        self._pool = pool
        self._channel = channel
        self._queued: dict[str, None] = {}
        """Queues to name in the next NOTIFY (a dict as an ordered set)."""
        self._sending: asyncio.Task[None] | None = None
        self.connection: driver.Connection | None = None
        """The LISTEN connection while it is open; else NOTIFYs go through the pool."""

    def notify(self, queue: str) -> None:
        self._queued[queue] = None
        if self._sending is None or self._sending.done():
            self._sending = asyncio.get_running_loop().create_task(self._send())

    async def close(self) -> None:
        """Sends what is queued (a store closing right after a send still wakes the others),
        giving up after a second: a lost wake-up costs other processes latency only."""
        sending = self._sending
        if sending is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(sending), _CLOSE_TIMEOUT)
        if not sending.done():
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending

    async def _send(self) -> None:
        while self._queued:
            queues = list(self._queued)
            self._queued.clear()
            conn = self.connection
            try:
                if conn is not None and not conn.is_closed():
                    await conn.execute(sql.NOTIFY, self._channel, queues)
                else:
                    await self._pool.execute(sql.NOTIFY, self._channel, queues)
            except Exception as exc:
                log.warning("postgres: NOTIFY failed (%s); waiters elsewhere look again later", exc)
