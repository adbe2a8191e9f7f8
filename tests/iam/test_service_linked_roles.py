"""Service-linked roles: created with the name, path and trust policy the service gives them,
protected from DeleteRole and UpdateAssumeRolePolicy, deleted through a deletion task."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from iamkit import LAMBDA_TRUST, error_of

ACCOUNT = "123456789012"
BEANSTALK = "elasticbeanstalk.amazonaws.com"


def test_create_names_the_role_for_its_service(iam: Any) -> None:
    role = iam.create_service_linked_role(AWSServiceName=BEANSTALK, Description="eb")["Role"]
    path = f"/aws-service-role/{BEANSTALK}/"
    assert (role["RoleName"], role["Path"]) == ("AWSServiceRoleForElasticBeanstalk", path)
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role{path}AWSServiceRoleForElasticBeanstalk"
    assert role["RoleId"].startswith("AROA") and role["Description"] == "eb"
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": BEANSTALK}, "Action": "sts:AssumeRole"}
        ],
    }
    fetched = iam.get_role(RoleName="AWSServiceRoleForElasticBeanstalk")["Role"]
    assert (fetched["Arn"], fetched["Path"]) == (role["Arn"], path)
    assert error_of(iam.create_service_linked_role, AWSServiceName=BEANSTALK) == (
        "InvalidInput",
        "Service role name AWSServiceRoleForElasticBeanstalk has been taken in this account,"
        " please try a different suffix.",
        400,
    )


def test_custom_suffix_where_the_service_takes_one(iam: Any) -> None:
    made = iam.create_service_linked_role(
        AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="batch"
    )["Role"]
    assert made["RoleName"] == "AWSServiceRoleForAutoScaling_batch"
    assert error_of(
        iam.create_service_linked_role, AWSServiceName="ecs.amazonaws.com", CustomSuffix="x"
    ) == ("InvalidInput", "Custom suffix is not allowed for ecs.amazonaws.com", 400)


def test_unknown_service_is_refused(iam: Any) -> None:
    assert error_of(iam.create_service_linked_role, AWSServiceName="nothing.amazonaws.com") == (
        "InvalidInput",
        "Unrecognized service principal: nothing.amazonaws.com",
        400,
    )


def test_protected_from_delete_role_and_trust_changes(iam: Any) -> None:
    name = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]["RoleName"]
    protected = (
        "UnmodifiableEntity",
        f"Cannot perform the operation on the protected role '{name}' - this role is only"
        " modifiable by AWS",
        400,
    )
    assert error_of(iam.delete_role, RoleName=name) == protected
    assert (
        error_of(iam.update_assume_role_policy, RoleName=name, PolicyDocument=LAMBDA_TRUST)
        == protected
    )
    trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs.amazonaws.com"}


def test_delete_through_a_deletion_task(iam: Any) -> None:
    name = iam.create_service_linked_role(AWSServiceName="spot.amazonaws.com")["Role"]["RoleName"]
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    assert re.fullmatch(
        r"task/aws-service-role/spot\.amazonaws\.com/AWSServiceRoleForEC2Spot/"
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        task,
    )
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "SUCCEEDED" and "Reason" not in status
    assert error_of(iam.get_role, RoleName=name)[0] == "NoSuchEntity"
    # the role is gone, so the name is free again
    assert (
        iam.create_service_linked_role(AWSServiceName="spot.amazonaws.com")["Role"]["RoleName"]
        == name
    )
    unknown = "task/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot/nope"
    assert error_of(iam.get_service_linked_role_deletion_status, DeletionTaskId=unknown) == (
        "NoSuchEntity",
        f"Deletion task {unknown} cannot be found.",
        404,
    )
    assert error_of(
        iam.get_service_linked_role_deletion_status, DeletionTaskId="not-a-task-id"
    ) == ("InvalidInput", "Invalid deletion task id: not-a-task-id", 400)


def test_delete_service_linked_role_only_deletes_service_linked_roles(iam: Any, name: Any) -> None:
    plain = name("plain")
    iam.create_role(RoleName=plain, AssumeRolePolicyDocument=LAMBDA_TRUST)
    assert error_of(iam.delete_service_linked_role, RoleName=plain) == (
        "NoSuchEntity",
        f"The role with name {plain} cannot be found.",
        404,
    )
    assert iam.get_role(RoleName=plain)["Role"]["RoleName"] == plain
    linked = iam.list_roles(PathPrefix="/aws-service-role/")["Roles"]
    assert plain not in [r["RoleName"] for r in linked]
    assert all(r["RoleName"].startswith("AWSServiceRoleFor") for r in linked)


def test_only_its_service_changes_a_service_linked_role(iam: Any) -> None:
    """IAM refuses policy, boundary and session-duration changes on a service-linked role."""
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]
    name = role["RoleName"]
    doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    refused = [
        lambda: iam.attach_role_policy(
            RoleName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
        ),
        lambda: iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=doc),
        lambda: iam.put_role_permissions_boundary(
            RoleName=name, PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess"
        ),
        lambda: iam.update_role(RoleName=name, MaxSessionDuration=7200),
    ]
    for call in refused:
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == "UnmodifiableEntity"
    iam.update_role(RoleName=name, Description="still describable")
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "still describable"
    iam.delete_service_linked_role(RoleName=name)
