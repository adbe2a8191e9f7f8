"""SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch: request-wide errors and
errors per entry (the others still succeed)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqskit import error_of, unique


def new_queue(sqs: Any) -> str:
    url: str = sqs.create_queue(QueueName=unique())["QueueUrl"]
    return url


def test_send_batch_results_per_entry(sqs: Any) -> None:
    url = new_queue(sqs)
    result = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok-1", "MessageBody": "one"},
            {"Id": "bad_char", "MessageBody": "two\x00"},
            {"Id": "too_late", "MessageBody": "three", "DelaySeconds": 1000},
            {
                "Id": "ok-2",
                "MessageBody": "four",
                "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
            },
        ],
    )
    assert [e["Id"] for e in result["Successful"]] == ["ok-1", "ok-2"]
    first = result["Successful"][0]
    assert first["MD5OfMessageBody"] == hashlib.md5(b"one").hexdigest()
    assert "MD5OfMessageAttributes" in result["Successful"][1]
    failed = {e["Id"]: e for e in result["Failed"]}
    assert set(failed) == {"bad_char", "too_late"}
    assert failed["bad_char"]["Code"] == "InvalidMessageContents"
    assert failed["bad_char"]["SenderFault"] is True
    assert failed["too_late"]["Code"] == "InvalidParameterValue"
    assert failed["too_late"]["Message"].startswith("Value 1000 for parameter DelaySeconds")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    bodies = {m["Body"] for m in got["Messages"]}
    while len(bodies) < 2:
        bodies |= {m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]}
    assert bodies == {"one", "four"}


@pytest.mark.one_engine
def test_send_batch_request_errors(sqs: Any) -> None:
    url = new_queue(sqs)
    cases: list[tuple[list[dict[str, Any]], str, str]] = [
        (
            [],
            "AWS.SimpleQueueService.EmptyBatchRequest",
            "There should be at least one SendMessageBatchRequestEntry in the request.",
        ),
        (
            [{"Id": str(i), "MessageBody": "x"} for i in range(11)],
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            "Maximum number of entries per request are 10. You have sent 11.",
        ),
        (
            [{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}],
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            "Id a repeated.",
        ),
        (
            [{"Id": "no spaces", "MessageBody": "x"}],
            "AWS.SimpleQueueService.InvalidBatchEntryId",
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
            "It can be at most 80 letters long.",
        ),
        (
            [{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(6)],
            "AWS.SimpleQueueService.BatchRequestTooLong",
            "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.",
        ),
    ]
    for entries, code, message in cases:
        with pytest.raises(ClientError) as exc:
            sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert error_of(exc) == (code, message, 400)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_delete_batch(sqs: Any) -> None:
    url = new_queue(sqs)
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)]
    )
    received: list[dict[str, Any]] = []
    while len(received) < 3:
        received += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    entries = [{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)]
    entries.append({"Id": "bogus", "ReceiptHandle": "not-a-handle"})
    result = sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    assert sorted(e["Id"] for e in result["Successful"]) == ["d0", "d1", "d2"]
    assert [(e["Id"], e["Code"], e["SenderFault"]) for e in result["Failed"]] == [
        ("bogus", "ReceiptHandleIsInvalid", True)
    ]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert counts["ApproximateNumberOfMessages"] == "0"
    with pytest.raises(ClientError) as exc:
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": "x", "ReceiptHandle": "a"}, {"Id": "x", "ReceiptHandle": "b"}],
        )
    assert error_of(exc)[0] == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"


def test_change_visibility_batch(sqs: Any) -> None:
    url = new_queue(sqs)
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(2)]
    )
    received: list[dict[str, Any]] = []
    while len(received) < 2:
        received += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    result = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "now", "ReceiptHandle": received[0]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "bad", "ReceiptHandle": "nope", "VisibilityTimeout": 0},
            {
                "Id": "too_long",
                "ReceiptHandle": received[1]["ReceiptHandle"],
                "VisibilityTimeout": 43201,
            },
        ],
    )
    assert [e["Id"] for e in result["Successful"]] == ["now"]
    assert sorted((e["Id"], e["Code"]) for e in result["Failed"]) == [
        ("bad", "ReceiptHandleIsInvalid"),
        ("too_long", "InvalidParameterValue"),
    ]
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["MessageId"] for m in again] == [received[0]["MessageId"]]
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=[])
    assert error_of(exc) == (
        "AWS.SimpleQueueService.EmptyBatchRequest",
        "There should be at least one ChangeMessageVisibilityBatchRequestEntry in the request.",
        400,
    )


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("MessageGroupId", "The request must contain the parameter MessageGroupId."),
        (
            "MessageDeduplicationId",
            "The queue should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly",
        ),
    ],
)
def test_fifo_batch_without_group_or_dedup_id_fails_whole(
    sqs: Any, missing: str, message: str
) -> None:
    url = sqs.create_queue(QueueName=unique() + ".fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    full = {"MessageBody": "m", "MessageGroupId": "g", "MessageDeduplicationId": "d1"}
    lacking = {k: v for k, v in full.items() if k != missing} | {"Id": "b"}
    if "MessageDeduplicationId" in lacking:
        lacking["MessageDeduplicationId"] = "d2"
    with pytest.raises(ClientError) as exc:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", **full}, lacking])
    # SendMessage says MissingParameter for the group; a batch says InvalidParameterValue.
    assert error_of(exc) == ("InvalidParameterValue", message, 400)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
