"""The S3 Lifecycle sweeper through a real server whose lifecycle day is one second (limits.s3.
lifecycle_day_s: 1, a sweep every second): objects expire by Days and by Date, incomplete
multipart uploads are aborted, transitions change the storage class and keep objects readable,
nothing that is not due is touched, and a sweep killed (SIGKILL) midway is finished by the next
server on the same data dir, leaving no orphaned bytes."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from lifecyclekit import FAST_LIMITS, blob_files, bucket, keys, wait_for
from notifykit import queue_config, receive, record_of, s3_queue

PAST = datetime(2020, 1, 1, tzinfo=UTC)
BIG = 200 * 1024
"""Over the inline limit (a blob on disk) and over the 128 KiB default transition minimum."""


@pytest.fixture(scope="module")
def server(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data = tmp_path_factory.mktemp("lifecycle-sweep") / "data"
    data.mkdir(parents=True)
    (data / "ownstack.yaml").write_text(FAST_LIMITS)
    handle = launch_server(data)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def s3(server: Any) -> Any:
    return server.client("s3")


def lifecycle(s3: Any, name: str, rules: list[dict[str, Any]], **kw: Any) -> None:
    s3.put_bucket_lifecycle_configuration(
        Bucket=name, LifecycleConfiguration={"Rules": rules}, **kw
    )


def rule(rule_id: str, scope: dict[str, Any], **actions: Any) -> dict[str, Any]:
    return {"ID": rule_id, "Filter": scope, "Status": "Enabled", **actions}


def test_objects_expire_by_days_and_date_and_nothing_else(server: Any, s3: Any) -> None:
    name = bucket(s3)
    before = blob_files(server.data_dir)
    s3.put_object(Bucket=name, Key="tmp/small", Body=b"s")
    s3.put_object(Bucket=name, Key="tmp/big", Body=b"b" * BIG)
    s3.put_object(Bucket=name, Key="keep/a", Body=b"k")
    s3.put_object(Bucket=name, Key="tagged", Body=b"t", Tagging="kind=scratch")
    s3.put_object(Bucket=name, Key="untagged", Body=b"u", Tagging="kind=other")
    s3.put_object(Bucket=name, Key="off/a", Body=b"o")
    assert len(blob_files(server.data_dir) - before) == 1
    lifecycle(
        s3,
        name,
        [
            rule("days", {"Prefix": "tmp/"}, Expiration={"Days": 1}),
            rule("date", {"Tag": {"Key": "kind", "Value": "scratch"}}, Expiration={"Date": PAST}),
            rule("later", {"Prefix": "keep/"}, Expiration={"Days": 1000}),
            {
                "ID": "off",
                "Filter": {"Prefix": "off/"},
                "Status": "Disabled",
                "Expiration": {"Date": PAST},
            },
        ],
    )
    wait_for(lambda: keys(s3, name) == {"keep/a", "untagged", "off/a"}, what="expiry")
    # The expired object's blob went with it.
    wait_for(lambda: not (blob_files(server.data_dir) - before), what="blob deletion")
    assert s3.get_object(Bucket=name, Key="keep/a")["Body"].read() == b"k"
    # A new object under an expiring prefix goes too, once due; an untagged one stays.
    s3.put_object(Bucket=name, Key="tmp/late", Body=b"l")
    wait_for(lambda: "tmp/late" not in keys(s3, name, "tmp/"), what="late expiry")
    assert keys(s3, name) == {"keep/a", "untagged", "off/a"}


def test_incomplete_multipart_uploads_are_aborted(server: Any, s3: Any) -> None:
    name = bucket(s3)
    before = blob_files(server.data_dir)
    due = s3.create_multipart_upload(Bucket=name, Key="mpu/a")["UploadId"]
    kept = s3.create_multipart_upload(Bucket=name, Key="other/a")["UploadId"]
    for key, upload in (("mpu/a", due), ("other/a", kept)):
        s3.upload_part(Bucket=name, Key=key, UploadId=upload, PartNumber=1, Body=b"p" * 1024)
    assert len(blob_files(server.data_dir) - before) == 2
    lifecycle(
        s3,
        name,
        [
            rule(
                "abort",
                {"Prefix": "mpu/"},
                AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1},
            )
        ],
    )

    def uploads() -> set[str]:
        listed = s3.list_multipart_uploads(Bucket=name).get("Uploads", [])
        return {u["UploadId"] for u in listed}

    wait_for(lambda: uploads() == {kept}, what="abort")
    wait_for(lambda: len(blob_files(server.data_dir) - before) == 1, what="part blob deletion")
    parts = s3.list_parts(Bucket=name, Key="other/a", UploadId=kept)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1]


def test_transitions_report_the_class_and_keep_objects_readable(s3: Any) -> None:
    name = bucket(s3)
    body = bytes(range(256)) * (BIG // 256)
    put = s3.put_object(Bucket=name, Key="cold/big", Body=body)
    s3.put_object(Bucket=name, Key="cold/small", Body=b"small")
    s3.put_object(Bucket=name, Key="sized/small", Body=b"small")
    head = s3.head_object(Bucket=name, Key="cold/big")
    lifecycle(
        s3,
        name,
        [
            rule(
                "glacier", {"Prefix": "cold/"}, Transitions=[{"Days": 0, "StorageClass": "GLACIER"}]
            ),
            rule(
                "deep",
                {"And": {"Prefix": "sized/", "ObjectSizeGreaterThan": 0}},
                Transitions=[{"Days": 1, "StorageClass": "DEEP_ARCHIVE"}],
            ),
        ],
    )
    wait_for(
        lambda: s3.head_object(Bucket=name, Key="cold/big").get("StorageClass") == "GLACIER",
        what="transition to GLACIER",
    )
    got = s3.get_object(Bucket=name, Key="cold/big")
    assert got["Body"].read() == body
    assert (got["ETag"], got["LastModified"], got["StorageClass"]) == (
        put["ETag"],
        head["LastModified"],
        "GLACIER",
    )
    wait_for(
        lambda: (
            s3.head_object(Bucket=name, Key="sized/small").get("StorageClass") == "DEEP_ARCHIVE"
        ),
        what="size-filtered transition",
    )
    assert s3.get_object(Bucket=name, Key="sized/small")["Body"].read() == b"small"
    listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=name)["Contents"]}
    # Under 128 KiB and no size in the filter: S3's default keeps it where it is.
    assert listed == {
        "cold/big": "GLACIER",
        "cold/small": "STANDARD",
        "sized/small": "DEEP_ARCHIVE",
    }
    assert "StorageClass" not in s3.head_object(Bucket=name, Key="cold/small")


def test_small_objects_go_to_glacier_when_the_minimum_varies(s3: Any) -> None:
    name = bucket(s3)
    s3.put_object(Bucket=name, Key="a", Body=b"a")
    s3.put_object(Bucket=name, Key="b/a", Body=b"a")
    lifecycle(
        s3,
        name,
        [
            rule("g", {"Prefix": "a"}, Transitions=[{"Days": 0, "StorageClass": "GLACIER"}]),
            rule("ia", {"Prefix": "b/"}, Transitions=[{"Days": 0, "StorageClass": "GLACIER_IR"}]),
        ],
        TransitionDefaultMinimumObjectSize="varies_by_storage_class",
    )
    wait_for(lambda: s3.head_object(Bucket=name, Key="a").get("StorageClass") == "GLACIER")
    assert "StorageClass" not in s3.head_object(Bucket=name, Key="b/a")


def _put_many(s3: Any, name: str, keys_and_bodies: list[tuple[str, bytes]]) -> None:
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(
            pool.map(lambda kb: s3.put_object(Bucket=name, Key=kb[0], Body=kb[1]), keys_and_bodies)
        )


def _sweep_then_kill(
    fresh_server: Any, due: list[tuple[str, bytes]], kept: list[tuple[str, bytes]]
) -> tuple[Any, str, int]:
    """A server whose sweep of `due` was SIGKILLed as soon as it was seen to begin: the
    server, the bucket and how many of `due` were left when it was last listed."""
    srv = fresh_server(config_yaml=FAST_LIMITS)
    s3 = srv.client("s3")
    name = bucket(s3)
    _put_many(s3, name, due + kept)
    lifecycle(
        s3,
        name,
        [
            rule("due", {"Prefix": "due/"}, Expiration={"Date": PAST}),
            rule("kept", {"Prefix": "keep/"}, Expiration={"Days": 1000}),
        ],
    )
    left = len(due)
    while left == len(due):  # the sweep has begun
        left = s3.list_objects_v2(Bucket=name, Prefix="due/")["KeyCount"]
    srv.process.kill()  # SIGKILL: no clean stop, the lease is left to expire
    srv.process.wait()
    return srv, name, left


def test_a_sweep_killed_midway_is_finished_after_restart(fresh_server: Any) -> None:
    due = [(f"due/{i:04d}", b"d") for i in range(800)] + [
        (f"due/big{i}", b"D" * BIG) for i in range(3)
    ]
    kept = [(f"keep/{i:02d}", b"k") for i in range(10)] + [
        (f"keep/big{i}", b"K" * BIG) for i in range(2)
    ]
    # The kill must land mid-sweep. On a loaded machine the sweep can outrun the poll that
    # looks for its start; then the whole scenario is tried again on a new server.
    for _attempt in range(4):
        srv, name, left = _sweep_then_kill(fresh_server, due, kept)
        if 0 < left < len(due):
            break
    assert 0 < left < len(due)  # killed mid-sweep: some expired, some not yet

    again = fresh_server(srv.data_dir, config_yaml=FAST_LIMITS)
    s3 = again.client("s3")
    wait_for(lambda: not keys(s3, name, "due/"), timeout=30, what="the rest of the sweep")
    assert keys(s3, name, "keep/") == {k for k, _ in kept}
    for key, body in kept:
        assert s3.get_object(Bucket=name, Key=key)["Body"].read() == body
    # The start-up orphan sweep reclaims blobs of objects expired just before the kill.
    wait_for(lambda: len(blob_files(again.data_dir)) == 2, what="only the kept blobs left")
    s3.put_object(Bucket=name, Key="due/new", Body=b"n")
    wait_for(lambda: not keys(s3, name, "due/"), what="expiry after restart")
    assert len(keys(s3, name, "keep/")) == len(kept)


def test_lifecycle_events_reach_a_queue(server: Any, s3: Any) -> None:
    """s3:LifecycleExpiration:Delete and s3:LifecycleTransition, shaped as S3 sends them
    (eventVersion 2.3, S3 itself as the principal, no eTag on a deletion)."""
    sqs = server.client("sqs")
    name = bucket(s3)
    url, arn = s3_queue(sqs, name)
    events = ["s3:LifecycleExpiration:*", "s3:LifecycleTransition"]
    s3.put_bucket_notification_configuration(
        Bucket=name, NotificationConfiguration=queue_config(arn, events, Id="lc")
    )
    s3.put_object(Bucket=name, Key="gone", Body=b"g")
    s3.put_object(Bucket=name, Key="cold", Body=b"c" * BIG)
    lifecycle(
        s3,
        name,
        [
            rule("x", {"Prefix": "gone"}, Expiration={"Date": PAST}),
            rule("t", {"Prefix": "cold"}, Transitions=[{"Days": 0, "StorageClass": "GLACIER"}]),
        ],
    )
    records = sorted((record_of(b) for b in receive(sqs, url, 2)), key=lambda r: r["eventName"])
    for record in records:
        assert record["eventVersion"] == "2.3"
        assert record["userIdentity"] == {"principalId": "s3.amazonaws.com"}
        assert record["requestParameters"] == {"sourceIPAddress": "s3.amazonaws.com"}
        assert record["s3"]["configurationId"] == "lc"
    expired, moved = records
    assert expired["eventName"] == "LifecycleExpiration:Delete"
    assert set(expired["s3"]["object"]) == {"key", "sequencer"}
    assert expired["s3"]["object"]["key"] == "gone"
    assert moved["eventName"] == "LifecycleTransition"
    assert moved["s3"]["object"]["key"] == "cold"
    assert moved["s3"]["object"]["eTag"] == s3.head_object(Bucket=name, Key="cold")["ETag"].strip(
        '"'
    )
