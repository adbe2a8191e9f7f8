"""DynamoDB and DynamoDB Streams (both `dynamodb:` actions): table ARNs from TableName (a name
or an ARN), TableArn or ResourceArn; index ARNs from TableName + IndexName; stream ARNs from
StreamArn. The operations that name several tables or several actions are authorised per part,
as the DynamoDB developer guide's "Using IAM with DynamoDB" and the API pages say:

- BatchGetItem / BatchWriteItem: their own action on every table in RequestItems.
- TransactWriteItems: dynamodb:PutItem / UpdateItem / DeleteItem / ConditionCheckItem per
  action, on its table ("Actions, resources, and condition keys for Amazon DynamoDB": the
  reference has no TransactWriteItems action). TransactGetItems: dynamodb:GetItem per table.
- ExecuteStatement / BatchExecuteStatement / ExecuteTransaction (PartiQL): dynamodb:PartiQLSelect,
  PartiQLInsert, PartiQLUpdate or PartiQLDelete by the statement's verb, on the table it names
  ("IAM security policies with PartiQL for DynamoDB").
- A request naming an index (Query, Scan with IndexName) is authorised on the index's ARN
  (table/T/index/I), which a policy naming only the table does not match.

The item operations carry dynamodb:LeadingKeys, dynamodb:Attributes and dynamodb:Select's
default (dynamodb_fgac.py); LeadingKeys is computed from the table's key schema, which the
service's `resource_facts` reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from .arns import ArnTemplate
from .conditions import aws_tag_conditions, from_param
from .derive import ExceptionFactory, Rules, ServiceSpec, direct, first_of
from .dynamodb_fgac import SELECT, Access, ItemContext, access_of, default_select, write_access
from .model import Builder, Params, Requirement, Resolver, Scope

_TABLE_ARN = re.compile(r"^arn:[^:]+:dynamodb:[^:]*:[^:]*:table/[^/]+")


def table_arn(name: str, scope: Scope) -> str:
    """The ARN of a TableName parameter: an ARN as given (up to the table), else the caller's."""
    found = _TABLE_ARN.match(name)
    if found:
        return found.group(0)
    return f"arn:aws:dynamodb:{scope.region}:{scope.account}:table/{name}"


