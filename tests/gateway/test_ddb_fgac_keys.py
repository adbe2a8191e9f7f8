"""dynamodb:LeadingKeys, dynamodb:Attributes and dynamodb:Select as the authorisation map
computes them from a request and the table's key schema (gateway/authz/dynamodb_fgac.py)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownstack.core.access import ResourceFacts
from ownstack.gateway.authz import AuthorizationMap
from ownstack.gateway.authz_context import ResourceBound

ACCOUNT, REGION = "111122223333", "us-east-1"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t"
KEYS = ("dynamodb:leadingkeys", "dynamodb:attributes", "dynamodb:select")


@functools.cache
def _map() -> AuthorizationMap:
    return AuthorizationMap(["dynamodb", "dynamodbstreams"])


@pytest.fixture
def amap() -> AuthorizationMap:
    return _map()


def keys(
    amap: AuthorizationMap, op: str, schema: tuple[str, ...] = ("pk", "sk"), **params: Any
) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, resource, {key: values or None}) of each requirement, bound to `schema`."""
    found = amap.requirements("dynamodb", op, params, account=ACCOUNT, region=REGION) or ()
    out = []
    for requirement in found:
        context: Mapping[str, Any] = requirement.context
        if isinstance(context, ResourceBound):
            context = context.bind(ResourceFacts(ACCOUNT, key_schema=schema))
        out.append((requirement.action, requirement.resource, {k: context.get(k) for k in KEYS}))
    return out


def S(text: str) -> dict[str, str]:  # DynamoDB spells its string type S
    return {"S": text}


def test_get_item_reads_its_key_and_projection(amap: AuthorizationMap) -> None:
    [(action, resource, found)] = keys(
        amap,
        "GetItem",
        TableName="t",
        Key={"pk": S("alice"), "sk": {"N": "1"}},
        ProjectionExpression="#a, b.c, d[1]",
        ExpressionAttributeNames={"#a": "A"},
    )
    assert (action, resource) == ("dynamodb:GetItem", TABLE)
    assert found == {
        "dynamodb:leadingkeys": ("alice",),
        "dynamodb:attributes": ("A", "b", "d", "pk", "sk"),
        "dynamodb:select": ("SPECIFIC_ATTRIBUTES",),
    }


def test_a_read_of_every_attribute_says_so_in_select(amap: AuthorizationMap) -> None:
    [(_, _, found)] = keys(amap, "GetItem", TableName="t", Key={"pk": S("a")})
    assert found["dynamodb:select"] == ("ALL_ATTRIBUTES",)
    [(_, _, found)] = keys(amap, "Scan", TableName="t", IndexName="i")
    assert found["dynamodb:select"] == ("ALL_PROJECTED_ATTRIBUTES",)
    assert found["dynamodb:leadingkeys"] is None  # Scan does not list it
    assert found["dynamodb:attributes"] is None  # nor names any attribute
    [(_, _, found)] = keys(amap, "Query", TableName="t", Select="COUNT", KeyConditions={})
    assert found["dynamodb:select"] == ("COUNT",)


def test_update_item_writes_its_clauses_targets(amap: AuthorizationMap) -> None:
    [(_, _, found)] = keys(
        amap,
        "UpdateItem",
        TableName="t",
        Key={"pk": S("bob")},
        UpdateExpression="SET a = list_append(b, :v), #c = :w REMOVE d.e ADD f :x DELETE g :y",
        ExpressionAttributeNames={"#c": "C"},
    )
    assert found["dynamodb:attributes"] == ("C", "a", "d", "f", "g", "pk")
    assert found["dynamodb:leadingkeys"] == ("bob",)
    assert found["dynamodb:select"] is None


