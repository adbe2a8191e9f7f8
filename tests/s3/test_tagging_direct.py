"""Object and bucket tagging called directly on the service."""

from __future__ import annotations

from typing import Any

import pytest
from s3kit import ctx, error, run

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.http import BytesBody
from ownstack.core.service import STATUS
from ownstack.services.s3.buckets import BucketOps
from ownstack.services.s3.objects import ObjectOps
from ownstack.services.s3.tagging import TaggingOps


class Svc(BucketOps, ObjectOps, TaggingOps):
    pass


@pytest.fixture
def svc() -> Svc:
    s = Svc(MemoryMeta(), MemoryBlobs(), ManualClock())
    run(s.create_bucket(ctx(), {"Bucket": "bkt"}))
    run(s.put_object(ctx(), {"Bucket": "bkt", "Key": "k", "Body": BytesBody(b"x")}))
    return s


def tagset(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"TagSet": [{"Key": k, "Value": v} for k, v in pairs]}


def test_object_tagging_roundtrip(svc: Svc) -> None:
    obj = {"Bucket": "bkt", "Key": "k"}
    assert run(svc.get_object_tagging(ctx(), obj)) == {"TagSet": []}
    assert (
        run(svc.put_object_tagging(ctx(), {**obj, "Tagging": tagset(("b", "2"), ("a", ""))})) == {}
    )
    assert run(svc.get_object_tagging(ctx(), obj)) == tagset(("a", ""), ("b", "2"))  # key order
    assert run(svc.head_object(ctx(), obj))["TagCount"] == 2
    assert run(svc.delete_object_tagging(ctx(), obj)) == {}
    assert run(svc.get_object_tagging(ctx(), obj)) == {"TagSet": []}
    err = error(svc.get_object_tagging(ctx(), {"Bucket": "bkt", "Key": "none"}))
    assert err.code == "NoSuchKey"


@pytest.mark.parametrize(
    ("tags", "code", "message"),
    [
        ([("k", "1"), ("k", "2")], "InvalidTag", "Cannot provide multiple Tags with the same key"),
        ([("k" * 129, "v")], "InvalidTag", "The TagKey you have provided is too long, max 128"),
        ([("k", "v" * 257)], "InvalidTag", "The TagValue you have provided is too long, max 256"),
        (
            [(f"k{i}", "v") for i in range(11)],
            "BadRequest",
            "Object tags cannot be greater than 10",
        ),
        ([("aws:x", "v")], "InvalidTag", "Your TagKey cannot be prefixed with aws:"),
        ([("a#b", "v")], "InvalidTag", "The TagKey you have provided is invalid"),
    ],
)
def test_object_tag_limits(svc: Svc, tags: list[tuple[str, str]], code: str, message: str) -> None:
    err = error(
        svc.put_object_tagging(ctx(), {"Bucket": "bkt", "Key": "k", "Tagging": tagset(*tags)})
    )
    assert (err.code, err.status, err.message) == (code, 400, message)


def test_bucket_tagging(svc: Svc) -> None:
    err = error(svc.get_bucket_tagging(ctx(), {"Bucket": "bkt"}))
    assert (err.code, err.status, err.message, err.fields) == (
        "NoSuchTagSet",
        404,
        "The TagSet does not exist",
        {"BucketName": "bkt"},
    )
    many = tagset(*[(f"k{i:02d}", "v") for i in range(50)])
    assert run(svc.put_bucket_tagging(ctx(), {"Bucket": "bkt", "Tagging": many})) == {STATUS: 204}
    assert run(svc.get_bucket_tagging(ctx(), {"Bucket": "bkt"})) == many
    too_many = tagset(*[(f"k{i:02d}", "v") for i in range(51)])
    err = error(svc.put_bucket_tagging(ctx(), {"Bucket": "bkt", "Tagging": too_many}))
    assert err.status == 400
    assert run(svc.delete_bucket_tagging(ctx(), {"Bucket": "bkt"})) == {}
    assert error(svc.get_bucket_tagging(ctx(), {"Bucket": "bkt"})).code == "NoSuchTagSet"
    assert error(svc.put_bucket_tagging(ctx(), {"Bucket": "no", "Tagging": many})).code == (
        "NoSuchBucket"
    )
