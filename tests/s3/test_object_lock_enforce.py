"""S3 Object Lock enforcement through a real server with boto3: a locked version (retention
not yet expired, or a legal hold ON) is never removed for good, by anyone, the root user
included: not by DeleteObject or DeleteObjects naming it, not by an overwrite, not by S3
Lifecycle. GOVERNANCE yields only to `x-amz-bypass-governance-retention: true` from a caller
holding s3:BypassGovernanceRetention; COMPLIANCE never yields, and its retention is never
shortened. The server's lifecycle "day" is one second (lifecyclekit.FAST_LIMITS)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import botocore
import pytest
from botocore.config import Config
from lifecyclekit import FAST_LIMITS, wait_for
from objectlockkit import (
    PROTECTED,
    allow,
    error_fields,
    error_of,
    iam_user,
    later,
    lock_bucket,
    plain_bucket,
    versions,
)

DENIED = ("AccessDenied", 403, PROTECTED)
_READ_WRITE = (
    "s3:PutObject",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:ListBucketVersions",
    "s3:PutObjectRetention",
    "s3:GetObjectRetention",
    "s3:PutObjectLegalHold",
)


@pytest.fixture(scope="module")
def server(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data = tmp_path_factory.mktemp("object-lock-enforce") / "data"
    data.mkdir(parents=True)
    (data / "ownstack.yaml").write_text(FAST_LIMITS)
    handle = launch_server(data)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def s3(server: Any) -> Any:
    """The server's ROOT user: IAM allows it everything, Object Lock still binds it."""
    return server.client("s3")


@pytest.fixture(scope="module")
def without_bypass(server: Any) -> Any:
    return iam_user(server, allow(*_READ_WRITE))


@pytest.fixture(scope="module")
def with_bypass(server: Any) -> Any:
    return iam_user(server, allow(*_READ_WRITE, "s3:BypassGovernanceRetention"))


def locked(s3: Any, bucket: str, key: str, mode: str, body: bytes = b"v1", **kw: Any) -> str:
    return str(
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ObjectLockMode=mode,
            ObjectLockRetainUntilDate=later(days=1),
            **kw,
        )["VersionId"]
    )


def body_of(s3: Any, bucket: str, key: str, version: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key, VersionId=version)["Body"].read())


def delete_version(client: Any, bucket: str, key: str, version: str, **kw: Any) -> Any:
    return client.delete_object(Bucket=bucket, Key=key, VersionId=version, **kw)


# --- the root user -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "hold", "bypass"),
    [("GOVERNANCE", None, False), ("COMPLIANCE", None, True), (None, "ON", True)],
)
def test_root_cannot_delete_or_overwrite_a_locked_version(
    s3: Any, mode: str | None, hold: str | None, bypass: bool
) -> None:
    bucket = lock_bucket(s3)
    settings: dict[str, Any] = {}
    if mode:
        settings.update(ObjectLockMode=mode, ObjectLockRetainUntilDate=later(days=1))
    if hold:
        settings["ObjectLockLegalHoldStatus"] = hold
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"original", **settings)["VersionId"]
    extra = {"BypassGovernanceRetention": True} if bypass else {}
    assert error_of(lambda: delete_version(s3, bucket, "k", first, **extra)) == DENIED
    batch = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "k", "VersionId": first}]}, **extra
    )
    assert batch.get("Deleted", []) == []
    assert batch["Errors"] == [
        {"Key": "k", "VersionId": first, "Code": "AccessDenied", "Message": PROTECTED}
    ]
    # Overwriting makes a new version; the locked one stays, byte for byte.
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"overwritten")["VersionId"]
    assert second != first
    assert body_of(s3, bucket, "k", first) == b"original"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"overwritten"
    # A delete without a version id adds a delete marker, as S3 does.
    marker = s3.delete_object(Bucket=bucket, Key="k")
    assert marker["DeleteMarker"] is True
    assert error_of(lambda: delete_version(s3, bucket, "k", first, **extra)) == DENIED
    assert body_of(s3, bucket, "k", first) == b"original"
    assert (("k", first) in versions(s3, bucket, "k")) and len(versions(s3, bucket, "k")) == 3
    # Unlocked versions and delete markers are removed as ever.
    delete_version(s3, bucket, "k", marker["VersionId"])
    delete_version(s3, bucket, "k", second)
    assert versions(s3, bucket, "k") == [("k", first)]
    if hold:
        s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "OFF"})


