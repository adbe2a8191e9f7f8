"""A cache of policy decisions, so a principal's repeated requests skip the evaluator.

A decision is a pure function of: the principal, the action, the resource, the policies that
apply (compared by value, so a changed policy is a different key and nothing goes stale), the
resource's owner, and the values of the context keys those policies read (`Policy.
context_keys`) — nothing else in the context can change it. Keys that change every second
(aws:CurrentTime) make their own entries and age out. Bounded: when full, it starts over.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

from ownstack.policy import AccessRequest, Decision, Policy, evaluate

MAX_ENTRIES = 8192


class DecisionCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._entries: dict[Hashable, Decision] = {}
        self.hits = 0
        self.misses = 0

    def decide(
        self,
        request: AccessRequest,
        *,
        identity: tuple[Policy, ...],
        boundary: Policy | None,
        session: tuple[Policy, ...] | None,
        resource_policy: Policy | None,
        resource_account: str | None,
    ) -> Decision:
        policies = (identity, boundary, session, resource_policy)
        read = _keys_read(identity, boundary, session, resource_policy)
        p = request.principal
        key = (
            # The session's own effect reaches a decision through its policies and the context
            # keys (tags, source identity), which are part of the key already.
            (p.arn, p.kind, p.account_id, p.source_arn, p.user_id, p.name),
            request.action,
            request.resource,
            resource_account,
            policies,
            _context_values(request.context, read),
        )
        found = self._entries.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        decision = evaluate(
            request,
            identity=identity,
            boundary=boundary,
            session=session,
            resource_policy=resource_policy,
            resource_account=resource_account,
        )
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[key] = decision
        return decision


def _keys_read(
    identity: tuple[Policy, ...],
    boundary: Policy | None,
    session: tuple[Policy, ...] | None,
    resource_policy: Policy | None,
) -> tuple[str, ...]:
    keys: set[str] = set()
    for policy in (*identity, *(session or ()), boundary, resource_policy):
        if policy is not None:
            keys.update(policy.context_keys)
    return tuple(sorted(keys))


def _context_values(
    context: Mapping[str, Sequence[str]], keys: tuple[str, ...]
) -> tuple[object, ...]:
    values: list[object] = []
    for key in keys:
        value = context.get(key)
        values.append(tuple(value) if value is not None else None)
    return tuple(values)
