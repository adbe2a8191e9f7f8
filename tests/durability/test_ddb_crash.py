"""Crash test for DynamoDB: SIGKILL the server under concurrent PutItem and TransactWriteItems,
restart it on the same data dir, and prove the storage promise of docs/dynamodb.md (an item,
its index entries and its stream record are written in ONE commit):

- every acknowledged write is there, and nothing is there that was never sent;
- no transaction is half-applied (each writes three items across two tables, all carrying
  the transaction's id): all of a transaction's items exist or none does;
- every index (a GSI and an LSI on one table, a GSI on the other) holds exactly one entry per
  table item that has the index's key attributes, with the projected attributes, and no other;
- each stream holds exactly one INSERT record per item in its table (every key is written
  once) and no record for an item that is not there: table == stream, acknowledged <= table.

Writes that were committed but not acknowledged (the kill landed before the answer) may be in
the table; then they must be whole and in the stream too. A stream reader runs during the load,
so the kill can also land in the middle of an outbox-to-log move. Three rounds per engine: what a
restarted server showed once must still be there after the next kill.

Engines: the default (sqlite meta and logs), and meta + logs on PostgreSQL when one answers at
the conformance kit's DSN (skipped otherwise, saying why).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conformance.kit import postgres_options, postgres_unreachable  # type: ignore[import-not-found]

pytestmark = pytest.mark.slow

ROUNDS = 3
PUT_WORKERS = 4
TX_WORKERS = 3
PUT_ACKS_BEFORE_KILL = 60
TX_ACKS_BEFORE_KILL = 15
LOAD_TIMEOUT_S = 20.0
JOIN_TIMEOUT_S = 20.0
MAIN = "crash-main"
OTHER = "crash-other"

Key = tuple[str, str, str]
"""(table, partition key, sort key or "") of one item."""
Item = dict[str, dict[str, Any]]
"""An item as boto3's low-level client writes and reads it."""


# -- the tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexSpec:
    """What the test needs to know of an index to predict its entries."""

    table: str
    name: str
    partition: str
    sort: str | None
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    included: tuple[str, ...] = ()
    local: bool = False


TABLE_KEYS = {MAIN: ("pk", "sk"), OTHER: ("pk", None)}
INDEXES = (
    IndexSpec(MAIN, "by_group", "grp", "seq", "ALL"),
    IndexSpec(MAIN, "by_rank", "pk", "rank", "INCLUDE", ("tx", "writer"), local=True),
    IndexSpec(OTHER, "by_tx", "tx", None, "KEYS_ONLY"),
)
STREAM_VIEWS = {MAIN: "NEW_AND_OLD_IMAGES", OTHER: "NEW_IMAGE"}


def key_schema(partition: str, sort: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition, "KeyType": "HASH"}]
    return schema + ([{"AttributeName": sort, "KeyType": "RANGE"}] if sort else [])


def projection(spec: IndexSpec) -> dict[str, Any]:
    found: dict[str, Any] = {"ProjectionType": spec.projection}
    if spec.included:
        found["NonKeyAttributes"] = list(spec.included)
    return found


def index_params(table: str, *, local: bool) -> list[dict[str, Any]]:
    return [
        {
            "IndexName": spec.name,
            "KeySchema": key_schema(spec.partition, spec.sort),
            "Projection": projection(spec),
        }
        for spec in INDEXES
        if spec.table == table and spec.local == local
    ]


def create_tables(ddb: Any) -> None:
    definitions = {MAIN: {"pk": "S", "sk": "S", "grp": "S", "seq": "N", "rank": "N"}}
    definitions[OTHER] = {"pk": "S", "tx": "S"}
    for table, (partition, sort) in TABLE_KEYS.items():
        extra: dict[str, Any] = {}
        if gsis := index_params(table, local=False):
            extra["GlobalSecondaryIndexes"] = gsis
        if lsis := index_params(table, local=True):
            extra["LocalSecondaryIndexes"] = lsis
        ddb.create_table(
            TableName=table,
            KeySchema=key_schema(partition, sort),
            AttributeDefinitions=[
                {"AttributeName": n, "AttributeType": t} for n, t in definitions[table].items()
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": STREAM_VIEWS[table]},
            **extra,
        )
        ddb.get_waiter("table_exists").wait(
            TableName=table, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100}
        )


def key_of(table: str, item: Item) -> Key:
    partition, sort = TABLE_KEYS[table]
    return table, item[partition]["S"], item[sort]["S"] if sort else ""


