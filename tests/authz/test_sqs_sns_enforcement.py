"""SQS queue policies and SNS topic policies under IAM, same account and cross account."""

from __future__ import annotations

from typing import Any

import pytest
from authzkit import ALT_ACCOUNT, Keys, allow, deny, doc, error_code, make_user, simulated, unique
from botocore.exceptions import ClientError

SQS_FULL = "arn:aws:iam::aws:policy/AmazonSQSFullAccess"


@pytest.fixture(scope="module")
def sqs(authz_server: Any) -> Any:
    return authz_server.client("sqs")


@pytest.fixture(scope="module")
def sns(authz_server: Any) -> Any:
    return authz_server.client("sns")


def test_queue_policy_deny_refuses_send_then_removing_it_allows(
    authz_server: Any, iam: Any, sqs: Any
) -> None:
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    user = make_user(iam, managed=[SQS_FULL])
    policy = doc(deny("sqs:SendMessage", arn, Principal={"AWS": user.arn}))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    client = user.client(authz_server, "sqs", endpoint_url=authz_server.endpoint)
    with pytest.raises(ClientError) as info:
        client.send_message(QueueUrl=url, MessageBody="hi")
    assert error_code(info.value) in ("AccessDenied", "AccessDeniedException")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert (
        "with an explicit deny in a resource-based policy"
        in info.value.response["Error"]["Message"]
    )
    assert simulated(iam, user.arn, "sqs:SendMessage", arn, resource_policy=policy) == (
        "explicitDeny"
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert client.send_message(QueueUrl=url, MessageBody="hi")["MessageId"]
    assert simulated(iam, user.arn, "sqs:SendMessage", arn) == "allowed"


def test_other_account_sends_only_with_a_queue_policy(
    authz_server: Any, sqs: Any, alt: Keys
) -> None:
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    other = alt.client(authz_server, "sqs", endpoint_url=authz_server.endpoint)
    with pytest.raises(ClientError) as info:
        other.send_message(QueueUrl=url, MessageBody="hi")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    sqs.add_permission(
        QueueUrl=url, Label="alt-send", AWSAccountIds=[ALT_ACCOUNT], Actions=["SendMessage"]
    )
    assert other.send_message(QueueUrl=url, MessageBody="hi")["MessageId"]
    with pytest.raises(ClientError):
        other.receive_message(QueueUrl=url)  # only SendMessage was granted
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == ["hi"]


def test_other_account_publishes_only_with_a_topic_policy(
    authz_server: Any, sns: Any, sqs: Any, alt: Keys
) -> None:
    topic = sns.create_topic(Name=unique("t"))["TopicArn"]
    other = alt.client(authz_server, "sns")
    with pytest.raises(ClientError) as info:
        other.publish(TopicArn=topic, Message="hello")
    assert error_code(info.value) == "AuthorizationError"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    policy = doc(allow("SNS:Publish", topic, Principal={"AWS": f"arn:aws:iam::{ALT_ACCOUNT}:root"}))
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=policy)
    assert other.publish(TopicArn=topic, Message="hello")["MessageId"]
    with pytest.raises(ClientError) as info:
        other.delete_topic(TopicArn=topic)
    assert error_code(info.value) == "AuthorizationError"


def test_same_account_user_needs_an_identity_policy_for_sns(
    authz_server: Any, iam: Any, sns: Any
) -> None:
    topic = sns.create_topic(Name=unique("t"))["TopicArn"]
    user = make_user(iam, inline=doc(allow("sns:Publish", topic)))
    client = user.client(authz_server, "sns")
    assert client.publish(TopicArn=topic, Message="m")["MessageId"]
    with pytest.raises(ClientError) as info:
        client.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="x")
    assert info.value.response["Error"]["Message"] == (
        f"User: {user.arn} is not authorized to perform: SNS:SetTopicAttributes on resource: "
        f"{topic} because no identity-based policy allows the SNS:SetTopicAttributes action"
    )
