"""How CloudWatch Logs keeps its log groups and streams in the metadata port, its events in the
log port, and how they are named (ARNs, keys).

- `logs:groups`: one record per log group under `<region>/<account>/<name>`, so
  DescribeLogGroups with a prefix is one range scan. A group has an id (a uuid made when it is
  created): its events are the log `cwl:<id>` of the log port, and its streams' records are
  keyed by it, so a group deleted and created again under the same name never sees the old one.
- `logs:streams`: one record per stream under `<group id>/<stream name>` (byte order is name
  order: DescribeLogStreams scans a range).
- Events: in the group's log, in the stream's shard `<stream name>:<serial>` (stream names
  cannot hold `:`; the serial is random, made at CreateLogStream, so a stream deleted and made
  again starts empty). Each record's key is the event's timestamp (ms), its data the message's
  UTF-8 bytes, its append time the ingestion time.
- `logs:gone`: what DeleteLogGroup / DeleteLogStream took away, to be cleared again after a
  while (sweep.py): an append that passed its checks just before the delete may land after it.

Existing data dirs depend on this layout: change it with care.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from ownstack.core.records import JsonRecord

GROUPS = "logs:groups"
STREAMS = "logs:streams"
GONE = "logs:gone"
STANDARD = "STANDARD"


@dataclass(slots=True)
class GroupRecord(JsonRecord):
    name: str
    region: str
    account_id: str
    id: str
    created: float
    retention_days: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    log_class: str = STANDARD

    @property
    def log(self) -> str:
        """The log port's log of this group's events."""
        return f"cwl:{self.id}"

    @property
    def arn(self) -> str:
        return group_arn(self.region, self.account_id, self.name)


@dataclass(slots=True)
class StreamRecord(JsonRecord):
    name: str
    created: float
    serial: int
    """Random, 60 bits: names the stream's shard and makes its events' ids unique."""

    @property
    def shard(self) -> str:
        return f"{self.name}:{self.serial}"


@dataclass(slots=True)
class GoneRecord(JsonRecord):
    log: str
    shard: str = ""
    """Empty: the whole log (a deleted group)."""
    group_id: str = ""
    """A deleted group's id: its stream records go too."""


def new_serial() -> int:
    return secrets.randbits(60)


def group_key(region: str, account_id: str, name: str) -> str:
    return f"{region}/{account_id}/{name}"


def stream_key(group_id: str, name: str) -> str:
    return f"{group_id}/{name}"


def group_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:logs:{region}:{account_id}:log-group:{name}"


def stream_arn(group: GroupRecord, name: str) -> str:
    return f"{group.arn}:log-stream:{name}"


def parse_group_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, group name) of a log group ARN (with or without a trailing `:*`) or
    of a log stream ARN; None when `arn` is neither."""
    parts = arn.split(":", 6)
    if len(parts) < 7 or parts[:3] != ["arn", "aws", "logs"] or parts[5] != "log-group":
        return None
    name = parts[6]
    if name.endswith(":*"):
        name = name[:-2]
    name = name.split(":log-stream:", 1)[0]
    if not name or ":" in name:
        return None
    return parts[3], parts[4], name


def parse_stream_arn(arn: str) -> tuple[str, str, str, str] | None:
    """(region, account, group name, stream name) of a log stream ARN, else None."""
    head, found, stream = arn.partition(":log-stream:")
    group = parse_group_arn(head)
    if not found or group is None or not stream:
        return None
    return (*group, stream)
