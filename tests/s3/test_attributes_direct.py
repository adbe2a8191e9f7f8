"""GetObjectAttributes called directly on the service."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from s3kit import ctx, run

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody
from ownstack.ports.meta import Put
from ownstack.services.s3.attributes import AttributesOps
from ownstack.services.s3.buckets import BucketOps
from ownstack.services.s3.objects import ObjectOps
from ownstack.services.s3.records import ObjectRecord, objects_ns

ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


class Svc(BucketOps, ObjectOps, AttributesOps):
    pass


@pytest.fixture
def svc() -> Svc:
    s = Svc(MemoryMeta(), MemoryBlobs(), ManualClock(1_700_000_000.0))
    run(s.create_bucket(ctx(), {"Bucket": "bkt"}))
    return s


def test_single_part_attributes(svc: Svc) -> None:
    put = {"Bucket": "bkt", "Key": "k", "Body": BytesBody(b"abc"), "ChecksumAlgorithm": "SHA256"}
    sha = run(svc.put_object(ctx(), put))["ChecksumSHA256"]
    out = run(
        svc.get_object_attributes(ctx(), {"Bucket": "bkt", "Key": "k", "ObjectAttributes": ALL})
    )
    assert out == {
        "LastModified": datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
        "ETag": hashlib.md5(b"abc").hexdigest(),
        "Checksum": {"ChecksumSHA256": sha, "ChecksumType": "FULL_OBJECT"},
        "StorageClass": "STANDARD",
        "ObjectSize": 3,
    }


def test_multipart_parts_paging(svc: Svc) -> None:
    bucket = run(svc.bucket(ctx(), "bkt"))
    rec = ObjectRecord(
        size=6,
        etag='"abc-3"',
        last_modified=1_700_000_000.0,
        checksums={"ChecksumCRC32": "AAAAAA==-3"},
        checksum_type="COMPOSITE",
        part_sizes=[1, 2, 3],
        part_checksums=["AAAAAQ==", "AAAAAg==", "AAAAAw=="],
    )
    run(svc.meta.commit([Put(objects_ns(bucket.id), "mp", rec.encode())]))
    params = {"Bucket": "bkt", "Key": "mp", "ObjectAttributes": ["ObjectParts"], "MaxParts": 2}
    out = run(svc.get_object_attributes(ctx(), params))
    assert out["ObjectParts"] == {
        "TotalPartsCount": 3,
        "PartNumberMarker": 0,
        "NextPartNumberMarker": 2,
        "MaxParts": 2,
        "IsTruncated": True,
        "Parts": [
            {"PartNumber": 1, "Size": 1, "ChecksumCRC32": "AAAAAQ=="},
            {"PartNumber": 2, "Size": 2, "ChecksumCRC32": "AAAAAg=="},
        ],
    }
    out = run(svc.get_object_attributes(ctx(), {**params, "PartNumberMarker": 2}))
    assert out["ObjectParts"]["Parts"] == [
        {"PartNumber": 3, "Size": 3, "ChecksumCRC32": "AAAAAw=="}
    ]
    assert out["ObjectParts"]["IsTruncated"] is False


def test_invalid_attribute(svc: Svc) -> None:
    run(svc.put_object(ctx(), {"Bucket": "bkt", "Key": "k", "Body": BytesBody(b"")}))
    with pytest.raises(ServiceError) as info:
        run(
            svc.get_object_attributes(
                ctx(), {"Bucket": "bkt", "Key": "k", "ObjectAttributes": ["Nope"]}
            )
        )
    assert (info.value.code, info.value.message) == (
        "InvalidArgument",
        "Invalid attribute name specified.",
    )
