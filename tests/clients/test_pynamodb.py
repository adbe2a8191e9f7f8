# mypy: disable-error-code="no-untyped-call"
# (PynamoDB's Index.__init_subclass__ and MapAttribute.__init__ carry no annotations.)
"""PynamoDB (the object mapper) against a real ownstack server.

A Model with hash + range keys, a GSI, an LSI, every attribute kind PynamoDB has (numbers,
string sets, maps, lists of maps, binary, TTL, version) goes through create_table, save, get,
update, delete, query, scan, count, batch and transaction calls. boto3 (the reference client)
checks what PynamoDB actually stored on the wire. PynamoDB is a dev dependency; without it
these tests skip.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.importorskip("pynamodb")

from pynamodb.attributes import (
    BinaryAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import (
    DeleteError,
    PutError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    LocalSecondaryIndex,
)
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite

pytestmark = pytest.mark.clients

TABLE = f"pynamo-orders-{uuid.uuid4().hex[:10]}"


class ByCategory(GlobalSecondaryIndex["Order"]):
    class Meta:
        index_name = "by-category"
        projection = AllProjection()

    category = UnicodeAttribute(hash_key=True)
    created = NumberAttribute(range_key=True)


class ByAmount(LocalSecondaryIndex["Order"]):
    class Meta:
        index_name = "by-amount"
        projection = IncludeProjection(["category"])

    customer = UnicodeAttribute(hash_key=True)
    amount = NumberAttribute(range_key=True)


class Address(MapAttribute[str, Any]):
    street = UnicodeAttribute()
    zip = NumberAttribute()


class Line(MapAttribute[str, Any]):
    sku = UnicodeAttribute()
    qty = NumberAttribute()


class Order(Model):
    class Meta:
        table_name = TABLE
        billing_mode = "PAY_PER_REQUEST"
        # Set by the `orders` fixture once the server runs.
        host: str | None = None
        region: str | None = None
        aws_access_key_id: str | None = None
        aws_secret_access_key: str | None = None
        max_retry_attempts = 0  # an error must surface, not hide behind a retry

    customer = UnicodeAttribute(hash_key=True)
    order_id = NumberAttribute(range_key=True)
    category = UnicodeAttribute(default="misc")
    created = NumberAttribute(default=0)
    amount = NumberAttribute(default=0)
    tags = UnicodeSetAttribute(null=True)
    address = Address(null=True)
    lines = ListAttribute(of=Line, null=True)
    notes = ListAttribute[Any](null=True)
    payload = BinaryAttribute(null=True, legacy_encoding=False)
    views = NumberAttribute(null=True)
    expires = TTLAttribute(null=True)
    version = VersionAttribute()

    by_category = ByCategory()
    by_amount = ByAmount()


@pytest.fixture(scope="module")
def orders(server: Any) -> Iterator[type[Order]]:
    """The Order table on this module's server, created (and waited for) by PynamoDB."""
    Order.Meta.host = server.endpoint
    Order.Meta.region = server.region
    Order.Meta.aws_access_key_id = server.access_key
    Order.Meta.aws_secret_access_key = server.secret_key
    Order._connection = None  # a connection cached for another server would be stale
    Order.create_table(wait=True)
    yield Order
    with contextlib.suppress(Exception):  # the server may already be gone
        Order.delete_table()


@pytest.fixture(scope="module")
def ddb(server: Any) -> Any:
    return server.client("dynamodb")


def connection(server: Any) -> Connection:
    return Connection(
        host=server.endpoint,
        region=server.region,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        max_retry_attempts=0,
    )


