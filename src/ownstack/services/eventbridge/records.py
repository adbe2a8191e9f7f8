"""How EventBridge state is laid out in the metadata port (keys: names.py).

BUSES      bus key    -> BusRecord (custom buses; the default bus has one once it has a
                         policy or tags, and is served without one otherwise)
RULES      rule key   -> RuleRecord
TARGETS    target key -> TargetRecord
SCHEDULED  rule key   -> ScheduleRecord (rules with a ScheduleExpression: what the scheduler
                         fires, and the last tick it fired)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ownstack.core.records import JsonRecord

BUSES = "events:buses"
RULES = "events:rules"
TARGETS = "events:targets"
SCHEDULED = "events:scheduled"


@dataclass(slots=True)
class BusRecord(JsonRecord):
    name: str
    arn: str
    account: str
    created: float
    modified: float
    description: str = ""
    policy: str = ""
    """The resource policy (JSON text; empty: none)."""
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RuleRecord(JsonRecord):
    name: str
    arn: str
    bus: str
    account: str
    created: float
    state: str = "ENABLED"
    pattern: str = ""
    schedule: str = ""
    description: str = ""
    role_arn: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.state != "DISABLED"


@dataclass(slots=True)
class TargetRecord(JsonRecord):
    rule_arn: str
    target: dict[str, Any]
    """The target as PutTargets took it (Id, Arn, Input, RetryPolicy, ...)."""


@dataclass(slots=True)
class ScheduleRecord(JsonRecord):
    expression: str
    anchor: float
    """When the schedule began (rate() ticks count from it; no tick at or before it fires)."""
    last: float = 0.0
    """The last tick fired (0: none yet)."""
