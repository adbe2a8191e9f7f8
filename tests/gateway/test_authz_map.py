"""The authorisation map covers every implemented operation of every served service (and every
IAM operation the reference has), names only actions the reference has, and names resources that
fit the reference's ARN template of one of the action's resource types."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.model import ServiceModel

from ownstack.core.service import find_handler
from ownstack.core.tokens import opaque_token
from ownstack.gateway.authz import AuthorizationMap, Requirement, spec_for
from ownstack.gateway.authz.reference import ServiceReference, load_reference
from ownstack.services.awslambda.service import LambdaService
from ownstack.services.dynamodb.service import DynamoDbService
from ownstack.services.dynamodb.streams_service import StreamsService
from ownstack.services.iam.service import IamService
from ownstack.services.logs.service import LogsService
from ownstack.services.s3.service import S3Service
from ownstack.services.sns.service import SnsService
from ownstack.services.sqs.service import SqsService
from ownstack.services.sts.service import StsService
from ownstack.wire.services import load_model

ACCOUNT = "111122223333"
REGION = "us-east-1"
SERVED: dict[str, type] = {
    "s3": S3Service,
    "sqs": SqsService,
    "sns": SnsService,
    "sts": StsService,
    "iam": IamService,
    "dynamodb": DynamoDbService,
    "dynamodbstreams": StreamsService,
    "lambda": LambdaService,
    "logs": LogsService,
}

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
STREAM = f"{TABLE}/stream/2026-01-01T00:00:00.000"
SAMPLES: dict[str, Any] = {
    "Bucket": "amzn-s3-demo-bucket",
    "Key": "photos/2026/a b.jpg",
    "CopySource": "src-bucket/src/key.txt",
    "Delete": {"Objects": [{"Key": "a.txt"}, {"Key": "b.txt", "VersionId": "v2"}]},
    "QueueUrl": f"http://localhost:4566/{ACCOUNT}/orders",
    "QueueName": "orders",
    "SourceArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq",
    "DestinationArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders",
    "TaskHandle": opaque_token(f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq/task-1"),
    "TopicArn": TOPIC,
    "ResourceArn": TOPIC,
    "TargetArn": TOPIC,
    "SubscriptionArn": f"{TOPIC}:0f9b0e8a-51c4-4a3e-9d6c-2b8f1f6c1a2e",
    "Name": "alerts",
    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/deploy",
    "TargetPrincipal": ACCOUNT,
    "UserName": "alice",
    "RoleName": "deploy",
    "GroupName": "devs",
    "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/p1",
    "PolicyName": "p1",
    "InstanceProfileName": "web",
    "ServerCertificateName": "cert",
    "SerialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/alice",
    "VirtualMFADeviceName": "alice",
    "OpenIDConnectProviderArn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.example.com",
    "Url": "https://token.example.com",
    "SAMLProviderArn": f"arn:aws:iam::{ACCOUNT}:saml-provider/corp",
    "DelegationRequestId": "dr-1",
    "EntityPath": "o-a1b2c3/r-ab12",
    "Arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
    "PolicySourceArn": f"arn:aws:iam::{ACCOUNT}:user/alice",
    "EntityArn": f"arn:aws:iam::{ACCOUNT}:delegation-request/dr-1",
    "TableName": "orders",
    "StreamArn": STREAM,
    "ShardIterator": f"{STREAM}|1|e30=",
    "RequestItems": {"orders": {"Keys": [{"pk": {"S": "a"}}]}},
    "TransactItems": [{"Put": {"TableName": "orders", "Item": {"pk": {"S": "a"}}}}],
    "Statement": 'SELECT * FROM "orders"',
    "Statements": [{"Statement": "DELETE FROM orders WHERE pk = 'a'"}],
    "TransactStatements": [{"Statement": "UPDATE orders SET v = 1 WHERE pk = 'a'"}],
}
SERVICE_SAMPLES: dict[str, dict[str, Any]] = {
    "dynamodb": {"ResourceArn": TABLE},
    "lambda": {
        "FunctionName": "orders-handler",
        "Name": "live",
        "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-handler",
        "LayerName": "deps",
        "VersionNumber": 3,
        "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:deps:3",
        "UUID": "14e0db71-5d35-4eb5-b481-8945cf9d10c2",
    },
    "logs": {
        "logGroupName": "/aws/lambda/orders-handler",
        "logStreamName": "2026/01/31/[$LATEST]0123abcd",
        "resourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/orders-handler",
    },
}
"""Members whose sample differs by service (a DynamoDB ResourceArn names a table)."""

# Operations whose resource the request cannot name (documented in the map's modules): they are
# authorised on `*`, which only a policy granting the action on every resource matches.
UNNAMED = {
    ("iam", "GetAccessKeyLastUsed"),  # AccessKeyId only: the owning user needs a lookup
    ("iam", "CreateServiceLinkedRole"),  # the role's name is the service's choice
    ("iam", "GetServiceLinkedRoleDeletionStatus"),  # DeletionTaskId only
    ("iam", "CreateDelegationRequest"),  # the request's id is minted by the call
    ("iam", "ChangePassword"),  # the caller's own user: no caller in this walk
}


@pytest.fixture(scope="module")
def amap() -> AuthorizationMap:
    return AuthorizationMap(SERVED)


def _model(service: str) -> ServiceModel:
    return load_model(service)


def _operations(service: str) -> list[str]:
    """Implemented operations; for IAM every operation of the model the reference has (IAM's
    operations are being implemented now, and the map must not lag behind them)."""
    model = _model(service)
    if service == "iam":
        reference = load_reference("iam")
        return [op for op in model.operation_names if reference.action(op) is not None]
    return [op for op in model.operation_names if find_handler(SERVED[service], op)]


def _params(service: str, model: ServiceModel, operation: str) -> dict[str, Any]:
    shape = model.operation_model(operation).input_shape
    members = shape.members if shape is not None else {}
    samples = {**SAMPLES, **SERVICE_SAMPLES.get(service, {})}
    return {name: samples[name] for name in members if name in samples}


def _fits(requirement: Requirement, reference: ServiceReference, service: str, op: str) -> bool:
    info = reference.action(requirement.action.split(":", 1)[1])
    assert info is not None, f"{requirement.action} is not in the reference"
    if requirement.resource == "*":
        return not info.resources or (service, op) in UNNAMED
    patterns = [reference.template(use.name).pattern() for use in info.resources]
    return any(p.fullmatch(requirement.resource) for p in patterns)


WALK = [(service, op) for service in SERVED for op in _operations(service)]


def test_the_walk_covers_what_is_served() -> None:
    walked = {service for service, _ in WALK}
    assert walked == {
        "s3",
        "sqs",
        "sns",
        "sts",
        "iam",
        "dynamodb",
        "dynamodbstreams",
        "lambda",
        "logs",
    }
    assert len([1 for s, _ in WALK if s == "iam"]) == 175


@pytest.mark.parametrize(("service", "operation"), WALK)
def test_every_operation_is_mapped_to_reference_actions_and_resources(
    amap: AuthorizationMap, service: str, operation: str
) -> None:
    assert amap.mapped(service, operation)
    params = _params(service, _model(service), operation)
    found = amap.requirements(service, operation, params, account=ACCOUNT, region=REGION)
    assert found is not None
    if not found:
        assert amap.self_authorised(service, operation) or amap.needs_no_permission(
            service, operation
        )
    prefix = spec_for(service).prefix  # DynamoDB Streams' actions are dynamodb:'s
    reference = load_reference(prefix)
    for requirement in found:
        assert requirement.action.startswith(f"{prefix}:")
        assert _fits(requirement, reference, service, operation), requirement
        assert amap.access_level(requirement.action) in {
            "Read",
            "List",
            "Write",
            "Permissions management",
            "Tagging",
        }


def test_unimplemented_operations_are_not_mapped_unless_derivable(amap: AuthorizationMap) -> None:
    # An operation neither named after an action nor in an exceptions table fails closed.
    assert not amap.mapped("s3", "WriteGetObjectResponse")
    assert amap.requirements("s3", "CreateSession", {}, account=ACCOUNT, region=REGION) is None
    assert (
        amap.requirements("iam", "UpdateDelegationRequest", {}, account=ACCOUNT, region="r") is None
    )
    assert amap.requirements("sqs", "NoSuchOperation", {}, account=ACCOUNT, region=REGION) is None
    assert amap.requirements("kinesis", "PutRecord", {}, account=ACCOUNT, region=REGION) is None


def test_a_service_without_a_spec_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="no authorisation spec for service 'kinesis'"):
        AuthorizationMap(["kinesis"])


@pytest.mark.parametrize(
    ("action", "level"),
    [
        ("s3:GetObject", "Read"),
        ("s3:ListBucket", "List"),
        ("s3:PutObject", "Write"),
        ("s3:PutBucketPolicy", "Permissions management"),
        ("s3:PutBucketTagging", "Tagging"),
        ("sqs:SetQueueAttributes", "Permissions management"),
        ("sqs:TagQueue", "Tagging"),
        ("sns:ListTopics", "List"),
        ("sts:GetCallerIdentity", "Read"),
        ("iam:AttachUserPolicy", "Permissions management"),
        ("iam:ListUsers", "List"),
        ("IAM:createuser", "Write"),
    ],
)
def test_access_level_is_the_references(amap: AuthorizationMap, action: str, level: str) -> None:
    assert amap.access_level(action) == level


def test_access_level_of_an_unknown_action_raises(amap: AuthorizationMap) -> None:
    with pytest.raises(KeyError):
        amap.access_level("s3:NoSuchAction")
    with pytest.raises(KeyError):
        amap.access_level("kinesis:PutRecord")
