"""Deriving an operation's requirements from the reference: action = `<prefix>:<Operation>` when
the reference has it, resource = the ARN template of the action's resource type filled from the
request, condition keys = those the action lists that the request carries. A service's spec says
only how its requests name resources and condition keys, and the few exceptions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .arns import ArnTemplate
from .conditions import ParamKey, as_text
from .model import NO_CONTEXT, Builder, ConditionFn, Params, Requirement, Resolver, Scope
from .reference import ActionInfo, ServiceReference

ResolverFactory = Callable[[frozenset[str], ArnTemplate], "Resolver | None"]
"""Given an operation's input members and the resource type's template: how that operation's
requests name the resource, or None when its requests cannot name it."""

ExceptionFactory = Callable[["Rules", frozenset[str]], Builder]
"""An operation the reference does not map by name: its builder, from the rules and its members."""


@dataclass(frozen=True)
class ServiceSpec:
    prefix: str
    resolvers: Mapping[str, ResolverFactory]
    """Resource type (the reference's key: `bucket`, `queue`) -> how requests name one."""
    conditions: Mapping[str, ConditionFn]
    """Condition key as the reference lists it, lower-cased -> how requests carry it."""
    exceptions: Mapping[str, ExceptionFactory] = field(default_factory=dict)
    no_permission: frozenset[str] = frozenset()
    """Operations AWS documents as needing no permission."""
    self_authorised: frozenset[str] = frozenset()
    """Operations the service authorises itself (STS evaluates a role's trust policy)."""


class ActionRule:
    """One action of one operation, precomputed: the resolvers of its resource types in order
    (required types first) and the condition keys it lists that the service can read."""

    __slots__ = ("_conditions", "_param_keys", "_targets", "action")

    def __init__(
        self, action: str, targets: Sequence[Resolver], conditions: Sequence[ConditionFn]
    ) -> None:
        self.action = action
        self._targets = tuple(targets)
        # Keys read straight from one member go in one loop: most keys an action lists are
        # absent from a given request, and a dict miss is cheaper than a call.
        simple = [c for c in conditions if isinstance(c, ParamKey) and len(c.path) == 1]
        self._param_keys = tuple((c.path[0], c.key) for c in simple)
        self._conditions = tuple(c for c in conditions if c not in simple)

    def __call__(self, params: Params, scope: Scope) -> Requirement:
        return Requirement(self.action, self.resource(params, scope), self.context(params))

    def resource(self, params: Params, scope: Scope) -> str:
        for resolve in self._targets:
            arn = resolve(params, scope)
            if arn is not None:
                return arn
        return "*"

    def context(self, params: Params) -> Mapping[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for member, key in self._param_keys:
            value = params.get(member)
            if value is not None:
                out[key] = (value if type(value) is str else as_text(value),)
        for add in self._conditions:
            add(params, out)
        return out or NO_CONTEXT


class Rules:
    """Makes ActionRules for one service from its spec and its reference."""

    def __init__(self, spec: ServiceSpec, reference: ServiceReference) -> None:
        self.spec = spec
        self.reference = reference

    def info(self, action: str) -> ActionInfo:
        """Raises KeyError: an exceptions table naming an action the reference lacks is a bug,
        caught when the map is built (at start), not per request."""
        info = self.reference.action(action)
        if info is None:
            raise KeyError(f"{self.spec.prefix}:{action} is not in the reference")
        return info

    def rule(
        self, action: str, members: Iterable[str], extra: Sequence[ConditionFn] = ()
    ) -> ActionRule:
        """The rule for `action` of requests with these input members; `extra` adds condition
        keys that AWS documents for the operation but the reference does not list."""
        info = self.info(action)
        names = frozenset(members)
        ordered = sorted(info.resources, key=lambda use: not use.required)
        targets: list[Resolver] = []
        for use in ordered:
            factory = self.spec.resolvers.get(use.name)
            resolver = factory(names, self.reference.template(use.name)) if factory else None
            if resolver is not None:
                targets.append(resolver)
        keys = sorted(k for k in info.condition_keys if k in self.spec.conditions)
        conditions = [self.spec.conditions[k] for k in keys] + list(extra)
        return ActionRule(info.action, targets, conditions)

    def derived(self, operation: str, members: Iterable[str]) -> Builder | None:
        """`<prefix>:<operation>` when the reference has that action, else None (unmapped)."""
        if self.reference.action(operation) is None:
            return None
        return single(self.rule(operation, members))


def single(rule: ActionRule) -> Builder:
    def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
        return (rule(params, scope),)

    return build


def all_of(*rules: ActionRule) -> Builder:
    def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
        return tuple(rule(params, scope) for rule in rules)

    return build


def renamed(action: str) -> ExceptionFactory:
    """The operation is authorised as `action` (another name) on the same resource."""

    def factory(rules: Rules, members: frozenset[str]) -> Builder:
        return single(rules.rule(action, members))

    return factory


def fill(**variables: str) -> ResolverFactory:
    """A resolver filling the template's variables from these members (variable=member);
    usable only by operations that have all of them, and naming the resource only when the
    request carries them all."""
    pairs = tuple(variables.items())
    needed = frozenset(member for _, member in pairs)

    def factory(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
        if not needed <= members:
            return None

        def resolve(params: Params, scope: Scope) -> str | None:
            values: dict[str, str] = {}
            for variable, member in pairs:
                value = params.get(member)
                if value is None:
                    return None
                values[variable] = str(value)
            return template.fill(values, scope)

        return resolve

    return factory


def direct(*members: str) -> ResolverFactory:
    """The request carries the resource's ARN itself (TopicArn, PolicyArn): the first present."""

    def factory(names: frozenset[str], template: ArnTemplate) -> Resolver | None:
        present = tuple(m for m in members if m in names)
        if not present:
            return None

        def resolve(params: Params, scope: Scope) -> str | None:
            for member in present:
                value = params.get(member)
                if isinstance(value, str) and value:
                    return value
            return None

        return resolve

    return factory


def first_of(*factories: ResolverFactory) -> ResolverFactory:
    """Tries each way of naming the resource, in order."""

    def factory(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
        found = [r for f in factories if (r := f(members, template)) is not None]
        if not found:
            return None
        if len(found) == 1:
            return found[0]

        def resolve(params: Params, scope: Scope) -> str | None:
            for each in found:
                arn = each(params, scope)
                if arn is not None:
                    return arn
            return None

        return resolve

    return factory
