"""Exact requirements of the operations whose permissions are not simply `<prefix>:<Operation>`
on one resource: S3's versioned, copy, batch and tagging forms, SQS's queue URL forms, SNS's
subscription ARNs, STS's permission-free and self-authorised calls, IAM's users and renames."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ownstack.core.tokens import opaque_token
from ownstack.gateway.authz import AuthorizationMap, Requirement

ACCOUNT = "111122223333"
REGION = "eu-west-1"
OBJ = "arn:aws:s3:::photos/2026/cat.jpg"
Row = tuple[str, str, dict[str, tuple[str, ...]]]


@pytest.fixture(scope="module")
def amap() -> AuthorizationMap:
    return AuthorizationMap(["s3", "sqs", "sns", "sts", "iam"])


def rows(found: tuple[Requirement, ...] | None) -> list[Row]:
    assert found is not None
    return [(r.action, r.resource, dict(r.context)) for r in found]


def ask(
    amap: AuthorizationMap, service: str, op: str, params: dict[str, Any], caller: str | None = None
) -> list[Row]:
    return rows(
        amap.requirements(service, op, params, account=ACCOUNT, region=REGION, caller=caller)
    )


S3_CASES: list[tuple[str, dict[str, Any], list[Row]]] = [
    ("GetObject", {"Bucket": "photos", "Key": "2026/cat.jpg"}, [("s3:GetObject", OBJ, {})]),
    (
        "GetObject",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "VersionId": "v1"},
        [("s3:GetObjectVersion", OBJ, {"s3:versionid": ("v1",)})],
    ),
    (
        "HeadObject",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "VersionId": "null"},
        [("s3:GetObjectVersion", OBJ, {"s3:versionid": ("null",)})],
    ),
    (
        "DeleteObject",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "VersionId": "v1"},
        [("s3:DeleteObjectVersion", OBJ, {"s3:versionid": ("v1",)})],
    ),
    (
        "GetObjectTagging",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "VersionId": "v1"},
        [("s3:GetObjectVersionTagging", OBJ, {"s3:versionid": ("v1",)})],
    ),
    (
        "DeleteObjectTagging",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "VersionId": "v1"},
        [("s3:DeleteObjectVersionTagging", OBJ, {"s3:versionid": ("v1",)})],
    ),
    (
        "PutObjectTagging",
        {
            "Bucket": "photos",
            "Key": "2026/cat.jpg",
            "Tagging": {"TagSet": [{"Key": "Project", "Value": "Blue"}]},
        },
        [
            (
                "s3:PutObjectTagging",
                OBJ,
                {"s3:requestobjecttag/project": ("Blue",), "s3:requestobjecttagkeys": ("Project",)},
            )
        ],
    ),
    (
        "PutObjectTagging",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "VersionId": "v1", "Tagging": {"TagSet": []}},
        [
            (
                "s3:PutObjectVersionTagging",
                OBJ,
                {"s3:versionid": ("v1",), "s3:requestobjecttagkeys": ()},
            )
        ],
    ),
    (
        "GetObjectAttributes",
        {"Bucket": "photos", "Key": "2026/cat.jpg"},
        [("s3:GetObject", OBJ, {}), ("s3:GetObjectAttributes", OBJ, {})],
    ),
    (
        "GetObjectAttributes",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "VersionId": "v1"},
        [
            ("s3:GetObjectVersion", OBJ, {"s3:versionid": ("v1",)}),
            ("s3:GetObjectVersionAttributes", OBJ, {"s3:versionid": ("v1",)}),
        ],
    ),
    (
        "PutObject",
        {
            "Bucket": "photos",
            "Key": "2026/cat.jpg",
            "Tagging": "Project=Blue&Cost%20Center=42",
            "ACL": "bucket-owner-full-control",
            "ServerSideEncryption": "AES256",
            "ObjectLockRetainUntilDate": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        },
        [
            (
                "s3:PutObject",
                OBJ,
                {
                    "s3:x-amz-acl": ("bucket-owner-full-control",),
                    "s3:x-amz-server-side-encryption": ("AES256",),
                    "s3:object-lock-retain-until-date": ("2030-01-02T03:04:05Z",),
                    "s3:requestobjecttag/project": ("Blue",),
                    "s3:requestobjecttag/cost center": ("42",),
                    "s3:requestobjecttagkeys": ("Project", "Cost Center"),
                },
            ),
            (
                "s3:PutObjectTagging",
                OBJ,
                {
                    "s3:requestobjecttag/project": ("Blue",),
                    "s3:requestobjecttag/cost center": ("42",),
                    "s3:requestobjecttagkeys": ("Project", "Cost Center"),
                },
            ),
        ],
    ),
    (
        "CopyObject",
        {
            "Bucket": "photos",
            "Key": "2026/cat.jpg",
            "CopySource": "/src-bucket/dir/a%20b.txt?versionId=3HL4kqtJ",
            "MetadataDirective": "REPLACE",
        },
        [
            (
                "s3:GetObjectVersion",
                "arn:aws:s3:::src-bucket/dir/a b.txt",
                {"s3:versionid": ("3HL4kqtJ",)},
            ),
            (
                "s3:PutObject",
                OBJ,
                {
                    "s3:x-amz-copy-source": ("/src-bucket/dir/a%20b.txt?versionId=3HL4kqtJ",),
                    "s3:x-amz-metadata-directive": ("REPLACE",),
                },
            ),
        ],
    ),
    (
        "CopyObject",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "CopySource": "src/k", "Tagging": "a=1"},
        [
            ("s3:GetObject", "arn:aws:s3:::src/k", {}),
            (
                "s3:PutObject",
                OBJ,
                {
                    "s3:x-amz-copy-source": ("src/k",),
                    "s3:requestobjecttag/a": ("1",),
                    "s3:requestobjecttagkeys": ("a",),
                },
            ),
            (
                "s3:PutObjectTagging",
                OBJ,
                {"s3:requestobjecttag/a": ("1",), "s3:requestobjecttagkeys": ("a",)},
            ),
        ],
    ),
    (
        "CopyObject",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "CopySource": "no-key"},
        [("s3:GetObject", "*", {}), ("s3:PutObject", OBJ, {"s3:x-amz-copy-source": ("no-key",)})],
    ),
    (
        "UploadPartCopy",
        {
            "Bucket": "photos",
            "Key": "2026/cat.jpg",
            "CopySource": "src/k?versionId=v9",
            "UploadId": "u",
        },
        [
            ("s3:GetObjectVersion", "arn:aws:s3:::src/k", {"s3:versionid": ("v9",)}),
            ("s3:PutObject", OBJ, {"s3:x-amz-copy-source": ("src/k?versionId=v9",)}),
        ],
    ),
    (
        "DeleteObjects",
        {
            "Bucket": "photos",
            "Delete": {"Objects": [{"Key": "a.txt"}, {"Key": "b/c.txt", "VersionId": "v2"}]},
        },
        [
            ("s3:DeleteObject", "arn:aws:s3:::photos/a.txt", {}),
            ("s3:DeleteObjectVersion", "arn:aws:s3:::photos/b/c.txt", {"s3:versionid": ("v2",)}),
        ],
    ),
    (
        "DeleteObjects",
        {"Bucket": "photos", "Delete": {"Objects": []}},
        [("s3:DeleteObject", "arn:aws:s3:::photos/*", {})],
    ),
    (
        "ListObjectsV2",
        {"Bucket": "photos", "Prefix": "2026/", "Delimiter": "/", "MaxKeys": 100},
        [
            (
                "s3:ListBucket",
                "arn:aws:s3:::photos",
                {"s3:prefix": ("2026/",), "s3:delimiter": ("/",), "s3:max-keys": ("100",)},
            )
        ],
    ),
    (
        "ListObjectVersions",
        {"Bucket": "photos", "Prefix": "a"},
        [("s3:ListBucketVersions", "arn:aws:s3:::photos", {"s3:prefix": ("a",)})],
    ),
    ("HeadBucket", {"Bucket": "photos"}, [("s3:ListBucket", "arn:aws:s3:::photos", {})]),
    ("ListBuckets", {}, [("s3:ListAllMyBuckets", "*", {})]),
    (
        "ListMultipartUploads",
        {"Bucket": "photos", "Prefix": "x"},
        [("s3:ListBucketMultipartUploads", "arn:aws:s3:::photos", {})],
    ),
    (
        "ListParts",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "UploadId": "u"},
        [("s3:ListMultipartUploadParts", OBJ, {})],
    ),
    (
        "CompleteMultipartUpload",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "UploadId": "u"},
        [("s3:PutObject", OBJ, {})],
    ),
    (
        "AbortMultipartUpload",
        {"Bucket": "photos", "Key": "2026/cat.jpg", "UploadId": "u"},
        [("s3:AbortMultipartUpload", OBJ, {})],
    ),
    (
        "CreateBucket",
        {
            "Bucket": "photos",
            "ACL": "private",
            "CreateBucketConfiguration": {
                "LocationConstraint": "eu-west-1",
                "Tags": [{"Key": "Team", "Value": "Web"}],
            },
        },
        [
            (
                "s3:CreateBucket",
                "arn:aws:s3:::photos",
                {
                    "s3:x-amz-acl": ("private",),
                    "s3:locationconstraint": ("eu-west-1",),
                    "aws:requesttag/team": ("Web",),
                    "aws:tagkeys": ("Team",),
                },
            )
        ],
    ),
    (
        "PutBucketTagging",
        {"Bucket": "photos", "Tagging": {"TagSet": [{"Key": "Env", "Value": "prod"}]}},
        [
            (
                "s3:PutBucketTagging",
                "arn:aws:s3:::photos",
                {"aws:requesttag/env": ("prod",), "aws:tagkeys": ("Env",)},
            )
        ],
    ),
    (
        "DeleteBucketTagging",
        {"Bucket": "photos"},
        [("s3:PutBucketTagging", "arn:aws:s3:::photos", {})],
    ),
    (
        "GetBucketTagging",
        {"Bucket": "photos"},
        [("s3:GetBucketTagging", "arn:aws:s3:::photos", {})],
    ),
    (
        "GetBucketLocation",
        {"Bucket": "photos"},
        [("s3:GetBucketLocation", "arn:aws:s3:::photos", {})],
    ),
    (
        "DeleteBucketPolicy",
        {"Bucket": "photos"},
        [("s3:DeleteBucketPolicy", "arn:aws:s3:::photos", {})],
    ),
    (
        "GetBucketPolicyStatus",
        {"Bucket": "photos"},
        [("s3:GetBucketPolicyStatus", "arn:aws:s3:::photos", {})],
    ),
    ("DeleteBucketCors", {"Bucket": "photos"}, [("s3:PutBucketCORS", "arn:aws:s3:::photos", {})]),
    ("GetBucketCors", {"Bucket": "photos"}, [("s3:GetBucketCORS", "arn:aws:s3:::photos", {})]),
    (
        "GetBucketLifecycleConfiguration",
        {"Bucket": "photos"},
        [("s3:GetLifecycleConfiguration", "arn:aws:s3:::photos", {})],
    ),
]


@pytest.mark.parametrize(("op", "params", "expected"), S3_CASES)
def test_s3(amap: AuthorizationMap, op: str, params: dict[str, Any], expected: list[Row]) -> None:
    assert ask(amap, "s3", op, params) == expected


QUEUE = f"arn:aws:sqs:{REGION}:123456789012:orders"


@pytest.mark.parametrize(
    ("url", "resource"),
    [
        ("https://sqs.eu-west-1.amazonaws.com/123456789012/orders", QUEUE),
        ("http://localhost:4566/123456789012/orders", QUEUE),
        ("http://sqs.us-east-1.localhost.localstack.cloud:4566/123456789012/orders", QUEUE),
        ("/123456789012/orders", QUEUE),
        ("123456789012/orders", QUEUE),
        ("orders", f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"),
        ("http://localhost/123456789012/my%20q", f"arn:aws:sqs:{REGION}:123456789012:my q"),
        ("http://localhost/orders", "*"),
        ("http://localhost/12345/orders", "*"),
        ("", "*"),
    ],
)
def test_sqs_queue_url_forms(amap: AuthorizationMap, url: str, resource: str) -> None:
    assert ask(amap, "sqs", "SendMessage", {"QueueUrl": url}) == [("sqs:SendMessage", resource, {})]


SQS_CASES: list[tuple[str, dict[str, Any], list[Row]]] = [
    (
        "SendMessageBatch",
        {"QueueUrl": "http://h/123456789012/orders", "Entries": []},
        [("sqs:SendMessage", QUEUE, {})],
    ),
    (
        "DeleteMessageBatch",
        {"QueueUrl": "http://h/123456789012/orders"},
        [("sqs:DeleteMessage", QUEUE, {})],
    ),
    (
        "ChangeMessageVisibilityBatch",
        {"QueueUrl": "http://h/123456789012/orders"},
        [("sqs:ChangeMessageVisibility", QUEUE, {})],
    ),
    (
        "CreateQueue",
        {"QueueName": "jobs", "tags": {"Team": "Web", "env": "dev"}},
        [
            (
                "sqs:CreateQueue",
                f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs",
                {
                    "aws:requesttag/team": ("Web",),
                    "aws:requesttag/env": ("dev",),
                    "aws:tagkeys": ("Team", "env"),
                },
            )
        ],
    ),
    (
        "GetQueueUrl",
        {"QueueName": "orders", "QueueOwnerAWSAccountId": "123456789012"},
        [("sqs:GetQueueUrl", QUEUE, {})],
    ),
    (
        "GetQueueUrl",
        {"QueueName": "orders"},
        [("sqs:GetQueueUrl", f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders", {})],
    ),
    ("ListQueues", {"QueueNamePrefix": "o"}, [("sqs:ListQueues", "*", {})]),
    (
        "TagQueue",
        {"QueueUrl": "http://h/123456789012/orders", "Tags": {"a": "1"}},
        [("sqs:TagQueue", QUEUE, {"aws:requesttag/a": ("1",), "aws:tagkeys": ("a",)})],
    ),
    (
        "UntagQueue",
        {"QueueUrl": "http://h/123456789012/orders", "TagKeys": ["a", "B"]},
        [("sqs:UntagQueue", QUEUE, {"aws:tagkeys": ("a", "B")})],
    ),
    (
        "StartMessageMoveTask",
        {"SourceArn": QUEUE, "DestinationArn": "arn:aws:sqs:eu-west-1:123456789012:x"},
        [("sqs:StartMessageMoveTask", QUEUE, {})],
    ),
    ("ListMessageMoveTasks", {"SourceArn": QUEUE}, [("sqs:ListMessageMoveTasks", QUEUE, {})]),
    (
        "CancelMessageMoveTask",
        {"TaskHandle": opaque_token(f"{QUEUE}/8d1c2f1e")},
        [("sqs:CancelMessageMoveTask", QUEUE, {})],
    ),
    (
        "CancelMessageMoveTask",
        {"TaskHandle": "not-a-handle"},
        [("sqs:CancelMessageMoveTask", "*", {})],
    ),
    (
        "ListDeadLetterSourceQueues",
        {"QueueUrl": "http://h/123456789012/orders"},
        [("sqs:ListDeadLetterSourceQueues", QUEUE, {})],
    ),
]


@pytest.mark.parametrize(("op", "params", "expected"), SQS_CASES)
def test_sqs(amap: AuthorizationMap, op: str, params: dict[str, Any], expected: list[Row]) -> None:
    assert ask(amap, "sqs", op, params) == expected


TOPIC = "arn:aws:sns:us-east-2:123456789012:alerts"
SNS_CASES: list[tuple[str, dict[str, Any], list[Row]]] = [
    (
        "Unsubscribe",
        {"SubscriptionArn": f"{TOPIC}:6b0e71bd-7e97-4d97-80ce-4a0994e55286"},
        [("sns:Unsubscribe", TOPIC, {})],
    ),
    (
        "GetSubscriptionAttributes",
        {"SubscriptionArn": f"{TOPIC}:6b0e71bd"},
        [("sns:GetSubscriptionAttributes", TOPIC, {})],
    ),
    ("Unsubscribe", {"SubscriptionArn": TOPIC}, [("sns:Unsubscribe", "*", {})]),
    (
        "Subscribe",
        {"TopicArn": TOPIC, "Protocol": "sqs", "Endpoint": QUEUE},
        [("sns:Subscribe", TOPIC, {"sns:protocol": ("sqs",), "sns:endpoint": (QUEUE,)})],
    ),
    (
        "CreateTopic",
        {"Name": "alerts", "Tags": [{"Key": "Team", "Value": "Ops"}]},
        [
            (
                "sns:CreateTopic",
                f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts",
                {"aws:requesttag/team": ("Ops",), "aws:tagkeys": ("Team",)},
            )
        ],
    ),
    ("Publish", {"TopicArn": TOPIC, "Message": "m"}, [("sns:Publish", TOPIC, {})]),
    ("Publish", {"TargetArn": TOPIC, "Message": "m"}, [("sns:Publish", TOPIC, {})]),
    ("Publish", {"PhoneNumber": "+15555550100", "Message": "m"}, [("sns:Publish", "*", {})]),
    ("PublishBatch", {"TopicArn": TOPIC}, [("sns:Publish", TOPIC, {})]),
    (
        "UntagResource",
        {"ResourceArn": TOPIC, "TagKeys": ["Team"]},
        [("sns:UntagResource", TOPIC, {"aws:tagkeys": ("Team",)})],
    ),
    ("ListTopics", {}, [("sns:ListTopics", "*", {})]),
    ("ListSubscriptions", {}, [("sns:ListSubscriptions", "*", {})]),
]


@pytest.mark.parametrize(("op", "params", "expected"), SNS_CASES)
def test_sns(amap: AuthorizationMap, op: str, params: dict[str, Any], expected: list[Row]) -> None:
    assert ask(amap, "sns", op, params) == expected


def test_sts_calls_that_need_no_permission(amap: AuthorizationMap) -> None:
    for op in ("GetCallerIdentity", "GetSessionToken"):
        assert ask(amap, "sts", op, {}) == []
        assert amap.needs_no_permission("sts", op)
        assert not amap.self_authorised("sts", op)


def test_sts_assume_role_is_self_authorised(amap: AuthorizationMap) -> None:
    params = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/deploy", "RoleSessionName": "s"}
    for op in ("AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"):
        assert ask(amap, "sts", op, params) == []
        assert amap.self_authorised("sts", op)
        assert not amap.needs_no_permission("sts", op)
    assert not amap.self_authorised("sts", "GetFederationToken")


@pytest.mark.parametrize(
    ("op", "params", "expected"),
    [
        (
            "GetFederationToken",
            {"Name": "bob", "Tags": [{"Key": "Dept", "Value": "eng"}]},
            [
                (
                    "sts:GetFederationToken",
                    f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
                    {"aws:requesttag/dept": ("eng",), "aws:tagkeys": ("Dept",)},
                )
            ],
        ),
        ("GetAccessKeyInfo", {"AccessKeyId": "AKIAEXAMPLE"}, [("sts:GetAccessKeyInfo", "*", {})]),
        (
            "DecodeAuthorizationMessage",
            {"EncodedMessage": "x"},
            [("sts:DecodeAuthorizationMessage", "*", {})],
        ),
    ],
)
def test_sts(amap: AuthorizationMap, op: str, params: dict[str, Any], expected: list[Row]) -> None:
    assert ask(amap, "sts", op, params) == expected


ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
CALLER = f"arn:aws:iam::{ACCOUNT}:user/dev/carol"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/boundary"
IAM_CASES: list[tuple[str, dict[str, Any], str | None, list[Row]]] = [
    ("GetUser", {"UserName": "alice"}, None, [("iam:GetUser", ALICE, {})]),
    ("GetUser", {}, CALLER, [("iam:GetUser", CALLER, {})]),
    ("GetUser", {}, f"arn:aws:iam::{ACCOUNT}:root", [("iam:GetUser", "*", {})]),
    ("CreateAccessKey", {}, CALLER, [("iam:CreateAccessKey", CALLER, {})]),
    (
        "ChangePassword",
        {"OldPassword": "a", "NewPassword": "b"},
        CALLER,
        [("iam:ChangePassword", CALLER, {})],
    ),
    (
        "GetAccessKeyLastUsed",
        {"AccessKeyId": "AKIA1"},
        CALLER,
        [("iam:GetAccessKeyLastUsed", "*", {})],
    ),
    (
        "CreateUser",
        {
            "UserName": "alice",
            "Path": "/dev/team/",
            "PermissionsBoundary": BOUNDARY,
            "Tags": [{"Key": "CostCenter", "Value": "42"}],
        },
        None,
        [
            (
                "iam:CreateUser",
                f"arn:aws:iam::{ACCOUNT}:user/dev/team/alice",
                {
                    "iam:permissionsboundary": (BOUNDARY,),
                    "aws:requesttag/costcenter": ("42",),
                    "aws:tagkeys": ("CostCenter",),
                },
            )
        ],
    ),
    (
        "AttachUserPolicy",
        {"UserName": "alice", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        None,
        [
            (
                "iam:AttachUserPolicy",
                ALICE,
                {"iam:policyarn": ("arn:aws:iam::aws:policy/ReadOnlyAccess",)},
            )
        ],
    ),
    (
        "PutRolePermissionsBoundary",
        {"RoleName": "deploy", "PermissionsBoundary": BOUNDARY},
        None,
        [
            (
                "iam:PutRolePermissionsBoundary",
                f"arn:aws:iam::{ACCOUNT}:role/deploy",
                {"iam:permissionsboundary": (BOUNDARY,)},
            )
        ],
    ),
    (
        "CreatePolicy",
        {"PolicyName": "p1", "Path": "/app/", "PolicyDocument": "{}"},
        None,
        [("iam:CreatePolicy", f"arn:aws:iam::{ACCOUNT}:policy/app/p1", {})],
    ),
    (
        "GetPolicyVersion",
        {"PolicyArn": BOUNDARY, "VersionId": "v1"},
        None,
        [("iam:GetPolicyVersion", BOUNDARY, {})],
    ),
    (
        "UpdateUser",
        {"UserName": "bob", "NewUserName": "robert"},
        None,
        [
            ("iam:UpdateUser", f"arn:aws:iam::{ACCOUNT}:user/bob", {}),
            ("iam:UpdateUser", f"arn:aws:iam::{ACCOUNT}:user/robert", {}),
        ],
    ),
    (
        "UpdateGroup",
        {"GroupName": "devs", "NewPath": "/eng/"},
        None,
        [
            ("iam:UpdateGroup", f"arn:aws:iam::{ACCOUNT}:group/devs", {}),
            ("iam:UpdateGroup", f"arn:aws:iam::{ACCOUNT}:group/eng/devs", {}),
        ],
    ),
    (
        "SimulatePrincipalPolicy",
        {"PolicySourceArn": f"arn:aws:iam::{ACCOUNT}:role/deploy", "ActionNames": ["s3:GetObject"]},
        None,
        [("iam:SimulatePrincipalPolicy", f"arn:aws:iam::{ACCOUNT}:role/deploy", {})],
    ),
    (
        "UntagRole",
        {"RoleName": "deploy", "TagKeys": ["Env"]},
        None,
        [("iam:UntagRole", f"arn:aws:iam::{ACCOUNT}:role/deploy", {"aws:tagkeys": ("Env",)})],
    ),
    ("ListUsers", {"PathPrefix": "/"}, None, [("iam:ListUsers", "*", {})]),
    (
        "CreateOpenIDConnectProvider",
        {"Url": "https://token.actions.githubusercontent.com", "ThumbprintList": []},
        None,
        [
            (
                "iam:CreateOpenIDConnectProvider",
                f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
                {},
            )
        ],
    ),
]


@pytest.mark.parametrize(("op", "params", "caller", "expected"), IAM_CASES)
def test_iam(
    amap: AuthorizationMap,
    op: str,
    params: dict[str, Any],
    caller: str | None,
    expected: list[Row],
) -> None:
    assert ask(amap, "iam", op, params, caller) == expected
