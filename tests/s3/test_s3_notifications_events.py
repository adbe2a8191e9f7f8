"""S3 event notifications delivered to SQS (and through SNS) by a real server: every event
type ownstack's writes cause, wildcards and exact types, prefix and suffix filters, the event
record exactly as AWS shapes it (keys URL-encoded, sequencers ordered per key)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from notifykit import (
    SEQUENCER,
    check_envelope,
    key_filter,
    names,
    nothing_more,
    open_queue,
    queue_config,
    receive,
    record_of,
    s3_queue,
    unique,
)

pytestmark = pytest.mark.slow

ALL = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectTagging:*"]


@pytest.fixture(scope="module")
def clients(server: Any) -> tuple[Any, Any]:
    return server.client("s3"), server.client("sqs")


def _watched(clients: Any, events: list[str], **extra: Any) -> tuple[str, str]:
    """A new bucket whose `events` go to a new queue: (bucket, queue url)."""
    s3, sqs = clients
    bucket = unique("events")
    s3.create_bucket(Bucket=bucket)
    url, arn = s3_queue(sqs, bucket)
    config = queue_config(arn, events, Id="watch", **extra)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    return bucket, url


def _one(sqs: Any, url: str) -> dict[str, Any]:
    return record_of(receive(sqs, url, 1)[0])


def test_put_object_record_is_shaped_as_aws_shapes_it(clients: Any) -> None:
    s3, sqs = clients
    bucket, url = _watched(clients, ["s3:ObjectCreated:*"])
    key = "dir/red flower ü+=~*.txt"
    out = s3.put_object(Bucket=bucket, Key=key, Body=b"hello")
    record = _one(sqs, url)
    check_envelope(record, bucket, "watch")
    assert record["eventVersion"] == "2.1"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["responseElements"]["x-amz-request-id"] == out["ResponseMetadata"]["RequestId"]
    obj = record["s3"]["object"]
    assert list(obj) == ["key", "size", "eTag", "sequencer"]
    assert obj["key"] == "dir/red+flower+%C3%BC%2B%3D%7E*.txt"
    assert (obj["size"], obj["eTag"]) == (5, hashlib.md5(b"hello").hexdigest())
    assert SEQUENCER.fullmatch(obj["sequencer"])


def test_every_event_type_ownstack_causes(clients: Any) -> None:
    s3, sqs = clients
    bucket, url = _watched(clients, ALL)
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    assert names([receive(sqs, url, 1)[0]]) == [("ObjectCreated:Put", "a")]

    s3.copy_object(Bucket=bucket, Key="b", CopySource={"Bucket": bucket, "Key": "a"})
    copied = _one(sqs, url)
    assert copied["eventName"] == "ObjectCreated:Copy"
    assert copied["s3"]["object"]["eTag"] == hashlib.md5(b"x").hexdigest()

    upload = s3.create_multipart_upload(Bucket=bucket, Key="c")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="c", UploadId=upload, PartNumber=1, Body=b"yy")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="c",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    completed = _one(sqs, url)
    assert completed["eventName"] == "ObjectCreated:CompleteMultipartUpload"
    digest = hashlib.md5(hashlib.md5(b"yy").digest()).hexdigest()
    assert completed["s3"]["object"] | {"sequencer": ""} == {
        "key": "c",
        "size": 2,
        "eTag": f"{digest}-1",
        "sequencer": "",
    }

    s3.put_object_tagging(Bucket=bucket, Key="a", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    tagged = _one(sqs, url)
    assert (tagged["eventName"], tagged["eventVersion"]) == ("ObjectTagging:Put", "2.3")
    assert tagged["s3"]["object"] == {"key": "a", "eTag": hashlib.md5(b"x").hexdigest()}
    s3.delete_object_tagging(Bucket=bucket, Key="a")
    assert names([receive(sqs, url, 1)[0]]) == [("ObjectTagging:Delete", "a")]

    s3.delete_object(Bucket=bucket, Key="a")
    removed = _one(sqs, url)
    assert removed["eventName"] == "ObjectRemoved:Delete"
    assert list(removed["s3"]["object"]) == ["key", "sequencer"]

    # One event per key, including a key that was not there (S3 notifies it too).
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "b"}, {"Key": "nope"}]})
    got = sorted(names(receive(sqs, url, 2)))
    assert got == [("ObjectRemoved:Delete", "b"), ("ObjectRemoved:Delete", "nope")]
    nothing_more(sqs, url)


def test_an_exact_event_type_is_only_that_type(clients: Any) -> None:
    s3, sqs = clients
    bucket, url = _watched(clients, ["s3:ObjectCreated:Copy"])
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "plain"})
    assert names(receive(sqs, url, 1)) == [("ObjectCreated:Copy", "copy")]
    s3.delete_object(Bucket=bucket, Key="copy")
    nothing_more(sqs, url)


def test_prefix_and_suffix_filters(clients: Any) -> None:
    s3, sqs = clients
    rules = key_filter(prefix="my%20photos/", suffix=".jpg")  # values are URL-encoded
    bucket, url = _watched(clients, ["s3:ObjectCreated:*"], Filter=rules)
    for key in ("my photos/a.jpg", "my photos/a.png", "other/a.jpg", "my photos/b/c.jpg"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    got = sorted(names(receive(sqs, url, 2)))
    assert got == [
        ("ObjectCreated:Put", "my+photos/a.jpg"),
        ("ObjectCreated:Put", "my+photos/b/c.jpg"),
    ]
    nothing_more(sqs, url)


def test_sequencers_order_the_events_of_a_key(clients: Any) -> None:
    s3, sqs = clients
    bucket, url = _watched(clients, ALL)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    s3.put_object(Bucket=bucket, Key="other", Body=b"x")
    s3.put_object(Bucket=bucket, Key="k", Body=b"22")
    s3.delete_object(Bucket=bucket, Key="k")
    records = [record_of(b) for b in receive(sqs, url, 4)]
    ours = [r for r in records if r["s3"]["object"]["key"] == "k"]
    by_order = sorted(ours, key=lambda r: str(r["s3"]["object"]["sequencer"]))
    assert [(r["eventName"], r["s3"]["object"].get("size")) for r in by_order] == [
        ("ObjectCreated:Put", 1),
        ("ObjectCreated:Put", 2),
        ("ObjectRemoved:Delete", None),
    ]
    sequencers = [r["s3"]["object"]["sequencer"] for r in by_order]
    assert len(set(sequencers)) == 3


def test_one_change_goes_to_every_matching_configuration(clients: Any) -> None:
    s3, sqs = clients
    bucket = unique("fan")
    s3.create_bucket(Bucket=bucket)
    first, first_arn = s3_queue(sqs, bucket)
    second, second_arn = s3_queue(sqs, bucket)
    config = {
        "QueueConfigurations": [
            {"Id": "created", "QueueArn": first_arn, "Events": ["s3:ObjectCreated:*"]},
            {"Id": "removed", "QueueArn": second_arn, "Events": ["s3:ObjectRemoved:*"]},
            {"Id": "tagged", "QueueArn": second_arn, "Events": ["s3:ObjectTagging:Put"]},
        ]
    }
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": []})
    s3.delete_object(Bucket=bucket, Key="k")
    assert [record_of(b)["s3"]["configurationId"] for b in receive(sqs, first, 1)] == ["created"]
    ids = sorted(record_of(b)["s3"]["configurationId"] for b in receive(sqs, second, 2))
    assert ids == ["removed", "tagged"]


def test_notifications_stop_when_turned_off(clients: Any) -> None:
    s3, sqs = clients
    bucket, url = _watched(clients, ["s3:ObjectCreated:*"])
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    s3.put_object(Bucket=bucket, Key="quiet", Body=b"x")
    nothing_more(sqs, url)


def test_through_an_sns_topic(server: Any, clients: Any) -> None:
    s3, sqs = clients
    sns = server.client("sns")
    bucket = unique("topic")
    s3.create_bucket(Bucket=bucket)
    topic = sns.create_topic(Name=unique("events"))["TopicArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic,
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            }
        ],
    }
    sns.set_topic_attributes(
        TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy)
    )
    url = sqs.create_queue(QueueName=unique("fromtopic"))["QueueUrl"]
    open_queue(sqs, url, [], topic=topic)
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue["QueueArn"])
    config = {
        "TopicConfigurations": [{"Id": "t", "TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]
    }
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    s3.put_object(Bucket=bucket, Key="via topic", Body=b"x")
    envelopes = receive(sqs, url, 2)  # the test event, then the object's event
    messages = [json.loads(e["Message"]) for e in envelopes]
    assert [m.get("Event") for m in messages] == ["s3:TestEvent", None]
    assert {e["TopicArn"] for e in envelopes} == {topic}
    assert names([messages[1]]) == [("ObjectCreated:Put", "via+topic")]


def test_an_iam_user_is_named_by_its_unique_id(server: Any, clients: Any) -> None:
    _, sqs = clients
    iam = server.client("iam")
    bucket, url = _watched(clients, ["s3:ObjectCreated:*"])
    name = unique("writer")
    user_id = iam.create_user(UserName=name)["User"]["UserId"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    as_user = server.client(
        "s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    as_user.put_object(Bucket=bucket, Key="by-user", Body=b"x")
    record = _one(sqs, url)
    assert record["userIdentity"] == {"principalId": f"AWS:{user_id}"}
    assert record["s3"]["bucket"]["ownerIdentity"] == {"principalId": "123456789012"}
