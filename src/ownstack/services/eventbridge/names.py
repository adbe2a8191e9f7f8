"""EventBridge's ARNs and record keys.

An event bus is `arn:aws:events:<region>:<account>:event-bus/<name>`; a rule on the default
bus `...:rule/<name>`, on a custom bus `...:rule/<bus>/<name>` (AWS's two rule resource types).
Custom bus names have no `/` (CreateEventBus refuses one: partner event sources, whose buses
have, are not served), so record keys join their parts with `/`:
  bus    <account>/<region>/<bus>
  rule   <account>/<region>/<bus>/<rule>
  target <account>/<region>/<bus>/<rule>/<target id>
which makes a bus's rules, and a rule's targets, one prefix scan each.
"""

from __future__ import annotations

from dataclasses import dataclass

from ownstack.core.context import RequestContext

DEFAULT_BUS = "default"
_PREFIX = "arn:aws:events:"


@dataclass(frozen=True, slots=True)
class BusRef:
    account: str
    region: str
    name: str

    @property
    def arn(self) -> str:
        return f"{_PREFIX}{self.region}:{self.account}:event-bus/{self.name}"

    @property
    def key(self) -> str:
        return f"{self.account}/{self.region}/{self.name}"

    def rule_key(self, rule: str) -> str:
        return f"{self.key}/{rule}"

    def rule_arn(self, rule: str) -> str:
        where = rule if self.name == DEFAULT_BUS else f"{self.name}/{rule}"
        return f"{_PREFIX}{self.region}:{self.account}:rule/{where}"


def bus_ref(ctx: RequestContext, value: str | None) -> BusRef:
    """The bus an EventBusName member names (a name or an ARN; absent: the default bus)."""
    if not value:
        return BusRef(ctx.account_id, ctx.region, DEFAULT_BUS)
    parsed = parse_bus_arn(value) if value.startswith("arn:") else None
    if parsed is not None:
        return parsed
    return BusRef(ctx.account_id, ctx.region, value)


def parse_bus_arn(arn: str) -> BusRef | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or not arn.startswith(_PREFIX) or not parts[5].startswith("event-bus/"):
        return None
    name = parts[5].removeprefix("event-bus/")
    if not name or not parts[3] or not parts[4]:
        return None
    return BusRef(parts[4], parts[3], name)


def parse_rule_arn(arn: str) -> tuple[BusRef, str] | None:
    """(bus, rule name) of a rule ARN, or None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or not arn.startswith(_PREFIX) or not parts[5].startswith("rule/"):
        return None
    path = parts[5].removeprefix("rule/").split("/")
    if len(path) == 1:
        bus, rule = DEFAULT_BUS, path[0]
    elif len(path) == 2:
        bus, rule = path
    else:
        return None
    if not bus or not rule:
        return None
    return BusRef(parts[4], parts[3], bus), rule


def target_key(rule_key: str, target_id: str) -> str:
    return f"{rule_key}/{target_id}"