# -- what was sent and what was acknowledged ---------------------------------------------------


@dataclass
class Ledger:
    sent: dict[Key, Item] = field(default_factory=dict)
    """Every item ever sent (each key once), as it must read back if it exists."""
    must_exist: set[Key] = field(default_factory=set)
    """Keys acknowledged, or seen after a restart: they can never go away."""
    transactions: dict[str, list[Key]] = field(default_factory=dict)
    acked_transactions: set[str] = field(default_factory=set)
    put_acks: int = 0
    server_errors: list[str] = field(default_factory=list)  # answers, not dropped connections
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sending(self, items: list[tuple[str, Item]], tx: str | None = None) -> list[Key]:
        keys = [key_of(table, item) for table, item in items]
        with self.lock:
            for key, (_, item) in zip(keys, items, strict=True):
                assert key not in self.sent, f"{key} sent twice"
                self.sent[key] = item
            if tx is not None:
                self.transactions[tx] = keys
        return keys

    def acked(self, keys: list[Key], tx: str | None = None) -> None:
        with self.lock:
            self.must_exist.update(keys)
            if tx is None:
                self.put_acks += 1
            else:
                self.acked_transactions.add(tx)


def crash_client(server: Any, service: str) -> Any:
    """No retries, short timeouts: a dead server must stop the writers, not stall them."""
    config = Config(connect_timeout=2, read_timeout=10, retries={"total_max_attempts": 1})
    return server.client(service, config=config)


# -- the load ----------------------------------------------------------------------------------


def payload(rng: random.Random) -> dict[str, str]:
    return {"S": "x" * rng.randrange(10, 2_000)}


def number(value: int) -> dict[str, str]:
    return {"N": str(value)}  # integers: the server's normal form is the text sent


def put_item_for(writer: str, n: int, rng: random.Random) -> Item:
    """Sparse in both MAIN indexes: some items lack the GSI's keys, some the LSI's sort key."""
    item: Item = {"pk": {"S": writer}, "sk": {"S": f"{n:06d}"}, "writer": {"S": writer}}
    item["data"] = payload(rng)
    if n % 3:
        item |= {"grp": {"S": f"g{n % 5}"}, "seq": number(rng.randrange(-1000, 1000))}
    if n % 4:
        item["rank"] = number(rng.randrange(100))
    return item


def put_writer(
    ddb: Any, ledger: Ledger, worker: int, round_no: int, seed: int, stop: threading.Event
) -> None:
    rng = random.Random(seed)
    writer = f"put{worker}-r{round_no}"
    for n in range(1_000_000):
        if stop.is_set():
            return
        item = put_item_for(writer, n, rng)
        keys = ledger.sending([(MAIN, item)])
        try:
            ddb.put_item(TableName=MAIN, Item=item)
        except ClientError as err:
            ledger.server_errors.append(f"PutItem {keys[0]}: {err}")
            return
        except Exception:  # the server was killed under this request: unacknowledged
            return
        ledger.acked(keys)


def transaction_for(
    tx: str, partition: str, n: int, rng: random.Random
) -> tuple[list[dict[str, Any]], list[tuple[str, Item]]]:
    """Three items in two tables, all carrying `tx`: a Put and an Update (which creates its
    item) in MAIN, a Put in OTHER. Returns the actions and the items they leave behind."""
    first: Item = {"pk": {"S": partition}, "sk": {"S": f"{n:06d}-a"}, "tx": {"S": tx}}
    first |= {"rank": number(n % 50), "grp": {"S": "gtx"}, "seq": number(n), "data": payload(rng)}
    other: Item = {"pk": {"S": tx}, "tx": {"S": tx}, "data": payload(rng)}
    second_key: Item = {"pk": {"S": partition}, "sk": {"S": f"{n:06d}-b"}}
    sets: Item = {"tx": {"S": tx}, "grp": {"S": f"g{n % 5}"}, "seq": number(-n)}
    sets["data"] = payload(rng)
    absent = "attribute_not_exists(pk)"
    update = {
        "TableName": MAIN,
        "Key": second_key,
        "UpdateExpression": "SET " + ", ".join(f"#{name} = :{name}" for name in sets),
        "ConditionExpression": absent,
        "ExpressionAttributeNames": {f"#{name}": name for name in sets},
        "ExpressionAttributeValues": {f":{name}": value for name, value in sets.items()},
    }
    actions = [
        {"Put": {"TableName": MAIN, "Item": first, "ConditionExpression": absent}},
        {"Update": update},
        {"Put": {"TableName": OTHER, "Item": other, "ConditionExpression": absent}},
    ]
    return actions, [(MAIN, first), (MAIN, second_key | sets), (OTHER, other)]


