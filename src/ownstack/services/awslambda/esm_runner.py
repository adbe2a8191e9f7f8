"""The running side of event source mappings: the sources app.py connects (events/sources.py
adapters of SQS and DynamoDB Streams, and the events bus for OnFailure records), the
supervisor that runs the pollers, and how a poller invokes the function: synchronously,
through the same path as a RequestResponse Invoke (invoke_run.py)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable

from ownstack.events.bus import Delivery
from ownstack.events.sources import QueueSource, StreamSource
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Put

from .esm_poll import Invoked
from .esm_records import MAPPINGS, SQS, MappingRecord
from .esm_sqs import QueuePoller
from .esm_stream import StreamPoller
from .esm_supervisor import MappingSupervisor, Work
from .invoke_run import InvokeRunner

Deliver = Callable[[Delivery], Awaitable[None]]


class EsmRunner(InvokeRunner):
    queue_source: QueueSource | None = None
    stream_source: StreamSource | None = None
    esm_deliver: Deliver | None = None
    esm_holder: str = ""
    supervisor: MappingSupervisor | None = None
    _results: dict[str, str] = {}

    def connect_sources(
        self, queues: QueueSource, streams: StreamSource, deliver: Deliver, holder_id: str
    ) -> None:
        """Wire what mappings read and send to (app.py); `holder_id` names this process in the
        leases of stream shards."""
        self.queue_source = queues
        self.stream_source = streams
        self.esm_deliver = deliver
        self.esm_holder = holder_id or uuid.uuid4().hex
        self._results = {}

    async def start_mappings(self) -> None:
        """Run the pollers of the enabled mappings (and settle states) in this process."""
        if self.supervisor is None:
            self.supervisor = MappingSupervisor(self.meta, self._poller_for)
            self.supervisor.start()

    async def stop_mappings(self) -> None:
        if self.supervisor is not None:
            await self.supervisor.stop()
            self.supervisor = None

    def mappings_changed(self) -> None:
        if self.supervisor is not None:
            self.supervisor.poke()

    def _poller_for(self, mapping: MappingRecord) -> Work | None:
        if self.pool is None:
            return None  # this process runs no functions
        if mapping.kind == SQS:
            if self.queue_source is None:
                return None
            return QueuePoller(mapping, self.queue_source, self.invoke_mapping).run()
        if self.stream_source is None or self.esm_deliver is None:
            return None
        poller = StreamPoller(
            mapping,
            self.stream_source,
            self.invoke_mapping,
            self.esm_deliver,
            self.report_result,
            self.meta,
            self.clock,
            self.esm_holder,
        )
        return poller.run()

    async def invoke_mapping(self, mapping: MappingRecord, payload: bytes) -> Invoked:
        resolved = await self.resolve(
            mapping.account_id, mapping.region, mapping.function_arn, route=random.random()
        )
        request_id = str(uuid.uuid4())
        ran = await self.run(resolved, payload, request_id)
        answer = ran.answer
        return Invoked(request_id, answer.payload, answer.function_error, ran.version)

    async def report_result(self, mapping: MappingRecord, result: str) -> None:
        """LastProcessingResult, written when it changes (not per batch)."""
        if self._results.get(mapping.uuid, mapping.last_result) == result:
            return
        self._results[mapping.uuid] = result
        raw = await self.meta.get(MAPPINGS, mapping.key)
        if raw is None:
            return
        current = MappingRecord.decode(raw.value)
        if current.last_result == result:
            return
        current.last_result = result
        try:
            await self.meta.commit([Put(MAPPINGS, raw.key, current.encode(), expect=raw.version)])
        except ConditionFailed:
            self._results.pop(mapping.uuid, None)  # changed meanwhile: written next time
