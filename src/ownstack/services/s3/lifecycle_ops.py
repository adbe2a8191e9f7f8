"""S3 Lifecycle: Put/Get/DeleteBucketLifecycleConfiguration (and the deprecated PutBucketLifecycle
and GetBucketLifecycle), and the background sweeper that applies the rules
(lifecycle_sweep.py).

The deprecated operations share their method and path with the current ones (`PUT /{Bucket}
?lifecycle`), so on the wire a V1 document is served by PutBucketLifecycleConfiguration, whose
schema takes it as is (top-level Prefix, one Transition); the handlers below serve a caller that
names them (the same checks, the same stored configuration).

The composition root starts the sweeper with the server (`start_lifecycle`) and stops it before
the stores close (`stop_lifecycle`). On N processes sharing a meta store one of them sweeps at a
time: the one holding the "s3:lifecycle" lease.
"""

from __future__ import annotations

import logging

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.leases import Lease, LeasedLoop

from .access import owned_bucket, update_bucket
from .lifecycle_config import parse_configuration, wire_rules
from .lifecycle_rules import compiled
from .lifecycle_sweep import LifecycleSweepOps
from .records import BucketRecord

log = logging.getLogger("ownstack.s3.lifecycle")
LEASE = "s3:lifecycle"
RETRY_S = 2.0
"""How often a process that does not hold the lease tries to take it (and the holder looks
whether its next pass is due)."""


def no_such_lifecycle(bucket: str) -> ServiceError:
    return ServiceError(
        "NoSuchLifecycleConfiguration",
        "The lifecycle configuration does not exist",
        404,
        fields={"BucketName": bucket},
    )


class LifecycleOps(LifecycleSweepOps):
    _lifecycle_loop: LeasedLoop | None = None

    async def put_bucket_lifecycle_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        await owned_bucket(self, ctx, params)
        config = parse_configuration(
            params.get("LifecycleConfiguration"), params.get("TransitionDefaultMinimumObjectSize")
        )
        text = config.encode().decode()

        def change(record: BucketRecord) -> None:
            record.lifecycle = text

        await update_bucket(self, ctx, params, change)
        return {"TransitionDefaultMinimumObjectSize": config.min_size}

    async def get_bucket_lifecycle_configuration(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        if not bucket.lifecycle:
            raise no_such_lifecycle(bucket.name)
        config = compiled(bucket.lifecycle).config
        return {"Rules": wire_rules(config), "TransitionDefaultMinimumObjectSize": config.min_size}

    async def delete_bucket_lifecycle(self, ctx: RequestContext, params: Params) -> Result:
        def change(record: BucketRecord) -> None:
            record.lifecycle = ""

        await update_bucket(self, ctx, params, change)
        return {}

    async def put_bucket_lifecycle(self, ctx: RequestContext, params: Params) -> Result:
        """The deprecated PUT: a V1 document, checked and stored as the current PUT does."""
        await self.put_bucket_lifecycle_configuration(ctx, params)
        return {}

    async def get_bucket_lifecycle(self, ctx: RequestContext, params: Params) -> Result:
        """The deprecated GET: the stored rules (its Rule shape has no Filter member)."""
        out = await self.get_bucket_lifecycle_configuration(ctx, params)
        return {"Rules": out["Rules"]}

    def start_lifecycle(self, holder_id: str) -> None:
        """Start sweeping (app.py); `holder_id` names this process in the sweep's lease."""
        lease = Lease(self.meta, LEASE, holder_id, self.clock)
        interval = float(self.limits.lifecycle_interval_s)
        next_pass = 0.0

        async def body() -> None:
            nonlocal next_pass
            if self.clock.monotonic() < next_pass:
                return
            started = self.clock.monotonic()
            counts = await self.sweep_lifecycle(lambda: lease.held)
            if lease.held:  # a pass cut short by a lost lease is done again by its taker
                next_pass = started + interval
            level = logging.INFO if counts.total else logging.DEBUG
            log.log(
                level,
                "lifecycle: %d expired, %d transitioned, %d uploads aborted",
                counts.expired,
                counts.transitioned,
                counts.aborted,
            )

        self._lifecycle_loop = LeasedLoop(lease, body, min(interval, RETRY_S))
        self._lifecycle_loop.start()

    async def stop_lifecycle(self) -> None:
        """Stop sweeping (before the stores close); a pass under way is cancelled."""
        if self._lifecycle_loop is not None:
            await self._lifecycle_loop.stop()
