"""The DynamoDB service: every implemented operation, composed from the per-area mixins, and
its background work. DynamoDB Streams is a service of its own on the wire
(streams_service.py), over the same tables."""

from __future__ import annotations

import uuid
from typing import Any

from ownstack.ports.leases import Body, Lease, LeasedLoop

from .batch import BatchOps
from .facts import FactsOps
from .items import ItemOps
from .partiql import PartiqlOps
from .reads import ReadOps
from .request_violations import violations_with_missing
from .stream_mover import MOVE_INTERVAL_S, StreamMover
from .table_extras import TableExtraOps
from .table_features import TableFeatureOps
from .table_ttl import TtlSweeper
from .tables import TableOps
from .transact import TransactOps

TTL_INTERVAL_S = 30.0
"""How often expired items are looked for (AWS deletes them "within a few days")."""


class DynamoDbService(
    TableOps,
    TableExtraOps,
    TableFeatureOps,
    ItemOps,
    ReadOps,
    BatchOps,
    TransactOps,
    PartiqlOps,
    FactsOps,
):
    """Constructed as DynamoDbBase is: DynamoDbService(meta, logs, clock, region)."""

    holder_id = ""
    """Names this process in the leases of its background work (set by the app)."""

    def violations_with_missing(
        self, operation: str, params: dict[str, Any], missing: list[str]
    ) -> list[str] | None:
        """core/service.ListsMissingMembers: request_violations.py."""
        return violations_with_missing(operation, params, missing)

    async def start(self) -> None:
        """Resume what a previous run left unfinished (table drops, index backfills and
        deletions), and start the TTL sweep and the stream mover (outbox -> log): one process
        runs each at a time, under a lease. (GetRecords also moves on demand, so a reader sees
        every acknowledged change at once.)"""
        await self.table_jobs.resume()
        holder = self.holder_id or uuid.uuid4().hex
        sweeper = TtlSweeper(self.meta, self.clock)
        mover = StreamMover(self.meta, self.logs, self.clock)
        self._loops = [
            LeasedLoop(self._lease("dynamodb:ttl", holder), self._sweep(sweeper), TTL_INTERVAL_S),
            LeasedLoop(
                self._lease("dynamodb:stream-mover", holder), mover.run_once, MOVE_INTERVAL_S
            ),
        ]
        for loop in self._loops:
            loop.start()

    async def stop(self) -> None:
        """Stop the background work (it resumes at the next start), before the stores close."""
        loops: list[LeasedLoop] = self.__dict__.get("_loops", [])
        for loop in loops:
            await loop.stop()
        await self.table_jobs.stop()

    def _lease(self, name: str, holder: str) -> Lease:
        return Lease(self.meta, name, holder, self.clock)

    @staticmethod
    def _sweep(sweeper: TtlSweeper) -> Body:
        async def body() -> None:
            await sweeper.sweep_once()

        return body
