"""AddPermission and RemovePermission: statements of the queue's Policy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqskit import error_of, unique


@pytest.mark.one_engine
def test_add_and_remove_permission(sqs: Any) -> None:
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.add_permission(
        QueueUrl=url, Label="share", AWSAccountIds=["111122223333"], Actions=["SendMessage"]
    )
    sqs.add_permission(
        QueueUrl=url,
        Label="read",
        AWSAccountIds=["111122223333", "444455556666"],
        Actions=["ReceiveMessage", "DeleteMessage"],
    )
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    )
    arn = f"arn:aws:sqs:us-east-1:123456789012:{name}"
    assert policy["Statement"] == [
        {
            "Sid": "share",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "SQS:SendMessage",
            "Resource": arn,
        },
        {
            "Sid": "read",
            "Effect": "Allow",
            "Principal": {
                "AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]
            },
            "Action": ["SQS:ReceiveMessage", "SQS:DeleteMessage"],
            "Resource": arn,
        },
    ]
    with pytest.raises(ClientError) as exc:
        sqs.add_permission(
            QueueUrl=url, Label="share", AWSAccountIds=["111122223333"], Actions=["SendMessage"]
        )
    assert error_of(exc) == (
        "InvalidParameterValue",
        "Value share for parameter Label is invalid. Reason: Already exists.",
        400,
    )
    sqs.remove_permission(QueueUrl=url, Label="share")
    sqs.remove_permission(QueueUrl=url, Label="read")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "Policy" not in attrs
    with pytest.raises(ClientError) as exc:
        sqs.remove_permission(QueueUrl=url, Label="read")
    assert error_of(exc)[0] == "InvalidParameterValue"


@pytest.mark.one_engine
def test_first_permission_starts_a_2008_policy_and_removing_needs_one(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.remove_permission(QueueUrl=url, Label="nolabel")
    assert error_of(exc) == (
        "InvalidParameterValue",
        "Value nolabel for parameter Label is invalid. Reason: can't find label.",
        400,
    )
    sqs.add_permission(
        QueueUrl=url, Label="read", AWSAccountIds=["111122223333"], Actions=["ReceiveMessage"]
    )
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]
    policy = json.loads(attrs["Policy"])
    assert (policy["Version"], policy["Id"]) == (
        "2008-10-17",
        policy["Statement"][0]["Resource"] + "/SQSDefaultPolicy",
    )