def full_order(customer: str, order_id: int) -> Order:
    return Order(
        customer,
        order_id,
        category="books",
        created=1_700_000_000,
        amount=12.5,
        tags={"gift", "old"},
        address=Address(street="Storgata 1", zip=150),
        lines=[Line(sku="A-1", qty=2), Line(sku="B-2", qty=1)],
        notes=["first", 2, {"k": "v"}],
        payload=b"\x00\x01binary\xff",
        expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def test_create_table_builds_keys_indexes_and_ttl(orders: type[Order], ddb: Any) -> None:
    table = ddb.describe_table(TableName=TABLE)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [
        {"AttributeName": "customer", "KeyType": "HASH"},
        {"AttributeName": "order_id", "KeyType": "RANGE"},
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    gsi = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    assert gsi["by-category"]["KeySchema"] == [
        {"AttributeName": "category", "KeyType": "HASH"},
        {"AttributeName": "created", "KeyType": "RANGE"},
    ]
    assert gsi["by-category"]["Projection"] == {"ProjectionType": "ALL"}
    assert gsi["by-category"]["IndexStatus"] == "ACTIVE"
    lsi = {i["IndexName"]: i for i in table["LocalSecondaryIndexes"]}
    assert lsi["by-amount"]["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["category"],
    }
    assert orders.exists()
    # create_table also switched TTL on for the TTLAttribute.
    ttl = ddb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}


def test_save_and_get_round_trip(orders: type[Order], ddb: Any) -> None:
    customer = f"c-{uuid.uuid4().hex[:8]}"
    order = full_order(customer, 1)
    order.save()
    assert order.version == 1

    got = orders.get(customer, 1, consistent_read=True)
    assert got.category == "books"
    assert got.amount == 12.5
    assert got.tags == {"gift", "old"}
    assert got.address is not None
    assert (got.address.street, got.address.zip) == ("Storgata 1", 150)
    assert got.lines is not None
    assert [(line.sku, line.qty) for line in got.lines] == [("A-1", 2), ("B-2", 1)]
    assert got.notes == ["first", 2, {"k": "v"}]
    assert got.payload == b"\x00\x01binary\xff"
    assert got.expires == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert got.version == 1
    assert got.views is None

    wire = ddb.get_item(TableName=TABLE, Key={"customer": {"S": customer}, "order_id": {"N": "1"}})[
        "Item"
    ]
    assert wire["version"] == {"N": "1"}
    assert wire["expires"] == {"N": str(int(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()))}
    assert wire["payload"] == {"B": b"\x00\x01binary\xff"}
    assert wire["address"] == {"M": {"street": {"S": "Storgata 1"}, "zip": {"N": "150"}}}
    assert wire["lines"]["L"][0] == {"M": {"sku": {"S": "A-1"}, "qty": {"N": "2"}}}
    assert sorted(wire["tags"]["SS"]) == ["gift", "old"]
    assert "views" not in wire

    with pytest.raises(orders.DoesNotExist):
        orders.get(customer, 2)


def test_update_actions(orders: type[Order]) -> None:
    customer = f"c-{uuid.uuid4().hex[:8]}"
    order = full_order(customer, 1)
    order.save()
    address_path: Any = Order.address  # a document path; PynamoDB's stubs type it as an Address
    order.update(
        actions=[
            Order.amount.add(5),
            Order.tags.add({"new"}),
            address_path.zip.set(999),
            Order.notes.set(Order.notes.append(["last"])),
            Order.views.set((Order.views | 0) + 1),
            Order.payload.remove(),
            Order.expires.set(datetime.now(UTC) + timedelta(days=1)),
        ],
        condition=(Order.amount == 12.5) & Order.category.startswith("bo"),
    )
    # update() refreshed the object with what the server returned (ALL_NEW).
    assert order.amount == 17.5
    assert order.tags == {"gift", "old", "new"}
    assert order.address is not None
    assert order.address.zip == 999
    assert order.notes == ["first", 2, {"k": "v"}, "last"]
    assert order.views == 1
    assert order.payload is None
    assert order.version == 2
    assert order.expires is not None
    assert timedelta(hours=23) < order.expires - datetime.now(UTC) <= timedelta(days=1)

    again = orders.get(customer, 1, consistent_read=True)
    assert (again.amount, again.views, again.version) == (17.5, 1, 2)

    order.update(actions=[Order.tags.delete({"old"}), Order.views.set(Order.views - 1)])
    assert (order.tags, order.views, order.version) == ({"gift", "new"}, 0, 3)

    # AWS refuses two actions on one path in a single UpdateExpression (PynamoDB passes it on).
    with pytest.raises(UpdateError) as overlapping:
        order.update(actions=[Order.tags.add({"x"}), Order.tags.delete({"gift"})])
    assert overlapping.value.cause_response_code == "ValidationException"
    assert overlapping.value.cause_response_message == (
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
        "rewrite one of these paths; path one: [tags], path two: [tags]"
    )

    with pytest.raises(UpdateError) as refused:
        order.update(actions=[Order.amount.set(0)], condition=Order.amount > 100)
    assert refused.value.cause_response_code == "ConditionalCheckFailedException"
    assert refused.value.cause_response_message == "The conditional request failed"
    assert orders.get(customer, 1).amount == 17.5


def test_version_attribute_is_optimistic_locking(orders: type[Order]) -> None:
    customer = f"c-{uuid.uuid4().hex[:8]}"
    Order(customer, 1, amount=1).save()
    mine = orders.get(customer, 1, consistent_read=True)
    theirs = orders.get(customer, 1, consistent_read=True)

    mine.amount = 2
    mine.save()
    assert mine.version == 2

    theirs.amount = 3
    with pytest.raises(PutError) as stale_save:
        theirs.save()
    assert stale_save.value.cause_response_code == "ConditionalCheckFailedException"
    with pytest.raises(UpdateError) as stale_update:
        theirs.update(actions=[Order.amount.set(4)])
    assert stale_update.value.cause_response_code == "ConditionalCheckFailedException"
    with pytest.raises(DeleteError) as stale_delete:
        theirs.delete()
    assert stale_delete.value.cause_response_code == "ConditionalCheckFailedException"

    # A second "first save" of the same key fails too: version must not exist yet.
    with pytest.raises(PutError):
        Order(customer, 1, amount=5).save()
    current = orders.get(customer, 1, consistent_read=True)
    assert (current.amount, current.version) == (2, 2)

    theirs.refresh(consistent_read=True)
    assert theirs.version == 2
    theirs.delete()
    with pytest.raises(orders.DoesNotExist):
        orders.get(customer, 1, consistent_read=True)


def seed(customer: str, count: int) -> None:
    """`count` orders: amount 10*n, category alternating books/games, created 100+n."""
    with Order.batch_write() as batch:
        for n in range(count):
            category = "books" if n % 2 == 0 else "games"
            batch.save(
                Order(customer, n, amount=10 * n, category=category, created=100 + n, tags={"t"})
            )


def test_query_scan_count_and_indexes(orders: type[Order]) -> None:
    customer = f"c-{uuid.uuid4().hex[:8]}"
    other = f"o-{uuid.uuid4().hex[:8]}"
    seed(customer, 30)  # more than 25: PynamoDB splits the batch itself
    seed(other, 3)

    between = list(
        orders.query(
            customer,
            Order.order_id.between(5, 14),
            filter_condition=Order.category == "games",
            scan_index_forward=False,
        )
    )
    assert [o.order_id for o in between] == [13, 11, 9, 7, 5]

    paged = orders.query(customer, Order.order_id >= 20, page_size=4)
    assert [o.order_id for o in paged] == list(range(20, 30))
    assert paged.total_count == 10
    assert paged.last_evaluated_key is None

    limited = orders.query(customer, limit=7, page_size=3)
    assert [o.order_id for o in limited] == list(range(7))
    assert limited.last_evaluated_key == {"customer": {"S": customer}, "order_id": {"N": "6"}}

    # The GSI holds every customer's orders; the LSI sorts one customer's by amount.
    games = list(orders.by_category.query("games", Order.created.between(101, 105)))
    ids = sorted((o.customer, o.order_id) for o in games)
    assert ids == [(customer, 1), (customer, 3), (customer, 5), (other, 1)]
    big = list(orders.by_amount.query(customer, Order.amount > 250, scan_index_forward=False))
    assert [(o.order_id, o.amount, o.category) for o in big] == [
        (29, 290, "games"),
        (28, 280, "books"),
        (27, 270, "games"),
        (26, 260, "books"),
    ]
    assert big[0].tags is None  # not projected into the LSI

    assert orders.count(customer) == 30
    assert orders.count(customer, Order.order_id < 10, filter_condition=Order.amount >= 50) == 5
    assert orders.count(other) == 3

    scanned = orders.scan((Order.customer == other) & (Order.category == "books"), page_size=5)
    assert sorted(o.order_id for o in scanned) == [0, 2]

    fetched = sorted(
        (o.customer, o.order_id)
        for o in orders.batch_get([(customer, 0), (customer, 29), (other, 2), (other, 99)])
    )
    assert fetched == [(customer, 0), (customer, 29), (other, 2)]

    with Order.batch_write() as batch:
        for n in range(30):
            batch.delete(Order(customer, n))
    assert orders.count(customer) == 0


def test_transact_write_and_get(orders: type[Order], server: Any) -> None:
    customer = f"c-{uuid.uuid4().hex[:8]}"
    Order(customer, 1, amount=10).save()
    Order(customer, 2, amount=20).save()
    Order(customer, 3, amount=30).save()
    keep = orders.get(customer, 1)
    change = orders.get(customer, 2)
    drop = orders.get(customer, 3)

    with TransactWrite(connection=connection(server)) as tx:
        tx.condition_check(Order, customer, 1, condition=Order.amount == 10)
        tx.update(change, actions=[Order.amount.add(5)])
        tx.delete(drop)
        tx.save(Order(customer, 4, amount=40))

    with TransactGet(connection=connection(server)) as tg:
        futures = [tg.get(Order, customer, n) for n in (1, 2, 4)]
    got = [f.get() for f in futures]
    assert [(o.order_id, o.amount, o.version) for o in got] == [(1, 10, 1), (2, 25, 2), (4, 40, 1)]
    with pytest.raises(orders.DoesNotExist):
        orders.get(customer, 3, consistent_read=True)

    with (
        pytest.raises(TransactWriteError) as cancelled,
        TransactWrite(connection=connection(server)) as tx,
    ):
        tx.save(Order(customer, 5, amount=50))
        tx.update(keep, actions=[Order.amount.set(0)], condition=Order.amount > 100)
    assert cancelled.value.cause_response_code == "TransactionCanceledException"
    reasons = cancelled.value.cancellation_reasons
    assert reasons[0] is None
    assert reasons[1] is not None
    assert reasons[1].code == "ConditionalCheckFailed"
    assert reasons[1].message == "The conditional request failed"
    with pytest.raises(orders.DoesNotExist):
        orders.get(customer, 5, consistent_read=True)
    assert orders.get(customer, 1, consistent_read=True).amount == 10
