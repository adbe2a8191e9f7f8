"""The aws CLI (v1, from the venv) against a real ownstack server: `aws dynamodb` and
`aws dynamodbstreams`.

Every call passes --endpoint-url (AwsCli does). The CLI prints nothing at all for an empty
response (GetItem of a missing item), so `maybe_json` reads that as {}. awscli v1 sends a blob
given in JSON input as its text's bytes and prints blobs as base64; boto3 (the reference
client) checks what was stored.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from clientkit import AwsCli

pytestmark = pytest.mark.clients

STREAM_WAIT_S = 10.0


@pytest.fixture
def aws(server: Any, tmp_path: Path) -> AwsCli:
    return AwsCli(server, tmp_path / "awshome")


@pytest.fixture
def ddb(server: Any) -> Any:
    return server.client("dynamodb")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def maybe_json(aws: AwsCli, *args: str) -> Any:
    out = aws(*args, "--output", "json")
    return json.loads(out) if out.strip() else {}


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def failing(aws: AwsCli, *args: str) -> str:
    """Run a command that must fail; its stderr (which names AWS's error code)."""
    proc = aws.attempt(*args)
    assert proc.returncode != 0, proc.stdout
    return proc.stderr


def create_table(aws: AwsCli, name: str, *extra: str) -> dict[str, Any]:
    """A table keyed pk (S) + sk (N), on-demand, created and waited for with the CLI."""
    created = aws.json(
        "dynamodb", "create-table", "--table-name", name,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
        "AttributeName=sk,AttributeType=N",
        "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
        "--billing-mode", "PAY_PER_REQUEST", *extra,
    )["TableDescription"]  # fmt: skip
    aws("dynamodb", "wait", "table-exists", "--table-name", name)
    return dict(created)


def test_table_lifecycle(aws: AwsCli, server: Any) -> None:
    name = unique("cli-table")
    created = create_table(aws, name)
    assert created["TableName"] == name
    assert created["TableStatus"] in ("CREATING", "ACTIVE")
    assert (
        created["TableArn"] == f"arn:aws:dynamodb:{server.region}:{server.account_id}:table/{name}"
    )

    table = aws.json("dynamodb", "describe-table", "--table-name", name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert sorted(table["AttributeDefinitions"], key=lambda d: d["AttributeName"]) == [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ItemCount"] == 0
    assert table["TableSizeBytes"] == 0

    # The CLI follows LastEvaluatedTableName itself; a page size of 1 makes it do so.
    listed = aws.json("dynamodb", "list-tables", "--page-size", "1")["TableNames"]
    assert name in listed
    assert listed == sorted(listed)

    again = failing(
        aws, "dynamodb", "create-table", "--table-name", name,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
        "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
    )  # fmt: skip
    assert "(ResourceInUseException)" in again
    assert f"Table already exists: {name}" in again

    deleted = aws.json("dynamodb", "delete-table", "--table-name", name)["TableDescription"]
    assert deleted["TableName"] == name
    aws("dynamodb", "wait", "table-not-exists", "--table-name", name)
    assert name not in aws.json("dynamodb", "list-tables")["TableNames"]
    missing = failing(aws, "dynamodb", "describe-table", "--table-name", name)
    assert "(ResourceNotFoundException)" in missing
    assert f"Requested resource not found: Table: {name} not found" in missing


def test_put_get_update_delete_item(aws: AwsCli, ddb: Any) -> None:
    name = unique("cli-items")
    create_table(aws, name)
    key = {"pk": {"S": "user#1"}, "sk": {"N": "1"}}
    item = {
        **key,
        "name": {"S": "Zoë ✓"},
        "count": {"N": "41"},
        "price": {"N": "-12.50"},
        "blob": {"B": "raw-bytes"},
        "tags": {"SS": ["b", "a"]},
        "scores": {"NS": ["3", "1.5"]},
        "flags": {"L": [{"BOOL": True}, {"NULL": True}, {"S": "x"}]},
        "profile": {"M": {"city": {"S": "Oslo"}, "zip": {"N": "150"}}},
        "gone": {"S": "soon removed"},
    }
    put = aws.json(
        "dynamodb", "put-item", "--table-name", name, "--item", dumps(item),
        "--return-consumed-capacity", "TOTAL",
    )  # fmt: skip
    assert put["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 1.0}

    got = aws.json(
        "dynamodb", "get-item", "--table-name", name, "--key", dumps(key), "--consistent-read"
    )["Item"]
    assert got["name"] == {"S": "Zoë ✓"}
    assert got["count"] == {"N": "41"}
    assert got["price"] == {"N": "-12.5"}  # numbers come back normalised
    assert sorted(got["tags"]["SS"]) == ["a", "b"]
    assert sorted(got["scores"]["NS"]) == ["1.5", "3"]
    assert got["flags"] == {"L": [{"BOOL": True}, {"NULL": True}, {"S": "x"}]}
    assert got["profile"] == {"M": {"city": {"S": "Oslo"}, "zip": {"N": "150"}}}
    # awscli v1 sent the text's bytes and prints what it got back as base64.
    assert got["blob"] == {"B": base64.b64encode(b"raw-bytes").decode()}
    reference = ddb.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"]
    assert reference["blob"] == {"B": b"raw-bytes"}

    projected = aws.json(
        "dynamodb", "get-item", "--table-name", name, "--key", dumps(key),
        "--projection-expression", "#n, profile.city, flags[2]",
        "--expression-attribute-names", dumps({"#n": "name"}),
    )["Item"]  # fmt: skip
    assert projected == {
        "name": {"S": "Zoë ✓"},
        "profile": {"M": {"city": {"S": "Oslo"}}},
        "flags": {"L": [{"S": "x"}]},
    }

    updated = aws.json(
        "dynamodb", "update-item", "--table-name", name, "--key", dumps(key),
        "--update-expression",
        "SET #c = #c + :one, profile.zip = :zip, flags = list_append(flags, :more) "
        "REMOVE gone ADD tags :newtag DELETE scores :drop",
        "--condition-expression", "attribute_exists(pk) AND #c < :limit",
        "--expression-attribute-names", dumps({"#c": "count"}),
        "--expression-attribute-values", dumps({
            ":one": {"N": "1"}, ":zip": {"N": "151"}, ":more": {"L": [{"N": "7"}]},
            ":newtag": {"SS": ["c"]}, ":drop": {"NS": ["3"]}, ":limit": {"N": "100"},
        }),
        "--return-values", "UPDATED_NEW",
    )["Attributes"]  # fmt: skip
    assert updated["count"] == {"N": "42"}
    assert updated["profile"] == {"M": {"zip": {"N": "151"}}}
    assert updated["flags"] == {"L": [{"BOOL": True}, {"NULL": True}, {"S": "x"}, {"N": "7"}]}
    assert sorted(updated["tags"]["SS"]) == ["a", "b", "c"]
    assert updated["scores"] == {"NS": ["1.5"]}
    assert "gone" not in updated

    refused = failing(
        aws, "dynamodb", "put-item", "--table-name", name, "--item", dumps(key),
        "--condition-expression", "attribute_not_exists(pk)",
    )  # fmt: skip
    assert "(ConditionalCheckFailedException)" in refused
    assert "The conditional request failed" in refused

    old = aws.json(
        "dynamodb", "delete-item", "--table-name", name, "--key", dumps(key),
        "--return-values", "ALL_OLD",
    )["Attributes"]  # fmt: skip
    assert old["count"] == {"N": "42"}
    assert "gone" not in old
    assert maybe_json(aws, "dynamodb", "get-item", "--table-name", name, "--key", dumps(key)) == {}
    aws("dynamodb", "delete-table", "--table-name", name)


def seed_items(aws: AwsCli, name: str, count: int) -> None:
    """`count` items under pk "p" with sk 0..count-1 and parity; batches of 25 (the limit)."""
    for start in range(0, count, 25):
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": "p"},
                        "sk": {"N": str(n)},
                        "parity": {"S": "even" if n % 2 == 0 else "odd"},
                    }
                }
            }
            for n in range(start, min(start + 25, count))
        ]
        done = aws.json("dynamodb", "batch-write-item", "--request-items", dumps({name: requests}))
        assert done["UnprocessedItems"] == {}


