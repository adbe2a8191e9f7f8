"""Publish and PublishBatch: AWS's answers to bad input, FIFO group and deduplication rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from snskit import unique


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def fifo_topic(sns: Any, content_based: bool = False) -> str:
    attributes = {"FifoTopic": "true"}
    if content_based:
        attributes["ContentBasedDeduplication"] = "true"
    arn: str = sns.create_topic(Name=unique() + ".fifo", Attributes=attributes)["TopicArn"]
    return arn


def test_publish_returns_a_message_id(sns: Any, topic: Any) -> None:
    arn = topic()
    first = sns.publish(TopicArn=arn, Message="hello")
    second = sns.publish(TargetArn=arn, Message="hello", Subject="greeting")
    assert len(first["MessageId"]) == 36 and first["MessageId"] != second["MessageId"]
    assert "SequenceNumber" not in first


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"Message": ""}, "InvalidParameter", "Invalid parameter: Empty message"),
        (
            {"Message": "x" * (256 * 1024 + 1)},
            "InvalidParameter",
            "Invalid parameter: Message too long",
        ),
        (
            {"Message": "m", "Subject": "line\nbreak"},
            "InvalidParameter",
            "Invalid parameter: Subject",
        ),
        ({"Message": "m", "Subject": "s" * 101}, "InvalidParameter", "Invalid parameter: Subject"),
        (
            {"Message": "not json", "MessageStructure": "json"},
            "InvalidParameter",
            "Invalid parameter: Message Structure - JSON message body failed to parse",
        ),
        (
            {"Message": json.dumps({"sqs": "only"}), "MessageStructure": "json"},
            "InvalidParameter",
            "Invalid parameter: Message Structure - No default entry in JSON message body",
        ),
        (
            {
                "Message": "m",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "x"}},
            },
            "ParameterValueInvalid",
            "Could not cast message attribute 'n' value to number.",
        ),
        (
            {"Message": "m", "MessageAttributes": {"s": {"DataType": "String", "StringValue": ""}}},
            "ParameterValueInvalid",
            "The message attribute 's' must contain non-empty message attribute value for "
            "message attribute type 'String'.",
        ),
        (
            {"Message": "m", "MessageAttributes": {"d": {"DataType": "Date", "StringValue": "1"}}},
            "ParameterValueInvalid",
            "The message attribute 'd' has an invalid message attribute type, the set of "
            "supported type prefixes is Binary, Number, and String.",
        ),
        (
            {"Message": "m", "MessageDeduplicationId": "d"},
            "InvalidParameter",
            "Invalid parameter: MessageDeduplicationId Reason: The request includes "
            "MessageDeduplicationId parameter that is not valid for this topic type",
        ),
    ],
)
def test_publish_rejects_bad_input(
    sns: Any, topic: Any, kwargs: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic(), **kwargs)
    assert error_of(exc) == (code, message)


def test_publish_to_unknown_topic_or_both_arns(sns: Any, topic: Any, server: Any) -> None:
    missing = f"arn:aws:sns:{server.region}:{server.account_id}:{unique()}"
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=missing, Message="m")
    assert error_of(exc) == ("NotFound", "Topic does not exist")
    arn = topic()
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, TargetArn=arn, Message="m")
    assert error_of(exc)[0] == "InvalidParameter"


def test_fifo_publish_needs_group_and_dedup(sns: Any) -> None:
    arn = fifo_topic(sns)
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="m", MessageDeduplicationId="d")
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
    )
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="m", MessageGroupId="g")
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    )


def test_fifo_duplicates_return_the_first_publish(sns: Any) -> None:
    arn = fifo_topic(sns)
    first = sns.publish(TopicArn=arn, Message="a", MessageGroupId="g", MessageDeduplicationId="1")
    dup = sns.publish(TopicArn=arn, Message="b", MessageGroupId="g", MessageDeduplicationId="1")
    other = sns.publish(TopicArn=arn, Message="a", MessageGroupId="g", MessageDeduplicationId="2")
    assert dup["MessageId"] == first["MessageId"]
    assert dup["SequenceNumber"] == first["SequenceNumber"]
    assert len(first["SequenceNumber"]) == 20
    assert int(other["SequenceNumber"]) > int(first["SequenceNumber"])


def test_content_based_deduplication(sns: Any) -> None:
    arn = fifo_topic(sns, content_based=True)
    first = sns.publish(TopicArn=arn, Message="same", MessageGroupId="g")
    dup = sns.publish(TopicArn=arn, Message="same", MessageGroupId="other")
    other = sns.publish(TopicArn=arn, Message="different", MessageGroupId="g")
    assert dup["MessageId"] == first["MessageId"]
    assert other["MessageId"] != first["MessageId"]


def test_publish_batch(sns: Any, topic: Any) -> None:
    arn = topic()
    result = sns.publish_batch(
        TopicArn=arn,
        PublishBatchRequestEntries=[
            {"Id": "ok-1", "Message": "one"},
            {"Id": "bad", "Message": "two", "Subject": "a\nb"},
            {
                "Id": "ok_2",
                "Message": "three",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "3"}},
            },
        ],
    )
    assert [e["Id"] for e in result["Successful"]] == ["ok-1", "ok_2"]
    assert all(len(e["MessageId"]) == 36 for e in result["Successful"])
    assert result["Failed"] == [
        {
            "Id": "bad",
            "Code": "InvalidParameter",
            "Message": "Invalid parameter: Subject",
            "SenderFault": True,
        }
    ]


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([{"Id": str(i), "Message": "m"} for i in range(11)], "TooManyEntriesInBatchRequest"),
        (
            [{"Id": "same", "Message": "m"}, {"Id": "same", "Message": "n"}],
            "BatchEntryIdsNotDistinct",
        ),
        ([{"Id": "not valid!", "Message": "m"}], "InvalidBatchEntryId"),
        ([{"Id": str(i), "Message": "x" * 30_000} for i in range(10)], "BatchRequestTooLong"),
    ],
)
def test_publish_batch_limits(
    sns: Any, topic: Any, entries: list[dict[str, str]], code: str
) -> None:
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic(), PublishBatchRequestEntries=entries)
    assert error_of(exc)[0] == code


def test_empty_batch(sns: Any, topic: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic(), PublishBatchRequestEntries=[])
    assert error_of(exc) == ("EmptyBatchRequest", "The batch request doesn't contain any entries.")


def test_fifo_publish_batch_sequence_numbers(sns: Any) -> None:
    arn = fifo_topic(sns)
    entries = [
        {
            "Id": f"e{i}",
            "Message": f"m{i}",
            "MessageGroupId": "g",
            "MessageDeduplicationId": f"d{i}",
        }
        for i in range(3)
    ]
    result = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)
    sequences = [int(e["SequenceNumber"]) for e in result["Successful"]]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
