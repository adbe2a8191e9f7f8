"""UpdateExpression (and legacy AttributeUpdates, via the same AST) applied to an item.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
How AWS applies an update (Alternator's test_update_expression.py records it):
- every operand is read from the item as it was before the update;
- list indexes name the elements of the original list: SETs replace in place, a SET past the
  end appends (several such appends in index order), REMOVEs delete original positions;
- SET, ADD and DELETE need the parent of their path to exist ("The document path provided in
  the update expression is invalid for update"); so does REMOVE, except that removing a
  missing member or index is a no-op, and nothing is refused when the item does not exist;
- DELETE leaving a set empty removes the attribute.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ..errors import DynamoError, validation
from ..numbers import add, format_number, parse_number
from .ast import (
    Add,
    Arithmetic,
    AttributeValue,
    Delete,
    IfNotExists,
    Item,
    ListAppend,
    Literal,
    Operand,
    Path,
    Remove,
    Set,
    Update,
)
from .evaluate import MISSING_ATTRIBUTE, SET_TYPES, WRONG_DATA_TYPE, operand_value, type_of
from .project import path_clash

INVALID_PATH = "The document path provided in the update expression is invalid for update"
TYPE_MISMATCH = "Type mismatch for attribute to update"
"""AttributeUpdates' ADD or DELETE of a value another type than the attribute's (dynalite)."""
_ADDABLE = SET_TYPES | {"N", "L"}

# The words AWS uses for an ADD/DELETE operand of the wrong type (dynalite, from AWS).
_TYPE_WORDS = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "NULL": "NULL",
    "BOOL": "BOOLEAN",
    "L": "LIST",
    "M": "MAP",
}


@dataclass(frozen=True, slots=True)
class Updated:
    item: Item
    """The new item (a new dict; the input is not modified)."""
    paths: tuple[Path, ...]
    """The paths the actions named, in order, for ReturnValues UPDATED_OLD / UPDATED_NEW."""


# -- checks before the item is read -------------------------------------------------------------


def check_update(update: Update, key_names: tuple[str, ...]) -> None:
    """What AWS refuses before reading the item: an action on a key attribute ("Cannot update
    attribute id. This attribute is part of the key"), overlapping or conflicting paths ("Two
    document paths overlap with each other; ..."), ADD/DELETE on a nested path where AWS
    refuses it. Raises ValidationException.

    Nested ADD and DELETE are accepted (AWS applies them to nested numbers and sets). Literal
    operands of the wrong type are refused here too ("Incorrect operand type for operator or
    function; operator: ADD, operand type: STRING"), in dynalite's order: paths, ADD/DELETE
    operands, then function operands; key attributes last (AWS checks them at run time)."""
    clash = path_clash(action.path for action in update.actions)
    problem = clash or _action_operand_problem(update) or _function_operand_problem(update)
    if problem:
        raise validation(f"Invalid UpdateExpression: {problem}")
    for action in update.actions:
        name = action.path[0]
        if name in key_names:
            raise validation(
                f"One or more parameter values were invalid: Cannot update attribute {name}."
                " This attribute is part of the key"
            )


def _action_operand_problem(update: Update) -> str | None:
    if update.legacy:
        return None  # AttributeUpdates' value types were checked as it was read
    for action in update.actions:
        if not isinstance(action, Add | Delete) or not isinstance(action.value, Literal):
            continue
        kind = type_of(action.value.value)
        if kind in _TYPE_WORDS and not (isinstance(action, Add) and kind == "N"):
            operator = "ADD" if isinstance(action, Add) else "DELETE"
            return (
                "Incorrect operand type for operator or function; "
                f"operator: {operator}, operand type: {_TYPE_WORDS[kind]}"
            )
    return None


def _function_operand_problem(update: Update) -> str | None:
    for action in update.actions:
        if isinstance(action, Set):
            problem = _operand_problem(action.value)
            if problem:
                return problem
    return None


def _operand_problem(operand: Operand) -> str | None:
    """A literal of the wrong type given to list_append (needs L) or to + and - (need N)."""
    if isinstance(operand, IfNotExists):
        return _operand_problem(operand.default)
    if isinstance(operand, ListAppend):
        name, kind, parts = "list_append", "L", (operand.first, operand.second)
    elif isinstance(operand, Arithmetic):
        name, kind, parts = operand.op, "N", (operand.left, operand.right)
    else:
        return None
    for part in parts:
        if isinstance(part, Literal) and type_of(part.value) != kind:
            return (
                "Incorrect operand type for operator or function; "
                f"operator or function: {name}, operand type: {type_of(part.value)}"
            )
    return _operand_problem(parts[0]) or _operand_problem(parts[1])


# -- applying -----------------------------------------------------------------------------------


def apply_update(update: Update, item: Item, *, exists: bool = True) -> Updated:
    """The item after the actions (all operands read from the item as it was before any
    action, as AWS does). Raises ValidationException with AWS's messages ("The provided
    expression refers to an attribute that does not exist in the item", "An operand in the
    update expression has an incorrect data type", ...). `exists=False`: there was no item
    (`item` holds only the key), where AWS lets REMOVE of a nested path pass silently."""
    valued = [
        (action, _value(item, action.value))
        for action in update.actions
        if not isinstance(action, Remove)
    ]
    new = copy.deepcopy(item)
    change = _Change({"M": new}, TYPE_MISMATCH if update.legacy else WRONG_DATA_TYPE)
    for action in update.actions:
        if isinstance(action, Remove):
            change.plan_removal(action.path, strict=exists)
    for action, value in valued:
        if isinstance(action, Set):
            change.put(action.path, value)
        elif isinstance(action, Add):
            change.add(action.path, value)
        else:
            change.delete(action.path, value)
    change.finish()
    return Updated(new, tuple(action.path for action in update.actions))


def _value(item: Item, operand: Operand) -> AttributeValue:
    value = operand_value(item, operand)
    if value is None:
        raise validation(MISSING_ATTRIBUTE)
    return copy.deepcopy(value)


class _Change:
    """The item being changed. List positions stay those of the original list until
    `finish`, which appends past-the-end SETs (in index order) and then removes."""

    def __init__(self, root: AttributeValue, mismatch: str) -> None:
        self.root = root
        self.mismatch = mismatch
        """The message for an ADD or DELETE value whose type the attribute's does not match."""
        self.appends: list[tuple[int, list[Any], AttributeValue]] = []
        self.removals: list[tuple[AttributeValue, str | int]] = []

    def _holder(self, path: Path) -> AttributeValue:
        """The map or list holding the path's last step; INVALID_PATH when a step on the way
        is missing or the holder is not of the kind the last step needs."""
        current = self.root
        for step in path[:-1]:
            found = _member(current, step)
            if found is None:
                raise validation(INVALID_PATH)
            current = found
        if ("L" if isinstance(path[-1], int) else "M") not in current:
            raise validation(INVALID_PATH)
        return current

    def current(self, path: Path) -> tuple[AttributeValue, AttributeValue | None]:
        holder = self._holder(path)
        return holder, _member(holder, path[-1])

    def put(self, path: Path, value: AttributeValue) -> None:
        holder = self._holder(path)
        step = path[-1]
        if isinstance(step, str):
            holder["M"][step] = value
        elif step < len(holder["L"]):
            holder["L"][step] = value
        else:
            self.appends.append((step, holder["L"], value))

    def add(self, path: Path, value: AttributeValue) -> None:
        _, existing = self.current(path)
        kind = type_of(value)
        if kind not in _ADDABLE:  # "L" only comes from AttributeUpdates, checked there
            raise validation(WRONG_DATA_TYPE)
        if existing is None:
            self.put(path, value)
        elif type_of(existing) != kind:
            raise validation(self.mismatch)
        elif kind == "L":
            self.put(path, {"L": existing["L"] + value["L"]})
        elif kind == "N":
            total = add(parse_number(existing["N"]), parse_number(value["N"]))
            self.put(path, {"N": format_number(total)})
        else:
            self.put(path, {kind: _union(kind, existing[kind], value[kind])})

    def delete(self, path: Path, value: AttributeValue) -> None:
        holder, existing = self.current(path)
        kind = type_of(value)
        if kind not in SET_TYPES:
            raise validation(WRONG_DATA_TYPE)
        if existing is None:
            return
        if type_of(existing) != kind:
            raise validation(self.mismatch)
        gone = {_element_key(kind, element) for element in value[kind]}
        left = [e for e in existing[kind] if _element_key(kind, e) not in gone]
        if left:
            self.put(path, {kind: left})
        else:
            self.removals.append((holder, path[-1]))

    def plan_removal(self, path: Path, *, strict: bool) -> None:
        """Where REMOVE will delete, found before anything changes (original positions)."""
        try:
            holder = self._holder(path)
        except DynamoError:
            if strict:
                raise
            return
        step = path[-1]
        if isinstance(step, str) or step < len(holder["L"]):
            self.removals.append((holder, step))

    def finish(self) -> None:
        # The guide: "If you add multiple elements in a single SET operation, the elements
        # are sorted in order by element number."
        for _, elements, value in sorted(self.appends, key=lambda append: append[0]):
            elements.append(value)
        map_removals = [(h, s) for h, s in self.removals if isinstance(s, str)]
        for holder, key in map_removals:
            holder["M"].pop(key, None)
        index_removals = [(h, s) for h, s in self.removals if isinstance(s, int)]
        # Highest index first, so that each index still names its original element.
        for holder, index in sorted(index_removals, key=lambda removal: -removal[1]):
            del holder["L"][index]


def _member(value: AttributeValue, step: str | int) -> AttributeValue | None:
    if isinstance(step, int):
        elements = value.get("L")
        return elements[step] if elements is not None and step < len(elements) else None
    members = value.get("M")
    return members.get(step) if members is not None else None


def _element_key(kind: str, element: Any) -> Any:
    return parse_number(element) if kind == "NS" else element


def _union(kind: str, existing: list[Any], extra: list[Any]) -> list[Any]:
    seen = {_element_key(kind, element) for element in existing}
    merged = list(existing)
    for element in extra:
        key = _element_key(kind, element)
        if key not in seen:
            seen.add(key)
            merged.append(element)
    return merged
