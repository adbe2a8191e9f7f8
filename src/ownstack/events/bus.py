"""How one service hands a message to another (SNS -> SQS, later S3 -> Lambda, SQS -> Lambda)
without importing it: plain data addressed by the target's ARN, to whatever handler the
composition root (app.py) registered for that ARN's service.

A delivery is done when the handler returns: for an SQS target that means the message is
durably enqueued. A handler raises DeliveryFailed for a target that cannot take it (a queue
that does not exist, a message it refuses); the sender decides about retries and DLQs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class DeliveryFailed(Exception):
    """The target could not take the delivery; `reason` says why (for logs and DLQ records)."""

    def __init__(self, target: str, reason: str, *, missing: bool = False) -> None:
        super().__init__(f"delivery to {target} failed: {reason}")
        self.target = target
        self.reason = reason
        self.missing = missing
        """The target does not exist (or no service delivers there): S3 says so apart."""


@dataclass(frozen=True, slots=True)
class Sender:
    """Who makes a delivery on AWS: a service principal acting for a source resource. A
    delivery with a sender is made only if the destination's resource policy allows that
    principal (with aws:SourceArn and aws:SourceAccount set), as AWS requires."""

    service: str
    """The service principal: "s3.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"."""
    source_arn: str
    source_account: str


@dataclass(frozen=True, slots=True)
class Delivery:
    target: str
    """The target's ARN: arn:aws:sqs:us-east-1:123456789012:orders."""
    body: str
    attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Message attributes in SQS's shape: {"name": {"DataType": "String", "StringValue": ...}}
    (BinaryValue as bytes)."""
    group: str | None = None
    """FIFO message group id, for FIFO targets."""
    dedup_id: str | None = None
    """FIFO deduplication id, for FIFO targets."""
    sender: Sender | None = None
    """Checked against the destination's resource policy (None: a delivery ownstack makes on
    the owner's behalf, e.g. Lambda writing its functions' logs)."""


Handler = Callable[[Delivery], Awaitable[None]]
Permit = Callable[[Delivery], Awaitable[None]]
"""Raises DeliveryFailed unless the destination's resource policy lets the delivery's sender
deliver it (the composition root wires the gateway's authorizer)."""


def arn_service(arn: str) -> str | None:
    """The service an ARN names ("sqs" for arn:aws:sqs:...); None if it is not an ARN."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[2]:
        return None
    return parts[2]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._permit: Permit | None = None

    def guard(self, permit: Permit) -> None:
        """Check every delivery that has a sender with `permit` before its handler runs."""
        self._permit = permit

    def register(self, service: str, handler: Handler) -> None:
        """`handler` takes the deliveries to ARNs of `service` ("sqs", "lambda", ...)."""
        if service in self._handlers:
            raise ValueError(f"a handler for {service!r} is already registered")
        self._handlers[service] = handler

    def accepts(self, target: str) -> bool:
        """Whether some handler takes deliveries to `target`'s service."""
        service = arn_service(target)
        return service is not None and service in self._handlers

    async def deliver(self, delivery: Delivery) -> None:
        """Hand `delivery` to its target's handler; raises DeliveryFailed."""
        handler = await self._checked(delivery)
        await handler(delivery)

    async def check(self, delivery: Delivery) -> None:
        """What `deliver` checks (a handler for the target, the sender's permission), without
        delivering: how S3 validates a Lambda destination. Raises DeliveryFailed."""
        await self._checked(delivery)

    async def _checked(self, delivery: Delivery) -> Handler:
        service = arn_service(delivery.target)
        handler = self._handlers.get(service) if service is not None else None
        if handler is None:
            raise DeliveryFailed(delivery.target, "no service delivers to this ARN", missing=True)
        if delivery.sender is not None and self._permit is not None:
            await self._permit(delivery)
        return handler
