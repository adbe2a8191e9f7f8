"""Issue 16, item 7: S3 request settings ownstack cannot honour are refused with AWS's error,
not accepted and dropped (encryption.py). Object Lock, once refused here, is implemented
(object_lock.py, test_object_lock.py): its headers are refused only by a bucket without it."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from s3kit import code_of

NO_ACLS = ("AccessControlListNotSupported", "The bucket does not allow ACLs", 400)


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    code, status = code_of(exc)
    return code, exc.value.response["Error"]["Message"], status


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"settings-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def test_create_bucket_with_object_lock_enables_it(s3: Any) -> None:
    name = f"lock-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter", ObjectLockEnabledForBucket=True)
    config = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
    assert config == {"ObjectLockEnabled": "Enabled"}
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    s3.delete_bucket(Bucket=name)
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=False)
    with pytest.raises(ClientError) as exc:
        s3.get_object_lock_configuration(Bucket=name)
    assert code_of(exc) == ("ObjectLockConfigurationNotFoundError", 404)
    s3.delete_bucket(Bucket=name)


@pytest.mark.parametrize("acl", ["private", "bucket-owner-full-control"])
def test_the_acls_of_an_owner_enforced_bucket_are_accepted(s3: Any, acl: str) -> None:
    name = f"acl-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, ACL=acl, ObjectOwnership="BucketOwnerEnforced")
    s3.put_object(Bucket=name, Key="k", Body=b"x", ACL=acl)
    s3.copy_object(Bucket=name, Key="c", CopySource=f"{name}/k", ACL=acl)
    upload = s3.create_multipart_upload(Bucket=name, Key="m", ACL=acl)["UploadId"]
    s3.abort_multipart_upload(Bucket=name, Key="m", UploadId=upload)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]] == ["c", "k"]


@pytest.mark.parametrize(
    "setting",
    [
        {"ACL": "public-read"},
        {"ACL": "authenticated-read"},
        {"GrantRead": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'},
        {"GrantFullControl": "id=0123456789abcdef"},
    ],
)
def test_other_acls_and_grants_are_refused(s3: Any, bucket: str, setting: dict[str, str]) -> None:
    with pytest.raises(ClientError) as exc:  # a new bucket is BucketOwnerEnforced (test_ownership)
        s3.create_bucket(Bucket=f"acl-{uuid.uuid4().hex[:12]}", **setting)
    assert _error(exc) == (
        "InvalidBucketAclWithObjectOwnership",
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        400,
    )
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", **setting)
    assert _error(exc) == NO_ACLS
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="c", CopySource=f"{bucket}/src", **setting)
    assert _error(exc) == NO_ACLS
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(Bucket=bucket, Key="m", **setting)
    assert _error(exc) == NO_ACLS
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["src"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_object_lock_settings_on_writes_are_refused(s3: Any, bucket: str) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    for setting in (
        {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": later},
        {"ObjectLockLegalHoldStatus": "ON"},
    ):
        with pytest.raises(ClientError) as exc:
            s3.put_object(Bucket=bucket, Key="k", Body=b"x", **setting)
        assert _error(exc) == (
            "InvalidRequest",
            "Bucket is missing ObjectLockConfiguration",
            400,
        )
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_sse_s3_is_honoured_and_plain_objects_claim_none(s3: Any, bucket: str) -> None:
    # Objects are really encrypted at rest when asked (test_encryption.py has the rest).
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="AES256")
    assert put["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="k")["ServerSideEncryption"] == "AES256"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m", ServerSideEncryption="AES256")
    assert upload["ServerSideEncryption"] == "AES256"
    s3.abort_multipart_upload(Bucket=bucket, Key="m", UploadId=upload["UploadId"])
    # And nothing claims encryption on an object written without asking.
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key="plain")
