"""SNS's settings from ownstack.yaml `limits.sns`, and the retry schedule of deliveries to
AWS-managed endpoints (Lambda functions, SQS queues).

AWS's delivery policy for those endpoints, which no one can change
(https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html): 3 attempts
without delay, 2 one second apart, 10 with exponential backoff from 1 to 20 seconds, then
100,000 twenty seconds apart: 100,015 attempts over some 23 days. Only server-side failures
are retried; a client-side one (the function or queue is gone, its policy refuses SNS) sends
the message to the subscription's dead-letter queue at once.

`limits.sns.managed_retry_delays` (a list of seconds before each retry) replaces that
schedule, e.g. to see the dead-letter queue in a test without waiting 23 days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

IMMEDIATE_RETRIES = 2
"""With the first attempt, AWS's 3 attempts without delay."""
PRE_BACKOFF_RETRIES = 2
BACKOFF_RETRIES = 10
POST_BACKOFF_RETRIES = 100_000
MIN_DELAY = 1.0
MAX_DELAY = 20.0
MAX_CONFIGURED_RETRIES = 100_014
_KNOWN = frozenset({"managed_retry_delays"})


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    delays: tuple[float, ...] | None = None
    """Seconds before each retry; None: AWS's schedule."""

    def delay(self, retry: int) -> float | None:
        """Seconds to wait before retry number `retry` (1 after the first attempt); None
        when the policy allows no such retry (the delivery is given up)."""
        if retry < 1:
            raise ValueError("retries count from 1")
        if self.delays is not None:
            return self.delays[retry - 1] if retry <= len(self.delays) else None
        return aws_managed_delay(retry)


def aws_managed_delay(retry: int) -> float | None:
    if retry <= IMMEDIATE_RETRIES:
        return 0.0
    retry -= IMMEDIATE_RETRIES
    if retry <= PRE_BACKOFF_RETRIES:
        return MIN_DELAY
    retry -= PRE_BACKOFF_RETRIES
    if retry <= BACKOFF_RETRIES:  # exponential: MIN_DELAY at the first, MAX_DELAY at the last
        return float(MIN_DELAY * (MAX_DELAY / MIN_DELAY) ** ((retry - 1) / (BACKOFF_RETRIES - 1)))
    retry -= BACKOFF_RETRIES
    return MAX_DELAY if retry <= POST_BACKOFF_RETRIES else None


@dataclass(frozen=True, slots=True)
class SnsLimits:
    managed_retries: RetrySchedule = RetrySchedule()


def parse_limits(raw: Mapping[str, Any]) -> SnsLimits:
    """`limits.sns` of ownstack.yaml; ValueError (worded for the user) when it is wrong."""
    unknown = set(raw) - _KNOWN
    if unknown:
        raise ValueError(f"limits.sns: unknown limit(s) {', '.join(sorted(unknown))}")
    delays = raw.get("managed_retry_delays")
    if delays is None:
        return SnsLimits()
    return SnsLimits(RetrySchedule(_delays(delays)))


def _delays(value: object) -> tuple[float, ...]:
    if not isinstance(value, list | tuple) or not all(_seconds(d) for d in value):
        raise ValueError("limits.sns.managed_retry_delays: a list of seconds (numbers >= 0)")
    if len(value) > MAX_CONFIGURED_RETRIES:
        raise ValueError(
            f"limits.sns.managed_retry_delays: at most {MAX_CONFIGURED_RETRIES} retries"
        )
    return tuple(float(d) for d in value)


def _seconds(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
