"""DynamoDB and DynamoDB Streams under IAM, through a real server: table and index ARNs, the
operations authorised per table or per item (batches, transactions, PartiQL), stream ARNs, and
fine-grained access control (dynamodb:LeadingKeys, dynamodb:Attributes, dynamodb:Select)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from authzkit import Keys, allow, doc, error_code, make_user, unique
from botocore.exceptions import ClientError


@pytest.fixture(scope="module")
def ddb(authz_server: Any) -> Any:
    return authz_server.client("dynamodb")


@pytest.fixture(scope="module")
def make_table(ddb: Any) -> Iterator[Callable[..., str]]:
    """make(**create_table extras) -> the ARN of a new ACTIVE table keyed by `pk` (S), with
    `color` (S) defined when it has indexes."""
    made: list[str] = []

    def make(**kw: Any) -> str:
        name = unique("tbl")
        names = ["pk", "color"] if "GlobalSecondaryIndexes" in kw else ["pk"]
        arn: str = ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in names],
            BillingMode="PAY_PER_REQUEST",
            **kw,
        )["TableDescription"]["TableArn"]
        ddb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100}
        )
        made.append(name)
        return arn

    yield make
    for name in made:
        with contextlib.suppress(ClientError):  # the server is gone
            ddb.delete_table(TableName=name)


def _name(arn: str) -> str:
    return arn.split(":table/", 1)[1].split("/", 1)[0]


def _user(authz_server: Any, iam: Any, *statements: dict[str, Any], name: str = "") -> Any:
    keys: Keys = make_user(iam, inline=doc(*statements), name=name or None)
    client = keys.client(authz_server, "dynamodb")
    client.user_arn = keys.arn
    return client


def _denied(call: Callable[[], Any]) -> str:
    """The message of the AccessDeniedException `call` raises."""
    with pytest.raises(ClientError) as info:
        call()
    assert error_code(info.value) == "AccessDeniedException", info.value.response
    return str(info.value.response["Error"]["Message"])


def _refusal(user_arn: str, action: str, resource: str) -> str:
    return (
        f"User: {user_arn} is not authorized to perform: {action} on resource: {resource}"
        f" because no identity-based policy allows the {action} action"
    )


def _item(pk: str, **attrs: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, **{k: {"S": v} for k, v in attrs.items()}}


def test_read_only_policy_denies_put_in_aws_words_and_allows_get(
    authz_server: Any, iam: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    arn = make_table()
    table = _name(arn)
    ddb.put_item(TableName=table, Item=_item("a", v="1"))
    user = _user(authz_server, iam, allow(["dynamodb:GetItem", "dynamodb:Query"], arn))
    assert user.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"] == _item("a", v="1")
    message = _denied(lambda: user.put_item(TableName=table, Item=_item("b")))
    assert message == _refusal(user.user_arn, "dynamodb:PutItem", arn)
    # Another table of the account is not covered by the policy's ARN.
    other = make_table()
    message = _denied(lambda: user.get_item(TableName=_name(other), Key={"pk": {"S": "a"}}))
    assert message == _refusal(user.user_arn, "dynamodb:GetItem", other)
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "b"}})


def test_query_on_an_index_needs_the_index_arn(
    authz_server: Any, iam: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    index = {
        "IndexName": "byColor",
        "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    arn = make_table(GlobalSecondaryIndexes=[index])
    table = _name(arn)
    ddb.put_item(TableName=table, Item=_item("a", color="red"))
    query = {
        "TableName": table,
        "IndexName": "byColor",
        "KeyConditionExpression": "color = :c",
        "ExpressionAttributeValues": {":c": {"S": "red"}},
    }
    table_only = _user(authz_server, iam, allow("dynamodb:Query", arn))
    message = _denied(lambda: table_only.query(**query))
    assert message == _refusal(table_only.user_arn, "dynamodb:Query", f"{arn}/index/byColor")
    index_only = _user(authz_server, iam, allow("dynamodb:Query", f"{arn}/index/*"))
    assert [i["pk"]["S"] for i in index_only.query(**query)["Items"]] == ["a"]
    base = {k: v for k, v in query.items() if k != "IndexName"}
    base["KeyConditionExpression"] = "pk = :c"
    base["ExpressionAttributeValues"] = {":c": {"S": "a"}}
    _denied(lambda: index_only.query(**base))
    assert table_only.query(**base)["Count"] == 1


def test_batch_write_is_denied_when_one_of_its_tables_is_not_allowed(
    authz_server: Any, iam: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    allowed, other = make_table(), make_table()
    user = _user(authz_server, iam, allow("dynamodb:BatchWriteItem", allowed))
    both = {
        _name(allowed): [{"PutRequest": {"Item": _item("x")}}],
        _name(other): [{"PutRequest": {"Item": _item("y")}}],
    }
    message = _denied(lambda: user.batch_write_item(RequestItems=both))
    assert message == _refusal(user.user_arn, "dynamodb:BatchWriteItem", other)
    assert "Item" not in ddb.get_item(TableName=_name(allowed), Key={"pk": {"S": "x"}})
    one = {_name(allowed): both[_name(allowed)]}
    assert user.batch_write_item(RequestItems=one)["UnprocessedItems"] == {}
    assert ddb.get_item(TableName=_name(allowed), Key={"pk": {"S": "x"}})["Item"] == _item("x")


def test_transact_write_needs_each_items_action(
    authz_server: Any, iam: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    arn = make_table()
    table = _name(arn)
    ddb.put_item(TableName=table, Item=_item("u", n="0"))
    items = [
        {"Put": {"TableName": table, "Item": _item("p")}},
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": "u"}},
                "UpdateExpression": "SET n = :n",
                "ExpressionAttributeValues": {":n": {"S": "1"}},
            }
        },
    ]
    put_only = _user(authz_server, iam, allow("dynamodb:PutItem", arn))
    message = _denied(lambda: put_only.transact_write_items(TransactItems=items))
    assert message == _refusal(put_only.user_arn, "dynamodb:UpdateItem", arn)
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "p"}})
    both = _user(authz_server, iam, allow(["dynamodb:PutItem", "dynamodb:UpdateItem"], arn))
    both.transact_write_items(TransactItems=items)
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "u"}})["Item"] == _item("u", n="1")


def test_partiql_select_needs_partiql_select(
    authz_server: Any, iam: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    arn = make_table()
    table = _name(arn)
    ddb.put_item(TableName=table, Item=_item("a"))
    statement = f"SELECT * FROM \"{table}\" WHERE pk = 'a'"
    get_only = _user(authz_server, iam, allow(["dynamodb:GetItem", "dynamodb:Query"], arn))
    message = _denied(lambda: get_only.execute_statement(Statement=statement))
    assert message == _refusal(get_only.user_arn, "dynamodb:PartiQLSelect", arn)
    partiql = _user(authz_server, iam, allow("dynamodb:PartiQLSelect", arn))
    assert partiql.execute_statement(Statement=statement)["Items"] == [_item("a")]
    insert = f"INSERT INTO \"{table}\" VALUE {{'pk': 'b'}}"
    message = _denied(lambda: partiql.execute_statement(Statement=insert))
    assert message == _refusal(partiql.user_arn, "dynamodb:PartiQLInsert", arn)


def test_streams_are_authorised_on_the_stream_arn(
    authz_server: Any, iam: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    arn = make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    table = _name(arn)
    stream = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item=_item("a"))
    actions = ["dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"]
    reader_keys = make_user(iam, inline=doc(allow(actions, f"{arn}/stream/*")))
    reader = reader_keys.client(authz_server, "dynamodbstreams")
    shard = reader.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = reader.get_shard_iterator(
        StreamArn=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = _records(reader, iterator)
    assert [r["dynamodb"]["Keys"] for r in records] == [{"pk": {"S": "a"}}]
    table_keys = make_user(iam, inline=doc(allow(actions, arn)))  # the table's ARN is not enough
    stranger = table_keys.client(authz_server, "dynamodbstreams")
    with pytest.raises(ClientError) as info:
        stranger.describe_stream(StreamArn=stream)
    assert info.value.response["Error"]["Message"] == _refusal(
        table_keys.arn, "dynamodb:DescribeStream", stream
    )
    with pytest.raises(ClientError) as info:
        stranger.get_shard_iterator(StreamArn=stream, ShardId=shard, ShardIteratorType="LATEST")
    assert "dynamodb:GetShardIterator" in info.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as info:
        stranger.get_records(ShardIterator=iterator)  # the iterator names the stream
    assert info.value.response["Error"]["Message"] == _refusal(
        table_keys.arn, "dynamodb:GetRecords", stream
    )


def _records(client: Any, iterator: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while True:
        got = client.get_records(ShardIterator=iterator)
        if got["Records"] or time.monotonic() > deadline:
            return list(got["Records"])
        iterator = got["NextShardIterator"]


LEADING_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:Query",
    "dynamodb:BatchWriteItem",
    "dynamodb:BatchGetItem",
]


def test_leading_keys_policy_allows_only_the_callers_own_partition(
    authz_server: Any, iam: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    arn = make_table()
    table = _name(arn)
    me = unique("owner")
    ddb.put_item(TableName=table, Item=_item("someone-else", secret="s"))
    condition = {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}
    user = _user(authz_server, iam, allow(LEADING_ACTIONS, arn, Condition=condition), name=me)
    user.put_item(TableName=table, Item=_item(me, v="1"))
    assert user.get_item(TableName=table, Key={"pk": {"S": me}})["Item"] == _item(me, v="1")
    _denied(lambda: user.put_item(TableName=table, Item=_item("someone-else")))
    _denied(lambda: user.get_item(TableName=table, Key={"pk": {"S": "someone-else"}}))
    update = {"UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "2"}}}
    user.update_item(TableName=table, Key={"pk": {"S": me}}, **update)
    _denied(lambda: user.update_item(TableName=table, Key={"pk": {"S": "someone-else"}}, **update))

    def query(pk: str) -> Any:
        return user.query(
            TableName=table,
            KeyConditionExpression="#k = :k",
            ExpressionAttributeNames={"#k": "pk"},
            ExpressionAttributeValues={":k": {"S": pk}},
        )

    assert query(me)["Items"] == [_item(me, v="2")]
    _denied(lambda: query("someone-else"))
    mixed = {table: {"Keys": [{"pk": {"S": me}}, {"pk": {"S": "someone-else"}}]}}
    _denied(lambda: user.batch_get_item(RequestItems=mixed))
    own = {table: [{"PutRequest": {"Item": _item(me, v="3")}}]}
    assert user.batch_write_item(RequestItems=own)["UnprocessedItems"] == {}
    own[table].append({"DeleteRequest": {"Key": {"pk": {"S": "someone-else"}}}})
    _denied(lambda: user.batch_write_item(RequestItems=own))
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "someone-else"}})["Item"]


def test_attributes_policy_limits_what_is_read_and_written(
    authz_server: Any, iam: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    arn = make_table()
    table = _name(arn)
    ddb.put_item(TableName=table, Item=_item("a", public="p", secret="s"))
    condition = {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "public"]},
        "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
    }
    actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
    user = _user(authz_server, iam, allow(actions, arn, Condition=condition))
    key = {"pk": {"S": "a"}}
    got = user.get_item(
        TableName=table,
        Key=key,
        ProjectionExpression="pk, #p",
        ExpressionAttributeNames={"#p": "public"},
    )
    assert got["Item"] == _item("a", public="p")
    _denied(lambda: user.get_item(TableName=table, Key=key, ProjectionExpression="secret"))
    _denied(lambda: user.get_item(TableName=table, Key=key))  # every attribute: ALL_ATTRIBUTES
    _denied(lambda: user.get_item(TableName=table, Key=key, AttributesToGet=["pk", "secret"]))
    user.put_item(TableName=table, Item=_item("b", public="q"))
    _denied(lambda: user.put_item(TableName=table, Item=_item("c", secret="x")))
    values = {":v": {"S": "new"}}
    user.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #p = :v",
        ExpressionAttributeNames={"#p": "public"},
        ExpressionAttributeValues=values,
    )
    _denied(
        lambda: user.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #s = :v",
            ExpressionAttributeNames={"#s": "secret"},
            ExpressionAttributeValues=values,
        )
    )
    _denied(lambda: user.update_item(TableName=table, Key=key, UpdateExpression="REMOVE secret"))
    assert ddb.get_item(TableName=table, Key=key)["Item"] == _item("a", public="new", secret="s")
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "c"}})


def test_denials_answer_as_dynamodb_and_streams_do(
    authz_server: Any, iam: Any, make_table: Callable[..., str]
) -> None:
    # DynamoDB answers AccessDeniedException with HTTP 400, as every JSON service's common
    # errors do (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html);
    # DynamoDB Streams is such a service too.
    arn = make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    keys = make_user(iam, inline=doc(allow("dynamodb:ListTables")))
    with pytest.raises(ClientError) as info:
        keys.client(authz_server, "dynamodb").describe_table(TableName=_name(arn))
    assert error_code(info.value) == "AccessDeniedException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as info:
        keys.client(authz_server, "dynamodbstreams").list_streams()
    assert error_code(info.value) == "AccessDeniedException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