def test_root_bypasses_governance_only_when_asking(s3: Any) -> None:
    bucket = lock_bucket(s3)
    version = locked(s3, bucket, "k", "GOVERNANCE")
    assert error_of(lambda: delete_version(s3, bucket, "k", version)) == DENIED
    assert (
        error_of(lambda: delete_version(s3, bucket, "k", version, BypassGovernanceRetention=False))
        == DENIED
    )
    out = delete_version(s3, bucket, "k", version, BypassGovernanceRetention=True)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert versions(s3, bucket, "k") == []


# --- IAM users and s3:BypassGovernanceRetention ------------------------------------------------


def test_governance_bypass_needs_the_permission(
    s3: Any, with_bypass: Any, without_bypass: Any
) -> None:
    bucket = lock_bucket(s3)
    version = locked(s3, bucket, "k", "GOVERNANCE")
    for client in (with_bypass, without_bypass):
        assert error_of(lambda c=client: delete_version(c, bucket, "k", version)) == DENIED
    assert (
        error_of(
            lambda: delete_version(
                without_bypass, bucket, "k", version, BypassGovernanceRetention=True
            )
        )
        == DENIED
    )
    batch = without_bypass.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "k", "VersionId": version}]},
        BypassGovernanceRetention=True,
    )
    assert [e["Code"] for e in batch["Errors"]] == ["AccessDenied"]
    assert body_of(s3, bucket, "k", version) == b"v1"
    batch = with_bypass.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "k", "VersionId": version}]},
        BypassGovernanceRetention=True,
    )
    assert batch["Deleted"] == [{"Key": "k", "VersionId": version}]
    assert versions(s3, bucket, "k") == []


def test_the_bypass_permission_does_not_open_compliance_or_a_legal_hold(
    s3: Any, with_bypass: Any
) -> None:
    bucket = lock_bucket(s3)
    compliance = locked(s3, bucket, "c", "COMPLIANCE")
    held = locked(s3, bucket, "h", "GOVERNANCE", ObjectLockLegalHoldStatus="ON")
    for key, version in (("c", compliance), ("h", held)):
        assert (
            error_of(
                lambda k=key, v=version: delete_version(
                    with_bypass, bucket, k, v, BypassGovernanceRetention=True
                )
            )
            == DENIED
        )
    # Bypassing governance leaves a legal hold as it is; once it is off, the bypass works.
    with_bypass.put_object_legal_hold(Bucket=bucket, Key="h", LegalHold={"Status": "OFF"})
    delete_version(with_bypass, bucket, "h", held, BypassGovernanceRetention=True)
    assert [k for k, _ in versions(s3, bucket)] == ["c"]


def test_a_legal_hold_alone_protects_until_it_is_removed(s3: Any) -> None:
    bucket = lock_bucket(s3)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")[
        "VersionId"
    ]
    assert error_of(lambda: delete_version(s3, bucket, "k", version)) == DENIED
    s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "OFF"})
    delete_version(s3, bucket, "k", version)
    assert versions(s3, bucket, "k") == []


# --- changing a retention ----------------------------------------------------------------------


