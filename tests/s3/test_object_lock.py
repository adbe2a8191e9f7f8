"""S3 Object Lock through a real server with boto3: a bucket's lock configuration (created with
the bucket or put on a versioned one), a version's retention and legal hold (on write, by
PutObjectRetention / PutObjectLegalHold, from the bucket's default), what GET and HEAD show,
and every refusal S3 makes, each leaving the bucket or object as it was."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from objectlockkit import (
    error_fields,
    error_of,
    later,
    lock_bucket,
    no_checksum_client,
    plain_bucket,
    signed_raw,
    versions,
)

MALFORMED = (
    "MalformedXML",
    400,
    "The XML you provided was not well-formed or did not validate against our published schema",
)
NO_LOCK = ("InvalidRequest", 400, "Bucket is missing Object Lock Configuration")


@pytest.fixture(scope="module")
def server(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    handle = launch_server(tmp_path_factory.mktemp("object-lock") / "data")
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def s3(server: Any) -> Any:
    return server.client("s3")


def lock_config(s3: Any, bucket: str) -> dict[str, Any]:
    return dict(s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"])


def retention_of(s3: Any, bucket: str, key: str, **kw: Any) -> dict[str, Any]:
    return dict(s3.get_object_retention(Bucket=bucket, Key=key, **kw)["Retention"])


# --- the bucket's configuration ----------------------------------------------------------------


def test_a_bucket_created_with_object_lock_is_versioned_and_locked(s3: Any) -> None:
    bucket = lock_bucket(s3)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert lock_config(s3, bucket) == {"ObjectLockEnabled": "Enabled"}
    # Enabling versioning again changes nothing and is allowed.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_versioning_of_a_lock_bucket_cannot_be_suspended(s3: Any) -> None:
    bucket = lock_bucket(s3)
    assert error_of(
        lambda: s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}
        )
    ) == (
        "InvalidBucketState",
        409,
        "An Object Lock configuration is present on this bucket, so the versioning state cannot"
        " be changed.",
    )
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    # Enabling Object Lock on an existing bucket locks its versioning the same way.
    plain = plain_bucket(s3, "Enabled")
    s3.put_object_lock_configuration(
        Bucket=plain, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
    )
    assert error_of(
        lambda: s3.put_bucket_versioning(
            Bucket=plain, VersioningConfiguration={"Status": "Suspended"}
        )
    )[:2] == ("InvalidBucketState", 409)
    assert s3.get_bucket_versioning(Bucket=plain)["Status"] == "Enabled"


def test_default_retention_is_set_replaced_and_removed(s3: Any) -> None:
    bucket = lock_bucket(s3, {"Mode": "GOVERNANCE", "Days": 1})
    assert lock_config(s3, bucket) == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
    }
    config = {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 2}},
    }
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=config)
    assert lock_config(s3, bucket) == config
    # A document without a rule removes the default; Object Lock stays enabled.
    s3.put_object_lock_configuration(
        Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
    )
    assert lock_config(s3, bucket) == {"ObjectLockEnabled": "Enabled"}


def test_object_lock_is_enabled_on_an_existing_versioned_bucket(s3: Any) -> None:
    bucket = plain_bucket(s3, "Enabled")
    before = s3.put_object(Bucket=bucket, Key="k", Body=b"before")["VersionId"]
    config = {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 3}},
    }
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=config)
    assert lock_config(s3, bucket) == config
    # Versions written before carry no lock; new ones get the default.
    assert error_of(lambda: retention_of(s3, bucket, "k", VersionId=before))[0] == (
        "NoSuchObjectLockConfiguration"
    )
    s3.put_object(Bucket=bucket, Key="k", Body=b"after")
    assert retention_of(s3, bucket, "k")["Mode"] == "GOVERNANCE"


@pytest.mark.parametrize("state", [None, "Suspended"])
def test_lock_needs_versioning_enabled(s3: Any, state: str | None) -> None:
    bucket = plain_bucket(s3, state)
    config = {"ObjectLockEnabled": "Enabled"}
    assert error_of(
        lambda: s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=config)
    ) == (
        "InvalidBucketState",
        409,
        "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
    )
    fields = error_fields(lambda: s3.get_object_lock_configuration(Bucket=bucket))
    assert (fields["Code"], fields["Status"], fields["Message"], fields["BucketName"]) == (
        "ObjectLockConfigurationNotFoundError",
        404,
        "Object Lock configuration does not exist for this bucket",
        bucket,
    )
    # ... and the bucket's other retention operations still answer "no Object Lock".
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert error_of(lambda: retention_of(s3, bucket, "k")) == NO_LOCK


@pytest.mark.parametrize(
    ("retention", "expected"),
    [
        ({"Mode": "GOVERNANCE", "Days": 1, "Years": 1}, MALFORMED),
        ({"Mode": "governance", "Days": 1}, MALFORMED),
        ({"Mode": "abc", "Years": 1}, MALFORMED),
        ({"Days": 1}, MALFORMED),
        ({"Mode": "GOVERNANCE"}, MALFORMED),
        (
            {"Mode": "GOVERNANCE", "Days": 0},
            ("InvalidArgument", 400, "Default retention period must be a positive integer value."),
        ),
        (
            {"Mode": "COMPLIANCE", "Years": -1},
            ("InvalidArgument", 400, "Default retention period must be a positive integer value."),
        ),
        (
            {"Mode": "COMPLIANCE", "Days": 36501},
            ("InvalidArgument", 400, "Default retention period too large."),
        ),
        (
            {"Mode": "COMPLIANCE", "Years": 101},
            ("InvalidArgument", 400, "Default retention period too large."),
        ),
    ],
)
def test_bad_lock_configurations_leave_the_bucket_unchanged(
    s3: Any, retention: dict[str, Any], expected: tuple[str, int, str]
) -> None:
    bucket = lock_bucket(s3, {"Mode": "GOVERNANCE", "Days": 5})
    before = lock_config(s3, bucket)
    config = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": retention}}
    assert (
        error_of(
            lambda: s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=config)
        )
        == expected
    )
    assert lock_config(s3, bucket) == before


@pytest.mark.parametrize(
    "config",
    [
        {"ObjectLockEnabled": "Disabled"},
        {"Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}},
        {"ObjectLockEnabled": "Enabled", "Rule": {}},
        {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {}}},
    ],
)
def test_lock_documents_outside_the_schema_are_malformed(s3: Any, config: dict[str, Any]) -> None:
    bucket = lock_bucket(s3, {"Mode": "COMPLIANCE", "Days": 1})
    before = lock_config(s3, bucket)
    assert (
        error_of(
            lambda: s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=config)
        )
        == MALFORMED
    )
    assert lock_config(s3, bucket) == before


def test_a_lock_document_that_is_not_xml_is_malformed(server: Any, s3: Any) -> None:
    bucket = lock_bucket(s3)
    status, body = signed_raw(server, "PUT", f"/{bucket}?object-lock", b"<ObjectLockConfiguration>")
    assert status == 400 and b"<Code>MalformedXML</Code>" in body
    assert lock_config(s3, bucket) == {"ObjectLockEnabled": "Enabled"}


# --- retention and legal hold on write ---------------------------------------------------------


def test_put_object_with_retention_and_legal_hold(s3: Any) -> None:
    bucket = lock_bucket(s3)
    until = later(days=2)
    out = s3.put_object(
        Bucket=bucket,
        Key="doc",
        Body=b"locked",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
        ObjectLockLegalHoldStatus="ON",
    )
    head = s3.head_object(Bucket=bucket, Key="doc")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == until
    assert head["ObjectLockLegalHoldStatus"] == "ON"
    got = s3.get_object(Bucket=bucket, Key="doc", VersionId=out["VersionId"])
    assert (got["ObjectLockMode"], got["ObjectLockLegalHoldStatus"]) == ("COMPLIANCE", "ON")
    assert got["Body"].read() == b"locked"
    assert retention_of(s3, bucket, "doc") == {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    legal = s3.get_object_legal_hold(Bucket=bucket, Key="doc", VersionId=out["VersionId"])
    assert legal["LegalHold"] == {"Status": "ON"}
    s3.put_object_legal_hold(Bucket=bucket, Key="doc", LegalHold={"Status": "OFF"})


def test_a_version_without_lock_state_shows_none(s3: Any) -> None:
    bucket = lock_bucket(s3)
    s3.put_object(Bucket=bucket, Key="free", Body=b"x")
    head = s3.head_object(Bucket=bucket, Key="free")
    assert not {"ObjectLockMode", "ObjectLockLegalHoldStatus"} & head.keys()
    missing = (
        "NoSuchObjectLockConfiguration",
        404,
        "The specified object does not have a ObjectLock configuration",
    )
    assert error_of(lambda: retention_of(s3, bucket, "free")) == missing
    assert error_of(lambda: s3.get_object_legal_hold(Bucket=bucket, Key="free")) == missing


def test_default_retention_applies_to_new_versions(s3: Any) -> None:
    bucket = lock_bucket(s3, {"Mode": "GOVERNANCE", "Days": 1})
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    head = s3.head_object(Bucket=bucket, Key="a")
    expected = head["LastModified"] + timedelta(days=1)
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert abs((head["ObjectLockRetainUntilDate"] - expected).total_seconds()) < 5
    # A version's own retention overrides the default; a legal hold alone keeps it.
    until = later(days=10)
    s3.put_object(
        Bucket=bucket,
        Key="b",
        Body=b"b",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
    )
    assert retention_of(s3, bucket, "b") == {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    s3.put_object(Bucket=bucket, Key="c", Body=b"c", ObjectLockLegalHoldStatus="ON")
    assert retention_of(s3, bucket, "c")["Mode"] == "GOVERNANCE"
    assert s3.get_object_legal_hold(Bucket=bucket, Key="c")["LegalHold"] == {"Status": "ON"}
    s3.put_object_legal_hold(Bucket=bucket, Key="c", LegalHold={"Status": "OFF"})


def test_years_count_365_days(s3: Any) -> None:
    bucket = lock_bucket(s3, {"Mode": "GOVERNANCE", "Years": 1})
    s3.put_object(Bucket=bucket, Key="y", Body=b"y")
    head = s3.head_object(Bucket=bucket, Key="y")
    expected = head["LastModified"] + timedelta(days=365)
    assert abs((head["ObjectLockRetainUntilDate"] - expected).total_seconds()) < 5


@pytest.mark.parametrize(
    ("headers", "code", "message", "argument"),
    [
        (
            {"ObjectLockMode": "GOVERNANCE"},
            "InvalidArgument",
            "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
            "x-amz-object-lock-retain-until-date",
        ),
        (
            {"ObjectLockRetainUntilDate": datetime(2099, 1, 1, tzinfo=UTC)},
            "InvalidArgument",
            "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
            "x-amz-object-lock-mode",
        ),
        (
            {
                "ObjectLockMode": "FOREVER",
                "ObjectLockRetainUntilDate": datetime(2099, 1, 1, tzinfo=UTC),
            },
            "InvalidArgument",
            "Unknown wormMode directive.",
            "x-amz-object-lock-mode",
        ),
        (
            {"ObjectLockLegalHoldStatus": "MAYBE"},
            "InvalidArgument",
            "Legal Hold must be either of 'ON' or 'OFF'",
            "x-amz-object-lock-legal-hold",
        ),
        (
            {
                "ObjectLockMode": "GOVERNANCE",
                "ObjectLockRetainUntilDate": datetime(2020, 1, 1, tzinfo=UTC),
            },
            "InvalidArgument",
            "The retain until date must be in the future!",
            "x-amz-object-lock-retain-until-date",
        ),
    ],
)
def test_bad_lock_headers_store_nothing(
    s3: Any, headers: dict[str, Any], code: str, message: str, argument: str
) -> None:
    bucket = lock_bucket(s3)
    for call in (
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", **headers),
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="k", **headers),
    ):
        fields = error_fields(call)
        assert (fields["Code"], fields["Status"], fields["Message"]) == (code, 400, message)
        assert fields["ArgumentName"] == argument
    assert versions(s3, bucket) == []
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_lock_headers_on_a_bucket_without_object_lock(s3: Any) -> None:
    bucket = plain_bucket(s3, "Enabled")
    until = later(days=1)
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    expected = ("InvalidRequest", 400, "Bucket is missing ObjectLockConfiguration")
    calls = [
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON"),
        lambda: s3.copy_object(
            Bucket=bucket,
            Key="k",
            CopySource={"Bucket": bucket, "Key": "src"},
            ObjectLockMode="GOVERNANCE",
            ObjectLockRetainUntilDate=until,
        ),
        lambda: s3.create_multipart_upload(
            Bucket=bucket, Key="k", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until
        ),
    ]
    for call in calls:
        assert error_of(call) == expected
    assert [k for k, _ in versions(s3, bucket)] == ["src"]


def test_retention_operations_on_a_bucket_without_object_lock(s3: Any) -> None:
    bucket = plain_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    retention = {"Mode": "GOVERNANCE", "RetainUntilDate": later(days=1)}
    for call in (
        lambda: s3.put_object_retention(Bucket=bucket, Key="k", Retention=retention),
        lambda: s3.get_object_retention(Bucket=bucket, Key="k"),
        lambda: s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "ON"}),
        lambda: s3.get_object_legal_hold(Bucket=bucket, Key="k"),
    ):
        assert error_of(call) == NO_LOCK
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_a_locked_put_needs_content_md5_or_a_checksum(server: Any, s3: Any) -> None:
    bare = no_checksum_client(server)
    expected = (
        "InvalidRequest",
        400,
        "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with"
        " Object Lock parameters",
    )
    bucket = lock_bucket(s3)
    assert (
        error_of(
            lambda: bare.put_object(
                Bucket=bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON"
            )
        )
        == expected
    )
    assert versions(s3, bucket) == []
    # Without lock parameters and without a default, no digest is needed.
    bare.put_object(Bucket=bucket, Key="free", Body=b"x")
    # Content-MD5 (or a checksum, which boto3 sends by default) satisfies it.
    bare.put_object(
        Bucket=bucket,
        Key="k",
        Body=b"x",
        ContentMD5=base64.b64encode(hashlib.md5(b"x").digest()).decode(),
        ObjectLockLegalHoldStatus="ON",
    )
    assert s3.get_object_legal_hold(Bucket=bucket, Key="k")["LegalHold"] == {"Status": "ON"}
    s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "OFF"})
    # A bucket's default retention makes every put a locked one.
    locked = lock_bucket(s3, {"Mode": "GOVERNANCE", "Days": 1})
    assert error_of(lambda: bare.put_object(Bucket=locked, Key="k", Body=b"x")) == expected
    assert versions(s3, locked) == []


# --- PutObjectRetention, PutObjectLegalHold ----------------------------------------------------


def test_retention_is_set_on_the_version_named(s3: Any) -> None:
    bucket = lock_bucket(s3)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"2")
    retention = {"Mode": "GOVERNANCE", "RetainUntilDate": later(days=3)}
    s3.put_object_retention(Bucket=bucket, Key="k", VersionId=first, Retention=retention)
    assert retention_of(s3, bucket, "k", VersionId=first) == retention
    assert error_of(lambda: retention_of(s3, bucket, "k"))[0] == "NoSuchObjectLockConfiguration"
    assert s3.head_object(Bucket=bucket, Key="k", VersionId=first)["ObjectLockMode"] == (
        "GOVERNANCE"
    )
    # The current version's retention, on the current record too (GET without a version).
    s3.put_object_retention(Bucket=bucket, Key="k", Retention=retention)
    assert s3.get_object(Bucket=bucket, Key="k")["ObjectLockMode"] == "GOVERNANCE"


def test_legal_hold_on_and_off(s3: Any) -> None:
    bucket = lock_bucket(s3)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket=bucket, Key="k")["LegalHold"] == {"Status": "ON"}
    assert s3.head_object(Bucket=bucket, Key="k")["ObjectLockLegalHoldStatus"] == "ON"
    s3.put_object_legal_hold(Bucket=bucket, Key="k", VersionId=version, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=bucket, Key="k")["LegalHold"] == {"Status": "OFF"}
    assert s3.head_object(Bucket=bucket, Key="k")["ObjectLockLegalHoldStatus"] == "OFF"


def test_bad_retention_and_legal_hold_documents_change_nothing(s3: Any) -> None:
    bucket = lock_bucket(s3)
    until = later(days=1)
    s3.put_object(
        Bucket=bucket,
        Key="k",
        Body=b"1",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=until,
    )
    before = retention_of(s3, bucket, "k")
    for retention in (
        {"Mode": "governance", "RetainUntilDate": later(days=5)},
        {"Mode": "abc", "RetainUntilDate": later(days=5)},
        {"Mode": "GOVERNANCE"},
        {"RetainUntilDate": later(days=5)},
    ):
        assert (
            error_of(
                lambda r=retention: s3.put_object_retention(Bucket=bucket, Key="k", Retention=r)
            )
            == MALFORMED
        )
    past = {"Mode": "GOVERNANCE", "RetainUntilDate": datetime(2020, 1, 1, tzinfo=UTC)}
    fields = error_fields(lambda: s3.put_object_retention(Bucket=bucket, Key="k", Retention=past))
    assert (fields["Code"], fields["Status"], fields["Message"], fields["ArgumentName"]) == (
        "InvalidArgument",
        400,
        "The retain until date must be in the future!",
        "RetainUntilDate",
    )
    assert retention_of(s3, bucket, "k") == before
    assert (
        error_of(
            lambda: s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "on"})
        )
        == MALFORMED
    )
    assert error_of(lambda: s3.get_object_legal_hold(Bucket=bucket, Key="k"))[1] == 404


def test_retention_of_a_missing_version_or_a_delete_marker(s3: Any) -> None:
    bucket = lock_bucket(s3)
    retention = {"Mode": "GOVERNANCE", "RetainUntilDate": later(days=1)}
    assert error_of(lambda: s3.put_object_retention(Bucket=bucket, Key="no", Retention=retention))[
        :2
    ] == ("NoSuchKey", 404)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    assert error_of(
        lambda: s3.put_object_retention(
            Bucket=bucket, Key="k", VersionId=marker, Retention=retention
        )
    )[:2] == ("MethodNotAllowed", 405)
    assert error_of(lambda: s3.get_object_legal_hold(Bucket=bucket, Key="k", VersionId=marker))[
        :2
    ] == ("MethodNotAllowed", 405)
    assert error_of(lambda: retention_of(s3, bucket, "k", VersionId="A" * 32))[:2] == (
        "NoSuchVersion",
        404,
    )


# --- copies and multipart uploads --------------------------------------------------------------


def test_a_copy_gets_its_own_lock_never_the_sources(s3: Any) -> None:
    bucket = lock_bucket(s3)
    until = later(days=1)
    s3.put_object(
        Bucket=bucket,
        Key="src",
        Body=b"s",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
        ObjectLockLegalHoldStatus="ON",
    )
    s3.copy_object(Bucket=bucket, Key="plain", CopySource={"Bucket": bucket, "Key": "src"})
    head = s3.head_object(Bucket=bucket, Key="plain")
    assert not {"ObjectLockMode", "ObjectLockLegalHoldStatus"} & head.keys()
    s3.copy_object(
        Bucket=bucket,
        Key="held",
        CopySource={"Bucket": bucket, "Key": "src"},
        ObjectLockLegalHoldStatus="ON",
    )
    assert s3.get_object_legal_hold(Bucket=bucket, Key="held")["LegalHold"] == {"Status": "ON"}
    assert error_of(lambda: retention_of(s3, bucket, "held"))[0] == "NoSuchObjectLockConfiguration"
    for key in ("src", "held"):
        s3.put_object_legal_hold(Bucket=bucket, Key=key, LegalHold={"Status": "OFF"})


def test_a_multipart_upload_locks_its_object(server: Any, s3: Any) -> None:
    bucket = lock_bucket(s3)
    until = later(days=1)
    upload = s3.create_multipart_upload(
        Bucket=bucket, Key="mp", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until
    )["UploadId"]
    bare = no_checksum_client(server)
    assert error_of(
        lambda: bare.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"p")
    ) == (
        "InvalidRequest",
        400,
        "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Part requests with"
        " Object Lock parameters",
    )
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert retention_of(s3, bucket, "mp") == {"Mode": "GOVERNANCE", "RetainUntilDate": until}
    # An upload in a bucket with a default retention gets it too.
    dflt = lock_bucket(s3, {"Mode": "COMPLIANCE", "Days": 1})
    upload = s3.create_multipart_upload(Bucket=dflt, Key="mp")["UploadId"]
    part = s3.upload_part(Bucket=dflt, Key="mp", UploadId=upload, PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(
        Bucket=dflt,
        Key="mp",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert retention_of(s3, dflt, "mp")["Mode"] == "COMPLIANCE"