def tx_writer(
    ddb: Any, ledger: Ledger, worker: int, round_no: int, seed: int, stop: threading.Event
) -> None:
    rng = random.Random(seed)
    partition = f"tx{worker}-r{round_no}"
    for n in range(1_000_000):
        if stop.is_set():
            return
        tx = f"{partition}-{n}"
        actions, items = transaction_for(tx, partition, n, rng)
        keys = ledger.sending(items, tx)
        try:
            ddb.transact_write_items(TransactItems=actions)
        except ClientError as err:
            ledger.server_errors.append(f"TransactWriteItems {tx}: {err}")
            return
        except Exception:  # killed under this request: unacknowledged
            return
        ledger.acked(keys, tx)


def stream_reader(ddb: Any, streams: Any, ledger: Ledger, stop: threading.Event) -> None:
    """GetRecords over and over: each moves the outbox on demand, alongside the background
    mover, so the kill may land in the middle of a move."""
    try:
        positions = [first_iterator(ddb, streams, table) for table in TABLE_KEYS]
        while not stop.is_set():
            for i, position in enumerate(positions):
                positions[i] = streams.get_records(ShardIterator=position, Limit=1000)[
                    "NextShardIterator"
                ]
    except ClientError as err:
        ledger.server_errors.append(f"GetRecords during the load: {err}")
    except Exception:  # the server was killed
        return


def first_iterator(ddb: Any, streams: Any, table: str) -> str:
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    got = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")
    return str(got["ShardIterator"])


def run_until_killed(server: Any, ledger: Ledger, round_no: int, rng: random.Random) -> None:
    stop = threading.Event()

    def thread(target: Callable[..., None], *args: Any) -> threading.Thread:
        return threading.Thread(target=target, args=(*args, stop), daemon=True)

    ddb = [crash_client(server, "dynamodb") for _ in range(PUT_WORKERS + TX_WORKERS + 1)]
    threads = [
        thread(put_writer, ddb.pop(), ledger, w, round_no, rng.randrange(2**32))
        for w in range(PUT_WORKERS)
    ]
    threads += [
        thread(tx_writer, ddb.pop(), ledger, w, round_no, rng.randrange(2**32))
        for w in range(TX_WORKERS)
    ]
    threads.append(
        thread(stream_reader, ddb.pop(), crash_client(server, "dynamodbstreams"), ledger)
    )
    puts_at_start, txs_at_start = ledger.put_acks, len(ledger.acked_transactions)

    def going() -> bool:
        puts = ledger.put_acks - puts_at_start >= PUT_ACKS_BEFORE_KILL
        return puts and len(ledger.acked_transactions) - txs_at_start >= TX_ACKS_BEFORE_KILL

    for each in threads:
        each.start()
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while not going() and time.monotonic() < deadline and not ledger.server_errors:
        time.sleep(0.01)
    assert not ledger.server_errors, "\n".join(ledger.server_errors)
    assert going(), f"writes stalled: {ledger.put_acks} puts, {len(ledger.acked_transactions)} txs"
    time.sleep(rng.uniform(0.0, 0.5))  # the kill lands at a random point of the traffic
    server.process.kill()
    server.process.wait()
    stop.set()
    for each in threads:
        each.join(JOIN_TIMEOUT_S)
        assert not each.is_alive(), "a writer hung after the server died"
    assert not ledger.server_errors, "\n".join(ledger.server_errors)


# -- reading everything back -------------------------------------------------------------------


def canonical(item: Item) -> str:
    return json.dumps(item, sort_keys=True, default=repr)


def scan_table(ddb: Any, table: str) -> dict[Key, Item]:
    found: dict[Key, Item] = {}
    pages = ddb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    for page in pages:
        for item in page["Items"]:
            key = key_of(table, item)
            assert key not in found, f"scan returned {key} twice"
            found[key] = item
    return found


def expected_entries(spec: IndexSpec, items: list[Item]) -> list[Item]:
    """The entries `spec` must hold for the table holding `items` (sparse: items without the
    index's key attributes are not in it)."""
    index_keys = [spec.partition] + ([spec.sort] if spec.sort else [])
    table_keys = [k for k in TABLE_KEYS[spec.table] if k]
    entries = []
    for item in items:
        if any(name not in item for name in index_keys):
            continue
        if spec.projection == "ALL":
            entries.append(dict(item))
            continue
        kept = {*index_keys, *table_keys, *spec.included}
        entries.append({name: value for name, value in item.items() if name in kept})
    return entries