def test_query_and_scan_with_filter_and_pagination(aws: AwsCli) -> None:
    name = unique("cli-query")
    create_table(aws, name)
    seed_items(aws, name, 30)
    other = {"pk": {"S": "q"}, "sk": {"N": "5"}, "parity": {"S": "odd"}}
    aws("dynamodb", "put-item", "--table-name", name, "--item", dumps(other))

    between = aws.json(
        "dynamodb", "query", "--table-name", name,
        "--key-condition-expression", "pk = :p AND sk BETWEEN :lo AND :hi",
        "--filter-expression", "parity = :odd",
        "--expression-attribute-values",
        dumps({":p": {"S": "p"}, ":lo": {"N": "10"}, ":hi": {"N": "19"}, ":odd": {"S": "odd"}}),
        "--no-scan-index-forward",
    )  # fmt: skip
    assert [i["sk"]["N"] for i in between["Items"]] == ["19", "17", "15", "13", "11"]
    assert between["Count"] == 5
    assert between["ScannedCount"] == 10

    counted = aws.json(
        "dynamodb", "query", "--table-name", name, "--select", "COUNT",
        "--key-condition-expression", "pk = :p AND sk >= :lo",
        "--expression-attribute-values", dumps({":p": {"S": "p"}, ":lo": {"N": "25"}}),
    )  # fmt: skip
    assert counted["Count"] == 5
    assert "Items" not in counted

    # --page-size sets Limit: the CLI follows LastEvaluatedKey over 8 server pages itself.
    evens = aws.json(
        "dynamodb", "scan", "--table-name", name, "--filter-expression", "parity = :e",
        "--expression-attribute-values", dumps({":e": {"S": "even"}}), "--page-size", "4",
    )  # fmt: skip
    assert sorted(int(i["sk"]["N"]) for i in evens["Items"]) == list(range(0, 30, 2))
    assert evens["Count"] == 15
    assert evens["ScannedCount"] == 31

    # A parallel scan: the segments split the table between them, each item in exactly one.
    segments = [
        aws.json(
            "dynamodb", "scan", "--table-name", name, "--projection-expression", "pk, sk",
            "--segment", str(n), "--total-segments", "3",
        )["Items"]
        for n in range(3)
    ]  # fmt: skip
    in_segments = [(i["pk"]["S"], i["sk"]["N"]) for part in segments for i in part]
    assert len(in_segments) == 31
    assert len(set(in_segments)) == 31

    # --max-items stops early and hands out a NextToken; --starting-token resumes from it.
    seen: list[tuple[str, str]] = []
    token: str | None = None
    pages = 0
    while True:
        resume = ["--starting-token", token] if token else []
        page = aws.json("dynamodb", "scan", "--table-name", name, "--max-items", "7", *resume)
        seen += [(i["pk"]["S"], i["sk"]["N"]) for i in page["Items"]]
        pages += 1
        token = page.get("NextToken")
        if token is None:
            break
        assert len(page["Items"]) == 7
    assert pages == 5
    assert len(seen) == 31
    assert set(seen) == {("p", str(n)) for n in range(30)} | {("q", "5")}
    aws("dynamodb", "delete-table", "--table-name", name)


