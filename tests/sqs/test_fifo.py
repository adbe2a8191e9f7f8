"""FIFO queues: group and deduplication ids, content-based deduplication, sequence numbers,
receive request attempt ids, high-throughput deduplication scope."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqskit import error_of, unique


def fifo_queue(sqs: Any, **attrs: str) -> str:
    url: str = sqs.create_queue(
        QueueName=unique() + ".fifo", Attributes={"FifoQueue": "true", **attrs}
    )["QueueUrl"]
    return url


@pytest.mark.one_engine
def test_group_id_is_required(sqs: Any) -> None:
    url = fifo_queue(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert error_of(exc) == (
        "MissingParameter",
        "The request must contain the parameter MessageGroupId.",
        400,
    )


@pytest.mark.one_engine
def test_dedup_id_or_content_based_deduplication_is_required(sqs: Any) -> None:
    url = fifo_queue(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert error_of(exc) == (
        "InvalidParameterValue",
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
        400,
    )


@pytest.mark.one_engine
def test_per_message_delay_is_refused(sqs: Any) -> None:
    url = fifo_queue(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(
            QueueUrl=url,
            MessageBody="x",
            MessageGroupId="g",
            MessageDeduplicationId="d",
            DelaySeconds=5,
        )
    assert error_of(exc)[0] == "InvalidParameterValue"


@pytest.mark.one_engine
def test_invalid_ids(sqs: Any) -> None:
    url = fifo_queue(sqs)
    for kwargs in (
        {"MessageGroupId": "g" * 129, "MessageDeduplicationId": "d"},
        {"MessageGroupId": "g", "MessageDeduplicationId": "with space"},
    ):
        with pytest.raises(ClientError) as exc:
            sqs.send_message(QueueUrl=url, MessageBody="x", **kwargs)
        assert error_of(exc)[0] == "InvalidParameterValue"
        assert "can only include alphanumeric and punctuation characters" in error_of(exc)[1]


@pytest.mark.one_engine
def test_standard_queue_refuses_dedup_id(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert error_of(exc)[0] == "InvalidParameterValue"


def test_duplicates_are_accepted_and_not_delivered_twice(sqs: Any) -> None:
    url = fifo_queue(sqs)
    first = sqs.send_message(
        QueueUrl=url, MessageBody="once", MessageGroupId="g", MessageDeduplicationId="d1"
    )
    dup = sqs.send_message(
        QueueUrl=url, MessageBody="once again", MessageGroupId="g", MessageDeduplicationId="d1"
    )
    assert dup["MessageId"] == first["MessageId"]
    assert dup["SequenceNumber"] == first["SequenceNumber"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["once"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    # Deleted, but still remembered for the deduplication interval.
    sqs.send_message(
        QueueUrl=url, MessageBody="third", MessageGroupId="g", MessageDeduplicationId="d1"
    )
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_content_based_deduplication(sqs: Any) -> None:
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    a = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    b = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="other")
    c = sqs.send_message(QueueUrl=url, MessageBody="different", MessageGroupId="g")
    assert a["MessageId"] == b["MessageId"]
    assert c["MessageId"] != a["MessageId"]
    got = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert [m["Body"] for m in got] == ["same", "different"]
    dedup = got[0]["Attributes"]["MessageDeduplicationId"]
    assert dedup == hashlib.sha256(b"same").hexdigest()


def test_dedup_scope_message_group(sqs: Any) -> None:
    url = fifo_queue(
        sqs, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId"
    )
    a = sqs.send_message(
        QueueUrl=url, MessageBody="a", MessageGroupId="g1", MessageDeduplicationId="d"
    )
    b = sqs.send_message(
        QueueUrl=url, MessageBody="b", MessageGroupId="g2", MessageDeduplicationId="d"
    )
    assert a["MessageId"] != b["MessageId"]


def test_sequence_numbers_grow_and_attributes(sqs: Any) -> None:
    url = fifo_queue(sqs)
    sent = [
        sqs.send_message(
            QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g", MessageDeduplicationId=f"d{i}"
        )
        for i in range(3)
    ]
    numbers = [int(s["SequenceNumber"]) for s in sent]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    got = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert [m["Body"] for m in got] == ["m0", "m1", "m2"]
    attrs = got[0]["Attributes"]
    assert attrs["MessageGroupId"] == "g"
    assert attrs["MessageDeduplicationId"] == "d0"
    assert attrs["SequenceNumber"] == sent[0]["SequenceNumber"]


def test_batch_keeps_order_within_group(sqs: Any) -> None:
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    result = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": f"e{i}", "MessageBody": f"m{i}", "MessageGroupId": "g"} for i in range(10)],
    )
    assert len(result["Successful"]) == 10
    bodies: list[str] = []
    while len(bodies) < 10:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        bodies += [m["Body"] for m in got]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ],
        )
    assert bodies == [f"m{i}" for i in range(10)]


def test_group_blocked_while_in_flight(sqs: Any) -> None:
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    for body, group in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    first = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in first] == ["a1"]
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in second] == ["b1"]  # a2 waits for a1


def test_receive_request_attempt_id_returns_same_messages(sqs: Any) -> None:
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId=f"g{i}")
    first = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1"
    )
    retry = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1"
    )
    ids = [(m["MessageId"], m["ReceiptHandle"]) for m in first["Messages"]]
    assert ids == [(m["MessageId"], m["ReceiptHandle"]) for m in retry["Messages"]]
    other = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, ReceiveRequestAttemptId="try-2"
    )
    assert [m["Body"] for m in other["Messages"]] == ["m2"]
