"""The SNS service: every implemented operation, composed from the per-area mixins."""

from __future__ import annotations

import logging

from .bus_publish import BusPublishOps
from .permissions import PermissionOps
from .sub_ops import SubscriptionAttributeOps
from .subscriptions import SubscriptionOps
from .tagging import TaggingOps
from .topics import TopicOps

log = logging.getLogger("ownstack.sns")


class SnsService(
    TopicOps, SubscriptionOps, SubscriptionAttributeOps, BusPublishOps, TaggingOps, PermissionOps
):
    """Constructed as SnsBase is: SnsService(meta, bus, clock, region). `deliver_to_topic` is
    the events bus's handler for arn:aws:sns:... targets (bus_publish.py)."""

    async def start(self) -> None:
        """Background work: the HTTP deliveries a previous run left unfinished, the retries of
        deliveries to Lambda and SQS, and forgetting expired FIFO dedup ids and confirmation
        tokens."""
        resumed = await self.http.resume()
        if resumed:
            log.info("SNS: resumed %d pending HTTP deliveries", resumed)
        self.managed.start()
        self.sweeper.start()

    async def stop(self) -> None:
        """Cancel the background work and the HTTP deliveries still retrying, before the
        stores close."""
        await self.sweeper.stop()
        await self.managed.stop()
        await self.http.stop()

    async def signing_certificate(self, name: str) -> bytes | None:
        """The PEM certificate SigningCertURL names (`name`: its last path segment), for the
        gateway to serve under envelope.CERT_PATH; None for any other name."""
        return await self.signer.cert_pem(name)