def test_query_on_an_index_is_the_index_and_its_partition_key(amap: AuthorizationMap) -> None:
    [(_, resource, found)] = keys(
        amap,
        "Query",
        schema=("color",),
        TableName="t",
        IndexName="byColor",
        KeyConditionExpression=":v = #c",
        ExpressionAttributeNames={"#c": "color"},
        ExpressionAttributeValues={":v": S("red")},
    )
    assert resource == f"{TABLE}/index/byColor"
    assert found["dynamodb:leadingkeys"] == ("red",)
    assert found["dynamodb:attributes"] == ("color",)


def test_a_partition_key_the_request_does_not_show_fails_closed(amap: AuthorizationMap) -> None:
    [(_, _, found)] = keys(
        amap,
        "Query",
        TableName="t",
        KeyConditionExpression="sk = :v",
        ExpressionAttributeValues={":v": S("x")},
    )
    assert found["dynamodb:leadingkeys"] == ("",)
    [(_, _, found)] = keys(amap, "GetItem", schema=(), TableName="t", Key={"pk": S("a")})
    assert found["dynamodb:leadingkeys"] == ("",)  # no schema: no table


def test_batches_and_transactions_are_per_table(amap: AuthorizationMap) -> None:
    found = keys(
        amap,
        "BatchWriteItem",
        RequestItems={
            "t": [
                {"PutRequest": {"Item": {"pk": S("a"), "z": S("1")}}},
                {"DeleteRequest": {"Key": {"pk": S("b")}}},
            ],
            "u": [{"DeleteRequest": {"Key": {"pk": S("c")}}}],
        },
    )
    assert [(r, f["dynamodb:leadingkeys"], f["dynamodb:attributes"]) for _, r, f in found] == [
        (TABLE, ("a", "b"), ("pk", "z")),
        (TABLE[:-1] + "u", ("c",), ("pk",)),
    ]
    found = keys(
        amap,
        "TransactWriteItems",
        TransactItems=[
            {"Put": {"TableName": "t", "Item": {"pk": S("a")}}},
            {"Put": {"TableName": "t", "Item": {"pk": S("b")}}},
            {"ConditionCheck": {"TableName": "t", "Key": {"pk": S("c")}}},
        ],
    )
    assert [(a, f["dynamodb:leadingkeys"]) for a, _, f in found] == [
        ("dynamodb:PutItem", ("a", "b")),
        ("dynamodb:ConditionCheckItem", ("c",)),
    ]


def test_partiql_keys_are_unknown(amap: AuthorizationMap) -> None:
    [(action, _, found)] = keys(amap, "ExecuteStatement", Statement="SELECT * FROM t WHERE pk='a'")
    assert action == "dynamodb:PartiQLSelect"
    assert found["dynamodb:leadingkeys"] == ("",)
    assert found["dynamodb:attributes"] == ("",)


def test_get_records_is_authorised_on_the_stream_its_iterator_names(
    amap: AuthorizationMap,
) -> None:
    stream = f"{TABLE}/stream/2026-01-01T00:00:00.000"
    [found] = (
        amap.requirements(
            "dynamodbstreams",
            "GetRecords",
            {"ShardIterator": f"{stream}|1|e30="},
            account=ACCOUNT,
            region=REGION,
        )
        or ()
    )
    assert (found.action, found.resource) == ("dynamodb:GetRecords", stream)


names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: (
        n.lower() not in {"and", "or", "not", "between", "in", "set", "remove", "add"}
        and n.lower() != "delete"
    )
)


@given(st.lists(names, min_size=1, max_size=6), st.data())
def test_projection_attributes_are_each_paths_first_name(paths: list[str], data: Any) -> None:
    amap = _map()
    aliases = {f"#n{i}": name for i, name in enumerate(paths) if data.draw(st.booleans())}
    written = [
        next((alias for alias, n in aliases.items() if n == name), name) + ".x[0]" for name in paths
    ]
    [(_, _, found)] = keys(
        amap,
        "GetItem",
        TableName="t",
        Key={"pk": S("a")},
        ProjectionExpression=", ".join(written),
        ExpressionAttributeNames=aliases,
    )
    assert found["dynamodb:attributes"] == tuple(sorted({*paths, "pk"}))
