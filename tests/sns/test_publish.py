"""Publish and PublishBatch: AWS's answers to bad input, FIFO group and deduplication rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from snskit import allow_topic, unique


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
            {
                "Id": "ok_2",
                "Message": "three",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "3"}},
            },
        ],
    )
    assert [e["Id"] for e in result["Successful"]] == ["ok-1", "ok_2"]
    assert all(len(e["MessageId"]) == 36 for e in result["Successful"])
    assert result["Failed"] == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"Subject": "a\nb"}, "Invalid parameter: Subject"),
        (
            {"MessageAttributes": {"a": {"DataType": "String", "StringValue": ""}}},
            "The message attribute 'a' must contain non-empty message attribute value for "
            "message attribute type 'String'.",
        ),
    ],
)
def test_an_invalid_batch_entry_fails_the_whole_batch(
    sns: Any, sqs: Any, topic: Any, entry: dict[str, Any], message: str
) -> None:
    """AWS checks every entry first: one bad entry refuses the request, nothing is sent."""
    arn = topic()
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    allow_topic(sqs, url, qarn["QueueArn"], arn)
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn["QueueArn"])
    entries = [{"Id": "good", "Message": "fine"}, {"Id": "bad", "Message": "m", **entry}]
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)
    assert error_of(exc)[1] == message
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []


def test_fifo_batch_entry_without_group_fails_the_batch(sns: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(
            TopicArn=fifo_topic(sns), PublishBatchRequestEntries=[{"Id": "1", "Message": "m"}]
        )
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
    )


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (
            {"a": {"DataType": "String", "BinaryValue": b"1"}},
            "The message attribute 'a' with type 'String' must use field 'String'.",
        ),
        (
            {"a": {"DataType": "Number", "BinaryValue": b"1"}},
            "The message attribute 'a' with type 'Number' must use field 'String'.",
        ),
        (
            {"a": {"DataType": "Binary", "StringValue": "1"}},
            "The message attribute 'a' with type 'Binary' must use field 'Binary'.",
        ),
        (
            {"a": {"DataType": "String.", "StringValue": "1"}},
            "The message attribute 'a' has an invalid message attribute type, the set of "
            "supported type prefixes is Binary, Number, and String.",
        ),
        (
            {"n" * 257: {"DataType": "String", "StringValue": "1"}},
            "Length of message attribute name must be less than 256 bytes.",
        ),
        (
            {"a^b": {"DataType": "String", "StringValue": "1"}},
            "Invalid non-alphanumeric character '#x5E' was found in the message attribute "
            "name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
        ),
        (
            {".a": {"DataType": "String", "StringValue": "1"}},
            "Invalid message attribute name starting with character '.' was found.",
        ),
        (
            {"a.": {"DataType": "String", "StringValue": "1"}},
            "Invalid message attribute name ending with character '.' was found.",
        ),
        (
            {"a..b": {"DataType": "String", "StringValue": "1"}},
            "Message attribute name can not have successive '.' character.",
        ),
    ],
)
def test_message_attribute_errors(
    sns: Any, topic: Any, attributes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic(), Message="m", MessageAttributes=attributes)
    assert error_of(exc) == ("ParameterValueInvalid", message)


def test_custom_attribute_types_are_accepted(sns: Any, topic: Any) -> None:
    attributes = {"a": {"DataType": "String.  custom.", "StringValue": "1"}}
    assert sns.publish(TopicArn=topic(), Message="m", MessageAttributes=attributes)["MessageId"]


def test_message_structure_entries_that_are_not_strings(sns: Any, topic: Any) -> None:
    """A non-string entry is ignored: without a string "default" there is no default."""
    arn = topic()
    with pytest.raises(ClientError) as exc:
        sns.publish(
            TopicArn=arn, MessageStructure="json", Message=json.dumps({"default": {"o": 1}})
        )
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: Message Structure - No default entry in JSON message body",
    )
    message = json.dumps({"default": "d", "sqs": {"o": 1}})
    assert sns.publish(TopicArn=arn, MessageStructure="json", Message=message)["MessageId"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"TopicArn": "one:two"},
            "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 2",
        ),
        (
            {"TopicArn": ""},
            "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
        ),
        (
            {"TargetArn": "arn:aws:sns:us-east-1:123456789012:endpoint/APNS/app/0f7d5971"},
            "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified",
        ),
    ],
)
def test_publish_to_malformed_or_unknown_arns(
    sns: Any, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(ClientError) as exc:
        sns.publish(Message="m", **kwargs)
    assert error_of(exc) == ("InvalidParameter", message)


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
