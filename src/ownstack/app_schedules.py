"""How long a minute of a rate() expression lasts, for EventBridge's scheduled rules and for
EventBridge Scheduler: ownstack.yaml `limits.eventbridge.minute_s` and
`limits.scheduler.minute_s`, a whole number of seconds, 60 (AWS's) by default.

A test and development setting: with `minute_s: 2`, `rate(1 minute)` ticks every 2 seconds and
`rate(1 hour)` every 120, so a test sees a rate schedule tick twice without waiting minutes.
cron() and at() expressions keep real time.
"""

from __future__ import annotations

from ownstack.config import Config, ConfigError
from ownstack.config.reference import default_of, section_keys

MINUTE_S = 60
"""AWS's minute: the longest a configured one may be."""


def rate_minute_s(config: Config, service: str) -> int:
    """`limits.<service>.minute_s` (service: "eventbridge" or "scheduler"); ConfigError for an
    unknown limit or a value that is not a whole number of seconds from 1 to 60."""
    raw = config.limits.get(service) or {}
    unknown = set(raw) - section_keys(f"limits.{service}")
    if unknown:
        raise ConfigError(f"limits.{service}: unknown limit(s) {', '.join(sorted(unknown))}")
    value = raw.get("minute_s", default_of(f"limits.{service}.minute_s"))
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MINUTE_S:
        raise ConfigError(f"limits.{service}.minute_s: a whole number of seconds from 1 to 60")
    return value