def _by_table_name(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if "TableName" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        if params.get("IndexName"):
            return None  # every action of an IndexName member lists `index`: its ARN, then
        name = params.get("TableName")
        return table_arn(name, scope) if isinstance(name, str) and name else None

    return resolve


def _by_index(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if not {"TableName", "IndexName"} <= members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        table, index = params.get("TableName"), params.get("IndexName")
        if not (isinstance(table, str) and isinstance(index, str) and table and index):
            return None
        return f"{table_arn(table, scope)}/index/{index}"

    return resolve


class _Rule:
    """An action's rule and the condition keys the reference lists for it."""

    __slots__ = ("listed", "rule")

    def __init__(self, rules: Rules, action: str, members: Iterable[str]) -> None:
        self.rule = rules.rule(action, members)
        self.listed = rules.info(action).condition_keys


def _item_context(
    rule: _Rule,
    base: Mapping[str, tuple[str, ...]],
    accesses: tuple[Access, ...] | Callable[[], tuple[Access, ...]],
    select: str | None = None,
) -> ItemContext:
    """`base` plus what fine-grained access control reads (dynamodb_fgac.py)."""
    listed = rule.listed
    if select is not None and SELECT in listed and SELECT not in base:
        base = {**base, SELECT: (select,)}
    return ItemContext(base, accesses, listed)


_ENCLOSING = "dynamodb:enclosingoperation"
_READS = frozenset({"GetItem", "Query", "Scan"})
_SINGLE_ITEM = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan")


def _fine_grained(action: str) -> ExceptionFactory:
    """GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan: derived as any action, with the
    fine-grained access control keys."""

    def factory(rules: Rules, members: frozenset[str]) -> Builder:
        made = _Rule(rules, action, members)
        rule, reads = made.rule, action in _READS

        def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
            select = default_select(params, bool(params.get("IndexName"))) if reads else None
            # The accesses are made only if a policy reads LeadingKeys or Attributes.
            accesses = lambda: (access_of(params),)  # noqa: E731
            context = _item_context(made, rule.context(params), accesses, select)
            return (Requirement(rule.action, rule.resource(params, scope), context),)

        return build

    return factory


def _per_table(action: str) -> ExceptionFactory:
    """BatchGetItem / BatchWriteItem: `action` on each table of RequestItems."""

    def factory(rules: Rules, members: frozenset[str]) -> Builder:
        made = _Rule(rules, action, members)
        rule = made.rule

        def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
            tables = params.get("RequestItems") or {}
            base = rule.context(params)
            return tuple(
                Requirement(rule.action, table_arn(name, scope), _table_part(made, base, part))
                for name, part in sorted(tables.items())
            ) or (Requirement(rule.action, "*"),)

        return build

    return factory


def _table_part(rule: _Rule, base: Mapping[str, tuple[str, ...]], part: object) -> ItemContext:
    """One table's part of a batch: BatchGetItem's KeysAndAttributes, BatchWriteItem's list."""
    if isinstance(part, Mapping):
        return _item_context(rule, base, (access_of(part),), default_select(part, False))
    return _item_context(rule, base, (write_access(part if isinstance(part, list) else ()),))


_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _per_item(operation: str) -> ExceptionFactory:
    """TransactWriteItems / TransactGetItems: each item's own action on its table, one
    requirement per (action, table) whose keys cover all its items; dynamodb:EnclosingOperation
    names the transaction."""

    def factory(rules: Rules, members: frozenset[str]) -> Builder:
        actions = {kind: _Rule(rules, name, ()) for kind, name in _TRANSACT_ACTIONS.items()}
        return _transaction(actions, operation)

    return factory


def _transaction(actions: Mapping[str, _Rule], operation: str) -> Builder:
    """Groups a transaction's items by (action, table)."""

    def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
        parts: dict[tuple[str, str], tuple[_Rule, list[Params]]] = {}
        for entry in params.get("TransactItems") or ():
            for kind, body in entry.items():
                rule = actions.get(kind)
                if rule is None or not isinstance(body, Mapping):
                    continue
                arn = table_arn(str(body.get("TableName") or "*"), scope)
                parts.setdefault((rule.rule.action, arn), (rule, []))[1].append(body)
        return tuple(
            _transact_requirement(rule, arn, bodies, params, operation)
            for (_, arn), (rule, bodies) in parts.items()
        ) or (Requirement("dynamodb:PutItem", "*"),)

    return build


def _transact_requirement(
    rule: _Rule, arn: str, bodies: list[Params], params: Params, operation: str
) -> Requirement:
    accesses = tuple(access_of(body) for body in bodies)
    selects = {default_select(body, False) for body in bodies}
    # One requirement stands for several Gets: the widest read among them is what it reads.
    select = "ALL_ATTRIBUTES" if "ALL_ATTRIBUTES" in selects else selects.pop()
    base = dict(rule.rule.context(params))
    if _ENCLOSING in rule.listed:
        base[_ENCLOSING] = (operation,)
    context = _item_context(rule, base, accesses, select)
    return Requirement(rule.rule.action, arn, context)


_VERBS = {"SELECT": "PartiQLSelect", "INSERT": "PartiQLInsert", "UPDATE": "PartiQLUpdate"}
_VERBS["DELETE"] = "PartiQLDelete"
_PARTIQL_TABLE = re.compile(
    r"^\s*(?:SELECT\b.*?\bFROM|INSERT\s+INTO|UPDATE|DELETE\s+FROM|EXISTS\s*\(\s*SELECT\b.*?\bFROM)"
    r'\s+(?:"((?:[^"]|"")+)"|([A-Za-z0-9_.-]+))',
    re.IGNORECASE | re.DOTALL,
)


def partiql_requirement(statement: str, scope: Scope) -> Requirement:
    """What one PartiQL statement needs: its verb's action on the table it names (an index
    of the table: the index's ARN, as AWS authorises `SELECT ... FROM "t"."i"`)."""
    verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    action = "dynamodb:" + _VERBS.get(verb, "PartiQLSelect")
    found = _PARTIQL_TABLE.match(statement)
    if found is None:
        return Requirement(action, "*")
    name = (found.group(1) or found.group(2)).replace('""', '"')
    table, _, index = name.partition('"."')
    arn = table_arn(table.split(".")[0] if not index else table, scope)
    return Requirement(action, f"{arn}/index/{index}" if index else arn)


def _partiql(rules: Rules, members: frozenset[str]) -> Builder:
    # The reference must know every action we may name (KeyError at start otherwise).
    listed = {f"dynamodb:{name}": rules.info(name).condition_keys for name in _VERBS.values()}

    def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
        statements = [params.get("Statement")]
        statements += [s.get("Statement") for s in params.get("Statements") or ()]
        statements += [s.get("Statement") for s in params.get("TransactStatements") or ()]
        # One requirement per (action, resource): Requirements are not hashable (their
        # context is a read-only mapping).
        needed = {
            (r.action, r.resource): _opaque(r, listed)
            for r in (partiql_requirement(s, scope) for s in statements if isinstance(s, str))
        }
        return tuple(needed[k] for k in sorted(needed)) or (
            Requirement("dynamodb:PartiQLSelect", "*"),
        )

    return build


def _opaque(requirement: Requirement, listed: Mapping[str, frozenset[str]]) -> Requirement:
    """A statement's partition key values and attributes are not read here (its WHERE clause
    and parameters would need PartiQL's evaluation): dynamodb:LeadingKeys and
    dynamodb:Attributes are UNKNOWN, so a policy limiting them refuses the statement."""
    keys = listed.get(requirement.action, frozenset())
    context = ItemContext(requirement.context, (), keys, opaque=True)
    return Requirement(requirement.action, requirement.resource, context)


_STREAM_ARN = re.compile(r"^arn:[^:]+:dynamodb:[^:]*:[^:]*:table/[^/]+/stream/[^|]+$")


def _stream_of_iterator(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    """GetRecords names its stream inside the shard iterator, which has AWS's shape
    "<stream arn>|1|<opaque>": the stream read is the one that ARN names, so it is the one
    authorised (stream_positions.py)."""
    if "ShardIterator" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        iterator = params.get("ShardIterator")
        if not isinstance(iterator, str):
            return None
        arn = iterator.partition("|")[0]
        return arn if _STREAM_ARN.match(arn) else None

    return resolve


def dynamodb_spec() -> ServiceSpec:
    conditions = aws_tag_conditions(["Tags"])
    for key, member in (
        ("dynamodb:select", "Select"),
        ("dynamodb:returnvalues", "ReturnValues"),
        ("dynamodb:returnconsumedcapacity", "ReturnConsumedCapacity"),
    ):
        conditions[key] = from_param(key, member)
    return ServiceSpec(
        prefix="dynamodb",
        resolvers={
            "table": first_of(_by_table_name, direct("TableArn", "ResourceArn")),
            "index": _by_index,
            "stream": first_of(direct("StreamArn"), _stream_of_iterator),
        },
        conditions=conditions,
        exceptions={
            **{name: _fine_grained(name) for name in _SINGLE_ITEM},
            "BatchGetItem": _per_table("BatchGetItem"),
            "BatchWriteItem": _per_table("BatchWriteItem"),
            "TransactWriteItems": _per_item("TransactWriteItems"),
            "TransactGetItems": _per_item("TransactGetItems"),
            "ExecuteStatement": _partiql,
            "BatchExecuteStatement": _partiql,
            "ExecuteTransaction": _partiql,
        },
    )
