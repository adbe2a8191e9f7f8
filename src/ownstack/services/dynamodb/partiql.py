"""ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: PartiQL statements carried out
as the item API requests they amount to.

A SELECT whose WHERE clause pins the partition key by equality is a Query (with at most one
sort-key condition as the key condition, the rest as a filter), any other SELECT a Scan;
INSERT is a PutItem refusing an existing key (DuplicateItemException), UPDATE an UpdateItem on
the key its WHERE clause names that must find the item (attribute_exists), DELETE a
DeleteItem on that key with the rest of the WHERE clause as its condition. Transactions
become TransactWriteItems or TransactGetItems.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import not_implemented
from ownstack.core.service import Handler, Params, Result, find_handler

from .base import DynamoDbBase
from .errors import DynamoError, validation
from .expr.ast import And, Between, Compare, Condition, Function, Item, Literal, PathRef, Update
from .expr.legacy import combine
from .item_request import minimum
from .partiql_expr import (
    MANDATORY_KEY,
    Expressions,
    conjuncts,
    equality_on,
    names_read,
    split_key,
)
from .partiql_parse import (
    DeleteStatement,
    Exists,
    Insert,
    Select,
    Statement,
    UpdateStatement,
    parse_statement,
)
from .records import KeySchema, TableRecord

DUPLICATE_ITEM = "Duplicate primary key exists in table"
_SORT_OPERATORS = frozenset({"=", "<", "<=", ">", ">="})


@dataclass(frozen=True, slots=True)
class _Write:
    """A write statement as an item API request."""

    kind: str
    """"Put", "Update", "Delete" or "ConditionCheck" (TransactWriteItems' member names)."""
    request: dict[str, Any]
    insert: bool = False


class PartiqlOps(DynamoDbBase):
    async def execute_statement(self, ctx: RequestContext, params: Params) -> Result:
        minimum(params, "Limit", 1)
        statement = parse_statement(params["Statement"], params.get("Parameters"))
        if isinstance(statement, Select):
            return await self._select(ctx, statement, params)
        if isinstance(statement, Exists):
            raise validation("EXISTS is only supported in transactions")
        write = await self._plan_write(ctx, statement)
        request = dict(write.request)
        for member in ("ReturnConsumedCapacity", "ReturnValuesOnConditionCheckFailure"):
            if params.get(member) is not None:
                request[member] = params[member]
        result = await self._run_write(ctx, write, request)
        answer: Result = {"Items": [result["Attributes"]] if result.get("Attributes") else []}
        if "ConsumedCapacity" in result:
            answer["ConsumedCapacity"] = result["ConsumedCapacity"]
        return answer

    async def batch_execute_statement(self, ctx: RequestContext, params: Params) -> Result:
        entries = list(params.get("Statements") or [])
        _check_count(entries, "statements", 25)
        parsed: list[Statement | DynamoError] = []
        for entry in entries:
            try:
                parsed.append(parse_statement(entry["Statement"], entry.get("Parameters")))
            except DynamoError as error:
                parsed.append(error)
        statements = [one for one in parsed if not isinstance(one, DynamoError)]
        reads = [isinstance(one, Select) for one in statements]
        if any(reads) and not all(reads):
            raise validation("Supports only read or write statements in a batch")
        responses = []
        for entry, one in zip(entries, parsed, strict=True):
            responses.append(await self._batch_one(ctx, entry, one))
        return {"Responses": responses}

    async def execute_transaction(self, ctx: RequestContext, params: Params) -> Result:
        entries = list(params.get("TransactStatements") or [])
        _check_count(entries, "transactStatements", 100)
        statements = [
            parse_statement(entry["Statement"], entry.get("Parameters")) for entry in entries
        ]
        reads = [isinstance(one, Select) for one in statements]
        if any(reads) and not all(reads):
            raise validation("Transaction must contain either all reads or all writes")
        if statements and all(reads):
            return await self._read_transaction(ctx, statements, params)
        return await self._write_transaction(ctx, entries, statements, params)

    # -- SELECT -----------------------------------------------------------------------------------

    async def _select(self, ctx: RequestContext, select: Select, params: Params) -> Result:
        table = await self.table(ctx, select.table)
        request, operation = _read_request(table, select, params)
        if params.get("NextToken") is not None:
            request["ExclusiveStartKey"] = _start_key(params["NextToken"])
        result = await self._operation(operation)(ctx, request)
        answer: Result = {"Items": result.get("Items", [])}
        if result.get("LastEvaluatedKey"):
            answer["NextToken"] = _next_token(result["LastEvaluatedKey"])
        if "ConsumedCapacity" in result:
            answer["ConsumedCapacity"] = result["ConsumedCapacity"]
        return answer

    async def _get(
        self, ctx: RequestContext, select: Select, consistent: bool
    ) -> tuple[TableRecord, Item | None]:
        """A SELECT that names a whole primary key (batches and transactions allow no other)."""
        table = await self.table(ctx, select.table)
        if select.index is not None:
            raise validation(MANDATORY_KEY)
        split_key(select.where, table.schema.names, table.attribute_types)
        request, _ = _read_request(table, select, {"ConsistentRead": consistent})
        result = await self._operation("Query")(ctx, request)
        found = result.get("Items") or []
        return table, found[0] if found else None

    # -- writes -----------------------------------------------------------------------------------

    async def _plan_write(self, ctx: RequestContext, statement: Statement) -> _Write:
        table = await self.table(ctx, statement.table)
        names, types = table.schema.names, table.attribute_types
        exprs = Expressions()
        if isinstance(statement, Insert):
            absent = Function("attribute_not_exists", (PathRef((table.schema.partition,)),))
            request = {"TableName": statement.table, "Item": statement.item}
            request["ConditionExpression"] = exprs.condition(absent)
            return _Write("Put", request | exprs.params(), insert=True)
        assert not isinstance(statement, Select)
        key, rest = split_key(statement.where, names, types)
        request = {"TableName": statement.table, "Key": key}
        if isinstance(statement, DeleteStatement):
            if rest is not None:
                request["ConditionExpression"] = exprs.condition(rest)
            request["ReturnValues"] = statement.returning or "NONE"
            return _Write("Delete", request | exprs.params())
        present = Function("attribute_exists", (PathRef((table.schema.partition,)),))
        condition = present if rest is None else And(present, rest)
        if isinstance(statement, UpdateStatement):
            request["UpdateExpression"] = exprs.update(Update(statement.actions))
            request["ConditionExpression"] = exprs.condition(condition)
            request["ReturnValues"] = statement.returning or "NONE"
            return _Write("Update", request | exprs.params())
        request["ConditionExpression"] = exprs.condition(condition)
        return _Write("ConditionCheck", request | exprs.params())

    async def _run_write(
        self, ctx: RequestContext, write: _Write, request: dict[str, Any]
    ) -> Result:
        try:
            return await self._operation(f"{write.kind}Item")(ctx, request)
        except DynamoError as error:
            if write.insert and error.code == "ConditionalCheckFailedException":
                raise DynamoError("DuplicateItemException", DUPLICATE_ITEM) from None
            raise

    def _operation(self, name: str) -> Handler:
        """One of the item API's operations, which other mixins of DynamoDbService provide."""
        handler = find_handler(self, name)
        if handler is None:
            raise not_implemented(name)
        return handler

    # -- batches and transactions -----------------------------------------------------------------

    async def _batch_one(
        self, ctx: RequestContext, entry: dict[str, Any], statement: Statement | DynamoError
    ) -> dict[str, Any]:
        table_name = None if isinstance(statement, DynamoError) else statement.table
        try:
            if isinstance(statement, DynamoError):
                raise statement
            if isinstance(statement, Select):
                _, item = await self._get(ctx, statement, bool(entry.get("ConsistentRead")))
                return {"TableName": table_name} | ({"Item": item} if item is not None else {})
            if isinstance(statement, Exists):
                raise validation("EXISTS is only supported in transactions")
            if getattr(statement, "returning", None) is not None:
                raise validation("RETURNING is not supported in batch statements")
            write = await self._plan_write(ctx, statement)
            request = dict(write.request)
            failure = entry.get("ReturnValuesOnConditionCheckFailure")
            if failure is not None:
                request["ReturnValuesOnConditionCheckFailure"] = failure
            await self._run_write(ctx, write, request)
            return {"TableName": table_name}
        except DynamoError as error:
            return _batch_error(table_name, error)

    async def _read_transaction(
        self, ctx: RequestContext, statements: Sequence[Statement], params: Params
    ) -> Result:
        gets = []
        for statement in statements:
            assert isinstance(statement, Select)
            table = await self.table(ctx, statement.table)
            key, rest = split_key(statement.where, table.schema.names, table.attribute_types)
            if rest is not None or statement.index is not None:
                raise validation(MANDATORY_KEY)
            exprs = Expressions()
            get: dict[str, Any] = {"TableName": statement.table, "Key": key}
            if statement.paths is not None:
                get["ProjectionExpression"] = exprs.projection(statement.paths)
            gets.append({"Get": get | exprs.params()})
        request: dict[str, Any] = {"TransactItems": gets}
        if params.get("ReturnConsumedCapacity") is not None:
            request["ReturnConsumedCapacity"] = params["ReturnConsumedCapacity"]
        result = await self._operation("TransactGetItems")(ctx, request)
        answer: Result = {"Responses": result.get("Responses", [])}
        if "ConsumedCapacity" in result:
            answer["ConsumedCapacity"] = result["ConsumedCapacity"]
        return answer

    async def _write_transaction(
        self,
        ctx: RequestContext,
        entries: Sequence[dict[str, Any]],
        statements: Sequence[Statement],
        params: Params,
    ) -> Result:
        items = []
        inserts = []
        for position, (entry, statement) in enumerate(zip(entries, statements, strict=True)):
            if getattr(statement, "returning", None) is not None:
                raise validation("RETURNING is not supported in transactions")
            write = await self._plan_write(ctx, statement)
            member = {k: v for k, v in write.request.items() if k != "ReturnValues"}
            failure = entry.get("ReturnValuesOnConditionCheckFailure")
            if failure is not None:
                member["ReturnValuesOnConditionCheckFailure"] = failure
            items.append({write.kind: member})
            if write.insert:
                inserts.append(position)
        request: dict[str, Any] = {"TransactItems": items}
        for member_name in ("ClientRequestToken", "ReturnConsumedCapacity"):
            if params.get(member_name) is not None:
                request[member_name] = params[member_name]
        try:
            result = await self._operation("TransactWriteItems")(ctx, request)
        except DynamoError as error:
            raise _duplicates_named(error, inserts) from None
        answer: Result = {}
        if "ConsumedCapacity" in result:
            answer["ConsumedCapacity"] = result["ConsumedCapacity"]
        return answer


# -- reads as Query or Scan -----------------------------------------------------------------------


def _read_request(table: TableRecord, select: Select, params: Params) -> tuple[dict[str, Any], str]:
    """The Query (the partition key pinned by equality) or Scan a SELECT amounts to."""
    schema = _schema(table, select.index)
    exprs = Expressions()
    request: dict[str, Any] = {"TableName": select.table}
    if select.index is not None:
        request["IndexName"] = select.index
    for member in ("ConsistentRead", "Limit", "ReturnConsumedCapacity"):
        if params.get(member) is not None:
            request[member] = params[member]
    keyed = _key_split(select.where, schema)
    if keyed is not None:
        key_condition, rest = keyed
        request["KeyConditionExpression"] = exprs.condition(key_condition)
        if rest is not None:
            request["FilterExpression"] = exprs.condition(rest)
        if select.descending:
            request["ScanIndexForward"] = False
        operation = "Query"
    else:
        if select.descending is not None:
            raise validation(
                "Must have WHERE clause in the statement when using ORDER BY clause."
                if select.where is None
                else "ORDER BY is not supported without an equality condition on the partition key"
            )
        if select.where is not None:
            request["FilterExpression"] = exprs.condition(select.where)
        operation = "Scan"
    if select.paths is not None:
        request["ProjectionExpression"] = exprs.projection(select.paths)
    return request | exprs.params(), operation


def _schema(table: TableRecord, index_name: str | None) -> KeySchema:
    if index_name is None:
        return table.schema
    index = table.index(index_name)
    if index is None:
        raise validation(f"The table does not have the specified index: {index_name}")
    return index.schema


def _key_split(
    where: Condition | None, schema: KeySchema
) -> tuple[Condition, Condition | None] | None:
    """(key condition, filter) when WHERE pins the partition key by equality and nothing else
    reads a key attribute; None when the SELECT must scan."""
    rest = conjuncts(where)
    partition = next((c for c in rest if equality_on(c, schema.partition) is not None), None)
    if partition is None:
        return None
    rest.remove(partition)
    chosen = [partition]
    if schema.sort is not None:
        sort = next((c for c in rest if _sort_condition(c, schema.sort)), None)
        if sort is not None:
            rest.remove(sort)
            chosen.append(sort)
    filtered = combine(rest, None)
    if set(names_read(filtered)) & set(schema.names):
        return None
    key_condition = combine(chosen, None)
    assert key_condition is not None
    return key_condition, filtered


def _sort_condition(condition: Condition, sort: str) -> bool:
    """A condition a Query's key condition can put on the sort key."""
    key = PathRef((sort,))
    if isinstance(condition, Compare) and condition.op in _SORT_OPERATORS:
        sides = (condition.left, condition.right)
        return key in sides and any(isinstance(side, Literal) for side in sides)
    if isinstance(condition, Between):
        literal_bounds = isinstance(condition.low, Literal) and isinstance(condition.high, Literal)
        return condition.operand == key and literal_bounds
    if isinstance(condition, Function) and condition.name == "begins_with":
        return condition.args[0] == key and isinstance(condition.args[1], Literal)
    return False


# -- NextToken ------------------------------------------------------------------------------------


def _next_token(key: Item) -> str:
    """LastEvaluatedKey as an opaque token (B values kept as base64)."""
    plain = {
        name: {kind: base64.b64encode(raw).decode() if isinstance(raw, bytes) else raw}
        for name, value in key.items()
        for kind, raw in value.items()
    }
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _start_key(token: str) -> Item:
    try:
        plain = json.loads(base64.urlsafe_b64decode(token.encode()))
        key: Item = {}
        for name, value in plain.items():
            ((kind, raw),) = value.items()
            key[name] = {kind: base64.b64decode(raw) if kind == "B" else raw}
    except (ValueError, TypeError, AttributeError, binascii.Error):
        raise validation("Invalid NextToken") from None
    return key


# -- errors ---------------------------------------------------------------------------------------


def _check_count(entries: list[Any], member: str, most: int) -> None:
    if not entries:
        raise validation(
            f"1 validation error detected: Value '[]' at '{member}' failed to satisfy"
            " constraint: Member must have length greater than or equal to 1"
        )
    if len(entries) > most:
        raise validation(
            f"1 validation error detected: Value at '{member}' failed to satisfy constraint:"
            f" Member must have length less than or equal to {most}"
        )


_BATCH_CODES = {"ValidationException": "ValidationError", "ThrottlingException": "ThrottlingError"}


def _batch_error(table_name: str | None, error: DynamoError) -> dict[str, Any]:
    """A statement's failure inside BatchExecuteStatement (BatchStatementError)."""
    code = _BATCH_CODES.get(error.code, error.code.removesuffix("Exception"))
    found: dict[str, Any] = {"Code": code, "Message": error.message}
    if "Item" in error.fields:
        found["Item"] = error.fields["Item"]
    answer: dict[str, Any] = {"Error": found}
    if table_name is not None:
        answer["TableName"] = table_name
    return answer


def _duplicates_named(error: DynamoError, inserts: Sequence[int]) -> DynamoError:
    """A cancelled transaction whose INSERTs failed their key check says DuplicateItem."""
    reasons = error.fields.get("CancellationReasons")
    if error.code != "TransactionCanceledException" or not isinstance(reasons, list):
        return error
    renamed = [dict(reason) for reason in reasons]
    for position in inserts:
        if position < len(renamed) and renamed[position].get("Code") == "ConditionalCheckFailed":
            renamed[position] = {"Code": "DuplicateItem", "Message": DUPLICATE_ITEM}
    codes = ", ".join(str(reason.get("Code", "None")) for reason in renamed)
    rewritten = DynamoError(
        error.code,
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        error.status,
    )
    rewritten.fields.update(error.fields)
    rewritten.fields["CancellationReasons"] = renamed
    return rewritten
