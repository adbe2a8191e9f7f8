"""Checking a configuration's destinations before it is stored, as S3 does: a queue or topic
must exist and take a s3:TestEvent from s3.amazonaws.com for this bucket (its resource policy
must allow that); a function's policy must let S3 invoke it (checked, not invoked: S3 sends
functions no test event). EventBridge needs nothing. The first destination that fails makes
the whole request fail with InvalidArgument, and nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.events.bus import Delivery, DeliveryFailed, Sender

from .errors import invalid_argument
from .notify_config import LAMBDA
from .notify_record import test_event
from .notify_rules import NotificationConfig
from .records import BucketRecord

UNABLE = "Unable to validate the following destination configurations"
_NOUNS = {"queue": "queue", "topic": "topic"}

Deliver = Callable[[Delivery], Awaitable[None]]


async def validate_destinations(
    config: NotificationConfig,
    bucket: BucketRecord,
    ctx: RequestContext,
    host_id: str,
    now: float,
    deliver: Deliver,
    check: Deliver,
) -> None:
    """Raise S3's InvalidArgument for the first destination that cannot take notifications.
    `deliver` is the events bus's delivery, `check` its permission check alone."""
    sender = Sender("s3.amazonaws.com", f"arn:aws:s3:::{bucket.name}", bucket.account_id)
    body = json.dumps(test_event(bucket.name, ctx.request_id, host_id, now), separators=(",", ":"))
    seen: set[str] = set()
    for rule in config.rules:
        if rule.arn in seen:
            continue
        seen.add(rule.arn)
        probe = Delivery(target=rule.arn, body=body, sender=sender)
        try:
            await (check if rule.kind == LAMBDA else deliver)(probe)
        except DeliveryFailed as exc:
            raise _refused(rule.kind, rule.arn, exc) from exc


def _refused(kind: str, arn: str, failure: DeliveryFailed) -> ServiceError:
    if kind == LAMBDA:
        # S3 names a function it may not invoke this way, whether or not it exists.
        return invalid_argument(
            UNABLE, f"{arn}, null", f"Not authorized to invoke function [{arn}]"
        )
    noun = _NOUNS[kind]
    if failure.missing:
        return invalid_argument(UNABLE, arn, f"The destination {noun} does not exist")
    return invalid_argument(
        UNABLE,
        arn,
        f"Permissions on the destination {noun} do not allow S3 to publish notifications from"
        " this bucket",
    )
