"""Every required member a JSON request leaves out, at any depth, named by the path AWS's
validation messages use: members with a lower-case first letter, list elements as
`.<n>.member` (from 1), map values as `.<key>.member`
(`transactItems.1.member.put.tableName`, `requestItems.t.member.keys`).

Only shapes that hold a required member somewhere are walked: a DynamoDB item (a map of
AttributeValue structures, none required) is never visited.

The services whose errors are qualified (DynamoDB: AWS's Coral framework) list the missing
members of one nested structure in their validator's order, not the model's: the iteration
order of a Java HashMap keyed by the members' message names (`coral_order`). Every sibling
order recorded against DynamoDB agrees (attributeDefinitions: attributeType before
attributeName; provisionedThroughput: writeCapacityUnits before readCapacityUnits;
timeToLiveSpecification: attributeName before enabled; keySchema: attributeName before
keyType; a GSI: indexName, keySchema, projection). Top-level members keep the model's order:
the recordings show no such rule there (those classes gained members over the years).
"""

from __future__ import annotations

from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from ownstack.core.constraints import member_name

_Plan = tuple[list[tuple[str, str]], list[tuple[str, Shape, str]]]


class RequiredMembers:
    """One per service model (shapes are known by name). `coral`: nested siblings in Coral's
    order (see the module doc); `left_to_service`: (shape, member) pairs the service checks
    itself, in words of its own."""

    def __init__(
        self, *, coral: bool = False, left_to_service: frozenset[tuple[str, str]] = frozenset()
    ) -> None:
        self._coral = coral
        self._left_to_service = left_to_service
        self._holds: dict[str, bool] = {}
        """Shape name -> whether a required member is somewhere inside it."""
        self._plans: dict[tuple[str, bool], _Plan] = {}

    def missing(self, shape: StructureShape, params: dict[str, Any]) -> list[str]:
        """The paths of the required members `params` (parsed, keyed by member name) lacks,
        each level's own before those inside its members."""
        found: list[str] = []
        self._walk(shape, params, "", found)
        return found

    def _walk(self, shape: Shape, value: Any, path: str, found: list[str]) -> None:
        if value is None or not self._holds_required(shape):
            return
        if isinstance(shape, StructureShape) and isinstance(value, dict):
            prefix = f"{path}." if path else ""
            required, inner = self._plan(shape, nested=bool(path))
            found.extend(prefix + written for name, written in required if value.get(name) is None)
            for name, member, written in inner:
                self._walk(member, value.get(name), prefix + written, found)
        elif isinstance(shape, ListShape) and isinstance(value, list):
            for number, element in enumerate(value, start=1):
                self._walk(shape.member, element, f"{path}.{number}.member", found)
        elif isinstance(shape, MapShape) and isinstance(value, dict):
            for key, element in value.items():
                self._walk(shape.value, element, f"{path}.{key}.member", found)

    def _plan(self, shape: StructureShape, nested: bool) -> _Plan:
        """The structure's required members and the members worth walking into, with their
        names as the messages write them; made once per shape and depth."""
        plan = self._plans.get((shape.name, nested))
        if plan is None:
            names = [
                name
                for name in shape.required_members
                if (shape.name, name) not in self._left_to_service
            ]
            if nested and self._coral:
                names = coral_order(names, list(shape.members))
            required = [(name, member_name(name)) for name in names]
            inner = [
                (name, member, member_name(name))
                for name, member in shape.members.items()
                if self._holds_required(member)
            ]
            plan = self._plans[shape.name, nested] = (required, inner)
        return plan

    def _holds_required(self, shape: Shape) -> bool:
        known = self._holds.get(shape.name)
        if known is not None:
            return known
        if isinstance(shape, StructureShape) and shape.required_members:
            self._holds[shape.name] = True
            return True
        self._holds[shape.name] = False  # a recursive shape meets itself: not through there
        holds = False
        if isinstance(shape, StructureShape):
            holds = any(self._holds_required(member) for member in shape.members.values())
        elif isinstance(shape, ListShape):
            holds = self._holds_required(shape.member)
        elif isinstance(shape, MapShape):
            holds = self._holds_required(shape.value)
        self._holds[shape.name] = holds
        return holds


def coral_order(names: list[str], members: list[str]) -> list[str]:
    """`names` (members of one structure whose members are `members`, in model order) in the
    order a java.util.HashMap of all the members, keyed by message name, iterates them: by
    bucket (the spread String.hashCode masked by the table size: 16, doubled while more than
    three quarters full), then by insertion (model) order."""
    size = 16
    while len(members) > size * 3 // 4:
        size *= 2
    position = {name: index for index, name in enumerate(members)}
    return sorted(names, key=lambda name: (_bucket(member_name(name), size), position[name]))


def _bucket(key: str, size: int) -> int:
    h = 0
    for char in key:
        h = (31 * h + ord(char)) & 0xFFFFFFFF
    return (h ^ (h >> 16)) & (size - 1)