def test_compliance_retention_is_never_shortened(s3: Any, with_bypass: Any) -> None:
    bucket = lock_bucket(s3)
    until = later(days=10)
    s3.put_object(
        Bucket=bucket,
        Key="k",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
    )
    for client in (s3, with_bypass):
        for retention in (
            {"Mode": "COMPLIANCE", "RetainUntilDate": later(days=5)},
            {"Mode": "GOVERNANCE", "RetainUntilDate": later(days=20)},
            {},
        ):
            assert (
                error_of(
                    lambda c=client, r=retention: c.put_object_retention(
                        Bucket=bucket, Key="k", Retention=r, BypassGovernanceRetention=True
                    )
                )
                == DENIED
            )
    current = s3.get_object_retention(Bucket=bucket, Key="k")["Retention"]
    assert current == {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    # Extending it (or repeating it) is always allowed, without any bypass.
    s3.put_object_retention(Bucket=bucket, Key="k", Retention=current)
    longer = {"Mode": "COMPLIANCE", "RetainUntilDate": later(days=30)}
    s3.put_object_retention(Bucket=bucket, Key="k", Retention=longer)
    assert s3.get_object_retention(Bucket=bucket, Key="k")["Retention"] == longer


def test_governance_retention_changes(s3: Any, with_bypass: Any, without_bypass: Any) -> None:
    bucket = lock_bucket(s3)
    until = later(days=10)
    version = s3.put_object(
        Bucket=bucket,
        Key="k",
        Body=b"x",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=until,
    )["VersionId"]
    shorter = {"Mode": "GOVERNANCE", "RetainUntilDate": later(days=2)}
    stricter = {"Mode": "COMPLIANCE", "RetainUntilDate": later(days=20)}
    for retention in (shorter, stricter, {}):
        assert (
            error_of(
                lambda r=retention: s3.put_object_retention(Bucket=bucket, Key="k", Retention=r)
            )
            == DENIED
        )
        assert (
            error_of(
                lambda r=retention: without_bypass.put_object_retention(
                    Bucket=bucket, Key="k", Retention=r, BypassGovernanceRetention=True
                )
            )
            == DENIED
        )
    assert s3.get_object_retention(Bucket=bucket, Key="k")["Retention"]["RetainUntilDate"] == until
    # Extending needs no bypass; shortening and removing need it and the permission.
    longer = {"Mode": "GOVERNANCE", "RetainUntilDate": later(days=15)}
    without_bypass.put_object_retention(Bucket=bucket, Key="k", Retention=longer)
    with_bypass.put_object_retention(
        Bucket=bucket, Key="k", Retention=shorter, BypassGovernanceRetention=True
    )
    assert s3.get_object_retention(Bucket=bucket, Key="k")["Retention"] == shorter
    with_bypass.put_object_retention(
        Bucket=bucket, Key="k", Retention={}, BypassGovernanceRetention=True
    )
    assert error_of(lambda: s3.get_object_retention(Bucket=bucket, Key="k"))[:2] == (
        "NoSuchObjectLockConfiguration",
        404,
    )
    delete_version(without_bypass, bucket, "k", version)
    assert versions(s3, bucket, "k") == []


def test_an_expired_retention_no_longer_protects(s3: Any) -> None:
    bucket = lock_bucket(s3)
    until = later(seconds=2)
    version = s3.put_object(
        Bucket=bucket,
        Key="k",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
    )["VersionId"]
    assert error_of(lambda: delete_version(s3, bucket, "k", version)) == DENIED
    time.sleep(max(0.0, until.timestamp() - time.time()) + 0.2)
    # Expired: it can be shortened, changed or removed, and the version deleted.
    assert s3.get_object_retention(Bucket=bucket, Key="k")["Retention"]["Mode"] == "COMPLIANCE"
    delete_version(s3, bucket, "k", version)
    assert versions(s3, bucket, "k") == []


# --- batches, lifecycle, buckets without Object Lock -------------------------------------------


def test_delete_objects_removes_what_is_not_locked(s3: Any) -> None:
    bucket = lock_bucket(s3)
    kept = locked(s3, bucket, "kept", "COMPLIANCE")
    free = s3.put_object(Bucket=bucket, Key="free", Body=b"f")["VersionId"]
    out = s3.delete_objects(
        Bucket=bucket,
        Delete={
            "Objects": [
                {"Key": "kept", "VersionId": kept},
                {"Key": "free", "VersionId": free},
                {"Key": "kept"},
            ]
        },
    )
    assert out["Errors"] == [
        {"Key": "kept", "VersionId": kept, "Code": "AccessDenied", "Message": PROTECTED}
    ]
    deleted = {(d["Key"], d.get("VersionId"), d.get("DeleteMarker", False)) for d in out["Deleted"]}
    assert deleted == {("free", free, False), ("kept", None, True)}
    assert body_of(s3, bucket, "kept", kept) == b"v1"


def test_lifecycle_never_removes_a_locked_version(s3: Any) -> None:
    bucket = lock_bucket(s3)
    # Keys sweep in order: the unlocked one last, so its removal shows the others were judged.
    held = locked(s3, bucket, "a-retained", "COMPLIANCE")
    hold = s3.put_object(Bucket=bucket, Key="b-held", Body=b"h", ObjectLockLegalHoldStatus="ON")
    free = s3.put_object(Bucket=bucket, Key="c-free", Body=b"f")["VersionId"]
    for key in ("a-retained", "b-held", "c-free"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"newer")
    current = locked(s3, bucket, "d-current", "COMPLIANCE")  # the key's only version
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "prune",
                    "Filter": {"Prefix": ""},
                    "Status": "Enabled",
                    "Expiration": {"Days": 1},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                }
            ]
        },
    )
    wait_for(
        lambda: ("c-free", free) not in versions(s3, bucket, "c-free"),
        what="the unlocked noncurrent version expires",
    )
    # Expiring a locked current version adds a delete marker over it, as S3 Lifecycle does.
    wait_for(lambda: len(versions(s3, bucket, "d-current")) == 2, what="a marker over d-current")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="d-current"))[1] == 404
    assert body_of(s3, bucket, "d-current", current) == b"v1"
    assert ("a-retained", held) in versions(s3, bucket, "a-retained")
    assert ("b-held", hold["VersionId"]) in versions(s3, bucket, "b-held")
    assert body_of(s3, bucket, "a-retained", held) == b"v1"
    s3.put_object_legal_hold(
        Bucket=bucket, Key="b-held", VersionId=hold["VersionId"], LegalHold={"Status": "OFF"}
    )
    # Once the hold is off, the next passes remove it as any noncurrent version.
    wait_for(
        lambda: ("b-held", hold["VersionId"]) not in versions(s3, bucket, "b-held"),
        what="the released version expires",
    )
    assert ("a-retained", held) in versions(s3, bucket, "a-retained")
    assert ("d-current", current) in versions(s3, bucket, "d-current")


