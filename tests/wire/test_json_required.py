"""Required members found at any depth and named by AWS's paths (wire/json_required.py)."""

from __future__ import annotations

from botocore.model import StructureShape

from ownstack.core.constraints import member_name
from ownstack.wire.json_required import RequiredMembers
from ownstack.wire.services import load_model


def _input(operation: str) -> StructureShape:
    shape = load_model("dynamodb").operation_model(operation).input_shape
    assert isinstance(shape, StructureShape)
    return shape


def test_paths_through_lists_maps_and_structures() -> None:
    finder = RequiredMembers()
    shape = _input("TransactWriteItems")
    params = {
        "TransactItems": [
            {"Put": {"Item": {"a": {"S": "1"}}}},
            {"Update": {"TableName": "t"}},
        ]
    }
    assert finder.missing(shape, params) == [
        "transactItems.1.member.put.tableName",
        "transactItems.2.member.update.key",
        "transactItems.2.member.update.updateExpression",
    ]
    batch = _input("BatchWriteItem")
    writes = {"RequestItems": {"t": [{"PutRequest": {}}, {"DeleteRequest": {"Key": {}}}]}}
    assert finder.missing(batch, writes) == ["requestItems.t.member.1.member.putRequest.item"]


def test_top_level_first_and_nothing_when_complete() -> None:
    finder = RequiredMembers()
    put = _input("PutItem")
    assert finder.missing(put, {}) == ["tableName", "item"]
    assert finder.missing(put, {"TableName": "t", "Item": {"a": {"S": "x"}}}) == []


def test_an_item_is_not_walked() -> None:
    # AttributeValue holds no required member: PutItem's walk never enters the item.
    finder = RequiredMembers()
    put = _input("PutItem")
    finder.missing(put, {"TableName": "t", "Item": {}})
    walked = [name for name, _, _ in finder._plan(put, False)[1]]
    assert "Item" not in walked
    assert member_name("TableName") == "tableName"
