"""The aws CLI (v1, from the venv) against a real ownstack server: `aws sqs` and `aws sns`.

awscli v1 ignores AWS_ENDPOINT_URL for SQS, so every call passes --endpoint-url (AwsCli does).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from clientkit import AwsCli

pytestmark = pytest.mark.clients


@pytest.fixture
def aws(server: Any, tmp_path: Path) -> AwsCli:
    return AwsCli(server, tmp_path / "awshome")


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def queue_urls(aws: AwsCli, prefix: str) -> list[str]:
    # The CLI prints nothing at all for a response without members (no queue matched).
    out = aws("sqs", "list-queues", "--queue-name-prefix", prefix, "--output", "json")
    return list(json.loads(out)["QueueUrls"]) if out.strip() else []


def test_sqs_queue_send_receive_delete(aws: AwsCli) -> None:
    name = f"cli-{uuid.uuid4().hex[:10]}"
    url = aws.json("sqs", "create-queue", "--queue-name", name)["QueueUrl"]
    assert url.endswith(f"/{name}")
    assert aws.json("sqs", "get-queue-url", "--queue-name", name)["QueueUrl"] == url
    assert queue_urls(aws, name) == [url]

    attributes = json.dumps({"colour": {"DataType": "String", "StringValue": "blue"}})
    sent = aws.json(
        "sqs", "send-message", "--queue-url", url, "--message-body", "hello from the cli",
        "--message-attributes", attributes,
    )  # fmt: skip
    assert sent["MD5OfMessageBody"] == md5_hex("hello from the cli")
    assert "MD5OfMessageAttributes" in sent

    got = aws.json(
        "sqs", "receive-message", "--queue-url", url, "--attribute-names", "All",
        "--message-attribute-names", "All", "--wait-time-seconds", "5",
    )["Messages"]  # fmt: skip
    assert len(got) == 1
    message = got[0]
    assert message["MessageId"] == sent["MessageId"]
    assert message["Body"] == "hello from the cli"
    assert message["MD5OfBody"] == md5_hex("hello from the cli")
    assert message["MessageAttributes"] == {"colour": {"DataType": "String", "StringValue": "blue"}}
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"

    counts = aws.json(
        "sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names",
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
    )["Attributes"]  # fmt: skip
    assert counts == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "1",
    }
    aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"])
    again = aws.json(
        "sqs", "get-queue-attributes", "--queue-url", url,
        "--attribute-names", "ApproximateNumberOfMessagesNotVisible",
    )["Attributes"]  # fmt: skip
    assert again == {"ApproximateNumberOfMessagesNotVisible": "0"}

    aws("sqs", "delete-queue", "--queue-url", url)
    assert url not in queue_urls(aws, name)


def test_sqs_unknown_queue_is_aws_error(aws: AwsCli) -> None:
    proc = aws.attempt("sqs", "get-queue-url", "--queue-name", f"missing-{uuid.uuid4().hex[:8]}")
    assert proc.returncode != 0
    # What the CLI prints for AWS's answer (the query-compatible error code).
    assert "(AWS.SimpleQueueService.NonExistentQueue)" in proc.stderr
    assert "GetQueueUrl" in proc.stderr


def test_sns_topic_fans_out_to_sqs(aws: AwsCli) -> None:
    stem = uuid.uuid4().hex[:10]
    url = aws.json("sqs", "create-queue", "--queue-name", f"cli-fan-{stem}")["QueueUrl"]
    queue_arn = aws.json(
        "sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "QueueArn"
    )["Attributes"]["QueueArn"]
    topic = aws.json("sns", "create-topic", "--name", f"cli-topic-{stem}")["TopicArn"]
    assert topic.endswith(f":cli-topic-{stem}")
    # AWS delivers to a queue only when its policy lets SNS send for the topic.
    allow = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [allow]})
    aws("sqs", "set-queue-attributes", "--queue-url", url,
        "--attributes", json.dumps({"Policy": policy}))  # fmt: skip
    sub = aws.json(
        "sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs",
        "--notification-endpoint", queue_arn, "--return-subscription-arn",
    )["SubscriptionArn"]  # fmt: skip
    assert sub.startswith(f"{topic}:")
    listed = aws.json("sns", "list-subscriptions-by-topic", "--topic-arn", topic)
    assert [s["Endpoint"] for s in listed["Subscriptions"]] == [queue_arn]

    published = aws.json(
        "sns", "publish", "--topic-arn", topic, "--message", "to every queue",
        "--subject", "greeting",
    )  # fmt: skip
    got = aws.json("sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "5")[
        "Messages"
    ]
    assert len(got) == 1
    envelope = json.loads(got[0]["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["MessageId"] == published["MessageId"]
    assert envelope["TopicArn"] == topic
    assert envelope["Subject"] == "greeting"
    assert envelope["Message"] == "to every queue"
    assert envelope["SignatureVersion"] == "1"
    assert envelope["Signature"]

    aws("sns", "unsubscribe", "--subscription-arn", sub)
    aws("sns", "delete-topic", "--topic-arn", topic)
    topics = aws.json("sns", "list-topics").get("Topics", [])
    assert topic not in [t["TopicArn"] for t in topics]
    aws("sqs", "delete-queue", "--queue-url", url)