def test_batch_write_and_transactions(aws: AwsCli) -> None:
    name = unique("cli-batch")
    create_table(aws, name)
    seed_items(aws, name, 4)
    requests = {
        name: [
            {"DeleteRequest": {"Key": {"pk": {"S": "p"}, "sk": {"N": "0"}}}},
            {"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": "9"}, "v": {"N": "1"}}}},
        ]
    }
    assert aws.json("dynamodb", "batch-write-item", "--request-items", dumps(requests)) == {
        "UnprocessedItems": {}
    }
    keys = [{"pk": {"S": "p"}, "sk": {"N": n}} for n in ("0", "1", "9")]
    fetched = aws.json(
        "dynamodb", "batch-get-item", "--request-items", dumps({name: {"Keys": keys}})
    )
    assert sorted(i["sk"]["N"] for i in fetched["Responses"][name]) == ["1", "9"]
    assert fetched["UnprocessedKeys"] == {}

    key9 = {"pk": {"S": "p"}, "sk": {"N": "9"}}
    transaction = [
        {"Put": {"TableName": name, "Item": {"pk": {"S": "t"}, "sk": {"N": "1"}}}},
        {
            "Update": {
                "TableName": name,
                "Key": key9,
                "UpdateExpression": "SET v = v + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {
            "ConditionCheck": {
                "TableName": name,
                "Key": {"pk": {"S": "p"}, "sk": {"N": "1"}},
                "ConditionExpression": "parity = :odd",
                "ExpressionAttributeValues": {":odd": {"S": "odd"}},
            }
        },
        {"Delete": {"TableName": name, "Key": {"pk": {"S": "p"}, "sk": {"N": "2"}}}},
    ]
    aws("dynamodb", "transact-write-items", "--transact-items", dumps(transaction))
    after = aws.json("dynamodb", "get-item", "--table-name", name, "--key", dumps(key9))["Item"]
    assert after["v"] == {"N": "2"}
    assert maybe_json(
        aws, "dynamodb", "get-item", "--table-name", name,
        "--key", dumps({"pk": {"S": "p"}, "sk": {"N": "2"}}),
    ) == {}  # fmt: skip

    doomed = [
        {"Put": {"TableName": name, "Item": {"pk": {"S": "t"}, "sk": {"N": "2"}}}},
        {
            "ConditionCheck": {
                "TableName": name,
                "Key": key9,
                "ConditionExpression": "v = :zero",
                "ExpressionAttributeValues": {":zero": {"N": "0"}},
            }
        },
    ]
    cancelled = failing(aws, "dynamodb", "transact-write-items", "--transact-items", dumps(doomed))
    assert "(TransactionCanceledException)" in cancelled
    assert (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed]" in cancelled
    )
    assert maybe_json(
        aws, "dynamodb", "get-item", "--table-name", name,
        "--key", dumps({"pk": {"S": "t"}, "sk": {"N": "2"}}),
    ) == {}  # fmt: skip
    scanned = aws.json("dynamodb", "scan", "--table-name", name, "--select", "COUNT")
    assert scanned["Count"] == 4  # p/1, p/3, p/9, t/1
    aws("dynamodb", "delete-table", "--table-name", name)


