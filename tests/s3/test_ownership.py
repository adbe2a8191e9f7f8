"""S3 Object Ownership through a real server (services/s3/ownership.py): the default
(BucketOwnerEnforced) and what it refuses, CreateBucket's x-amz-object-ownership and ACLs,
Put/Get/DeleteBucketOwnershipControls, who owns an object in each mode, and the errors AWS
answers (the bucket left as it was)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aclkit import (
    ALL_USERS,
    Actors,
    acls_enabled_bucket,
    actors_of,
    code,
    error_of,
    fails,
    grants,
    public_read_policy,
    signed,
    unique,
    user,
)
from botocore.exceptions import ClientError
from s3kit import ACCOUNT, ctx, error, run

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.ports.meta import Put
from ownstack.services.s3.records import BUCKETS, BucketRecord
from ownstack.services.s3.service import S3Service

NO_ACLS = ("AccessControlListNotSupported", "The bucket does not allow ACLs", 400)
WITH_OWNERSHIP = (
    "InvalidBucketAclWithObjectOwnership",
    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    400,
)
MALFORMED = (
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
    400,
)


@pytest.fixture(scope="module")
def actors(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[Actors]:
    yield from actors_of(tmp_path_factory, launch_server, "s3-ownership")


def _mode(s3: Any, bucket: str) -> str:
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert len(rules) == 1
    return str(rules[0]["ObjectOwnership"])


def _set_mode(s3: Any, bucket: str, mode: str) -> None:
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": mode}]}
    )


def test_new_buckets_are_bucket_owner_enforced(actors: Actors) -> None:
    s3 = actors.owner
    bucket = unique("own")
    s3.create_bucket(Bucket=bucket)
    assert _mode(s3, bucket) == "BucketOwnerEnforced"
    s3.delete_public_access_block(Bucket=bucket)  # so only ownership refuses what follows
    for setting in (
        {"ACL": "public-read"},
        {"ACL": "authenticated-read"},
        {"ACL": "bucket-owner-read"},
        {"GrantRead": f"uri={ALL_USERS}"},
        {"GrantFullControl": f"id={actors.alt_id}"},
    ):
        with pytest.raises(ClientError) as exc:
            s3.put_object(Bucket=bucket, Key="k", Body=b"x", **setting)
        assert error_of(exc) == NO_ACLS
        with pytest.raises(ClientError) as exc:
            s3.put_bucket_acl(Bucket=bucket, **setting)
        assert error_of(exc) == NO_ACLS
    # No ACL, the owner's full control, private: taken.
    for setting in (
        {},
        {"ACL": "bucket-owner-full-control"},
        {"ACL": "private"},
        {"GrantFullControl": f"id={actors.owner_id}"},
    ):
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", **setting)
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    with pytest.raises(ClientError) as exc:
        s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")
    assert error_of(exc) == NO_ACLS
    # Reading ACLs still works, and shows the bucket owner's full control.
    for answer in (s3.get_bucket_acl(Bucket=bucket), s3.get_object_acl(Bucket=bucket, Key="k")):
        assert answer["Owner"]["ID"] == actors.owner_id
        assert grants(answer) == {user(actors.owner_id, "FULL_CONTROL")}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]


@pytest.mark.parametrize("mode", ["ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced"])
def test_create_bucket_takes_x_amz_object_ownership(actors: Actors, mode: str) -> None:
    bucket = unique("own")
    actors.owner.create_bucket(Bucket=bucket, ObjectOwnership=mode)
    assert _mode(actors.owner, bucket) == mode


def test_create_bucket_with_an_acl(actors: Actors) -> None:
    s3 = actors.owner
    # ACLs disabled by default: an ACL granting others is refused, no bucket made.
    for setting in ({"ACL": "public-read"}, {"ACL": "log-delivery-write"}):
        name = unique("own")
        with pytest.raises(ClientError) as exc:
            s3.create_bucket(Bucket=name, **setting)
        assert error_of(exc) == WITH_OWNERSHIP
        assert code(fails(lambda: s3.head_bucket(Bucket=name)))[1] == 404  # noqa: B023
    # ACLs enabled, Block Public Access on (as every new bucket has it): no public ACL.
    name = unique("own")
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter", ACL="public-read")
    assert error_of(exc) == (
        "InvalidBucketAclWithBlockPublicAccessError",
        "Bucket cannot have public ACLs set with BlockPublicAccess enabled",
        400,
    )
    assert code(fails(lambda: s3.head_bucket(Bucket=name)))[1] == 404
    # A non-public ACL is kept.
    s3.create_bucket(
        Bucket=name,
        ObjectOwnership="BucketOwnerPreferred",
        GrantRead=f"id={actors.alt_id}",
        GrantFullControl=f"id={actors.owner_id}",
    )
    assert grants(s3.get_bucket_acl(Bucket=name)) == {
        user(actors.owner_id, "FULL_CONTROL"),
        user(actors.alt_id, "READ"),
    }
    assert actors.alt.list_objects_v2(Bucket=name)["KeyCount"] == 0
    # private and bucket-owner-full-control are what an enforced bucket has anyway.
    s3.create_bucket(Bucket=unique("own"), ACL="private")
    # A value S3 does not know.
    name = unique("own")
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name, ObjectOwnership="EveryoneOwns")
    assert error_of(exc)[0::2] == ("InvalidArgument", 400)
    assert exc.value.response["Error"]["ArgumentName"] == "x-amz-object-ownership"
    assert code(fails(lambda: s3.head_bucket(Bucket=name)))[1] == 404


def test_ownership_controls_can_be_changed_and_removed(actors: Actors) -> None:
    s3 = actors.owner
    bucket = unique("own")
    s3.create_bucket(Bucket=bucket)
    _set_mode(s3, bucket, "BucketOwnerPreferred")
    assert _mode(s3, bucket) == "BucketOwnerPreferred"
    assert (
        s3.delete_bucket_ownership_controls(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"]
        == 204
    )
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_ownership_controls(Bucket=bucket)
    assert error_of(exc) == (
        "OwnershipControlsNotFoundError",
        "The bucket ownership controls were not found",
        404,
    )
    assert exc.value.response["Error"]["BucketName"] == bucket
    # Without ownership controls ACLs are enabled, the writer owning what it writes.
    s3.put_bucket_acl(Bucket=bucket, GrantWrite=f"id={actors.alt_id}")
    actors.alt.put_object(Bucket=bucket, Key="alt", Body=b"x")
    assert s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]["Owner"]["ID"] == (
        actors.alt_id
    )
    _set_mode(s3, bucket, "ObjectWriter")
    assert _mode(s3, bucket) == "ObjectWriter"


def test_bucket_owner_preferred_takes_objects_written_with_full_control(actors: Actors) -> None:
    s3 = actors.owner
    bucket = acls_enabled_bucket(s3, "BucketOwnerPreferred", block=True)
    s3.put_bucket_acl(Bucket=bucket, GrantWrite=f"id={actors.alt_id}")
    actors.alt.put_object(Bucket=bucket, Key="given", Body=b"x", ACL="bucket-owner-full-control")
    actors.alt.put_object(Bucket=bucket, Key="kept", Body=b"x")
    owners = {
        o["Key"]: o["Owner"]["ID"]
        for o in s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"]
    }
    assert owners == {"given": actors.owner_id, "kept": actors.alt_id}
    assert s3.get_object(Bucket=bucket, Key="given")["Body"].read() == b"x"
    assert grants(s3.get_object_acl(Bucket=bucket, Key="given")) == {
        user(actors.owner_id, "FULL_CONTROL")
    }
    assert code(fails(lambda: s3.get_object(Bucket=bucket, Key="kept"))) == ("AccessDenied", 403)


def test_enforcing_ownership_needs_a_bucket_acl_of_the_owner_alone(actors: Actors) -> None:
    s3 = actors.owner
    bucket = acls_enabled_bucket(s3)
    s3.put_bucket_acl(Bucket=bucket, GrantWrite=f"id={actors.alt_id}", GrantRead=f"uri={ALL_USERS}")
    actors.alt.put_object(Bucket=bucket, Key="alts", Body=b"x", GrantRead=f"id={actors.third_id}")
    before = grants(s3.get_bucket_acl(Bucket=bucket))
    with pytest.raises(ClientError) as exc:
        _set_mode(s3, bucket, "BucketOwnerEnforced")
    assert error_of(exc) == WITH_OWNERSHIP
    assert _mode(s3, bucket) == "ObjectWriter"
    assert grants(s3.get_bucket_acl(Bucket=bucket)) == before
    # Once the bucket ACL is the owner's alone, ownership can be enforced: the bucket owner
    # then owns every object, the ACLs of objects no longer count.
    assert code(fails(lambda: s3.get_object(Bucket=bucket, Key="alts"))) == ("AccessDenied", 403)
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    _set_mode(s3, bucket, "BucketOwnerEnforced")
    assert s3.get_object(Bucket=bucket, Key="alts")["Body"].read() == b"x"
    answer = s3.get_object_acl(Bucket=bucket, Key="alts")
    assert answer["Owner"]["ID"] == actors.owner_id
    assert grants(answer) == {user(actors.owner_id, "FULL_CONTROL")}
    for other in (actors.third, actors.alt):
        assert code(fails(lambda: other.get_object(Bucket=bucket, Key="alts"))) == (  # noqa: B023
            "AccessDenied",
            403,
        )
    # Back to ObjectWriter: the object's ACL (kept all along) counts again.
    _set_mode(s3, bucket, "ObjectWriter")
    # (Grant headers are the whole ACL: the owner keeps only its implicit READ_ACP/WRITE_ACP.)
    assert grants(actors.alt.get_object_acl(Bucket=bucket, Key="alts")) == {
        user(actors.third_id, "READ")
    }
    assert actors.third.get_object(Bucket=bucket, Key="alts")["Body"].read() == b"x"
    assert code(fails(lambda: s3.get_object(Bucket=bucket, Key="alts"))) == ("AccessDenied", 403)


def test_bad_ownership_controls_are_refused_and_change_nothing(actors: Actors) -> None:
    s3 = actors.owner
    bucket = unique("own")
    s3.create_bucket(Bucket=bucket, ObjectOwnership="ObjectWriter")
    for rules in (
        [{"ObjectOwnership": "EveryoneOwns"}],
        [],
        [{"ObjectOwnership": "ObjectWriter"}, {"ObjectOwnership": "BucketOwnerEnforced"}],
    ):
        with pytest.raises(ClientError) as exc:
            s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": rules})
        assert error_of(exc) == MALFORMED
    status, body = signed(
        actors.server, "PUT", f"/{bucket}?ownershipControls", b"<OwnershipControls><Rule>"
    )
    assert status == 400 and b"<Code>MalformedXML</Code>" in body
    assert _mode(s3, bucket) == "ObjectWriter"
    # Another account may not read or change it.
    assert code(fails(lambda: actors.alt.get_bucket_ownership_controls(Bucket=bucket))) == (
        "AccessDenied",
        403,
    )
    assert code(fails(lambda: _set_mode(actors.alt, bucket, "BucketOwnerEnforced"))) == (
        "AccessDenied",
        403,
    )
    assert _mode(s3, bucket) == "ObjectWriter"


def test_a_bucket_from_before_ownership_was_kept_acts_as_owner_enforced() -> None:
    """A bucket record without the ownership and Block Public Access members (written by an
    ownstack from before they existed), read by the service on real memory backends."""
    meta = MemoryMeta()
    svc = S3Service(meta, MemoryBlobs(), ManualClock(1_700_000_000.0))
    name = f"legacy-{uuid.uuid4().hex[:8]}"
    record = BucketRecord(
        name=name, id=uuid.uuid4().hex, account_id=ACCOUNT, region="us-east-1", created=1.0
    )
    raw = record.encode().replace(b',"ownership":""', b"")
    raw = raw.replace(b',"public_access_block":""', b"").replace(b',"acl":""', b"")
    assert b"ownership" not in raw and b"public_access_block" not in raw
    run(meta.commit([Put(BUCKETS, name, raw)]))
    got = run(svc.get_bucket_ownership_controls(ctx(), {"Bucket": name}))
    assert got["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    refused = error(svc.put_bucket_acl(ctx(), {"Bucket": name, "ACL": "public-read"}))
    assert (refused.code, refused.status) == ("AccessControlListNotSupported", 400)
    missing = error(svc.get_public_access_block(ctx(), {"Bucket": name}))
    assert (missing.code, missing.status) == ("NoSuchPublicAccessBlockConfiguration", 404)
    # No Block Public Access configuration: a public policy is taken, as S3 left old buckets.
    policy = public_read_policy(name)
    run(svc.put_bucket_policy(ctx(), {"Bucket": name, "Policy": policy}))
    status = run(svc.get_bucket_policy_status(ctx(), {"Bucket": name}))
    assert status == {"PolicyStatus": {"IsPublic": True}}