def index_scan(ddb: Any, spec: IndexSpec) -> list[Item]:
    pages = ddb.get_paginator("scan").paginate(TableName=spec.table, IndexName=spec.name)
    return [item for page in pages for item in page["Items"]]


def index_query(ddb: Any, spec: IndexSpec, partition_value: dict[str, str]) -> list[Item]:
    pages = ddb.get_paginator("query").paginate(
        TableName=spec.table,
        IndexName=spec.name,
        KeyConditionExpression="#p = :p",
        ExpressionAttributeNames={"#p": spec.partition},
        ExpressionAttributeValues={":p": partition_value},
        ConsistentRead=spec.local,  # a GSI refuses consistent reads
    )
    return [item for page in pages for item in page["Items"]]


def read_stream(ddb: Any, streams: Any, table: str) -> list[dict[str, Any]]:
    """Every record of every shard of `table`'s stream, from TRIM_HORIZON to the end."""
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in stream_shards(streams, arn):
        got = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )
        position: str | None = got["ShardIterator"]
        while position is not None:
            page = streams.get_records(ShardIterator=position, Limit=1000)
            records += page["Records"]
            position = page.get("NextShardIterator") if page["Records"] else None
    return records


def stream_shards(streams: Any, arn: str) -> list[str]:
    shards: list[str] = []
    start: dict[str, str] = {}
    while True:
        described = streams.describe_stream(StreamArn=arn, **start)["StreamDescription"]
        shards += [shard["ShardId"] for shard in described["Shards"]]
        if "LastEvaluatedShardId" not in described:
            return shards
        start = {"ExclusiveStartShardId": described["LastEvaluatedShardId"]}


# -- the checks --------------------------------------------------------------------------------


def check_items(ledger: Ledger, found: dict[Key, Item], problems: list[str]) -> None:
    """Acknowledged <= table <= sent, each item as it was sent."""
    for key, item in sorted(found.items()):
        if key not in ledger.sent:
            problems.append(f"{key}: in the table but never sent")
        elif canonical(item) != canonical(ledger.sent[key]):
            problems.append(f"{key}: reads back {item}, was sent {ledger.sent[key]}")
    lost = sorted(ledger.must_exist - set(found))
    if lost:
        problems.append(f"{len(lost)} acknowledged (or already seen) items lost: {lost[:5]}")


def check_transactions(ledger: Ledger, found: dict[Key, Item], problems: list[str]) -> None:
    """All or nothing: a transaction with any item in any table has all of them."""
    seen = {item["tx"]["S"] for item in found.values() if "tx" in item}
    for tx in sorted(seen | ledger.acked_transactions):
        keys = ledger.transactions.get(tx)
        if keys is None:
            problems.append(f"transaction {tx}: in the tables but never sent")
            continue
        missing = [key for key in keys if key not in found]
        if missing:
            what = "acknowledged" if tx in ledger.acked_transactions else "unacknowledged"
            problems.append(f"{what} transaction {tx} half-applied: {missing} missing")


def check_index(ddb: Any, spec: IndexSpec, items: list[Item], problems: list[str]) -> None:
    """The index holds exactly the projected table items, by Scan and by Query."""
    expected = Counter(canonical(entry) for entry in expected_entries(spec, items))
    scanned = Counter(canonical(entry) for entry in index_scan(ddb, spec))
    if scanned != expected:
        problems.append(index_difference(spec, "Scan", expected, scanned))
    partitions = {
        canonical(item[spec.partition]): item[spec.partition]
        for item in items
        if spec.partition in item
    }
    queried: Counter[str] = Counter()
    for value in partitions.values():
        entries = index_query(ddb, spec, value)
        if spec.sort is not None:
            sorts = [int(entry[spec.sort]["N"]) for entry in entries]
            if sorts != sorted(sorts):
                problems.append(f"{spec.name}: Query {value} is not in sort key order")
        queried.update(canonical(entry) for entry in entries)
    if queried != expected:
        problems.append(index_difference(spec, "Query", expected, queried))


def index_difference(spec: IndexSpec, how: str, expected: Counter[str], got: Counter[str]) -> str:
    extra = [entry[:200] for entry in (got - expected).elements()]
    missing = [entry[:200] for entry in (expected - got).elements()]
    return (
        f"{spec.table}/{spec.name} by {how} disagrees with the table: "
        f"{len(extra)} extra {extra[:3]}, {len(missing)} missing {missing[:3]}"
    )


