"""The msgspec record codecs write the JSON the original asdict/json.dumps codec wrote (the
same bytes for ASCII text) and read records that codec wrote (existing data dirs)."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, fields
from typing import Any

from ownstack.services.s3.records import (
    BucketRecord,
    ObjectRecord,
    PartRecord,
    Segment,
    UploadRecord,
)


def original_encode(rec: Any) -> bytes:
    """The codec data dirs were written with before the hand-written one."""
    data: dict[str, Any] = asdict(rec)
    if isinstance(rec, ObjectRecord) and rec.inline is not None:
        data["inline"] = base64.b64encode(rec.inline).decode()
    return json.dumps(data, separators=(",", ":")).encode()


OBJECTS = [
    ObjectRecord(size=0, etag='"d41d8cd98f00b204e9800998ecf8427e"', last_modified=1.7e9),
    ObjectRecord(
        size=1024,
        etag='"abc"',
        last_modified=1_700_000_000.25,
        content_type="text/plain; charset=\u00e9",
        metadata={"k\u00e9y": 'v"al\\ue\n', "x": ""},
        headers={"CacheControl": "no-cache", "Expires": "Wed, 21 Oct 2015 07:28:00 GMT"},
        checksums={"ChecksumCRC64NVME": "AAAAAAAAAAA="},
        checksum_type="FULL_OBJECT",
        inline=bytes(range(256)) * 4,
        tags={"a": "b"},
        storage_class="GLACIER",
        owner_id="a" * 64,
        owner_name="me",
    ),
    ObjectRecord(
        size=30,
        etag='"abc-2"',
        last_modified=1.5,
        part_sizes=[10, 20],
        segments=[Segment("blob-1", 10), Segment("blob-2", 20)],
        checksum_type="COMPOSITE",
    ),
    ObjectRecord(size=0, etag='"e"', last_modified=2.0, inline=b""),
]


def test_object_records_encode_to_the_original_json() -> None:
    for rec in OBJECTS:
        assert json.loads(rec.encode()) == json.loads(original_encode(rec))
    ascii_only = [OBJECTS[0], OBJECTS[2], OBJECTS[3]]
    for rec in ascii_only:
        assert rec.encode() == original_encode(rec)


def test_non_ascii_text_is_written_as_utf8() -> None:
    raw = ObjectRecord(size=0, etag='"e"', last_modified=1.0, metadata={"k": "\u00e9"}).encode()
    assert b'"metadata":{"k":"\xc3\xa9"}' in raw


def test_object_records_written_by_the_original_codec_decode() -> None:
    for rec in OBJECTS:
        assert ObjectRecord.decode(original_encode(rec)) == rec


def test_object_record_encode_names_every_field() -> None:
    assert list(json.loads(OBJECTS[1].encode())) == [f.name for f in fields(ObjectRecord)]


def test_an_object_record_missing_later_fields_decodes_with_defaults() -> None:
    raw = b'{"size":3,"etag":"\\"x\\"","last_modified":1.0,"inline":"YWJj"}'
    assert ObjectRecord.decode(raw) == ObjectRecord(
        size=3, etag='"x"', last_modified=1.0, inline=b"abc"
    )


def test_a_record_with_an_unknown_member_decodes() -> None:
    raw = b'{"size":3,"etag":"\\"x\\"","last_modified":1.5,"future":{"a":[1]}}'
    assert ObjectRecord.decode(raw) == ObjectRecord(size=3, etag='"x"', last_modified=1.5)


def test_bucket_upload_and_part_records_match_the_original_codec() -> None:
    records: list[Any] = [
        BucketRecord("b\u00e9", "id1", "123456789012", "us-east-1", 1.25, {"t": "v"}, "o", "n"),
        UploadRecord("k\x00ey", "up1", 3.5, metadata={"m": "1"}, checksum_algorithm="CRC32"),
        PartRecord(3, 5, '"e"', 4.0, "blob", {"ChecksumCRC32": "AAAAAA=="}),
    ]
    for rec in records:
        assert json.loads(rec.encode()) == json.loads(original_encode(rec))
        assert type(rec).decode(original_encode(rec)) == rec
        assert type(rec).decode(rec.encode()) == rec


def test_segments_of_reads_only_the_segments() -> None:
    for rec in OBJECTS:
        assert ObjectRecord.segments_of(rec.encode()) == rec.segments
    named = ObjectRecord(
        size=1,
        etag='"e"',
        last_modified=1.0,
        metadata={"blob_id": '"blob_id"'},
        segments=[Segment("b", 1)],
    )
    assert ObjectRecord.segments_of(named.encode()) == [Segment("b", 1)]
    named.segments = []
    assert ObjectRecord.segments_of(named.encode()) == []
