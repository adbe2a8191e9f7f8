"""What a store holds per event loop: the connection pool, the LISTEN connection and the
waiting receivers. asyncpg connections belong to the loop that made them, so a store
used from a new loop (each asyncio.run) opens a new session; a keeper task closes a session's
connections while its loop still runs, also when the loop ends without `close()`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ownstack.backends.postgres import driver
from ownstack.backends.postgres.grouped import GroupedWrites
from ownstack.backends.postgres.notifier import Notifier
from ownstack.backends.postgres.wake import Wakeups

log = logging.getLogger("ownstack.postgres")
_CLOSE_TIMEOUT = 2.0


class Session:
    def __init__(self, dsn: str, schema: str, channel: str, pool: driver.Pool) -> None:
        self.pool = pool
        self.wakeups = Wakeups()
        self.writes = GroupedWrites(pool, self.notify)
        self._notifier = Notifier(pool, channel)
        self._dsn = dsn
        self._schema = schema
        self._channel = channel
        self._listener: driver.Connection | None = None
        self._listener_pid: int | None = None
        """Its backend: a notification from it is the echo of our own NOTIFY (notify woke a
        receiver here already; another would look for the message the first one takes)."""
        self._listening: asyncio.Task[None] | None = None
        self._keeper = asyncio.get_running_loop().create_task(self._keep())

    @classmethod
    async def open(cls, dsn: str, schema: str, channel: str, pool_size: int) -> Session:
        pool = await driver.create_pool(dsn, schema, pool_size)
        return cls(dsn, schema, channel, pool)

    async def listen(self) -> None:
        """LISTEN on the store's channel (once; again after the connection was lost). A
        receive calls this before it first looks, so no notification falls in between."""
        if self._listener is not None and not self._listener.is_closed():
            return
        if self._listening is None or self._listening.done():
            self._listening = asyncio.get_running_loop().create_task(self._connect_listener())
        await asyncio.shield(self._listening)

    def notify(self, queue: str) -> None:
        """Wakes the queue's receivers here at once and, through NOTIFY (notifier.py), in every
        process. Called after the change committed, and sent in a transaction of its own: a
        transaction that notifies holds a database-wide lock through its commit, which would
        serialize every durable write; this one commits without waiting for a flush."""
        self.wakeups.wake(queue)
        self._notifier.notify(queue)

    async def close(self) -> None:
        self._keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._keeper

    async def _connect_listener(self) -> None:
        name = f"ownstack-listen {self._schema}"[:63]
        conn = await driver.connect(self._dsn, self._schema, application_name=name)
        await conn.add_listener(self._channel, self._on_notification)
        conn.add_termination_listener(self._on_listener_lost)
        self._listener = self._notifier.connection = conn
        self._listener_pid = conn.get_server_pid()

    def _on_notification(self, conn: object, pid: int, channel: str, payload: str) -> None:
        if pid != self._listener_pid:
            self.wakeups.wake(payload)

    def _on_listener_lost(self, conn: object) -> None:
        # Notifications may have been missed: every waiter looks again (and listens again).
        self._listener = self._notifier.connection = self._listener_pid = None
        self.wakeups.wake_all()

    async def _keep(self) -> None:
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            await self._release()

    async def _release(self) -> None:
        if self._listening is not None and not self._listening.done():
            self._listening.cancel()
        await self._notifier.close()
        listener, self._listener = self._listener, None
        self._notifier.connection = None
        if listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.close(), _CLOSE_TIMEOUT)
        try:
            await asyncio.wait_for(self.pool.close(), _CLOSE_TIMEOUT)
        except Exception:  # connections still busy (a cancelled call): drop them
            self.pool.terminate()
