"""Queues: create (validation, idempotency), URLs, listing, attributes, tags, purge, delete."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqskit import error_of, unique


@pytest.mark.one_engine
def test_create_returns_url_of_host_account_and_name(sqs: Any, sqs_server: Any) -> None:
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"http://127.0.0.1:{sqs_server.port}/{sqs_server.account_id}/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url


@pytest.mark.one_engine
def test_create_is_idempotent_with_same_attributes(sqs: Any) -> None:
    name = unique()
    first = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})
    again = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})
    assert first["QueueUrl"] == again["QueueUrl"]
    # No attributes: the defaults are not compared against what was set.
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == first["QueueUrl"]


@pytest.mark.one_engine
def test_create_with_different_attributes_is_queue_already_exists(sqs: Any) -> None:
    name = unique()
    sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})
    with pytest.raises(sqs.exceptions.QueueNameExists) as exc:
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "46"})
    assert error_of(exc) == (
        "QueueAlreadyExists",
        "A queue already exists with the same name and a different value for attribute "
        "VisibilityTimeout",
        400,
    )
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "5"})
    assert error_of(exc)[0] == "QueueAlreadyExists"


@pytest.mark.one_engine
@pytest.mark.parametrize("name", ["", "a" * 81, "has space", "dot.name", "x.fifo", "ü"])
def test_create_rejects_invalid_names(sqs: Any, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name)
    assert error_of(exc) == (
        "InvalidParameterValue",
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        400,
    )


@pytest.mark.one_engine
def test_fifo_names_and_flag(sqs: Any) -> None:
    name = unique() + ".fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert url.endswith("/" + name)
    assert sqs.create_queue(QueueName="a" * 75 + ".fifo", Attributes={"FifoQueue": "true"})
    for bad in (unique(), "a" * 76 + ".fifo"):
        with pytest.raises(ClientError) as exc:
            sqs.create_queue(QueueName=bad, Attributes={"FifoQueue": "true"})
        assert error_of(exc)[0] == "InvalidParameterValue"
        assert "must end with .fifo suffix" in error_of(exc)[1]


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DelaySeconds", "901"),
        ("DelaySeconds", "-1"),
        ("MaximumMessageSize", "1023"),
        ("MaximumMessageSize", "1048577"),
        ("MessageRetentionPeriod", "59"),
        ("MessageRetentionPeriod", "1209601"),
        ("ReceiveMessageWaitTimeSeconds", "21"),
        ("VisibilityTimeout", "43201"),
        ("VisibilityTimeout", "ten"),
        ("KmsDataKeyReusePeriodSeconds", "59"),
        ("SqsManagedSseEnabled", "maybe"),
        ("Policy", "{not json"),
    ],
)
def test_create_rejects_invalid_attribute_values(sqs: Any, name: str, value: str) -> None:
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={name: value})
    assert error_of(exc) == (
        "InvalidAttributeValue",
        f"Invalid value for the parameter {name}.",
        400,
    )


@pytest.mark.one_engine
def test_create_limits_are_inclusive(sqs: Any) -> None:
    attrs = {
        "DelaySeconds": "900",
        "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "1209600",
        "ReceiveMessageWaitTimeSeconds": "20",
        "VisibilityTimeout": "43200",
    }
    url = sqs.create_queue(QueueName=unique(), Attributes=attrs)["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(attrs))["Attributes"]
    assert got == attrs


@pytest.mark.one_engine
@pytest.mark.parametrize("name", ["Bogus", "QueueArn", "ContentBasedDeduplication"])
def test_create_rejects_unknown_and_read_only_attributes(sqs: Any, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={name: "true"})
    assert error_of(exc) == ("InvalidAttributeName", f"Unknown Attribute {name}.", 400)


@pytest.mark.one_engine
def test_get_attributes_all_with_defaults(sqs: Any) -> None:
    before = int(time.time())
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    created = int(attrs.pop("CreatedTimestamp"))
    assert before - 1 <= created <= int(time.time()) + 1
    assert int(attrs.pop("LastModifiedTimestamp")) == created
    assert attrs == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "DelaySeconds": "0",
        "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "345600",
        "QueueArn": f"arn:aws:sqs:us-east-1:123456789012:{name}",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
        "VisibilityTimeout": "30",
    }


@pytest.mark.one_engine
def test_get_attributes_fifo_defaults_and_selection(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique() + ".fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    names = ["FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert got == {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "false",
        "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
    }
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url)


@pytest.mark.one_engine
def test_get_attributes_unknown_name(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Nope"])
    assert error_of(exc) == ("InvalidAttributeName", "Unknown Attribute Nope.", 400)


def test_message_counts(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert got == dict(zip(names, ["2", "1", "1"], strict=True))


@pytest.mark.one_engine
def test_set_attributes_and_policies_stored(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    owner = {"AWS": f"arn:aws:iam::{arn.split(':')[4]}:root"}
    statement = {"Effect": "Allow", "Principal": owner, "Action": "sqs:*", "Resource": arn}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"VisibilityTimeout": "7", "Policy": policy, "DelaySeconds": "3"}
    )
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (got["VisibilityTimeout"], got["Policy"], got["DelaySeconds"]) == ("7", policy, "3")
    assert int(got["LastModifiedTimestamp"]) >= int(got["CreatedTimestamp"])
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "Policy" not in got
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})
    assert error_of(exc) == ("InvalidAttributeName", "Unknown Attribute FifoQueue.", 400)
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "-5"})
    assert error_of(exc)[0] == "InvalidAttributeValue"
    # A queue policy is enforced on every request: one IAM cannot read is refused.
    bad = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]})
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": bad})
    assert error_of(exc)[0] == "InvalidAttributeValue"
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    assert "Policy" not in got.get("Attributes", {})


@pytest.mark.one_engine
def test_high_throughput_attributes(sqs: Any) -> None:
    url = sqs.create_queue(
        QueueName=unique() + ".fifo",
        Attributes={
            "FifoQueue": "true",
            "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId",
        },
    )["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (got["DeduplicationScope"], got["FifoThroughputLimit"]) == (
        "messageGroup",
        "perMessageGroupId",
    )
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "queue"})
    assert error_of(exc)[0] == "InvalidAttributeValue"
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoThroughputLimit": "fast"})
    assert error_of(exc) == (
        "InvalidAttributeValue",
        "Invalid value for the parameter FifoThroughputLimit.",
        400,
    )


@pytest.mark.one_engine
def test_list_queues_prefix_and_pagination(sqs: Any) -> None:
    prefix = unique("list")
    names = [f"{prefix}-{i:02d}" for i in range(5)]
    for name in names:
        sqs.create_queue(QueueName=name)
    everything = sqs.list_queues(QueueNamePrefix=prefix)
    assert [u.rsplit("/", 1)[1] for u in everything["QueueUrls"]] == names
    assert "NextToken" not in everything
    seen: list[str] = []
    kwargs: dict[str, Any] = {"QueueNamePrefix": prefix, "MaxResults": 2}
    while True:
        page = sqs.list_queues(**kwargs)
        seen += [u.rsplit("/", 1)[1] for u in page["QueueUrls"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert seen == names
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=unique("none"))
    with pytest.raises(ClientError) as exc:
        sqs.list_queues(MaxResults=1001)
    assert error_of(exc)[0] == "InvalidParameterValue"


def test_delete_queue_and_unknown_queue_errors(sqs: Any, sqs_server: Any) -> None:
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="gone with the queue")
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert error_of(exc) == (
        "AWS.SimpleQueueService.NonExistentQueue",
        "The specified queue does not exist.",
        400,
    )
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=url.rsplit("/", 1)[1])
    # The name is not reusable for a minute (test_sqs_service_direct: after it, the queue is new).
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=url.rsplit("/", 1)[1])
    assert error_of(exc) == (
        "AWS.SimpleQueueService.QueueDeletedRecently",
        "You must wait 60 seconds after deleting a queue before you can create another with "
        "the same name.",
        400,
    )


@pytest.mark.one_engine
def test_tags(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique(), tags={"team": "a", "env": "dev"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a", "env": "dev"}
    sqs.tag_queue(QueueUrl=url, Tags={"team": "b", "cost": "1"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b", "env": "dev", "cost": "1"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["env", "missing"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b", "cost": "1"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "cost"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)
    with pytest.raises(ClientError) as exc:
        sqs.tag_queue(QueueUrl=url, Tags={f"k{i}": "v" for i in range(51)})
    assert error_of(exc)[0] == "InvalidParameterValue"


def test_purge_queue_and_its_interval(sqs: Any) -> None:
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(5)]
    )
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=30)
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesDelayed"] == "0"
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress) as exc:
        sqs.purge_queue(QueueUrl=url)
    assert error_of(exc) == (
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        f"Only one PurgeQueue operation on {name} is allowed every 60 seconds.",
        403,
    )


@pytest.mark.one_engine
def test_fifo_queue_may_restate_its_type_never_change_it(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique() + ".fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})
    assert error_of(exc) == (
        "InvalidAttributeValue",
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
        400,
    )
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue"])["Attributes"]
    assert attrs == {"FifoQueue": "true"}


@pytest.mark.one_engine
def test_kms_and_sqs_managed_encryption_are_exclusive(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "true"}
        )
    assert error_of(exc) == (
        "InvalidAttributeName",
        "You can use one type of server-side encryption (SSE) at one time. You can either enable "
        "KMS SSE or SQS SSE.",
        400,
    )
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "false"}
    )
    names = ["KmsMasterKeyId", "SqsManagedSseEnabled"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert attrs == {"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "false"}
