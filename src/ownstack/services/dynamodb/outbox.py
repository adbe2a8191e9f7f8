"""Stream records: written to the table's outbox namespace in the same commit as the change,
then moved (in outbox key order, idempotently by record id) to the log port, where
DynamoDB Streams reads them (stream_mover.py). A crash between commit and move loses nothing:
the outbox is durable and the move is repeated; the log's per-id dedup makes it exactly once.

An outbox record is JSON: eventName, Keys, the images the table's StreamViewType keeps
(NewImage, OldImage), ApproximateCreationDateTime, SizeBytes, StreamViewType, the StreamLabel of
the stream it belongs to (the mover routes by it, so a stream disabled and enabled again before
a move still gets its own records), and userIdentity for TTL deletions. Images are
values.encode_item's JSON (B as base64 text).

Outbox keys come from a hybrid logical clock: microseconds of the wall clock, but always above
the last key this process made and above the item's previous stream record key (`after`, made
perhaps by another process), as 20 fixed-width digits, then a tag of this process so two
processes never make the same key. Keys order the records of one item as its changes
committed (each change expects the version the previous one wrote), which is the order
DynamoDB Streams promises: per item, not across items.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
from typing import Any

from ownstack.ports.meta import Put

from . import values
from .expr.ast import Item
from .records import TableRecord, outbox_ns
from .sizes import item_size

INSERT, MODIFY, REMOVE = "INSERT", "MODIFY", "REMOVE"
TTL_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
"""userIdentity of a record made by TTL expiry:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html"""

_WIDTH = 20
_PROCESS = secrets.token_hex(4)
_clock_lock = threading.Lock()
_last = 0


def outbox_put(
    table: TableRecord,
    keys: Item,
    old: Item | None,
    new: Item | None,
    *,
    after: str | None,
    now: float,
    by_ttl: bool = False,
) -> tuple[Put, str]:
    """The outbox record of one item change (INSERT/MODIFY/REMOVE by old/new) with the images
    the table's StreamViewType keeps, and its outbox key, which sorts after `after` (the item's
    previous stream record key) and after every key made earlier in this process. The table
    must have a stream (ValueError otherwise)."""
    if table.stream is None:
        raise ValueError(f"table {table.name} has no stream")
    key = next_key(after, now)
    record = stream_record(table.stream.view_type, keys, old, new, now=now, by_ttl=by_ttl)
    record["StreamLabel"] = table.stream.label
    return Put(outbox_ns(table), key, json.dumps(record, separators=(",", ":")).encode()), key


def next_key(after: str | None, now: float) -> str:
    """A key above `after`, above every key this process made, and near `now`."""
    global _last
    floor = _counter(after)
    with _clock_lock:
        _last = max(int(now * 1_000_000), _last + 1, floor + 1)
        return f"{_last:0{_WIDTH}d}-{_PROCESS}"


def _counter(key: str | None) -> int:
    digits = (key or "")[:_WIDTH]
    return int(digits) if len(digits) == _WIDTH and digits.isdigit() else 0


def stream_record(
    view_type: str,
    keys: Item,
    old: Item | None,
    new: Item | None,
    *,
    now: float,
    by_ttl: bool = False,
) -> dict[str, Any]:
    """The record (as JSON-ready data) of a change under `view_type`."""
    event = INSERT if old is None else REMOVE if new is None else MODIFY
    images: dict[str, Item] = {"Keys": keys}
    if new is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        images["NewImage"] = new
    if old is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        images["OldImage"] = old
    record: dict[str, Any] = {"eventName": event}
    record.update({name: _image_json(image) for name, image in images.items()})
    # "in UNIX epoch time format and rounded down to the closest second":
    # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html
    record["ApproximateCreationDateTime"] = math.floor(now)
    # Keys and images as item sizes: AWS's example, KEYS_ONLY with two S keys, is their sum
    # (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html).
    record["SizeBytes"] = sum(item_size(image) for image in images.values())
    record["StreamViewType"] = view_type
    if by_ttl:
        record["userIdentity"] = dict(TTL_IDENTITY)
    return record


def decode_record(data: bytes) -> dict[str, Any]:
    """An outbox record with its images as items again (B values as bytes)."""
    record: dict[str, Any] = json.loads(data)
    for name in ("Keys", "NewImage", "OldImage"):
        if name in record:
            record[name] = values.decode_item(json.dumps(record[name]).encode())
    return record


def _image_json(image: Item) -> Any:
    # encode_item keeps lone surrogates as UTF-8 "surrogatepass": decoded the same way, then
    # json.dumps (ensure_ascii) escapes them, and json.loads restores them.
    return json.loads(values.encode_item(image).decode("utf-8", "surrogatepass"))
