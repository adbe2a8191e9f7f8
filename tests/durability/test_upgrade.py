"""Upgrade: a data dir written by the previous release (de61a9e) opens in this one, keeps every
object, queue, message, topic, subscription and credential, and opens again after that.

The fixture (tests/fixtures/datadir-de61a9e.tar.gz, made by make_datadir.py, whose README says
how) comes with datadir-de61a9e.json: what de61a9e answered about its contents; this release
must answer the same.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))

import make_datadir as made

from ownserver import ServerHandle, free_port, server_env, start_server

pytestmark = pytest.mark.own_server

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "datadir-de61a9e"
MANIFEST: dict[str, Any] = json.loads(FIXTURE.with_suffix(".json").read_text())


def unpack(target: Path) -> Path:
    """The fixture's data dir under `target`, its messages and their FIFO dedup ids moved to
    the present (they would otherwise pass their retention period, or the 5-minute dedup
    window, after the fixture was made)."""
    with tarfile.open(FIXTURE.with_suffix(".tar.gz")) as tar:
        tar.extractall(target, filter="data")
    data = target / "data"
    shift = time.time() - MANIFEST["made_at"]
    with sqlite3.connect(data / "queues.db") as conn:  # de61a9e's layout, fixed forever
        conn.execute(
            "UPDATE messages SET sent_at = sent_at + ?, visible_at = visible_at + ?", (shift, shift)
        )
        conn.execute("UPDATE dedup SET expires_at = expires_at + ?", (shift,))
        conn.execute("UPDATE groups SET ready_at = ready_at + ?", (shift,))
    conn.close()
    return data


def user_versions(data: Path) -> tuple[int, int]:
    versions = []
    for name in ("meta.db", "queues.db"):
        conn = sqlite3.connect(data / name)
        versions.append(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.close()
    return versions[0], versions[1]


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    data = unpack(tmp_path_factory.mktemp("upgrade"))
    assert user_versions(data) == (0, 0)  # as de61a9e left it: no versions yet
    handle = start_server(data)
    try:
        yield handle
    finally:
        handle.stop()


def test_the_databases_are_adopted_at_version_1(upgraded: ServerHandle) -> None:
    assert user_versions(upgraded.data_dir) == (1, 1)


def test_every_object_keeps_its_bytes_etag_metadata_and_checksum(upgraded: ServerHandle) -> None:
    s3 = upgraded.client("s3")
    listed = s3.list_objects_v2(Bucket=made.BUCKET)["Contents"]
    assert [o["Key"] for o in listed] == sorted(MANIFEST["objects"])
    assert {o["Key"]: o["ETag"] for o in listed} == {
        key: seen["ETag"] for key, seen in MANIFEST["objects"].items()
    }
    for key, seen in MANIFEST["objects"].items():
        got = s3.get_object(Bucket=made.BUCKET, Key=key, ChecksumMode="ENABLED")
        expected = (
            made.part_body(1) + made.part_body(2)
            if key == made.MULTIPART_KEY
            else made.object_body(key)
        )
        assert got["Body"].read() == expected, key
        now = {name: got.get(name) for name in seen}
        assert now == seen, key
    assert MANIFEST["objects"][made.MULTIPART_KEY]["ETag"].endswith('-2"')
    tags = s3.get_object_tagging(Bucket=made.BUCKET, Key="plain.txt")["TagSet"]
    assert tags == [{"Key": "team", "Value": "a"}]


def test_the_multipart_object_serves_its_parts(upgraded: ServerHandle) -> None:
    s3 = upgraded.client("s3")
    first = s3.get_object(Bucket=made.BUCKET, Key=made.MULTIPART_KEY, PartNumber=1)
    assert first["PartsCount"] == 2
    assert first["ContentLength"] == made.MULTIPART_PARTS[0]
    assert first["Body"].read() == made.part_body(1)
    tail = s3.get_object(Bucket=made.BUCKET, Key=made.MULTIPART_KEY, Range="bytes=-10")
    assert tail["Body"].read() == made.part_body(2)[-10:]


def test_queues_keep_their_attributes_and_messages(upgraded: ServerHandle) -> None:
    sqs = upgraded.client("sqs")
    urls = sqs.list_queues()["QueueUrls"]
    assert sorted(url.rsplit("/", 1)[1] for url in urls) == sorted(MANIFEST["queues"])
    for name, before in MANIFEST["queues"].items():
        after = _attributes(sqs, name)
        after.pop("MaximumMessageSize")  # test_queues_keep_their_maximum_message_size
        assert after == {k: v for k, v in before.items() if k != "MaximumMessageSize"}, name

    standard = sqs.get_queue_url(QueueName=made.STANDARD_QUEUE)["QueueUrl"]
    got = _receive_all(sqs, standard, len(made.STANDARD_BODIES))
    assert sorted((m["MessageId"], m["Body"]) for m in got) == sorted(
        zip(MANIFEST["standard_ids"], made.STANDARD_BODIES, strict=True)
    )
    for message in got:
        assert message["MessageAttributes"] == {
            "origin": {"StringValue": "de61a9e", "DataType": "String"}
        }
        sqs.delete_message(QueueUrl=standard, ReceiptHandle=message["ReceiptHandle"])

    fifo = sqs.get_queue_url(QueueName=made.FIFO_QUEUE)["QueueUrl"]
    got = sqs.receive_message(
        QueueUrl=fifo, MaxNumberOfMessages=10, AttributeNames=["SequenceNumber"]
    )["Messages"]
    assert [(m["MessageId"], m["Body"], m["Attributes"]["SequenceNumber"]) for m in got] == [
        (sent["MessageId"], body, sent["SequenceNumber"])
        for sent, body in zip(MANIFEST["fifo_sent"], made.FIFO_BODIES, strict=True)
    ]
    # The dedup ids of de61a9e's sends are still remembered (content-based, 5 minutes).
    again = sqs.send_message(QueueUrl=fifo, MessageBody=made.FIFO_BODIES[0], MessageGroupId="g1")
    assert again["MessageId"] == MANIFEST["fifo_sent"][0]["MessageId"]


def test_queues_keep_their_maximum_message_size(upgraded: ServerHandle) -> None:
    sqs = upgraded.client("sqs")
    for name, before in MANIFEST["queues"].items():
        assert _attributes(sqs, name)["MaximumMessageSize"] == before["MaximumMessageSize"]


def test_the_topic_still_delivers_to_its_subscription(upgraded: ServerHandle) -> None:
    sns, sqs = upgraded.client("sns"), upgraded.client("sqs")
    topic = MANIFEST["topic_arn"]
    assert sns.list_topics()["Topics"] == [{"TopicArn": topic}]
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["SubscriptionArn"], s["Protocol"], s["Endpoint"]) for s in subs] == [
        (MANIFEST["subscription_arn"], "sqs", MANIFEST["subscriber_arn"])
    ]
    attrs = sns.get_subscription_attributes(SubscriptionArn=MANIFEST["subscription_arn"])
    assert attrs["Attributes"]["RawMessageDelivery"] == "true"

    url = sqs.get_queue_url(QueueName=made.SUBSCRIBED_QUEUE)["QueueUrl"]
    sns.publish(TopicArn=topic, Message="published after the upgrade")
    got = _receive_all(sqs, url, 2)
    assert sorted(m["Body"] for m in got) == [
        "published after the upgrade",
        "published before the upgrade",
    ]


def test_the_credentials_still_work(upgraded: ServerHandle) -> None:
    identity = upgraded.client("sts").get_caller_identity()
    assert (identity["Account"], identity["Arn"]) == (
        "123456789012",
        "arn:aws:iam::123456789012:root",
    )
    wrong = upgraded.client("s3", aws_secret_access_key="not-the-secret")
    with pytest.raises(ClientError) as refused:
        wrong.list_buckets()
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_a_second_start_of_the_upgraded_dir(upgraded: ServerHandle) -> None:
    sqs = upgraded.client("sqs")
    url = sqs.get_queue_url(QueueName=made.STANDARD_QUEUE)["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="sent by the upgraded server")
    assert upgraded.stop() in (0, -15)

    again = start_server(upgraded.data_dir)
    try:
        assert user_versions(again.data_dir) == (1, 1)
        s3 = again.client("s3")
        body = s3.get_object(Bucket=made.BUCKET, Key=made.MULTIPART_KEY)["Body"].read()
        assert body == made.part_body(1) + made.part_body(2)
        got = _receive_all(again.client("sqs"), url.replace(upgraded.endpoint, again.endpoint), 1)
        assert [(m["MessageId"], m["Body"]) for m in got] == [
            (sent["MessageId"], "sent by the upgraded server")
        ]
        assert again.client("sts").get_caller_identity()["Account"] == "123456789012"
    finally:
        again.stop()


def test_a_data_dir_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    data = unpack(tmp_path)
    conn = sqlite3.connect(data / "meta.db")
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    argv = [sys.executable, "-m", "ownstack.cli", "serve", "--port", str(free_port())]
    done = subprocess.run(
        [*argv, "--data", str(data)], env=server_env(), capture_output=True, timeout=30
    )
    assert done.returncode != 0
    message = (
        f"sqlite database {str(data / 'meta.db')!r} is at meta migration 7, newer than this "
        "ownstack knows (up to 1): a newer ownstack uses it; upgrade this one (refusing to "
        "start rather than risk the data)"
    )
    output = done.stdout.decode() + done.stderr.decode()
    assert message in output
    assert "Traceback" not in output
    assert user_versions(data) == (7, 0)  # nothing touched, the queue file not even migrated


def _attributes(sqs: Any, name: str) -> dict[str, str]:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes: dict[str, str] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    return attributes


def _receive_all(sqs: Any, url: str, count: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while len(got) < count and time.monotonic() < deadline:
        got += sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
    return got
