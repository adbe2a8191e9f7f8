"""The stream mover (stream_mover.py) on the memory engine's meta and log stores: outbox
records reach the stream's log in key order, exactly once however often a move is repeated,
by stream label; the background loop moves; trims keep 24 hours. Plus shard ids, labels and
stream positions (stream_positions.py)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json

import pytest

from ownstack.backends.memory import MemoryLogs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.ports.leases import Lease, LeasedLoop
from ownstack.ports.logs import Entry
from ownstack.ports.meta import Put
from ownstack.services.dynamodb.errors import DynamoError
from ownstack.services.dynamodb.outbox import outbox_put
from ownstack.services.dynamodb.records import (
    TABLES,
    KeySchema,
    StreamSpec,
    TableRecord,
    encode_table,
    outbox_ns,
    table_key,
)
from ownstack.services.dynamodb.stream_mover import (
    MOVE_PAGE,
    RETENTION_S,
    StreamMover,
    label_millis,
    log_id,
    shard_id,
)
from ownstack.services.dynamodb.stream_positions import (
    ITERATOR_TTL_S,
    Iterator,
    check_fresh,
    decode_iterator,
    encode_iterator,
    parse_sequence_number,
    sequence_number,
)

LABEL = "2023-11-14T22:13:20.123"
TABLE = TableRecord(
    id="t1",
    account_id="123456789012",
    region="us-east-1",
    name="T",
    schema=KeySchema("pk"),
    attribute_types={"pk": "S"},
    created=1_700_000_000.0,
    stream=StreamSpec("NEW_IMAGE", LABEL),
)


class World:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.meta = MemoryMeta()
        self.logs = MemoryLogs(self.clock)
        self.mover = StreamMover(self.meta, self.logs, self.clock)

    async def write(self, table: TableRecord, *names: str) -> list[str]:
        """One stream record per name (an INSERT of item pk=name), committed; their keys."""
        keys = []
        for name in names:
            item = {"pk": {"S": name}}
            put, key = outbox_put(table, item, None, item, after=None, now=self.clock.now())
            await self.meta.commit([put])
            keys.append(key)
        return keys

    async def logged(self, table: TableRecord, label: str = LABEL) -> list[tuple[int, str]]:
        got = await self.logs.read(
            log_id(table.id, label), shard_id(table.id, label), after=0, limit=10_000
        )
        return [(r.offset, r.id) for r in got]


def test_a_move_appends_the_outbox_in_key_order_and_empties_it() -> None:
    world = World()

    async def go() -> None:
        keys = await world.write(TABLE, "a", "b", "c")
        assert await world.mover.move_table(TABLE) == 3
        assert await world.logged(TABLE) == [(1, keys[0]), (2, keys[1]), (3, keys[2])]
        assert await world.meta.scan(outbox_ns(TABLE)) == []
        assert await world.mover.move_table(TABLE) == 0

    asyncio.run(go())


def test_the_log_holds_the_outbox_record_as_written() -> None:
    world = World()

    async def go() -> None:
        (key,) = await world.write(TABLE, "a")
        (record,) = await world.meta.scan(outbox_ns(TABLE))
        await world.mover.move_table(TABLE)
        (logged,) = await world.logs.read(
            log_id(TABLE.id, LABEL), shard_id(TABLE.id, LABEL), after=0, limit=1
        )
        assert (logged.id, logged.data) == (key, record.value)

    asyncio.run(go())


def test_a_move_repeated_after_a_crash_before_the_delete_appends_nothing_twice() -> None:
    world = World()

    async def go() -> None:
        keys = await world.write(TABLE, "a", "b")
        # A mover appended both, then died before deleting them from the outbox.
        page = await world.meta.scan(outbox_ns(TABLE))
        log, shard = log_id(TABLE.id, LABEL), shard_id(TABLE.id, LABEL)
        await world.logs.append(log, shard, [Entry(r.key, r.value) for r in page])
        keys += await world.write(TABLE, "c")
        await world.mover.move_table(TABLE)
        assert await world.logged(TABLE) == [(1, keys[0]), (2, keys[1]), (3, keys[2])]

    asyncio.run(go())


def test_concurrent_moves_of_one_table_land_each_record_once() -> None:
    world = World()

    async def go() -> None:
        keys = await world.write(TABLE, *(f"i{n}" for n in range(50)))
        await asyncio.gather(*(world.mover.move_table(TABLE) for _ in range(4)))
        assert await world.logged(TABLE) == list(enumerate(keys, start=1))

    asyncio.run(go())


def test_more_than_a_page_moves_in_order() -> None:
    world = World()
    count = MOVE_PAGE * 2 + 7

    async def go() -> None:
        keys = await world.write(TABLE, *(f"i{n}" for n in range(count)))
        assert await world.mover.move_table(TABLE) == count
        assert await world.logged(TABLE) == list(enumerate(keys, start=1))

    asyncio.run(go())


def test_records_go_to_the_stream_they_were_written_for() -> None:
    world = World()
    later = "2023-11-15T00:00:00.000"
    again = dataclasses.replace(TABLE, stream=StreamSpec("KEYS_ONLY", later))

    async def go() -> None:
        first = await world.write(TABLE, "a", "b")
        second = await world.write(again, "c")  # the stream was disabled and enabled again
        await world.mover.move_table(again)
        assert await world.logged(TABLE, LABEL) == [(1, first[0]), (2, first[1])]
        assert await world.logged(again, later) == [(1, second[0])]

    asyncio.run(go())


def test_trim_keeps_the_last_24_hours() -> None:
    world = World()

    async def go() -> None:
        old = await world.write(TABLE, "old")
        await world.mover.move_table(TABLE)
        world.clock.advance(RETENTION_S - 10)
        new = await world.write(TABLE, "new")
        await world.mover.move_table(TABLE)
        assert await world.mover.trim_table(TABLE) == 0
        world.clock.advance(11)
        assert await world.mover.trim_table(TABLE) == 1
        assert await world.logged(TABLE) == [(2, new[0])]
        assert old[0] != new[0]

    asyncio.run(go())


def test_move_all_finds_every_table_with_a_stream() -> None:
    world = World()
    other = dataclasses.replace(TABLE, id="t2", name="U", account_id="210987654321")
    plain = dataclasses.replace(TABLE, id="t3", name="V", stream=None)

    async def go() -> None:
        for t in (TABLE, other, plain):
            await world.meta.commit(
                [Put(TABLES, table_key(t.region, t.account_id, t.name), encode_table(t))]
            )
        a = await world.write(TABLE, "a")
        b = await world.write(other, "b")
        assert await world.mover.move_all() == 2
        assert await world.logged(TABLE) == [(1, a[0])]
        assert await world.logged(other) == [(1, b[0])]

    asyncio.run(go())


def test_the_leased_loop_moves_until_stopped_and_only_while_holding_its_lease() -> None:
    """The loop the service runs (service.py): run_once under the stream mover's lease."""
    world = World()

    async def go() -> None:
        await world.meta.commit(
            [
                Put(
                    TABLES,
                    table_key(TABLE.region, TABLE.account_id, TABLE.name),
                    encode_table(TABLE),
                )
            ]
        )
        other = Lease(world.meta, "dynamodb:stream-mover", "other", world.clock)
        assert await other.try_acquire()
        ours = Lease(world.meta, "dynamodb:stream-mover", "ours", world.clock)
        loop = LeasedLoop(ours, world.mover.run_once, 0.01)
        loop.start()
        keys = await world.write(TABLE, "a")
        await asyncio.sleep(0.1)
        assert await world.logged(TABLE) == []  # another process holds the lease
        await other.release()
        for _ in range(200):
            if await world.logged(TABLE):
                break
            await asyncio.sleep(0.01)
        assert await world.logged(TABLE) == [(1, keys[0])]
        await loop.stop()
        (more,) = await world.write(TABLE, "b")
        await asyncio.sleep(0.05)
        assert [r.key for r in await world.meta.scan(outbox_ns(TABLE))] == [more]  # stopped

    asyncio.run(go())


