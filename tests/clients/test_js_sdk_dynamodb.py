"""The AWS SDK for JavaScript v3 (client-dynamodb, lib-dynamodb, client-dynamodb-streams)
against ownstack.

The node script (js/dynamodb_scenario.mjs) does the calls and prints what it saw as JSON, one
field per step (its result, or the error the SDK raised); the assertions are all here. The
script tags values JSON cannot hold: {"$set": [...]}, {"$bytes": [...]}, {"$number": "..."}
(a NumberValue, the exact decimal string the document client read with wrapNumbers).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from clientkit import clean_env, run_tool, tool_path

pytestmark = pytest.mark.clients

JS_DIR = Path(__file__).parent / "js"
PACKAGES = ("client-dynamodb", "lib-dynamodb", "client-dynamodb-streams")


def node_with_sdk() -> str:
    node = tool_path("node")
    for package in PACKAGES:
        if not (JS_DIR / "node_modules" / "@aws-sdk" / package).is_dir():
            pytest.skip(f"JS SDK {package} missing: `npm install` in tests/clients/js")
    return node


def num(text: str) -> dict[str, str]:
    return {"$number": text}


@pytest.fixture(scope="module")
def seen(server: Any) -> dict[str, Any]:
    """One run of the scenario; every test below checks a part of what it saw."""
    node = node_with_sdk()
    env = clean_env(
        OWNSTACK_ENDPOINT=server.endpoint,
        AWS_ACCESS_KEY_ID=server.access_key,
        AWS_SECRET_ACCESS_KEY=server.secret_key,
        AWS_REGION=server.region,
        STEM=uuid.uuid4().hex[:10],
    )
    proc = run_tool([node, str(JS_DIR / "dynamodb_scenario.mjs")], env, cwd=JS_DIR)
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_table_with_index_and_stream(seen: dict[str, Any]) -> None:
    table = seen["table"]
    assert table["createdName"].startswith("js-ddb-")
    assert table["status"] == "ACTIVE"
    assert table["index"] == [["by-colour", "ACTIVE"]]
    assert table["streamArnIsLatest"] is True
    assert table["streamView"] == "NEW_AND_OLD_IMAGES"
    assert seen["listed"] is True
    assert seen["dropped"] == "gone"


def test_document_client_marshalling_round_trip(seen: dict[str, Any]) -> None:
    assert seen["put"] == {"attributes": None}
    # `skipped: undefined` was dropped (removeUndefinedValues); everything else came back typed.
    assert seen["getExact"] == {
        "pk": "rich",
        "sk": num("1"),
        "colour": "red",
        "int": num("42"),
        "negative": num("-7.25"),
        "big": num("123456789012345678901234567890.5"),
        "text": "Zoë ✓",
        "empty": "",
        "yes": True,
        "nothing": None,
        "bytes": {"$bytes": [0, 1, 2, 254, 255]},
        "strings": {"$set": ["a", "b"]},
        "numbers": {"$set": [num("1.5"), num("3")]},
        "blobs": {"$set": [{"$bytes": [1]}, {"$bytes": [2, 3]}]},
        "list": [num("1"), "two", [num("3")], {"four": num("4")}],
        "nested": {"emptyMap": {}, "level1": {"level2": {"deep": "yes", "n": num("0")}}},
    }


def test_wire_shapes_and_projections(seen: dict[str, Any]) -> None:
    wire = seen["getWire"]
    assert wire["negative"] == {"N": "-7.25"}
    assert sorted(wire["strings"]["SS"]) == ["a", "b"]
    assert sorted(wire["numbers"]["NS"]) == ["1.5", "3"]
    assert sorted(wire["blobs"]["BS"], key=len) == [{"$bytes": [1]}, {"$bytes": [2, 3]}]
    assert wire["bytes"] == {"B": {"$bytes": [0, 1, 2, 254, 255]}}
    # A projected list element comes back as a one-element list; a map path keeps its parents.
    assert wire["list"] == {"L": [{"M": {"four": {"N": "4"}}}]}
    assert wire["nested"] == {
        "M": {"level1": {"M": {"level2": {"M": {"deep": {"S": "yes"}, "n": {"N": "0"}}}}}}
    }
    assert set(wire) == {"negative", "strings", "numbers", "blobs", "bytes", "list", "nested"}
    assert seen["getProjected"] == {
        "text": "Zoë ✓",
        "nested": {"level1": {"level2": {"deep": "yes"}}},
        "list": ["two"],
    }


def test_update_expressions_and_condition_failures(seen: dict[str, Any]) -> None:
    update = seen["update"]
    assert update["int"] == 43
    assert update["counter"] == 1
    assert update["nested"] == {"level1": {"level2": {"n": 99}}}
    assert update["list"] == [1, "two", [3], {"four": 4}, "five"]
    assert update["strings"] == {"$set": ["a", "b", "c"]}
    assert update["numbers"] == {"$set": [1.5]}
    assert set(update) == {"int", "counter", "nested", "list", "strings", "numbers"}

    failed = seen["conditionFails"]
    assert failed["error"] == "ConditionalCheckFailedException"
    assert failed["message"] == "The conditional request failed"
    assert failed["status"] == 400
    # ReturnValuesOnConditionCheckFailure=ALL_OLD: the item as the update left it (wire form).
    assert failed["item"]["int"] == {"N": "43"}
    assert failed["item"]["counter"] == {"N": "1"}
    assert "empty" not in failed["item"]

    assert seen["wrongKeyType"] == {
        "error": "ValidationException",
        "message": "The provided key element does not match the schema",
        "status": 400,
    }


def test_batch_write_query_scan_and_index(seen: dict[str, Any]) -> None:
    assert seen["batchWrite"] == [0, 0]
    # sk 2..9 descending, blue ones (multiples of 3) filtered out after the read.
    assert seen["query"] == {"sks": [8, 7, 5, 4, 2], "count": 5, "scanned": 8}
    assert seen["queryPages"] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    assert seen["queryIndex"] == [["many", 3], ["many", 6], ["many", 9]]
    # 13 items (12 "many" + "rich") read 4 at a time: 4 pages, the last one short.
    assert seen["scanPages"] == {"pages": 4, "found": [6, 7, 8, 9, 10, 11]}
    assert seen["batchGet"] == {"got": [[0, "blue"], [11, "green"]], "unprocessed": 0}


def test_transactions_and_partiql(seen: dict[str, Any]) -> None:
    assert seen["transactWrite"] == [
        {"pk": "tx", "sk": 1, "v": {"$set": ["x"]}},
        {"n": 0},
        None,
    ]
    cancelled = seen["transactCancelled"]
    assert cancelled["error"] == "TransactionCanceledException"
    assert cancelled["status"] == 400
    assert cancelled["reasons"] == ["None", "ConditionalCheckFailed"]
    assert cancelled["message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed]"
    )
    assert seen["afterCancel"] is None
    # The transaction zeroed many/1's n but kept its colour; sk < 3 sees items 0, 1 and 2.
    assert seen["partiql"] == [[0, "blue"], [1, "green"], [2, "green"]]
    assert seen["delete"] == {"pk": "tx", "sk": 1, "v": {"$set": ["x"]}}


def test_stream_sees_every_write(seen: dict[str, Any]) -> None:
    stream = seen["stream"]
    assert stream["streams"] == 1
    assert stream["view"] == "NEW_AND_OLD_IMAGES"
    assert stream["rich"] == [
        {
            "event": "INSERT",
            "oldInt": None,
            "newInt": {"N": "42"},
            "newBytes": {"B": {"$bytes": [0, 1, 2, 254, 255]}},
        },
        {
            "event": "MODIFY",
            "oldInt": {"N": "42"},
            "newInt": {"N": "43"},
            "newBytes": {"B": {"$bytes": [0, 1, 2, 254, 255]}},
        },
    ]
    assert stream["total"] == 18