def test_lifecycle_removes_the_unlocked_versions_around_a_locked_one(s3: Any) -> None:
    bucket = lock_bucket(s3)
    oldest = locked(s3, bucket, "k", "COMPLIANCE")  # the oldest noncurrent version: judged first
    middle = s3.put_object(Bucket=bucket, Key="k", Body=b"v2")["VersionId"]
    current = s3.put_object(Bucket=bucket, Key="k", Body=b"v3")["VersionId"]
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "prune",
                    "Filter": {"Prefix": ""},
                    "Status": "Enabled",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                }
            ]
        },
    )
    wait_for(
        lambda: ("k", middle) not in versions(s3, bucket, "k"),
        what="the unlocked noncurrent version expires past the locked one",
    )
    assert versions(s3, bucket, "k") == sorted([("k", oldest), ("k", current)])


def test_the_bypass_header_needs_a_lock_bucket(s3: Any) -> None:
    bucket = plain_bucket(s3, "Enabled")
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    for value in (True, False):
        for call in (
            lambda v=value: delete_version(s3, bucket, "k", version, BypassGovernanceRetention=v),
            lambda v=value: s3.delete_objects(
                Bucket=bucket,
                Delete={"Objects": [{"Key": "k", "VersionId": version}]},
                BypassGovernanceRetention=v,
            ),
        ):
            fields = error_fields(call)
            assert (fields["Code"], fields["Status"], fields["Message"]) == (
                "InvalidArgument",
                400,
                "x-amz-bypass-governance-retention is only applicable to Object Lock enabled"
                " buckets.",
            )
            assert fields["ArgumentName"] == "x-amz-bypass-governance-retention"
    assert versions(s3, bucket, "k") == [("k", version)]


