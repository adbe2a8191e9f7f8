"""TransactWriteItems and TransactGetItems through a real server with boto3, including
concurrent transactions that must never be half-applied."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def get(ddb: Any, table: str, pk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = ddb.get_item(TableName=table, Key=key(pk)).get("Item")
    return found


def add(table: str, pk: str, amount: int, *, at_least: int | None = None) -> dict[str, Any]:
    """An Update adding `amount` to n (only while n >= at_least, when given)."""
    update: dict[str, Any] = {
        "TableName": table,
        "Key": key(pk),
        "UpdateExpression": "ADD n :d",
        "ExpressionAttributeValues": {":d": {"N": str(amount)}},
    }
    if at_least is not None:
        update["ConditionExpression"] = "n >= :min"
        update["ExpressionAttributeValues"][":min"] = {"N": str(at_least)}
    return {"Update": update}


def test_every_action_kind_across_tables(ddb: Any, make_table: Callable[..., str]) -> None:
    first, second = make_table(), make_table()
    ddb.put_item(TableName=first, Item={"pk": {"S": "old"}})
    ddb.put_item(TableName=second, Item={"pk": {"S": "guard"}, "open": {"BOOL": True}})
    reply = ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": first, "Item": {"pk": {"S": "new"}, "v": {"S": "1"}}}},
            {"Delete": {"TableName": first, "Key": key("old")}},
            add(second, "counter", 5),
            {
                "ConditionCheck": {
                    "TableName": second,
                    "Key": key("guard"),
                    "ConditionExpression": "#o = :t",
                    "ExpressionAttributeNames": {"#o": "open"},
                    "ExpressionAttributeValues": {":t": {"BOOL": True}},
                }
            },
        ]
    )
    assert "ConsumedCapacity" not in reply
    assert get(ddb, first, "new") == {"pk": {"S": "new"}, "v": {"S": "1"}}
    assert get(ddb, first, "old") is None
    assert get(ddb, second, "counter") == {"pk": {"S": "counter"}, "n": {"N": "5"}}


def test_failed_condition_cancels_everything(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "0"}})
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}}}},
                {
                    "Update": {
                        **add(name, "a", -1, at_least=1)["Update"],
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    assert error(exc) == (
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons"
        " [None, ConditionalCheckFailed]",
    )
    assert exc.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {
            "Code": "ConditionalCheckFailed",
            "Message": "The conditional request failed",
            "Item": {"pk": {"S": "a"}, "n": {"N": "0"}},
        },
    ]
    assert get(ddb, name, "b") is None
    assert get(ddb, name, "a") == {"pk": {"S": "a"}, "n": {"N": "0"}}


def test_update_that_cannot_apply_is_a_validation_reason(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "s": {"S": "text"}})
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}}}},
                {
                    "Update": {
                        "TableName": name,
                        "Key": key("a"),
                        "UpdateExpression": "SET s = s + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
    assert error(exc)[0] == "TransactionCanceledException"
    reasons = exc.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ValidationError"]
    assert reasons[1]["Message"].startswith("An operand in the update expression has an incorrect")
    assert get(ddb, name, "b") is None


def test_request_refusals(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "a"}}}},
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": key("a"),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert error(exc) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": f"k{i}"}}}} for i in range(101)
            ]
        )
    code, message = error(exc)
    assert code == "ValidationException"
    assert message.endswith(
        "at 'transactItems' failed to satisfy constraint: Member must have length less than"
        " or equal to 100"
    )
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "a"}}}},
                {"Put": {"TableName": "no-such-table", "Item": {"pk": {"S": "a"}}}},
            ]
        )
    assert error(exc) == ("ResourceNotFoundException", "Requested resource not found")
    assert get(ddb, name, "a") is None


def test_capacity_is_doubled(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    reply = ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "a"}}}},
            {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}, "v": {"S": "x" * 1500}}}},
        ],
        ReturnConsumedCapacity="INDEXES",
    )
    assert reply["ConsumedCapacity"] == [
        {
            "TableName": name,
            "CapacityUnits": 6.0,
            "WriteCapacityUnits": 6.0,
            "Table": {"CapacityUnits": 6.0, "WriteCapacityUnits": 6.0},
        }
    ]


def test_client_request_token_applies_once(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    token = uuid.uuid4().hex
    request = {
        "TransactItems": [add(name, "counter", 1)],
        "ClientRequestToken": token,
        "ReturnConsumedCapacity": "TOTAL",
    }
    first = ddb.transact_write_items(**request)
    again = ddb.transact_write_items(**request)
    assert get(ddb, name, "counter") == {"pk": {"S": "counter"}, "n": {"N": "1"}}
    assert first["ConsumedCapacity"] == [
        {"TableName": name, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}
    ]
    # A replay reports the transactional read of the item, not a write.
    assert again["ConsumedCapacity"] == [
        {"TableName": name, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}
    ]
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(TransactItems=[add(name, "counter", 2)], ClientRequestToken=token)
    assert error(exc) == (
        "IdempotentParameterMismatchException",
        "Request parameters did not match the previous request with the same client request token",
    )
    ddb.transact_write_items(TransactItems=[add(name, "counter", 1)])
    assert get(ddb, name, "counter") == {"pk": {"S": "counter"}, "n": {"N": "2"}}


def test_concurrent_copies_of_one_token_apply_once(
    server: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    request = {"TransactItems": [add(name, "counter", 1)], "ClientRequestToken": "same-token"}
    clients = [server.client("dynamodb") for _ in range(8)]
    threads = [threading.Thread(target=c.transact_write_items, kwargs=request) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert get(clients[0], name, "counter") == {"pk": {"S": "counter"}, "n": {"N": "1"}}


def test_transact_get_items(ddb: Any, make_table: Callable[..., str]) -> None:
    first, second = make_table(), make_table()
    ddb.put_item(TableName=first, Item={"pk": {"S": "a"}, "x": {"S": "1"}, "y": {"S": "2"}})
    ddb.put_item(TableName=second, Item={"pk": {"S": "b"}, "z": {"N": "3"}})
    reply = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": first, "Key": key("a"), "ProjectionExpression": "x"}},
            {"Get": {"TableName": second, "Key": key("missing")}},
            {"Get": {"TableName": second, "Key": key("b")}},
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert reply["Responses"] == [
        {"Item": {"x": {"S": "1"}}},
        {},
        {"Item": {"pk": {"S": "b"}, "z": {"N": "3"}}},
    ]
    assert reply["ConsumedCapacity"] == [
        {"TableName": first, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0},
        {"TableName": second, "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0},
    ]
    with pytest.raises(ClientError) as exc:
        ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "nope-x", "Key": key("a")}}])
    assert error(exc) == ("ResourceNotFoundException", "Requested resource not found")


def test_concurrent_transfers_are_all_or_nothing(
    server: Any, make_table: Callable[..., str]
) -> None:
    """Threads move one unit at a time from item a to item b, while readers take
    TransactGetItems snapshots: the total never changes, and b counts exactly the transfers
    that succeeded."""
    name = make_table()
    total = 200
    ddb = server.client("dynamodb")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": str(total)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}, "n": {"N": "0"}})
    transfer = [add(name, "a", -1, at_least=1), add(name, "b", 1)]
    succeeded: list[int] = []
    reasons: set[str] = set()
    snapshots: list[int] = []
    lock = threading.Lock()

    def mover() -> None:
        client = server.client("dynamodb")
        for _ in range(15):
            try:
                client.transact_write_items(TransactItems=transfer)
            except ClientError as exc:
                codes = {r["Code"] for r in exc.response.get("CancellationReasons", [])}
                with lock:
                    reasons.update(codes or {exc.response["Error"]["Code"]})
            else:
                with lock:
                    succeeded.append(1)

    def reader() -> None:
        client = server.client("dynamodb")
        for _ in range(20):
            try:
                reply = client.transact_get_items(
                    TransactItems=[{"Get": {"TableName": name, "Key": key(k)}} for k in "ab"]
                )
            except ClientError:
                continue
            values = [int(r["Item"]["n"]["N"]) for r in reply["Responses"]]
            with lock:
                snapshots.append(sum(values))

    threads = [threading.Thread(target=mover) for _ in range(8)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    a = int(get(ddb, name, "a")["n"]["N"])  # type: ignore[index]
    b = int(get(ddb, name, "b")["n"]["N"])  # type: ignore[index]
    assert a + b == total
    assert b == len(succeeded)
    assert len(succeeded) > 0
    assert reasons <= {"TransactionConflict", "None"}
    assert snapshots and all(s == total for s in snapshots)


def test_condition_check_needs_its_condition(
    server: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    unchecked = server.client("dynamodb", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as exc:
        unchecked.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "a"}}}},
                {"ConditionCheck": {"TableName": name, "Key": key("b")}},
            ]
        )
    assert error(exc) == (
        "ValidationException",
        "1 validation error detected: Value null at"
        " 'transactItems.2.member.conditionCheck.conditionExpression' failed to satisfy"
        " constraint: Member must not be null",
    )
    assert get(ddb, name, "a") is None


def test_wrong_key_type_is_a_validation_reason_on_the_first_such_action(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    # The key's type is checked action by action: the first misfit cancels the transaction
    # with a ValidationError reason, and the actions after it are not looked at (None).
    name = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "ok"}}}},
                {"Put": {"TableName": name, "Item": {"pk": {"N": "1"}}}},
                {"Put": {"TableName": name, "Item": {"pk": {"B": b"x"}}}},
            ]
        )
    assert error(exc)[0] == "TransactionCanceledException"
    reasons = exc.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ValidationError", "None"]
    assert reasons[1]["Message"] == (
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"
    )
    assert get(ddb, name, "ok") is None


def test_payload_over_4_mb_is_refused(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    big = "x" * 300_000
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": f"k{i}"}, "v": {"S": big}}}}
                for i in range(15)
            ]
        )
    assert error(exc) == ("ValidationException", "Transaction payload size cannot exceed 4 MB")
