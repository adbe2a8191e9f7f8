"""Issue 16, items 2-4: where SQS answered differently from AWS. Every test runs over both wire
protocols and each queue engine (conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqskit import error_of, unique

ONE_MIB = 1_048_576
TOO_LARGE = (
    "InvalidParameterValue",
    "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
    400,
)
NO_QUEUE = ("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)


def _fifo(sqs: Any, **attrs: str) -> str:
    name = unique() + ".fifo"
    url: str = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", **attrs})[
        "QueueUrl"
    ]
    return url


def test_fifo_takes_a_zero_per_message_delay(sqs: Any) -> None:
    url = _fifo(sqs)
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="one",
        MessageGroupId="g",
        MessageDeduplicationId="d1",
        DelaySeconds=0,
    )
    batch = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {
                "Id": "zero",
                "MessageBody": "two",
                "MessageGroupId": "g",
                "MessageDeduplicationId": "d2",
                "DelaySeconds": 0,
            },
            {
                "Id": "five",
                "MessageBody": "three",
                "MessageGroupId": "g",
                "MessageDeduplicationId": "d3",
                "DelaySeconds": 5,
            },
        ],
    )
    assert sent["SequenceNumber"]
    assert [e["Id"] for e in batch["Successful"]] == ["zero"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in batch["Failed"]] == [
        ("five", "InvalidParameterValue", True)
    ]
    assert batch["Failed"][0]["Message"] == (
        "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter "
        "that is not valid for this queue type."
    )
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["one", "two"]  # not delayed, in order


def test_fifo_zero_delay_keeps_the_queue_delay(sqs: Any) -> None:
    # 0 on a FIFO queue means "no per-message delay": the queue's DelaySeconds still applies.
    url = _fifo(sqs, DelaySeconds="30")
    sqs.send_message(
        QueueUrl=url,
        MessageBody="x",
        MessageGroupId="g",
        MessageDeduplicationId="d",
        DelaySeconds=0,
    )
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []


@pytest.mark.one_engine
def test_fifo_refuses_a_non_zero_per_message_delay(sqs: Any) -> None:
    url = _fifo(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(
            QueueUrl=url,
            MessageBody="x",
            MessageGroupId="g",
            MessageDeduplicationId="d",
            DelaySeconds=1,
        )
    assert error_of(exc) == (
        "InvalidParameterValue",
        "Value 1 for parameter DelaySeconds is invalid. Reason: The request include parameter "
        "that is not valid for this queue type.",
        400,
    )


def test_default_maximum_message_size_is_one_mib(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MaximumMessageSize"])
    assert attrs["Attributes"] == {"MaximumMessageSize": "1048576"}
    # Body and attributes count together (name, type and value bytes: 2 + 6 + 1 here).
    msg_attrs = {"ab": {"DataType": "String", "StringValue": "v"}}
    sqs.send_message(QueueUrl=url, MessageBody="x" * (ONE_MIB - 9), MessageAttributes=msg_attrs)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert len(got["Body"]) == ONE_MIB - 9
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x" * (ONE_MIB - 8), MessageAttributes=msg_attrs)
    assert error_of(exc) == TOO_LARGE


def test_one_mib_of_multibyte_text_fits_the_wire_cap(sqs: Any) -> None:
    # 3-byte characters: 1 MiB of UTF-8 that the query protocol sends as %XX%XX%XX and JSON as
    # \\uXXXX (botocore escapes non-ASCII), about 3 MiB on the wire: SQS's own check answers.
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    fits = "\u20ac" * (ONE_MIB // 3)
    sqs.send_message(QueueUrl=url, MessageBody=fits)
    got = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert got["Body"] == fits
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody=fits + "\u20ac")
    assert error_of(exc) == TOO_LARGE


@pytest.mark.one_engine
def test_queue_attribute_range(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique(), Attributes={"MaximumMessageSize": "1024"})[
        "QueueUrl"
    ]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1048576"})
    for bad in ("1023", "1048577"):
        with pytest.raises(ClientError) as exc:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": bad})
        assert error_of(exc)[0] == "InvalidAttributeValue"


@pytest.mark.one_engine
@pytest.mark.parametrize(
    "url",
    [
        "http://whatever-incorrect-queue-address",
        "http://localhost/not-an-account/q",
        "https://sqs.us-east-1.amazonaws.com/123456789012/a/b",
    ],
)
def test_a_url_that_names_no_queue_is_queue_does_not_exist(sqs: Any, url: str) -> None:
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert error_of(exc) == NO_QUEUE
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert error_of(exc) == NO_QUEUE
