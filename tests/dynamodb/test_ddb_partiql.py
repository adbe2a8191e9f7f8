"""PartiQL for DynamoDB through a real server with boto3: ExecuteStatement's SELECT, INSERT,
UPDATE and DELETE, `?` parameters, pagination, BatchExecuteStatement and ExecuteTransaction,
with AWS's errors (DuplicateItemException, ConditionalCheckFailedException, ValidationException).
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError


def run(ddb: Any, statement: str, *parameters: dict[str, Any], **kw: Any) -> dict[str, Any]:
    if parameters:
        kw["Parameters"] = list(parameters)
    result: dict[str, Any] = ddb.execute_statement(Statement=statement, **kw)
    return result


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def songs(ddb: Any, make_table: Callable[..., str]) -> str:
    """A table keyed by artist (S) and n (N) holding artist a with n = 0..4 and b with n = 0."""
    name = make_table(hash=("artist", "S"), range=("n", "N"))
    for n in range(5):
        ddb.put_item(
            TableName=name,
            Item={"artist": {"S": "a"}, "n": {"N": str(n)}, "title": {"S": f"song{n}"}},
        )
    ddb.put_item(TableName=name, Item={"artist": {"S": "b"}, "n": {"N": "0"}, "x": {"N": "7"}})
    return name


def ns(items: list[dict[str, Any]]) -> list[int]:
    return [int(item["n"]["N"]) for item in items]


# -- SELECT ---------------------------------------------------------------------------------------


def test_select_by_partition_is_a_query_in_key_order(ddb: Any, songs: str) -> None:
    found = run(ddb, f"SELECT * FROM \"{songs}\" WHERE artist = 'a'")["Items"]
    assert ns(found) == [0, 1, 2, 3, 4]
    assert found[0] == {"artist": {"S": "a"}, "n": {"N": "0"}, "title": {"S": "song0"}}


def test_select_with_sort_conditions_and_filters(ddb: Any, songs: str) -> None:
    table = f'"{songs}"'
    assert ns(run(ddb, f"SELECT * FROM {table} WHERE artist='a' AND n > 2")["Items"]) == [3, 4]
    between = f"SELECT * FROM {table} WHERE artist = 'a' AND n BETWEEN 1 AND 3"
    assert ns(run(ddb, between)["Items"]) == [1, 2, 3]
    filtered = f"SELECT * FROM {table} WHERE artist = 'a' AND title = 'song2'"
    assert ns(run(ddb, filtered)["Items"]) == [2]
    descending = f"SELECT * FROM {table} WHERE artist = 'a' AND n < 3 ORDER BY n DESC"
    assert ns(run(ddb, descending)["Items"]) == [2, 1, 0]


def test_select_without_the_partition_key_scans(ddb: Any, songs: str) -> None:
    found = run(ddb, f'SELECT * FROM "{songs}" WHERE n = 0')["Items"]
    assert sorted(item["artist"]["S"] for item in found) == ["a", "b"]
    every = run(ddb, f'SELECT * FROM "{songs}"')["Items"]
    assert len(every) == 6
    either = f"SELECT * FROM \"{songs}\" WHERE artist = 'b' OR title = 'song4'"
    assert sorted(ns(run(ddb, either)["Items"])) == [0, 4]


def test_select_operators(ddb: Any, songs: str) -> None:
    table = f'"{songs}"'

    def count(where: str) -> int:
        return len(run(ddb, f"SELECT * FROM {table} WHERE {where}")["Items"])

    assert count("begins_with(title, 'song')") == 5
    assert count("contains(title, '3')") == 1
    assert count("n IN [1, 3, 9]") == 2
    assert count("x IS MISSING") == 5
    assert count("x IS NOT MISSING") == 1
    assert count("NOT (artist = 'a')") == 1
    assert count("n <> 0 AND artist = 'a'") == 4
    assert count("title != 'song1' AND artist = 'a'") == 4
    assert count("n >= 3 OR x = 7") == 3


def test_select_projection_and_parameters(ddb: Any, songs: str) -> None:
    found = run(
        ddb,
        f'SELECT title, n FROM "{songs}" WHERE artist = ? AND n = ?',
        {"S": "a"},
        {"N": "3"},
    )["Items"]
    assert found == [{"title": {"S": "song3"}, "n": {"N": "3"}}]


def test_select_pages_with_limit_and_next_token(ddb: Any, songs: str) -> None:
    statement = f"SELECT * FROM \"{songs}\" WHERE artist = 'a'"
    first = run(ddb, statement, Limit=2)
    assert ns(first["Items"]) == [0, 1]
    second = run(ddb, statement, Limit=2, NextToken=first["NextToken"])
    assert ns(second["Items"]) == [2, 3]
    third = run(ddb, statement, Limit=2, NextToken=second["NextToken"])
    assert ns(third["Items"]) == [4]
    seen: list[dict[str, Any]] = []
    token: dict[str, Any] = {}
    while True:  # a scan pages the same way
        page = run(ddb, f'SELECT * FROM "{songs}"', Limit=4, **token)
        seen.extend(page["Items"])
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert sorted((item["artist"]["S"], ns([item])[0]) for item in seen) == [
        ("a", 0),
        ("a", 1),
        ("a", 2),
        ("a", 3),
        ("a", 4),
        ("b", 0),
    ]


def test_select_refusals(ddb: Any, songs: str) -> None:
    code, message = error_of(lambda: run(ddb, f'SELEC * FROM "{songs}"'))
    assert code == "ValidationException"
    assert message.startswith("Statement wasn't well formed, can't be processed: ")
    code, message = error_of(lambda: run(ddb, f'SELECT * FROM "{songs}" WHERE artist = ?'))
    assert (code, message) == (
        "ValidationException",
        "Number of parameters in request and statement don't match.",
    )
    code, _ = error_of(lambda: run(ddb, "SELECT * FROM \"no-such-table\" WHERE artist = 'a'"))
    assert code == "ResourceNotFoundException"


# -- INSERT, UPDATE, DELETE -----------------------------------------------------------------------


def test_insert_refuses_an_existing_key(ddb: Any, songs: str) -> None:
    statement = f"INSERT INTO \"{songs}\" VALUE {{'artist': 'c', 'n': 1, 'tags': <<'x', 'y'>>}}"
    assert run(ddb, statement)["Items"] == []
    item = ddb.get_item(TableName=songs, Key={"artist": {"S": "c"}, "n": {"N": "1"}})["Item"]
    assert item["tags"] == {"SS": ["x", "y"]}
    assert error_of(lambda: run(ddb, statement)) == (
        "DuplicateItemException",
        "Duplicate primary key exists in table",
    )


def test_insert_values_of_every_kind(ddb: Any, songs: str) -> None:
    run(
        ddb,
        f"INSERT INTO \"{songs}\" VALUE {{'artist': ?, 'n': -2.50, 'ok': TRUE, "
        "'none': NULL, 'list': [1, 'two'], 'map': {'k': 'v'}, 'bin': ?}",
        {"S": "d"},
        {"B": b"\x00\xff"},
    )
    item = ddb.get_item(TableName=songs, Key={"artist": {"S": "d"}, "n": {"N": "-2.5"}})["Item"]
    assert item["ok"] == {"BOOL": True}
    assert item["none"] == {"NULL": True}
    assert item["list"] == {"L": [{"N": "1"}, {"S": "two"}]}
    assert item["map"] == {"M": {"k": {"S": "v"}}}
    assert item["bin"] == {"B": b"\x00\xff"}


def test_update_sets_and_removes(ddb: Any, songs: str) -> None:
    result = run(
        ddb,
        f"UPDATE \"{songs}\" SET plays = 1 SET tags = <<'new'>> REMOVE title"
        " WHERE artist = 'a' AND n = 1 RETURNING ALL NEW *",
    )
    assert result["Items"] == [
        {
            "artist": {"S": "a"},
            "n": {"N": "1"},
            "plays": {"N": "1"},
            "tags": {"SS": ["new"]},
        }
    ]
    run(
        ddb,
        f"UPDATE \"{songs}\" SET plays = plays + 2, tags = set_add(tags, <<'more'>>)"
        " WHERE artist = 'a' AND n = 1",
    )
    item = ddb.get_item(TableName=songs, Key={"artist": {"S": "a"}, "n": {"N": "1"}})["Item"]
    assert item["plays"] == {"N": "3"}
    assert sorted(item["tags"]["SS"]) == ["more", "new"]


def test_update_needs_the_item_and_its_condition(ddb: Any, songs: str) -> None:
    missing = f"UPDATE \"{songs}\" SET plays = 1 WHERE artist = 'zz' AND n = 1"
    assert error_of(lambda: run(ddb, missing)) == (
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
    wrong = f"UPDATE \"{songs}\" SET plays = 1 WHERE artist = 'a' AND n = 1 AND title = 'no'"
    assert error_of(lambda: run(ddb, wrong))[0] == "ConditionalCheckFailedException"
    no_key = f"UPDATE \"{songs}\" SET plays = 1 WHERE artist = 'a'"
    assert error_of(lambda: run(ddb, no_key)) == (
        "ValidationException",
        "Where clause does not contain a mandatory equality on all key attributes",
    )


def test_delete(ddb: Any, songs: str) -> None:
    old = run(ddb, f"DELETE FROM \"{songs}\" WHERE artist = 'a' AND n = 2 RETURNING ALL OLD *")[
        "Items"
    ]
    assert old == [{"artist": {"S": "a"}, "n": {"N": "2"}, "title": {"S": "song2"}}]
    gone = ddb.get_item(TableName=songs, Key={"artist": {"S": "a"}, "n": {"N": "2"}})
    assert "Item" not in gone
    # Deleting what is not there is no error; a condition on it fails.
    run(ddb, f"DELETE FROM \"{songs}\" WHERE artist = 'a' AND n = 2")
    conditional = f"DELETE FROM \"{songs}\" WHERE artist = 'a' AND n = 3 AND title = 'x'"
    assert error_of(lambda: run(ddb, conditional))[0] == "ConditionalCheckFailedException"
    code, message = error_of(
        lambda: run(
            ddb, f"DELETE FROM \"{songs}\" WHERE artist = 'a' AND n = 3 RETURNING ALL NEW *"
        )
    )
    assert (code, message) == (
        "ValidationException",
        "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in"
        " DELETE statements.",
    )


# -- batches and transactions --------------------------------------------------------------------


def test_batch_reads(ddb: Any, songs: str) -> None:
    responses = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"SELECT * FROM \"{songs}\" WHERE artist = 'a' AND n = 4"},
            {
                "Statement": f'SELECT title FROM "{songs}" WHERE artist = ? AND n = ?',
                "Parameters": [{"S": "a"}, {"N": "0"}],
            },
            {"Statement": f"SELECT * FROM \"{songs}\" WHERE artist = 'zz' AND n = 4"},
            {"Statement": f"SELECT * FROM \"{songs}\" WHERE artist = 'a'"},
        ]
    )["Responses"]
    assert responses[0]["Item"]["title"] == {"S": "song4"}
    assert responses[1]["Item"] == {"title": {"S": "song0"}}
    assert "Item" not in responses[2] and "Error" not in responses[2]
    assert responses[3]["Error"]["Code"] == "ValidationError"


def test_batch_writes_fail_one_by_one(ddb: Any, songs: str) -> None:
    responses = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"INSERT INTO \"{songs}\" VALUE {{'artist': 'e', 'n': 1}}"},
            {"Statement": f"INSERT INTO \"{songs}\" VALUE {{'artist': 'a', 'n': 1}}"},
            {"Statement": f"UPDATE \"{songs}\" SET v = 1 WHERE artist = 'zz' AND n = 1"},
            {"Statement": f"DELETE FROM \"{songs}\" WHERE artist = 'b' AND n = 0"},
        ]
    )["Responses"]
    assert "Error" not in responses[0]
    assert responses[1]["Error"]["Code"] == "DuplicateItem"
    assert responses[2]["Error"]["Code"] == "ConditionalCheckFailed"
    assert "Error" not in responses[3]
    remaining = run(ddb, f"SELECT * FROM \"{songs}\" WHERE n = 0 OR artist = 'e'")["Items"]
    assert sorted(item["artist"]["S"] for item in remaining) == ["a", "e"]


def test_transaction_writes_all_or_nothing(ddb: Any, songs: str) -> None:
    ok = [
        {"Statement": f"INSERT INTO \"{songs}\" VALUE {{'artist': 't', 'n': 1}}"},
        {"Statement": f"UPDATE \"{songs}\" SET plays = 5 WHERE artist = 'a' AND n = 0"},
        {"Statement": f"EXISTS(SELECT * FROM \"{songs}\" WHERE artist = 'b' AND n = 0)"},
    ]
    try:
        ddb.execute_transaction(TransactStatements=ok)
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotImplemented":
            pytest.skip("TransactWriteItems is not implemented yet")
        raise
    item = ddb.get_item(TableName=songs, Key={"artist": {"S": "a"}, "n": {"N": "0"}})["Item"]
    assert item["plays"] == {"N": "5"}
    failing = [
        {"Statement": f"UPDATE \"{songs}\" SET plays = 6 WHERE artist = 'a' AND n = 0"},
        {"Statement": f"INSERT INTO \"{songs}\" VALUE {{'artist': 't', 'n': 1}}"},
    ]
    with pytest.raises(ClientError) as caught:
        ddb.execute_transaction(TransactStatements=failing)
    response = caught.value.response
    assert response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [reason["Code"] for reason in response["CancellationReasons"]]
    assert reasons == ["None", "DuplicateItem"]
    item = ddb.get_item(TableName=songs, Key={"artist": {"S": "a"}, "n": {"N": "0"}})["Item"]
    assert item["plays"] == {"N": "5"}


def test_transaction_reads(ddb: Any, songs: str) -> None:
    statements = [
        {"Statement": f"SELECT title FROM \"{songs}\" WHERE artist = 'a' AND n = 1"},
        {"Statement": f"SELECT * FROM \"{songs}\" WHERE artist = 'zz' AND n = 1"},
    ]
    try:
        responses = ddb.execute_transaction(TransactStatements=statements)["Responses"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotImplemented":
            pytest.skip("TransactGetItems is not implemented yet")
        raise
    assert responses[0]["Item"] == {"title": {"S": "song1"}}
    assert "Item" not in responses[1]


def test_update_functions_and_nested_paths(ddb: Any, songs: str) -> None:
    table = f'"{songs}"'
    where = "WHERE artist = 'a' AND n = 4"
    run(ddb, f"UPDATE {table} SET doc = {{'list': [1], 'tags': <<1, 2>>}} {where}")
    run(ddb, f"UPDATE {table} SET doc.list = list_append(doc.list, [2, 3]) {where}")
    run(ddb, f"UPDATE {table} SET doc.tags = set_delete(doc.tags, <<1>>) {where}")
    found = run(ddb, f"SELECT doc.list[2], doc.tags FROM {table} {where}")["Items"]
    assert found == [{"doc": {"M": {"list": {"L": [{"N": "3"}]}, "tags": {"NS": ["2"]}}}}]
    found = run(ddb, f"SELECT * FROM {table} WHERE artist = 'a' AND size(doc.list) = 3")
    assert ns(found["Items"]) == [4]


def test_statement_refusals(ddb: Any, songs: str) -> None:
    table = f'"{songs}"'
    mismatch = f"UPDATE {table} SET v = 1 WHERE artist = 'a' AND n = '1'"
    assert error_of(lambda: run(ddb, mismatch)) == (
        "ValidationException",
        "Key attribute's data type should match its data type in table's schema: Key n",
    )
    code, _ = error_of(
        lambda: run(ddb, f"EXISTS(SELECT * FROM {table} WHERE artist = 'a' AND n = 1)")
    )
    assert code == "ValidationException"
    code, _ = error_of(lambda: run(ddb, f"SELECT * FROM {table} WHERE artist = 'a", Limit=1))
    assert code == "ValidationException"
    code, _ = error_of(
        lambda: ddb.batch_execute_statement(
            Statements=[
                {"Statement": f"SELECT * FROM {table} WHERE artist = 'a' AND n = 1"},
                {"Statement": f"DELETE FROM {table} WHERE artist = 'a' AND n = 1"},
            ]
        )
    )
    assert code == "ValidationException"
