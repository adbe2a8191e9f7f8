"""TransactWriteItems' actions (Put, Update, Delete, ConditionCheck): parsed and checked as AWS
checks them before anything is read, located in their tables, and decided against the items
as read — each action's condition evaluated and its new item computed, or the reason the
transaction is cancelled.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import item_request, sizes, values
from .batch_items import item_key_of, key_of
from .batch_limits import constraint_error
from .errors import DynamoError, validation
from .expr import evaluate, parser, update
from .expr.ast import Condition, Item, Remove, Update
from .expr.ast import Delete as DeleteAction
from .records import TableRecord
from .transact_errors import NO_REASON, Reason, cancelled, condition_failed, validation_failed
from .writes import Stored, check_index_keys

KINDS = ("ConditionCheck", "Put", "Delete", "Update")
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Action:
    kind: str
    name: str
    """TableName as given (a name or an ARN)."""
    condition: Condition | None
    update: Update | None
    item: Item | None
    """Put: the item, checked."""
    key: Item | None
    """Update, Delete, ConditionCheck: the Key, values checked."""
    old_on_failure: bool


def parse_actions(transact_items: Sequence[Mapping[str, Any]]) -> list[Action]:
    """The actions (their count already judged with the request's other constraints:
    item_request.check_constraints)."""
    return [_action(number, entry) for number, entry in enumerate(transact_items, start=1)]


def _action(number: int, entry: Mapping[str, Any]) -> Action:
    """`number`: the action's place in TransactItems, from 1 as AWS's messages count."""
    kinds = [kind for kind in KINDS if entry.get(kind) is not None]
    if not kinds:
        raise validation(
            "The action or operation requested is invalid. Verify that the action is typed"
            " correctly."
        )
    if len(kinds) > 1:
        raise validation("TransactItems can only contain one of Check, Put, Update or Delete")
    kind = kinds[0]
    body: Mapping[str, Any] = entry[kind]
    old_on_failure = item_request.on_condition_failure(body)
    if kind == "ConditionCheck" and body.get("ConditionExpression") is None:
        # A ConditionCheck is nothing but its condition: AWS's model requires one.
        raise constraint_error(
            None,
            f"transactItems.{number}.member.conditionCheck.conditionExpression",
            "Member must not be null",
        )
    subs = item_request.substitutions(body, kind)
    condition = None
    if body.get("ConditionExpression") is not None:
        condition = parser.parse_condition(
            body["ConditionExpression"], subs, parameter="ConditionExpression"
        )
    changes = None
    if kind == "Update":
        changes = parser.parse_update(body.get("UpdateExpression") or "", subs)
    subs.check_unused()
    if kind == "Put":
        item = values.check_item(body.get("Item"), parameter="Item")
        sizes.check_item_size(item)
        return Action(kind, body["TableName"], condition, None, item, None, old_on_failure)
    key = values.check_item(body.get("Key"), parameter="Key")
    return Action(kind, body["TableName"], condition, changes, None, key, old_on_failure)


@dataclass(frozen=True, slots=True)
class Located:
    action: Action
    table: TableRecord
    key: str
    """The item's meta key."""
    key_item: Item


def locate(actions: Sequence[Action], tables: Mapping[str, TableRecord]) -> list[Located]:
    """Each action's item, checked against its table's schema; no item twice.

    A key (or index key) that does not fit its table cancels the transaction with a
    ValidationError reason on that action and None on every other, as AWS answers: AWS stops
    at the first such action and does not look at the rest."""
    located = []
    seen: set[tuple[str, str]] = set()
    total = 0
    for index, action in enumerate(actions):
        table = tables[action.name]
        try:
            key_item, key = _keyed(table, action)
        except DynamoError as error:
            if error.code != "ValidationException":
                raise
            reasons = [NO_REASON] * len(actions)
            reasons[index] = validation_failed(error.message)
            raise cancelled(reasons) from None
        total += sizes.item_size(key_item if action.item is None else action.item)
        if action.update is not None:
            update.check_update(action.update, table.schema.names)
        if (table.id, key) in seen:
            raise validation("Transaction request cannot include multiple operations on one item")
        seen.add((table.id, key))
        located.append(Located(action, table, key, key_item))
    if total > MAX_TRANSACTION_BYTES:
        # The aggregate size of the items in a transaction cannot exceed 4 MB; AWS counts
        # what the request carries (a Delete of big items is small), its "payload".
        raise validation("Transaction payload size cannot exceed 4 MB")
    return located


def _keyed(table: TableRecord, action: Action) -> tuple[Item, str]:
    """The action's key item and meta key, its values checked against the table's schema."""
    if action.item is not None:
        key_item, key = item_key_of(table, action.item)
        check_index_keys(table, action.item)
        return key_item, key
    return key_of(table, action.key)


@dataclass(frozen=True, slots=True)
class Decision:
    new: Item | None
    """The item after the action (None: none); for a ConditionCheck, the item unchanged."""
    reason: Reason | None = None
    """Why the transaction must be cancelled because of this action."""


def decide(located: Located, stored: Stored | None) -> Decision:
    """The action applied to the item as read."""
    action = located.action
    old = None if stored is None else stored.item
    try:
        if action.condition is not None and not evaluate.evaluate(action.condition, old):
            return Decision(old, condition_failed(old if action.old_on_failure else None))
        return Decision(_new_item(located, old))
    except DynamoError as error:
        if error.code != "ValidationException":
            raise
        return Decision(old, validation_failed(error.message))


def _new_item(located: Located, old: Item | None) -> Item | None:
    action = located.action
    if action.kind == "ConditionCheck":
        return old
    if action.kind == "Put":
        return action.item
    if action.kind == "Delete":
        return None
    assert action.update is not None
    new = _updated(action.update, old, located.key_item)
    if new is not None:
        sizes.check_item_size(new, update=True)
        check_index_keys(located.table, new)
    return new


def _updated(changes: Update, old: Item | None, key_item: Item) -> Item | None:
    """As UpdateItem: a missing item is created from its key, unless every action only
    removes (no item is created then)."""
    if old is None and all(isinstance(a, Remove | DeleteAction) for a in changes.actions):
        return None
    base = dict(key_item) if old is None else old
    return update.apply_update(changes, base, exists=old is not None).item
