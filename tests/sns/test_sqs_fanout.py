"""Fan-out to SQS queues through the events bus: the SNS envelope, raw delivery with message
attributes, filtering, FIFO topics to FIFO queues (order, deduplication), dead-letter queues."""

from __future__ import annotations

import json
from typing import Any

import pytest
from snskit import HttpSink, topic_queue, unique

pytestmark = pytest.mark.slow


def receive_all(sqs: Any, url: str, count: int, **kw: Any) -> list[dict[str, Any]]:
    """`count` messages from the queue (each deleted), then nothing more within 1 s."""
    got: list[dict[str, Any]] = []
    for _ in range(count * 2 + 5):
        if len(got) >= count:
            break
        page = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2, **kw
        ).get("Messages", [])
        got += page
        for m in page:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    extra = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert extra == [], [m["Body"] for m in extra]
    assert len(got) == count
    return got


def test_envelope_delivery(sns: Any, sqs: Any, topic: Any, server: Any) -> None:
    arn = topic()
    url, qarn = topic_queue(sqs, unique("q"), arn)
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    published = sns.publish(
        TopicArn=arn,
        Message="to the queue",
        Subject="Hi",
        MessageAttributes={"n": {"DataType": "Number", "StringValue": "42"}},
    )
    (message,) = receive_all(sqs, url, 1)
    doc = json.loads(message["Body"])
    assert doc["Type"] == "Notification"
    assert doc["MessageId"] == published["MessageId"]
    assert (doc["TopicArn"], doc["Subject"], doc["Message"]) == (arn, "Hi", "to the queue")
    assert doc["MessageAttributes"] == {"n": {"Type": "Number", "Value": "42"}}
    assert doc["SignatureVersion"] == "1" and doc["Signature"]
    assert doc["SigningCertURL"].startswith(server.endpoint + "/_ownstack/sns/")
    assert sub.replace(":", "%3A") in doc["UnsubscribeURL"]


def test_raw_delivery_carries_message_attributes(sns: Any, sqs: Any, topic: Any) -> None:
    arn = topic()
    url, qarn = topic_queue(sqs, unique("q"), arn)
    sns.subscribe(
        TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"}
    )
    sns.publish(
        TopicArn=arn,
        Message="raw body",
        MessageAttributes={
            "s": {"DataType": "String", "StringValue": "text"},
            "n": {"DataType": "Number", "StringValue": "7"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
        },
    )
    (message,) = receive_all(sqs, url, 1, MessageAttributeNames=["All"])
    assert message["Body"] == "raw body"
    assert message["MessageAttributes"] == {
        "s": {"DataType": "String", "StringValue": "text"},
        "n": {"DataType": "Number", "StringValue": "7"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
    }


def test_fan_out_to_several_queues_with_a_filter(sns: Any, sqs: Any, topic: Any) -> None:
    arn = topic()
    all_url, all_arn = topic_queue(sqs, unique("all"), arn)
    red_url, red_arn = topic_queue(sqs, unique("red"), arn)
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=all_arn)
    sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint=red_arn,
        Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps({"c": ["red"]})},
    )
    for color in ("red", "blue", "red"):
        sns.publish(
            TopicArn=arn,
            Message=color,
            MessageAttributes={"c": {"DataType": "String", "StringValue": color}},
        )
    assert len(receive_all(sqs, all_url, 3)) == 3
    assert [m["Body"] for m in receive_all(sqs, red_url, 2)] == ["red", "red"]


def test_message_structure_json_per_protocol(sns: Any, sqs: Any, topic: Any) -> None:
    arn = topic()
    url, qarn = topic_queue(sqs, unique("q"), arn)
    sns.subscribe(
        TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"}
    )
    sns.publish(
        TopicArn=arn,
        MessageStructure="json",
        Message=json.dumps({"default": "plain", "sqs": "for sqs"}),
    )
    assert [m["Body"] for m in receive_all(sqs, url, 1)] == ["for sqs"]


def test_fifo_topic_to_fifo_queue(sns: Any, sqs: Any) -> None:
    arn = sns.create_topic(Name=unique() + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    url, qarn = topic_queue(sqs, unique("q") + ".fifo", arn, FifoQueue="true")
    sns.subscribe(
        TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"}
    )
    for i in range(5):
        sns.publish(
            TopicArn=arn, Message=f"m{i}", MessageGroupId="g", MessageDeduplicationId=f"d{i}"
        )
    sns.publish(TopicArn=arn, Message="dup", MessageGroupId="g", MessageDeduplicationId="d1")
    got = receive_all(sqs, url, 5, AttributeNames=["MessageGroupId"])
    assert [m["Body"] for m in got] == [f"m{i}" for i in range(5)]
    assert {m["Attributes"]["MessageGroupId"] for m in got} == {"g"}


def test_fifo_topic_envelopes_are_not_signed(sns: Any, sqs: Any) -> None:
    """AWS leaves SignatureVersion, Signature and SigningCertURL out of FIFO notifications."""
    arn = sns.create_topic(Name=unique() + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    url, qarn = topic_queue(sqs, unique("q") + ".fifo", arn, FifoQueue="true")
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    published = sns.publish(
        TopicArn=arn, Message="m", MessageGroupId="g", MessageDeduplicationId="d"
    )
    (message,) = receive_all(sqs, url, 1)
    doc = json.loads(message["Body"])
    assert list(doc) == [
        "Type",
        "MessageId",
        "SequenceNumber",
        "TopicArn",
        "Message",
        "Timestamp",
        "UnsubscribeURL",
    ]
    assert doc["SequenceNumber"] == published["SequenceNumber"]
    assert sub.replace(":", "%3A") in doc["UnsubscribeURL"]


def test_missing_queue_goes_to_the_dead_letter_queue(
    sns: Any, sqs: Any, topic: Any, server: Any
) -> None:
    arn = topic()
    dlq_url, dlq_arn = topic_queue(sqs, unique("dlq"), arn)
    gone = f"arn:aws:sqs:{server.region}:{server.account_id}:{unique('never-created')}"
    sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint=gone,
        Attributes={
            "RawMessageDelivery": "true",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn}),
        },
    )
    sns.publish(TopicArn=arn, Message="lost and found")
    assert [m["Body"] for m in receive_all(sqs, dlq_url, 1)] == ["lost and found"]


def test_failed_http_delivery_goes_to_the_dead_letter_queue(
    sns: Any, sqs: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    arn = topic()
    dlq_url, dlq_arn = topic_queue(sqs, unique("dlq"), arn)
    policy = {"healthyRetryPolicy": {"numRetries": 1, "numNoDelayRetries": 1}}
    _, path = confirmed_http(
        arn,
        DeliveryPolicy=json.dumps(policy),
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn}),
    )
    sink.answer(path, 500, 500)
    published = sns.publish(TopicArn=arn, Message="undeliverable")
    (message,) = receive_all(sqs, dlq_url, 1)
    doc = json.loads(message["Body"])
    assert (doc["MessageId"], doc["Message"]) == (published["MessageId"], "undeliverable")
    assert len(sink.to(path)) == 3  # confirmation + 2 failed attempts
