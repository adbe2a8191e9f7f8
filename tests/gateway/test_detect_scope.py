"""A SigV4 scope names the service; X-Amz-Target only decides between services that sign with
that one name (DynamoDB Streams signs as `dynamodb`), never moves a request elsewhere."""

from __future__ import annotations

import pytest

from ownstack.gateway.detect import ServiceDetector
from ownstack.wire.services import load_wire

SERVED = ("s3", "sqs", "sns", "iam", "sts", "dynamodb", "dynamodbstreams")


@pytest.fixture(scope="module")
def detector() -> ServiceDetector:
    return ServiceDetector({name: load_wire(name) for name in SERVED})


@pytest.mark.parametrize(
    ("scope", "target", "service"),
    [
        ("dynamodb", "DynamoDB_20120810.PutItem", "dynamodb"),
        ("dynamodb", "DynamoDBStreams_20120810.GetRecords", "dynamodbstreams"),
        ("dynamodb", None, "dynamodb"),
        ("sqs", "AmazonSQS.SendMessage", "sqs"),
        # Scoped to SQS, aimed at DynamoDB: stays with SQS, which does not know the target.
        ("sqs", "DynamoDB_20120810.PutItem", "sqs"),
        ("sqs", "DynamoDBStreams_20120810.GetRecords", "sqs"),
        ("s3-object-lambda", None, "s3"),
    ],
)
def test_scope_and_target(
    detector: ServiceDetector, scope: str, target: str | None, service: str
) -> None:
    assert detector.from_scope(scope, target) == service
