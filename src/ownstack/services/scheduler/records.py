"""How EventBridge Scheduler keeps its state in the metadata port, and how things are named.

- `scheduler:groups`: one record per schedule group under `<region>/<account>/<name>`. The
  `default` group exists without a record until something is written to it (its tags).
- `scheduler:schedules`: one record per schedule under `<region>/<account>/<group>/<name>`,
  so a group's schedules (ListSchedules, DeleteScheduleGroup) are one range scan. It carries
  the schedule's next tick (nominal time) and fire time (the tick plus its flexible window
  offset), and the key of its entry in the due index.
- `scheduler:due`: the due index, `<fire time, ms, 15 digits>/<schedule key>` -> the schedule
  key; the firing loop scans it up to now and sleeps until its first key. Written in the same
  commit as the schedule record it points at.
- `scheduler:outbox`: deliveries a firing committed (with the firing, in one commit), keyed
  `<when due, ms>/<id>`, taken out when made, moved later on a retry.
- `scheduler:tokens`: ClientTokens of deletions, so a retried delete answers as the first did.

Existing data dirs depend on this layout: change it with care.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from ownstack.core.records import JsonRecord

GROUPS = "scheduler:groups"
SCHEDULES = "scheduler:schedules"
DUE = "scheduler:due"
OUTBOX = "scheduler:outbox"
TOKENS = "scheduler:tokens"
DEFAULT_GROUP = "default"
ACTIVE, DELETING = "ACTIVE", "DELETING"
ENABLED, DISABLED = "ENABLED", "DISABLED"
MS_WIDTH = 15


@dataclass(slots=True)
class GroupRecord(JsonRecord):
    name: str
    region: str
    account_id: str
    created: float | None = None
    """None for the `default` group, which AWS made, not the caller."""
    modified: float | None = None
    state: str = ACTIVE
    tags: dict[str, str] = field(default_factory=dict)
    client_token: str = ""

    @property
    def arn(self) -> str:
        return group_arn(self.region, self.account_id, self.name)


@dataclass(slots=True)
class ScheduleRecord(JsonRecord):
    name: str
    group: str
    region: str
    account_id: str
    id: str
    """Made at creation: a schedule deleted and created again is another schedule."""
    expression: str
    timezone: str
    flexible: dict[str, Any]
    target: dict[str, Any]
    """The Target structure as the API answers it (RetryPolicy defaults filled in)."""
    created: float
    modified: float
    anchor: float
    """Where a rate() schedule's ticks start: StartDate, else when its timing was last set."""
    state: str = ENABLED
    action_after_completion: str = "NONE"
    description: str | None = None
    start: float | None = None
    end: float | None = None
    next_tick: float | None = None
    """The nominal time of the next tick; None: no tick to come (disabled, completed)."""
    next_fire: float | None = None
    """When the next tick fires: next_tick plus its flexible window offset."""
    due_key: str = ""
    """This schedule's key in the due index (empty when it has none)."""
    last_fired: float | None = None
    """The nominal time of the last tick that fired (an at() schedule fires once)."""
    client_token: str = ""

    @property
    def arn(self) -> str:
        return schedule_arn(self.region, self.account_id, self.group, self.name)

    @property
    def key(self) -> str:
        return schedule_key(self.region, self.account_id, self.group, self.name)


@dataclass(slots=True)
class PendingRecord(JsonRecord):
    """One tick's delivery to the target, as committed with the firing."""

    schedule_arn: str
    group: str
    name: str
    target: dict[str, Any]
    scheduled: float
    """The tick's nominal time (<aws.scheduler.scheduled-time>)."""
    fired: float
    attempts: int = 0
    """Attempts made so far."""
    last_error_code: str = ""
    last_error_message: str = ""


@dataclass(slots=True)
class TokenRecord(JsonRecord):
    expires: float


def group_key(region: str, account_id: str, name: str) -> str:
    return f"{region}/{account_id}/{name}"


def schedule_key(region: str, account_id: str, group: str, name: str) -> str:
    return f"{region}/{account_id}/{group}/{name}"


def group_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:scheduler:{region}:{account_id}:schedule-group/{name}"


def schedule_arn(region: str, account_id: str, group: str, name: str) -> str:
    return f"arn:aws:scheduler:{region}:{account_id}:schedule/{group}/{name}"


def ms_key(when: float, suffix: str) -> str:
    """A key that sorts by `when` (epoch seconds, to the millisecond)."""
    return f"{max(0, int(when * 1000)):0{MS_WIDTH}d}/{suffix}"


def ms_bound(when: float) -> str:
    """The smallest key after every ms_key at or before `when`."""
    return f"{max(0, int(when * 1000)) + 1:0{MS_WIDTH}d}"


def key_time(key: str) -> float:
    """The time an ms_key sorts by."""
    return int(key[:MS_WIDTH]) / 1000.0


def new_id() -> str:
    return uuid.uuid4().hex


def parse_group_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, group) of a schedule group ARN, else None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[:3] != ["arn", "aws", "scheduler"]:
        return None
    kind, _, name = parts[5].partition("/")
    if kind != "schedule-group" or not name or "/" in name:
        return None
    return parts[3], parts[4], name


def parse_schedule_arn(arn: str) -> tuple[str, str, str, str] | None:
    """(region, account, group, name) of a schedule ARN, else None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[:3] != ["arn", "aws", "scheduler"]:
        return None
    pieces = parts[5].split("/")
    if len(pieces) != 3 or pieces[0] != "schedule" or not all(pieces[1:]):
        return None
    return parts[3], parts[4], pieces[1], pieces[2]