def test_missing_table_is_aws_error(aws: AwsCli) -> None:
    name = unique("cli-missing")
    key = dumps({"pk": {"S": "a"}})
    stderr = failing(aws, "dynamodb", "get-item", "--table-name", name, "--key", key)
    assert "(ResourceNotFoundException)" in stderr
    assert "GetItem" in stderr
    assert "Requested resource not found" in stderr


def stream_records(aws: AwsCli, stream_arn: str, want: int) -> list[dict[str, Any]]:
    """Read every shard from TRIM_HORIZON until `want` records arrived (or time ran out)."""
    deadline = time.monotonic() + STREAM_WAIT_S
    records: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        records = []
        description = aws.json("dynamodbstreams", "describe-stream", "--stream-arn", stream_arn)
        for shard in description["StreamDescription"]["Shards"]:
            iterator = aws.json(
                "dynamodbstreams", "get-shard-iterator", "--stream-arn", stream_arn,
                "--shard-id", shard["ShardId"], "--shard-iterator-type", "TRIM_HORIZON",
            )["ShardIterator"]  # fmt: skip
            records += read_shard(aws, iterator)
        if len(records) >= want:
            break
        time.sleep(0.2)
    return records


def read_shard(aws: AwsCli, iterator: str) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    for _ in range(20):  # an open shard always has a next iterator: stop at the first empty page
        page = aws.json("dynamodbstreams", "get-records", "--shard-iterator", iterator)
        got += page["Records"]
        if not page["Records"] or "NextShardIterator" not in page:
            break
        iterator = page["NextShardIterator"]
    return got


