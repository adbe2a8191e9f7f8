"""S3 event notifications: Put/GetBucketNotificationConfiguration, the outbox records the write
paths add to their commits (`notes`), and the background delivery (notify_delivery.py).

The composition root connects the events bus (`connect_events`) and starts and stops the
delivery loop with the server. Without a bus (a service built on its own, as some tests do)
a configuration naming destinations is stored only with SkipDestinationValidation, and nothing
is delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.events.bus import Delivery, DeliveryFailed
from ownstack.ports.leases import Lease, LeasedLoop
from ownstack.ports.meta import Put

from .access import owned_bucket, update_bucket
from .base import S3Base
from .notify_config import parse_configuration, stored_text, wire_configuration
from .notify_delivery import Deliver, NotificationDelivery
from .notify_outbox import host_id, outbox_puts
from .notify_record import Change
from .notify_validate import validate_destinations
from .records import BucketRecord

LOOP_INTERVAL_S = 0.5
"""How often a process that does not hold the delivery lease tries to take it (the holder's
loop runs until it loses the lease)."""


async def _no_bus(delivery: Delivery) -> None:
    raise DeliveryFailed(delivery.target, "no events bus is connected", missing=True)


class NotificationOps(S3Base):
    _notify_deliver: Deliver = staticmethod(_no_bus)
    _notify_check: Deliver = staticmethod(_no_bus)
    _notifier: NotificationDelivery | None = None
    _notify_loop: LeasedLoop | None = None

    def connect_events(self, deliver: Deliver, check: Deliver, holder_id: str) -> None:
        """Wire the events bus's `deliver` and `check` (app.py); `holder_id` names this
        process in the delivery lease."""
        self._notify_deliver, self._notify_check = deliver, check
        notifier = NotificationDelivery(self.meta, self.clock, deliver)
        lease = Lease(self.meta, "s3:notifications", holder_id, self.clock)

        async def body() -> None:
            await notifier.run(lambda: lease.held)

        self._notifier = notifier
        self._notify_loop = LeasedLoop(lease, body, LOOP_INTERVAL_S)

    async def start_notifications(self) -> None:
        """Start delivering, including what a previous run left in the outbox."""
        if self._notify_loop is not None:
            self._notify_loop.start()

    async def stop_notifications(self) -> None:
        """Stop delivering (what is left goes out at the next start), before stores close."""
        if self._notify_loop is not None:
            await self._notify_loop.stop()

    def notes(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        event: str,
        key: str,
        size: int = 0,
        etag: str = "",
        version_id: str = "null",
    ) -> Sequence[Put]:
        """The outbox records to commit with a change (`event` as event records name it:
        "ObjectCreated:Put"); () at once when the bucket has no notification configuration, so
        the write path pays nothing more."""
        if not bucket.notification:
            return ()
        return self._noted(ctx, bucket, [Change(event, key, size, etag, version_id)])

    def notes_of_keys(
        self, ctx: RequestContext, bucket: BucketRecord, event: str, keys: list[str]
    ) -> Sequence[Put]:
        """`notes` for one event of each of `keys` (once per key)."""
        if not bucket.notification:
            return ()
        return self._noted(ctx, bucket, [Change(event, k) for k in dict.fromkeys(keys)])

    def _noted(self, ctx: RequestContext, bucket: BucketRecord, changes: list[Change]) -> list[Put]:
        puts = outbox_puts(bucket, ctx, changes, self.clock.now())
        if puts and self._notifier is not None:
            self._notifier.wake.set()
        return puts

    async def put_bucket_notification_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        config = parse_configuration(params.get("NotificationConfiguration"), bucket)
        if not _skipped(params.get("SkipDestinationValidation")):
            await validate_destinations(
                config,
                bucket,
                ctx,
                host_id(),
                self.clock.now(),
                self._notify_deliver,
                self._notify_check,
            )
        text = stored_text(config)

        def change(record: BucketRecord) -> None:
            record.notification = text

        await update_bucket(self, ctx, params, change)
        return {}

    async def get_bucket_notification_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        return wire_configuration(bucket.notification)


def _skipped(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)
