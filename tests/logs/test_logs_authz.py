"""Authorisation of CloudWatch Logs: every implemented operation maps to reference actions on
ARNs of the reference's resource types (gateway/authz/logs.py), and a real server enforces
them: IAM policies on log groups (`:*` form) and streams, and aws:ResourceTag on groups."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from logskit import error_of, now_ms, unique

from ownstack.core.service import find_handler
from ownstack.gateway.authz import AuthorizationMap
from ownstack.gateway.authz.reference import load_reference
from ownstack.services.logs.service import LogsService
from ownstack.wire.services import load_model

ACCOUNT = "123456789012"
REGION = "us-east-1"
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/orders"
SAMPLES: dict[str, Any] = {
    "logGroupName": "/app/orders",
    "logStreamName": "web-1",
    "resourceArn": GROUP_ARN,
    "tags": {"team": "core"},
    "tagKeys": ["team"],
    "logGroupIdentifiers": ["/app/orders"],
}
OPERATIONS = [
    op for op in load_model("logs").operation_names if find_handler(LogsService, op) is not None
]
EXPECTED = {
    "CreateLogGroup": ("logs:CreateLogGroup", f"{GROUP_ARN}:*"),
    "DeleteLogGroup": ("logs:DeleteLogGroup", f"{GROUP_ARN}:*"),
    "DescribeLogGroups": ("logs:DescribeLogGroups", "*"),
    "PutRetentionPolicy": ("logs:PutRetentionPolicy", f"{GROUP_ARN}:*"),
    "DeleteRetentionPolicy": ("logs:DeleteRetentionPolicy", f"{GROUP_ARN}:*"),
    "CreateLogStream": ("logs:CreateLogStream", f"{GROUP_ARN}:log-stream:web-1"),
    "DeleteLogStream": ("logs:DeleteLogStream", f"{GROUP_ARN}:log-stream:web-1"),
    "DescribeLogStreams": ("logs:DescribeLogStreams", f"{GROUP_ARN}:*"),
    "PutLogEvents": ("logs:PutLogEvents", f"{GROUP_ARN}:log-stream:web-1"),
    "GetLogEvents": ("logs:GetLogEvents", f"{GROUP_ARN}:log-stream:web-1"),
    "FilterLogEvents": ("logs:FilterLogEvents", f"{GROUP_ARN}:*"),
    "TagResource": ("logs:TagResource", GROUP_ARN),
    "UntagResource": ("logs:UntagResource", GROUP_ARN),
    "ListTagsForResource": ("logs:ListTagsForResource", GROUP_ARN),
    "TagLogGroup": ("logs:TagLogGroup", f"{GROUP_ARN}:*"),
    "UntagLogGroup": ("logs:UntagLogGroup", f"{GROUP_ARN}:*"),
    "ListTagsLogGroup": ("logs:ListTagsLogGroup", f"{GROUP_ARN}:*"),
}


@pytest.fixture(scope="module")
def amap() -> AuthorizationMap:
    return AuthorizationMap(["logs"])


def test_the_implemented_operations_are_those_this_walk_expects() -> None:
    assert sorted(OPERATIONS) == sorted(EXPECTED)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_needs_its_action_on_its_resource(
    amap: AuthorizationMap, operation: str
) -> None:
    shape = load_model("logs").operation_model(operation).input_shape
    params = {k: v for k, v in SAMPLES.items() if k in shape.members}
    if operation == "UntagLogGroup":
        params["tags"] = ["team"]
    found = amap.requirements("logs", operation, params, account=ACCOUNT, region=REGION)
    assert found is not None
    (requirement,) = found
    assert (requirement.action, requirement.resource) == EXPECTED[operation]
    reference = load_reference("logs")
    info = reference.action(operation)
    assert info is not None
    if requirement.resource != "*":
        patterns = [reference.template(use.name).pattern() for use in info.resources]
        assert any(p.fullmatch(requirement.resource) for p in patterns)
    assert amap.access_level(requirement.action) in {"Read", "List", "Write", "Tagging"}


def test_tagging_carries_request_tag_keys(amap: AuthorizationMap) -> None:
    (create,) = (
        amap.requirements("logs", "CreateLogGroup", SAMPLES, account=ACCOUNT, region=REGION) or ()
    )
    assert dict(create.context) == {"aws:requesttag/team": ("core",), "aws:tagkeys": ("team",)}
    (untag,) = (
        amap.requirements(
            "logs",
            "UntagLogGroup",
            {"logGroupName": "/g", "tags": ["a", "b"]},
            account=ACCOUNT,
            region=REGION,
        )
        or ()
    )
    assert dict(untag.context) == {"aws:tagkeys": ("a", "b")}


# -- enforced by a real server ----------------------------------------------------------------


def _user(server: Any, policy: dict[str, Any]) -> Any:
    iam = server.client("iam")
    name = f"logs-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    client = server.client(
        "logs", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    return client, f"arn:aws:iam::{ACCOUNT}:user/{name}"


def test_a_policy_on_a_group_allows_it_and_its_streams_only(server: Any) -> None:
    allowed, other = unique("/allowed"), unique("/other")
    root = server.client("logs")
    root.create_log_group(logGroupName=other)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{allowed}:*",
            }
        ],
    }
    logs, user = _user(server, policy)
    logs.create_log_group(logGroupName=allowed)
    logs.create_log_stream(logGroupName=allowed, logStreamName="s")
    logs.put_log_events(
        logGroupName=allowed, logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "m"}]
    )
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName=other, logStreamName="s")
    action = "logs:CreateLogStream"
    assert error_of(exc) == (
        "AccessDeniedException",
        f"User: {user} is not authorized to perform: {action} on resource:"
        f" arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{other}:log-stream:s"
        f" because no identity-based policy allows the {action} action",
        400,
    )
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName=allowed, logStreamName="s")
    assert error_of(exc)[0] == "AccessDeniedException"


def test_a_group_tag_can_deny_writes(server: Any) -> None:
    prod = unique("/prod")
    root = server.client("logs")
    root.create_log_group(logGroupName=prod, tags={"env": "prod"})
    root.create_log_stream(logGroupName=prod, logStreamName="s")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "logs:PutLogEvents",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}},
            },
        ],
    }
    logs, _ = _user(server, policy)
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(
            logGroupName=prod,
            logStreamName="s",
            logEvents=[{"timestamp": now_ms(), "message": "m"}],
        )
    assert error_of(exc)[0] == "AccessDeniedException"
    assert logs.get_log_events(logGroupName=prod, logStreamName="s")["events"] == []
