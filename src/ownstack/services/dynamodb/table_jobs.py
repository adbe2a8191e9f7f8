"""The DynamoDB service's background jobs on tables: GSI backfills, the removal of deleted
tables' and indexes' data, and item counts. Each runs once per name in this process; the
work left by a process that stopped (or crashed) is found again by `resume`. Every job is
idempotent, so two processes resuming the same work do no harm."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from ownstack.ports.logs import LogStore
from ownstack.ports.meta import MetaStore

from .records import CREATING, DELETING, TableRecord
from .table_backfill import backfill
from .table_cleanup import drop_index_data, drop_table_data, pending_drops
from .table_store import every_table

log = logging.getLogger("ownstack.dynamodb.tables")


class TableJobs:
    def __init__(self, meta: MetaStore, logs: LogStore) -> None:
        self.meta = meta
        self.logs = logs
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def spawn(self, name: str, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run `make()` in the background unless a job of this name is running."""
        running = self._tasks.get(name)
        if running is not None and not running.done():
            return
        self._tasks[name] = asyncio.get_running_loop().create_task(self._run(name, make))

    async def _run(self, name: str, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        try:
            await make()
        except asyncio.CancelledError:
            raise
        except Exception:
            # The work stays findable (markers, CREATING/DELETING indexes): resume retries it.
            log.exception("DynamoDB table job %s failed", name)
        finally:
            if self._tasks.get(name) is asyncio.current_task():
                del self._tasks[name]

    async def resume(self) -> None:
        """Start the jobs whose work is unfinished in the store."""
        for table in await pending_drops(self.meta):
            self.spawn(f"drop:{table.id}", partial(drop_table_data, self.meta, self.logs, table))
        async for table in every_table(self.meta):
            self._resume_indexes(table)

    def _resume_indexes(self, table: TableRecord) -> None:
        for index in table.indexes:
            if index.status == CREATING:
                self.spawn(
                    f"backfill:{table.id}:{index.name}",
                    partial(backfill, self.meta, table, index.name),
                )
            elif index.status == DELETING:
                self.spawn(
                    f"dropindex:{table.id}:{index.name}",
                    partial(drop_index_data, self.meta, table, index.name),
                )

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