def test_streams_new_and_old_images(aws: AwsCli, server: Any) -> None:
    name = unique("cli-stream")
    created = create_table(
        aws, name, "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES"
    )
    assert created["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    stream_arn = created["LatestStreamArn"]
    prefix = f"arn:aws:dynamodb:{server.region}:{server.account_id}:table/{name}/stream/"
    assert stream_arn.startswith(prefix)
    assert created["LatestStreamLabel"] == stream_arn[len(prefix) :]

    key = {"pk": {"S": "k"}, "sk": {"N": "1"}}
    aws("dynamodb", "put-item", "--table-name", name, "--item", dumps({**key, "v": {"S": "one"}}))
    aws(
        "dynamodb", "update-item", "--table-name", name, "--key", dumps(key),
        "--update-expression", "SET v = :two", "--expression-attribute-values",
        dumps({":two": {"S": "two"}}),
    )  # fmt: skip
    aws("dynamodb", "delete-item", "--table-name", name, "--key", dumps(key))

    listed = aws.json("dynamodbstreams", "list-streams", "--table-name", name)["Streams"]
    assert listed == [
        {"StreamArn": stream_arn, "TableName": name, "StreamLabel": created["LatestStreamLabel"]}
    ]
    description = aws.json("dynamodbstreams", "describe-stream", "--stream-arn", stream_arn)[
        "StreamDescription"
    ]
    assert description["StreamArn"] == stream_arn
    assert description["StreamStatus"] == "ENABLED"
    assert description["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert description["TableName"] == name
    assert description["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert len(description["Shards"]) >= 1

    records = stream_records(aws, stream_arn, 3)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    for record in records:
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == server.region
        assert record["dynamodb"]["Keys"] == key
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    insert, modify, remove = (r["dynamodb"] for r in records)
    assert insert["NewImage"] == {**key, "v": {"S": "one"}}
    assert "OldImage" not in insert
    assert modify["OldImage"] == {**key, "v": {"S": "one"}}
    assert modify["NewImage"] == {**key, "v": {"S": "two"}}
    assert remove["OldImage"] == {**key, "v": {"S": "two"}}
    assert "NewImage" not in remove
    sequence = [int(r["SequenceNumber"]) for r in (insert, modify, remove)]
    assert sequence == sorted(sequence)
    assert len(set(sequence)) == 3
    resume_after_insert(aws, stream_arn, description["Shards"], insert["SequenceNumber"])
    aws("dynamodb", "delete-table", "--table-name", name)


def resume_after_insert(
    aws: AwsCli, stream_arn: str, shards: list[dict[str, Any]], insert_sequence: str
) -> None:
    """AFTER_SEQUENCE_NUMBER resumes a consumer where it stopped; --limit caps a page."""

    def start(shard: dict[str, Any]) -> int:
        return int(shard["SequenceNumberRange"]["StartingSequenceNumber"])

    # The shard holding the record: the one that started last before it.
    shard = max((s for s in shards if start(s) <= int(insert_sequence)), key=start)
    iterator = aws.json(
        "dynamodbstreams", "get-shard-iterator", "--stream-arn", stream_arn,
        "--shard-id", shard["ShardId"], "--shard-iterator-type", "AFTER_SEQUENCE_NUMBER",
        "--sequence-number", insert_sequence,
    )["ShardIterator"]  # fmt: skip
    first = aws.json("dynamodbstreams", "get-records", "--shard-iterator", iterator, "--limit", "1")
    assert [r["eventName"] for r in first["Records"]] == ["MODIFY"]
    rest = aws.json(
        "dynamodbstreams", "get-records", "--shard-iterator", first["NextShardIterator"]
    )
    assert [r["eventName"] for r in rest["Records"]] == ["REMOVE"]