def check_stream(
    table: str, records: list[dict[str, Any]], found: dict[Key, Item], problems: list[str]
) -> None:
    """Exactly one INSERT per item in the table (every key is written once), with its image;
    no record of an item that is not there."""
    view = STREAM_VIEWS[table]
    per_key: Counter[Key] = Counter()
    for record in records:
        change = record["dynamodb"]
        key = key_of(table, change["Keys"])
        per_key[key] += 1
        if record["eventName"] != "INSERT" or "OldImage" in change:
            problems.append(f"{key}: stream record {record['eventName']}, expected one INSERT")
        if key not in found:
            problems.append(f"{key}: stream record of an item that is not in the table")
        elif "NEW" in view and canonical(change.get("NewImage", {})) != canonical(found[key]):
            problems.append(f"{key}: stream NewImage {change.get('NewImage')} != the item")
    doubled = sorted(key for key, count in per_key.items() if count > 1)
    if doubled:
        problems.append(f"{table}: {len(doubled)} items with more than one record: {doubled[:5]}")
    unstreamed = sorted(key for key in found if key[0] == table and key not in per_key)
    if unstreamed:
        problems.append(f"{table}: {len(unstreamed)} items with no record: {unstreamed[:5]}")
    numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    if numbers != sorted(set(numbers)):
        problems.append(f"{table}: sequence numbers not strictly increasing")


def verify(server: Any, ledger: Ledger) -> int:
    """Check everything; returns how many items are there that were never acknowledged."""
    ddb = crash_client(server, "dynamodb")
    streams = crash_client(server, "dynamodbstreams")
    found: dict[Key, Item] = {}
    for table in TABLE_KEYS:
        found |= scan_table(ddb, table)
    problems: list[str] = []
    check_items(ledger, found, problems)
    check_transactions(ledger, found, problems)
    for spec in INDEXES:
        items = [item for key, item in found.items() if key[0] == spec.table]
        check_index(ddb, spec, items, problems)
    for table in TABLE_KEYS:
        check_stream(table, read_stream(ddb, streams, table), found, problems)
    assert not problems, "\n".join(problems)
    unacknowledged = len(set(found) - ledger.must_exist)
    # What a restarted server showed is durable from now on: it may never go away.
    ledger.must_exist |= set(found)
    return unacknowledged


# -- the test ----------------------------------------------------------------------------------


def postgres_config(data_dir: Path) -> str:
    """ownstack.yaml putting the meta and log ports on PostgreSQL, in a schema of this data
    dir's own (dropped at exit by the conformance kit)."""
    spec = {"engine": "postgres", **postgres_options(data_dir)}
    return f"backends: {json.dumps({'meta': spec, 'logs': spec})}\n"  # JSON is YAML


@pytest.fixture(params=["sqlite", "postgres"])
def engine_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """The ownstack.yaml of the engine under test (None: the defaults, sqlite)."""
    if request.param == "sqlite":
        yield None
        return
    if (why := postgres_unreachable()) is not None:
        pytest.skip(f"meta + logs on PostgreSQL not tested: {why}")
    yield postgres_config(tmp_path / "pg")


def test_sigkill_under_ddb_load_keeps_items_indexes_and_streams_whole(
    fresh_server: Callable[..., Any], engine_config: str | None
) -> None:
    seed = int(os.environ.get("OWNSTACK_CRASH_SEED", random.randrange(2**32)))
    print(f"ddb crash test seed {seed} (OWNSTACK_CRASH_SEED reproduces the kill points)")
    rng = random.Random(seed)
    server = fresh_server(config_yaml=engine_config)
    data_dir = server.data_dir
    create_tables(crash_client(server, "dynamodb"))
    ledger = Ledger()
    for round_no in range(ROUNDS):
        run_until_killed(server, ledger, round_no, rng)
        server = fresh_server(data_dir=data_dir)
        committed_unacknowledged = verify(server, ledger)
        print(
            f"round {round_no}: {ledger.put_acks} PutItems and {len(ledger.acked_transactions)} "
            f"transactions acknowledged, {len(ledger.must_exist)} items durable, "
            f"{committed_unacknowledged} of them committed but not acknowledged at the kill"
        )
    assert ledger.put_acks >= ROUNDS * PUT_ACKS_BEFORE_KILL
    assert len(ledger.acked_transactions) >= ROUNDS * TX_ACKS_BEFORE_KILL
