"""SNS topic settings ownstack must honour or refuse, over the wire: KmsMasterKeyId (the AWS
managed key alias/aws/sns works; any other key fails Publish as a key that does not exist does
on AWS), ArchivePolicy and DataProtectionPolicy (refused: ownstack neither archives nor masks
messages)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from snskit import envelope, topic_queue, unique

DATA_PROTECTION = json.dumps(
    {
        "Name": "p",
        "Description": "",
        "Version": "2021-06-01",
        "Statement": [
            {
                "DataDirection": "Inbound",
                "Principal": ["*"],
                "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
                "Operation": {"Deny": {}},
            }
        ],
    }
)
ARCHIVE = json.dumps({"MessageRetentionPeriod": "30"})


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize("key", ["alias/aws/sns", "arn:aws:kms:{region}:{account}:alias/aws/sns"])
def test_aws_managed_key_is_honoured(sns: Any, sqs: Any, server: Any, key: str) -> None:
    key = key.format(region=server.region, account=server.account_id)
    arn = sns.create_topic(Name=unique(), Attributes={"KmsMasterKeyId": key})["TopicArn"]
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["KmsMasterKeyId"] == key
    url, qarn = topic_queue(sqs, unique("q"), arn)
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
    sent = sns.publish(TopicArn=arn, Message="hello")
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert [(envelope(m)["MessageId"], envelope(m)["Message"]) for m in got] == [
        (sent["MessageId"], "hello")
    ]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("testKeyId", "Invalid keyId testKeyId"),
        ("alias/mine", "Alias arn:aws:kms:{region}:{account}:alias/mine is not found."),
        (
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "Key 'arn:aws:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab' "
            "does not exist",
        ),
    ],
)
def test_unknown_key_fails_publish(sns: Any, server: Any, key: str, message: str) -> None:
    message = message.format(region=server.region, account=server.account_id)
    arn = sns.create_topic(Name=unique())["TopicArn"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue=key)
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["KmsMasterKeyId"] == key
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="hello")
    assert error_of(exc) == ("KMSNotFound", message, 400)
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(
            TopicArn=arn, PublishBatchRequestEntries=[{"Id": "a", "Message": "hello"}]
        )
    assert error_of(exc) == ("KMSNotFound", message, 400)
    # Cleared, the topic publishes again.
    sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue="")
    assert "KmsMasterKeyId" not in sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert sns.publish(TopicArn=arn, Message="hello")["MessageId"]


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("ArchivePolicy", ARCHIVE, "message archiving and replay are not supported"),
        ("DataProtectionPolicy", DATA_PROTECTION, "message data protection is not supported"),
    ],
)
def test_unsupported_settings_are_refused(sns: Any, name: str, value: str, reason: str) -> None:
    expected = ("InvalidParameter", f"Invalid parameter: {name} Reason: {reason}", 400)
    topic_name = unique()
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=topic_name + ".fifo", Attributes={"FifoTopic": "true", name: value})
    assert error_of(exc) == expected
    arn = sns.create_topic(Name=topic_name + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
    assert error_of(exc) == expected
    assert name not in sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    # Clearing it (it was never set) is accepted.
    sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue="")
    assert name not in sns.get_topic_attributes(TopicArn=arn)["Attributes"]


def test_create_topic_data_protection_member_is_refused(sns: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=unique(), DataProtectionPolicy=DATA_PROTECTION)
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: DataProtectionPolicy Reason: message data protection is not supported",
        400,
    )
