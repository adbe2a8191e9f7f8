"""What a store holds per event loop: the connection pool, the LISTEN connection and the
waiting receivers. asyncpg connections belong to the loop that made them, so a store
used from a new loop (each asyncio.run) opens a new session; a keeper task closes a session's
connections while its loop still runs, also when the loop ends without `close()`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ownstack.backends.postgres import driver, sql
from ownstack.backends.postgres.wake import Wakeups

log = logging.getLogger("ownstack.postgres")
_CLOSE_TIMEOUT = 2.0


class Session:
    def __init__(self, dsn: str, schema: str, channel: str, pool: driver.Pool) -> None:
        self.pool = pool
        self.wakeups = Wakeups()
        self._dsn = dsn
        self._schema = schema
        self._channel = channel
        self._listener: driver.Connection | None = None
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

    async def notify(self, queue: str) -> None:
        """Wakes the queue's receivers here at once and, through NOTIFY, in every process. Called
        after the change committed, in a transaction of its own: a transaction that notifies
        holds a database-wide lock through its commit, which would serialize every durable
        send; this one commits without waiting for a flush (sql.NOTIFY). A failure here is
        logged, not raised: the change is committed, and a lost wake-up costs latency only."""
        self.wakeups.wake(queue)
        try:
            await self.pool.execute(sql.NOTIFY, self._channel, queue)
        except Exception as exc:
            log.warning("postgres: NOTIFY failed (%s); waiters elsewhere look again later", exc)

    async def close(self) -> None:
        self._keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._keeper

    async def _connect_listener(self) -> None:
        name = f"ownstack-listen {self._schema}"[:63]
        conn = await driver.connect(self._dsn, self._schema, application_name=name)
        await conn.add_listener(self._channel, self._on_notification)
        conn.add_termination_listener(self._on_listener_lost)
        self._listener = conn

    def _on_notification(self, conn: object, pid: int, channel: str, payload: str) -> None:
        self.wakeups.wake(payload)

    def _on_listener_lost(self, conn: object) -> None:
        # Notifications may have been missed: every waiter looks again (and listens again).
        self._listener = None
        self.wakeups.wake_all()

    async def _keep(self) -> None:
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            await self._release()

    async def _release(self) -> None:
        if self._listening is not None and not self._listening.done():
            self._listening.cancel()
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.close(), _CLOSE_TIMEOUT)
        try:
            await asyncio.wait_for(self.pool.close(), _CLOSE_TIMEOUT)
        except Exception:  # connections still busy (a cancelled call): drop them
            self.pool.terminate()