# --- who sees the lock, who may create a lock bucket -------------------------------------------


def test_lock_headers_show_only_with_permission(server: Any, s3: Any) -> None:
    bucket = lock_bucket(s3)
    locked(s3, bucket, "k", "GOVERNANCE", ObjectLockLegalHoldStatus="ON")
    reader = iam_user(server, allow("s3:GetObject"))
    head = reader.head_object(Bucket=bucket, Key="k")
    assert not {"ObjectLockMode", "ObjectLockRetainUntilDate", "ObjectLockLegalHoldStatus"} & (
        head.keys()
    )
    retention_reader = iam_user(server, allow("s3:GetObject", "s3:GetObjectRetention"))
    head = retention_reader.head_object(Bucket=bucket, Key="k")
    assert head["ObjectLockMode"] == "GOVERNANCE" and "ObjectLockLegalHoldStatus" not in head
    full = iam_user(server, allow("s3:GetObject", "s3:GetObjectRetention", "s3:GetObjectLegalHold"))
    got = full.get_object(Bucket=bucket, Key="k")
    assert (got["ObjectLockMode"], got["ObjectLockLegalHoldStatus"]) == ("GOVERNANCE", "ON")
    s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "OFF"})


def test_creating_a_lock_bucket_needs_lock_and_versioning_permissions(server: Any, s3: Any) -> None:
    creator = iam_user(server, allow("s3:CreateBucket"))
    bucket = f"{lock_bucket.__name__.replace('_', '-')}-perm-{int(time.time() * 1000)}"
    assert error_of(lambda: creator.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True))[
        :2
    ] == ("AccessDenied", 403)
    assert error_of(lambda: s3.head_bucket(Bucket=bucket))[1] == 404
    creator.create_bucket(Bucket=bucket)  # without Object Lock, s3:CreateBucket is enough
    full = iam_user(
        server,
        allow("s3:CreateBucket", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"),
    )
    full.create_bucket(Bucket=f"{bucket}-2", ObjectLockEnabledForBucket=True)
    config = s3.get_object_lock_configuration(Bucket=f"{bucket}-2")["ObjectLockConfiguration"]
    assert config == {"ObjectLockEnabled": "Enabled"}


def test_a_bucket_policy_can_take_the_bypass_from_root(s3: Any) -> None:
    bucket = lock_bucket(s3)
    version = locked(s3, bucket, "k", "GOVERNANCE")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:BypassGovernanceRetention",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert (
        error_of(lambda: delete_version(s3, bucket, "k", version, BypassGovernanceRetention=True))
        == DENIED
    )
    s3.delete_bucket_policy(Bucket=bucket)
    delete_version(s3, bucket, "k", version, BypassGovernanceRetention=True)
    assert versions(s3, bucket, "k") == []


def test_anonymous_locked_writes_need_signature_v4(server: Any, s3: Any) -> None:
    bucket = lock_bucket(s3)
    s3.delete_public_access_block(Bucket=bucket)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    anonymous = server.client("s3", config=Config(signature_version=botocore.UNSIGNED))
    fields = error_fields(
        lambda: anonymous.put_object(
            Bucket=bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON"
        )
    )
    assert (fields["Code"], fields["Status"], fields["Message"], fields["ArgumentName"]) == (
        "InvalidArgument",
        400,
        "Put Object requests with Object Lock parameters require AWS Signature Version 4",
        "Authorization",
    )
    anonymous.put_object(Bucket=bucket, Key="plain", Body=b"x")  # no lock asked: allowed
    assert [k for k, _ in versions(s3, bucket)] == ["plain"]