def test_shard_ids_have_aws_shape() -> None:
    shard = shard_id("t1", LABEL)
    assert shard.startswith(f"shardId-{label_millis(LABEL):020d}-")
    assert len(shard) == 37  # as AWS's ("shardId-00000001414576573621-f55eea83")
    assert label_millis(LABEL) == 1_700_000_000_123
    assert shard != shard_id("t2", LABEL)


def test_sequence_numbers_are_21_digit_decimals_in_offset_order() -> None:
    numbers = [sequence_number(n) for n in (1, 9, 10, 123456)]
    assert all(len(n) == 21 and n.isdigit() for n in numbers)
    assert numbers == sorted(numbers)
    assert [parse_sequence_number(n) for n in numbers] == [1, 9, 10, 123456]
    with pytest.raises(DynamoError, match="Invalid SequenceNumber"):
        parse_sequence_number("12345678901234567890x")


def test_iterators_carry_their_position_and_expire_after_15_minutes() -> None:
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/" + LABEL
    made = Iterator(arn, shard_id("t1", LABEL), 42, 1000.0)
    text = encode_iterator(made)
    assert text.startswith(arn + "|1|")
    assert decode_iterator(text) == made
    check_fresh(made, 1000.0 + ITERATOR_TTL_S)
    with pytest.raises(DynamoError) as caught:
        check_fresh(made, 1000.0 + ITERATOR_TTL_S + 1)
    assert (caught.value.code, caught.value.message) == (
        "ExpiredIteratorException",
        "Shard iterator has expired",
    )


@pytest.mark.parametrize(
    "text",
    ["", "garbage", "arn|2|e30=", "arn|1|not base64!", "arn|1|e30=", "arn|1|" + "W10="],
)
def test_anything_else_is_an_invalid_iterator(text: str) -> None:
    with pytest.raises(DynamoError) as caught:
        decode_iterator(text)
    assert (caught.value.code, caught.value.message) == (
        "ValidationException",
        "Invalid ShardIterator",
    )


def test_an_iterator_with_a_bad_position_is_invalid() -> None:
    body = base64.b64encode(json.dumps({"s": "x", "a": -1, "t": 1.0}).encode()).decode()
    with pytest.raises(DynamoError, match="Invalid ShardIterator"):
        decode_iterator("arn|1|" + body)


def test_run_once_moves_and_trims_what_is_a_day_old() -> None:
    world = World()

    async def go() -> None:
        key = table_key(TABLE.region, TABLE.account_id, TABLE.name)
        await world.meta.commit([Put(TABLES, key, encode_table(TABLE))])
        (old,) = await world.write(TABLE, "old")
        await world.mover.run_once()
        assert await world.logged(TABLE) == [(1, old)]
        world.clock.advance(RETENTION_S + 1)
        (new,) = await world.write(TABLE, "new")
        await world.mover.run_once()  # moves the new record, trims the day-old one
        assert await world.logged(TABLE) == [(2, new)]
        world.clock.advance(RETENTION_S + 1)
        await world.mover.run_once()
        assert await world.logged(TABLE) == []

    asyncio.run(go())
