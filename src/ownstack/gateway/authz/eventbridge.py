"""EventBridge (prefix `events`): buses from Name / EventBusName (a name or an ARN; absent: the
caller's default bus) or ResourceARN; rules from Name or Rule plus EventBusName, as the
reference's two rule types (`rule/<name>` on the default bus, `rule/<bus>/<name>` on a custom
one). PutEvents needs events:PutEvents on every bus its entries name, as AWS authorises each
entry's bus (a bus of another account through that bus's policy)."""

from __future__ import annotations

from .arns import ArnTemplate
from .conditions import aws_tag_conditions
from .derive import ExceptionFactory, ResolverFactory, Rules, ServiceSpec, direct, first_of
from .model import Builder, Params, Requirement, Resolver, Scope

DEFAULT_BUS = "default"


def bus_of(value: object, scope: Scope) -> tuple[str, str, str] | None:
    """(account, region, name) of a bus member's value (absent: the default bus)."""
    if not isinstance(value, str) or not value:
        return scope.account, scope.region, DEFAULT_BUS
    if not value.startswith("arn:"):
        return scope.account, scope.region, value
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[2] != "events" or not parts[5].startswith("event-bus/"):
        return None
    return parts[4], parts[3], parts[5].removeprefix("event-bus/")


def bus_arn(bus: tuple[str, str, str]) -> str:
    account, region, name = bus
    return f"arn:aws:events:{region}:{account}:event-bus/{name}"


def _by_bus_member(member: str) -> ResolverFactory:
    def factory(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
        if member not in members:
            return None

        def resolve(params: Params, scope: Scope) -> str | None:
            bus = bus_of(params.get(member), scope)
            return None if bus is None else bus_arn(bus)

        return resolve

    return factory


def _rule(default_bus: bool) -> ResolverFactory:
    def factory(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
        name_member = "Rule" if "Rule" in members else "Name" if "Name" in members else None
        if name_member is None or "EventBusName" not in members:
            return None

        def resolve(params: Params, scope: Scope) -> str | None:
            bus, name = bus_of(params.get("EventBusName"), scope), params.get(name_member)
            if bus is None or not isinstance(name, str) or not name:
                return None
            account, region, bus_name = bus
            if (bus_name == DEFAULT_BUS) != default_bus:
                return None
            where = name if default_bus else f"{bus_name}/{name}"
            return f"arn:aws:events:{region}:{account}:rule/{where}"

        return resolve

    return factory


def _put_events(rules: Rules, members: frozenset[str]) -> Builder:
    action = rules.info("PutEvents").action

    def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
        entries = params.get("Entries")
        named = entries if isinstance(entries, list) else []
        buses = {bus_of(e.get("EventBusName"), scope) for e in named if isinstance(e, dict)}
        arns = sorted(bus_arn(b) for b in buses if b is not None) or ["*"]
        return tuple(Requirement(action, arn) for arn in arns)

    return build


def eventbridge_spec() -> ServiceSpec:
    exceptions: dict[str, ExceptionFactory] = {"PutEvents": _put_events}
    return ServiceSpec(
        prefix="events",
        resolvers={
            "event-bus": first_of(
                direct("ResourceARN"), _by_bus_member("Name"), _by_bus_member("EventBusName")
            ),
            "rule-on-default-event-bus": _rule(default_bus=True),
            "rule-on-custom-event-bus": _rule(default_bus=False),
        },
        conditions=aws_tag_conditions(["Tags"]),
        exceptions=exceptions,
    )
