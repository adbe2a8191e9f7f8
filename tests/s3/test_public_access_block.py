"""S3 Block Public Access through a real server (services/s3/public_access.py, publicness.py):
a new bucket's defaults, Put/Get/DeletePublicAccessBlock, each of the four settings' effect,
which policies are public (the same answer for BlockPublicPolicy and GetBucketPolicyStatus),
and bad input (the bucket left as it was)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aclkit import (
    ALL_USERS,
    AUTHENTICATED_USERS,
    Actors,
    acls_enabled_bucket,
    actors_of,
    code,
    error_of,
    fails,
    grants,
    group,
    public_read_policy,
    signed,
    unique,
    unsigned,
)
from botocore.exceptions import ClientError

DENIED = ("AccessDenied", 403)
ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
ALT = "222222222222"


@pytest.fixture(scope="module")
def actors(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[Actors]:
    yield from actors_of(tmp_path_factory, launch_server, "s3-bpa")


def _config(s3: Any, bucket: str) -> dict[str, bool]:
    found: dict[str, bool] = s3.get_public_access_block(Bucket=bucket)[
        "PublicAccessBlockConfiguration"
    ]
    return found


def _only(flag: str) -> dict[str, bool]:
    return {name: name == flag for name in ALL_ON}


def test_a_new_bucket_blocks_public_access_until_the_owner_lifts_it(actors: Actors) -> None:
    s3 = actors.owner
    bucket = unique("bpa")
    s3.create_bucket(Bucket=bucket)
    assert _config(s3, bucket) == ALL_ON
    policy = public_read_policy(bucket)
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert error_of(exc) == (
        "AccessDenied",
        "User: arn:aws:iam::123456789012:root is not authorized to perform: s3:PutBucketPolicy"
        f' on resource: "arn:aws:s3:::{bucket}" because public policies are blocked by the'
        " BlockPublicPolicy block public access setting.",
        403,
    )
    assert code(fails(lambda: s3.get_bucket_policy(Bucket=bucket))) == ("NoSuchBucketPolicy", 404)
    answer = s3.delete_public_access_block(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        s3.get_public_access_block(Bucket=bucket)
    assert error_of(exc) == (
        "NoSuchPublicAccessBlockConfiguration",
        "The public access block configuration was not found",
        404,
    )
    assert exc.value.response["Error"]["BucketName"] == bucket
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    assert unsigned(f"{actors.server.endpoint}/{bucket}/k") == (200, b"data")
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True


def test_put_public_access_block_keeps_each_flag(actors: Actors) -> None:
    s3 = actors.owner
    bucket = unique("bpa")
    s3.create_bucket(Bucket=bucket)
    for config in (
        _only("IgnorePublicAcls"),
        _only("RestrictPublicBuckets"),
        {"BlockPublicAcls": True, "BlockPublicPolicy": True},  # the others left out: false
        {},
    ):
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)
        assert _config(s3, bucket) == {name: config.get(name, False) for name in ALL_ON}
    # Only the owner reads or changes it.
    assert code(fails(lambda: actors.alt.get_public_access_block(Bucket=bucket))) == DENIED
    assert code(fails(lambda: actors.alt.delete_public_access_block(Bucket=bucket))) == DENIED
    assert _config(s3, bucket) == {name: False for name in ALL_ON}


NON_PUBLIC = [
    {"Principal": {"AWS": f"arn:aws:iam::{ALT}:root"}},
    {"Principal": {"AWS": ALT}},
    {"Principal": {"Service": "cloudfront.amazonaws.com"}},
    {"Condition": {"StringEquals": {"aws:SourceVpc": "vpc-91237329"}}},
    {"Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}},
    {"Condition": {"StringEquals": {"aws:SourceAccount": ALT}}},
    {"Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:cloudfront::222222222222:x/y"}}},
    {"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}},
    {"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
    {"Condition": {"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "k1"}}},
]
PUBLIC = [
    {},
    {"Principal": {"AWS": "*"}},
    {"Condition": {"StringLike": {"aws:SourceVpc": "vpc-*"}}},
    {"Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}},
    {"Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}},
    {"Condition": {"StringEqualsIfExists": {"aws:SourceAccount": ALT}}},
    {"Condition": {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}},
    {"Condition": {"StringEquals": {"s3:prefix": "home/"}}},  # pins no caller
    {"Principal": None, "NotPrincipal": {"AWS": f"arn:aws:iam::{ALT}:root"}},
]


def _policy(bucket: str, shape: dict[str, Any]) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    statement.update(shape)
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{k: v for k, v in statement.items() if v}]}
    )


def test_block_public_policy_refuses_exactly_the_public_policies(actors: Actors) -> None:
    s3 = actors.owner
    bucket = unique("bpa")
    s3.create_bucket(Bucket=bucket)
    for shape in NON_PUBLIC:
        policy = _policy(bucket, shape)
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)
        assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == policy
        assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False
    kept = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    for shape in PUBLIC:
        err = fails(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, shape)))  # noqa: B023
        assert code(err) == DENIED, shape
        assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == kept
    # The same policies, with the setting off: taken, and reported public.
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration={**ALL_ON, "BlockPublicPolicy": False}
    )
    for shape in PUBLIC:
        s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, shape))
        assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True


def test_block_public_acls_refuses_public_acls_only(actors: Actors) -> None:
    s3 = actors.owner
    bucket = acls_enabled_bucket(s3, block=True)
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=_only("BlockPublicAcls")
    )
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    for setting in ({"ACL": "public-read"}, {"GrantRead": f"uri={AUTHENTICATED_USERS}"}):
        with pytest.raises(ClientError) as exc:
            s3.put_bucket_acl(Bucket=bucket, **setting)
        assert error_of(exc) == (
            "AccessDenied",
            "User: arn:aws:iam::123456789012:root is not authorized to perform: s3:PutBucketAcl"
            f' on resource: "arn:aws:s3:::{bucket}" because public access control lists (ACLs)'
            " are blocked by the BlockPublicAcls block public access setting",
            403,
        )
        with pytest.raises(ClientError) as exc:
            s3.put_object_acl(Bucket=bucket, Key="k", **setting)
        assert error_of(exc)[2] == 403
        assert f's3:PutObjectAcl on resource: "arn:aws:s3:::{bucket}/k"' in error_of(exc)[1]
        with pytest.raises(ClientError) as exc:
            s3.put_object(Bucket=bucket, Key="new", Body=b"x", **setting)
        assert code(exc.value) == DENIED
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]
    assert grants(s3.get_bucket_acl(Bucket=bucket)) == {
        ("CanonicalUser", actors.owner_id, "FULL_CONTROL")
    }
    # Grants to accounts are not public.
    s3.put_bucket_acl(Bucket=bucket, GrantRead=f"id={actors.alt_id}")
    s3.put_object(Bucket=bucket, Key="shared", Body=b"x", GrantRead=f"id={actors.alt_id}")
    assert actors.alt.get_object(Bucket=bucket, Key="shared")["Body"].read() == b"x"


def test_ignore_public_acls_sets_aside_public_grants(actors: Actors) -> None:
    s3 = actors.owner
    bucket = acls_enabled_bucket(s3)
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    s3.put_object(Bucket=bucket, Key="public", Body=b"data", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="signed", Body=b"data", ACL="authenticated-read")
    s3.put_object(Bucket=bucket, Key="alt", Body=b"data", GrantRead=f"id={actors.alt_id}")
    base = f"{actors.server.endpoint}/{bucket}"
    assert unsigned(f"{base}/public") == (200, b"data")
    assert actors.third.get_object(Bucket=bucket, Key="signed")["Body"].read() == b"data"
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=_only("IgnorePublicAcls")
    )
    assert unsigned(f"{base}/public")[0] == 403
    assert unsigned(f"{base}?list-type=2")[0] == 403
    assert code(fails(lambda: actors.third.get_object(Bucket=bucket, Key="signed"))) == DENIED
    assert code(fails(lambda: actors.third.get_object(Bucket=bucket, Key="public"))) == DENIED
    # A grant to an account is not public: it still counts.
    assert actors.alt.get_object(Bucket=bucket, Key="alt")["Body"].read() == b"data"
    # The ACLs are kept, and new public ones may still be set (BlockPublicAcls is off).
    assert group(ALL_USERS, "READ") in grants(s3.get_object_acl(Bucket=bucket, Key="public"))
    s3.put_object_acl(Bucket=bucket, Key="alt", ACL="public-read")
    s3.delete_public_access_block(Bucket=bucket)
    assert unsigned(f"{base}/public") == (200, b"data")
    assert unsigned(f"{base}/alt") == (200, b"data")


def test_restrict_public_buckets_keeps_a_public_policy_to_the_owner(actors: Actors) -> None:
    s3 = actors.owner
    bucket = unique("bpa")
    s3.create_bucket(Bucket=bucket)
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    everyone = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    named = {
        **everyone,
        "Principal": {"AWS": f"arn:aws:iam::{ALT}:root"},
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [everyone, named]})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    url = f"{actors.server.endpoint}/{bucket}/k"
    assert unsigned(url) == (200, b"data")
    assert actors.third.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
    assert actors.alt.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=_only("RestrictPublicBuckets")
    )
    # Anonymous and cross-account access, even delegation to one named account, is blocked.
    assert unsigned(url)[0] == 403
    assert code(fails(lambda: actors.third.get_object(Bucket=bucket, Key="k"))) == DENIED
    assert code(fails(lambda: actors.alt.get_object(Bucket=bucket, Key="k"))) == DENIED
    assert code(fails(lambda: actors.alt.list_objects_v2(Bucket=bucket))) == DENIED
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
    # A policy that is not public is not restricted.
    s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [named]})
    )
    assert actors.alt.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
    # Lifted: the public policy lets everyone in again.
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    s3.delete_public_access_block(Bucket=bucket)
    assert unsigned(url) == (200, b"data")


def test_bad_public_access_block_documents_change_nothing(actors: Actors) -> None:
    s3 = actors.owner
    bucket = unique("bpa")
    s3.create_bucket(Bucket=bucket)
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=_only("BlockPublicAcls")
    )
    for body in (
        b"<PublicAccessBlockConfiguration><BlockPublicAcls>maybe</BlockPublicAcls>"
        b"</PublicAccessBlockConfiguration>",
        b"<PublicAccessBlockConfiguration><BlockPublicAcls>true",
        b"<SomethingElse><BlockPublicAcls>true</BlockPublicAcls></SomethingElse>",
    ):
        status, answer = signed(actors.server, "PUT", f"/{bucket}?publicAccessBlock", body)
        assert status == 400, answer
        assert b"<Code>MalformedXML</Code>" in answer, answer
    assert _config(s3, bucket) == _only("BlockPublicAcls")
    missing = unique("nothere")
    assert code(fails(lambda: s3.get_public_access_block(Bucket=missing))) == (
        "NoSuchBucket",
        404,
    )
