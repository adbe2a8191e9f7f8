"""The audit log writer, directly (no server): CloudTrail record shape for each principal kind,
redaction of requestParameters, rotation by size, durability on close, the writer thread."""

from __future__ import annotations

import datetime
import io
import json
import os
import stat
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ownstack.core.clock import ManualClock
from ownstack.core.context import (
    ANONYMOUS,
    ASSUMED_ROLE,
    FEDERATED_USER,
    SERVICE,
    USER,
    Principal,
    Session,
)
from ownstack.obs.audit import AuditEvent, AuditLog, _event_ids
from ownstack.obs.audit_redact import HIDDEN, loggable_parameters

ACCOUNT = "123456789012"
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z

ROOT_KEY = "AKIAROOTKEY0000000001"
ROOT_PRINCIPAL = Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, ROOT_KEY)
USER_PRINCIPAL = Principal(
    ACCOUNT,
    f"arn:aws:iam::{ACCOUNT}:user/team/Alice",
    "AIDAJ45Q7YFFAREXAMPLE",
    "AKIAALICE00000000001",
    kind=USER,
    name="Alice",
)
ROLE_SESSION = Session(expires=T0 + 3600, issued=T0 - 60, mfa=True, source_identity="alice@corp")
ROLE_PRINCIPAL = Principal(
    ACCOUNT,
    f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/ci-run",
    "AROAIDPPEZS35WEXAMPLE:ci-run",
    "ASIAROLE000000000001",
    kind=ASSUMED_ROLE,
    name="ci-run",
    source_arn=f"arn:aws:iam::{ACCOUNT}:role/service/Deployer",
    session=ROLE_SESSION,
)
FEDERATED_PRINCIPAL = Principal(
    ACCOUNT,
    f"arn:aws:sts::{ACCOUNT}:federated-user/Bob",
    f"{ACCOUNT}:Bob",
    "ASIAFED0000000000001",
    kind=FEDERATED_USER,
    name="Bob",
    source_arn=f"arn:aws:iam::{ACCOUNT}:user/Alice",
    session=Session(expires=T0 + 3600, issued=T0 - 120, token_kind="GetFederationToken"),
)
ANONYMOUS_PRINCIPAL = Principal(ACCOUNT, "", "", "", kind=ANONYMOUS)
SERVICE_PRINCIPAL = Principal(ACCOUNT, "", "", "", kind=SERVICE, name="s3.amazonaws.com")


def event(
    principal: Principal = ROOT_PRINCIPAL,
    name: str = "CreateBucket",
    source: str = "s3.amazonaws.com",
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> AuditEvent:
    return AuditEvent(
        event_time=T0,
        event_source=source,
        event_name=name,
        region="us-east-1",
        source_ip="127.0.0.1",
        user_agent="Boto3/1.34.0",
        request_id=extra.pop("request_id", "REQ1"),
        principal=principal,
        request_parameters=params,
        **extra,
    )


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[AuditLog]:
    log = AuditLog(tmp_path / "audit", interval=3600)
    yield log
    log.close()


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def one_record(audit: AuditLog, e: AuditEvent) -> dict[str, Any]:
    audit.record(e)
    audit.flush()
    found = records(audit.path)
    assert len(found) == 1
    return found[0]


# --- record shape -----------------------------------------------------------------------------


def test_root_mutating_call_is_the_full_cloudtrail_record(audit: AuditLog) -> None:
    e = event(params={"Bucket": "photos"}, resources=["arn:aws:s3:::photos"])
    record = one_record(audit, e)
    assert uuid.UUID(record.pop("eventID")).version == 4
    assert record == {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "Root",
            "principalId": ACCOUNT,
            "arn": f"arn:aws:iam::{ACCOUNT}:root",
            "accountId": ACCOUNT,
            "accessKeyId": "AKIAROOTKEY0000000001",
        },
        "eventTime": "2023-11-14T22:13:20Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "CreateBucket",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "127.0.0.1",
        "userAgent": "Boto3/1.34.0",
        "requestParameters": {"Bucket": "photos"},
        "responseElements": None,
        "requestID": "REQ1",
        "readOnly": False,
        "resources": [
            {"ARN": "arn:aws:s3:::photos", "accountId": ACCOUNT, "type": "AWS::S3::Bucket"}
        ],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    assert list(record)[:3] == ["eventVersion", "userIdentity", "eventTime"]


def test_iam_user_identity(audit: AuditLog) -> None:
    record = one_record(audit, event(USER_PRINCIPAL))
    assert record["userIdentity"] == {
        "type": "IAMUser",
        "principalId": "AIDAJ45Q7YFFAREXAMPLE",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/team/Alice",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAALICE00000000001",
        "userName": "Alice",
    }


def test_assumed_role_identity_names_the_role_as_session_issuer(audit: AuditLog) -> None:
    record = one_record(audit, event(ROLE_PRINCIPAL))
    assert record["userIdentity"] == {
        "type": "AssumedRole",
        "principalId": "AROAIDPPEZS35WEXAMPLE:ci-run",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/ci-run",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAROLE000000000001",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAIDPPEZS35WEXAMPLE",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/service/Deployer",
                "accountId": ACCOUNT,
                "userName": "Deployer",
            },
            "attributes": {"creationDate": "2023-11-14T22:12:20Z", "mfaAuthenticated": "true"},
            "sourceIdentity": "alice@corp",
        },
    }


def test_federated_user_identity_names_the_iam_user_as_session_issuer(audit: AuditLog) -> None:
    record = one_record(audit, event(FEDERATED_PRINCIPAL))
    assert record["userIdentity"] == {
        "type": "FederatedUser",
        "principalId": f"{ACCOUNT}:Bob",
        "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/Bob",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAFED0000000000001",
        "sessionContext": {
            "sessionIssuer": {
                "type": "IAMUser",
                "principalId": "",
                "arn": f"arn:aws:iam::{ACCOUNT}:user/Alice",
                "accountId": ACCOUNT,
                "userName": "Alice",
            },
            "attributes": {"creationDate": "2023-11-14T22:11:20Z", "mfaAuthenticated": "false"},
        },
    }


def test_session_token_user_has_session_attributes_without_issuer(audit: AuditLog) -> None:
    session = Session(expires=T0 + 900, issued=T0 - 5, token_kind="GetSessionToken")
    principal = Principal(
        ACCOUNT,
        USER_PRINCIPAL.arn,
        USER_PRINCIPAL.user_id,
        "ASIAUSER000000000001",
        kind=USER,
        name="Alice",
        source_arn=USER_PRINCIPAL.arn,
        session=session,
    )
    record = one_record(audit, event(principal))
    assert record["userIdentity"]["type"] == "IAMUser"
    assert record["userIdentity"]["sessionContext"] == {
        "attributes": {"creationDate": "2023-11-14T22:13:15Z", "mfaAuthenticated": "false"}
    }


def test_anonymous_identity_is_cloudtrails_anonymous_principal(audit: AuditLog) -> None:
    e = event(ANONYMOUS_PRINCIPAL, "PutObject", recipient_account="222222222222")
    e.error_code = "AccessDenied"
    e.error_message = "Access Denied"
    record = one_record(audit, e)
    assert record["userIdentity"] == {
        "type": "AWSAccount",
        "principalId": "",
        "accountId": "ANONYMOUS_PRINCIPAL",
    }
    assert record["recipientAccountId"] == "222222222222"


def test_service_identity_is_invoked_by_the_service(audit: AuditLog) -> None:
    e = event(SERVICE_PRINCIPAL, "SendMessage", "sqs.amazonaws.com")
    e.source_ip = ""
    record = one_record(audit, e)
    assert record["userIdentity"] == {"type": "AWSService", "invokedBy": "s3.amazonaws.com"}
    assert record["sourceIPAddress"] == "s3.amazonaws.com"  # as CloudTrail shows service calls


def test_denial_carries_error_code_and_message(audit: AuditLog) -> None:
    message = (
        f"User: {USER_PRINCIPAL.arn} is not authorized to perform: s3:GetObject on resource: "
        "arn:aws:s3:::photos/a.jpg because no identity-based policy allows the s3:GetObject action"
    )
    e = event(USER_PRINCIPAL, "GetObject", error_code="AccessDenied", error_message=message)
    e.read_only = True
    e.resources = ["arn:aws:s3:::photos/a.jpg", "arn:aws:s3:::photos"]
    record = one_record(audit, e)
    assert (record["errorCode"], record["errorMessage"]) == ("AccessDenied", message)
    assert list(record).index("errorCode") == list(record).index("userAgent") + 1
    assert record["readOnly"] is True
    assert (record["eventCategory"], record["managementEvent"]) == ("Data", False)
    assert record["resources"] == [
        {"ARN": "arn:aws:s3:::photos/a.jpg", "type": "AWS::S3::Object"},
        {"ARN": "arn:aws:s3:::photos", "accountId": ACCOUNT, "type": "AWS::S3::Bucket"},
    ]


def test_success_has_no_error_members_and_no_empty_resources(audit: AuditLog) -> None:
    record = one_record(audit, event())
    assert "errorCode" not in record and "errorMessage" not in record
    assert "resources" not in record


@pytest.mark.parametrize(
    ("source", "name", "category"),
    [
        ("s3.amazonaws.com", "PutObject", "Data"),
        ("s3.amazonaws.com", "CompleteMultipartUpload", "Data"),
        ("s3.amazonaws.com", "DeleteObjects", "Data"),
        ("s3.amazonaws.com", "PutBucketPolicy", "Management"),
        ("s3.amazonaws.com", "PutObjectLockConfiguration", "Management"),
        ("sqs.amazonaws.com", "SendMessageBatch", "Data"),
        ("sqs.amazonaws.com", "CreateQueue", "Management"),
        ("sns.amazonaws.com", "Publish", "Data"),
        ("sns.amazonaws.com", "Subscribe", "Management"),
        ("iam.amazonaws.com", "CreateUser", "Management"),
        ("sts.amazonaws.com", "AssumeRole", "Management"),
    ],
)
def test_event_category(audit: AuditLog, source: str, name: str, category: str) -> None:
    record = one_record(audit, event(name=name, source=source))
    assert record["eventCategory"] == category
    assert record["managementEvent"] is (category == "Management")


def test_resource_types_from_arns(audit: AuditLog) -> None:
    arns = [
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts:5f2c",
        f"arn:aws:iam::{ACCOUNT}:user/team/Alice",
        f"arn:aws:iam::{ACCOUNT}:role/Deployer",
        f"arn:aws:iam::{ACCOUNT}:policy/ReadLogs",
        "arn:aws:unknown:us-east-1:333333333333:thing/x",
    ]
    record = one_record(audit, event(resources=arns))
    assert [(r.get("type"), r["accountId"]) for r in record["resources"]] == [
        ("AWS::SQS::Queue", ACCOUNT),
        ("AWS::SNS::Topic", ACCOUNT),
        ("AWS::SNS::Subscription", ACCOUNT),
        ("AWS::IAM::User", ACCOUNT),
        ("AWS::IAM::Role", ACCOUNT),
        ("AWS::IAM::Policy", ACCOUNT),
        (None, "333333333333"),
    ]


def test_event_time_zero_takes_the_injected_clock(tmp_path: Path) -> None:
    clock = ManualClock(start=1_600_000_000.0)
    log = AuditLog(tmp_path, interval=3600, clock=clock)
    e = event()
    e.event_time = 0.0
    log.record(e)
    log.close()
    assert records(log.path)[0]["eventTime"] == "2020-09-13T12:26:40Z"


# --- redaction --------------------------------------------------------------------------------


def test_secrets_are_hidden_and_bodies_dropped() -> None:
    params = {
        "Bucket": "b",
        "Key": "k",
        "Body": io.BytesIO(b"payload"),
        "SSECustomerKey": "c2VjcmV0",
        "SSECustomerAlgorithm": "AES256",
        "UserName": "Alice",
        "Password": "hunter2!",
        "NewPassword": "x",
        "OldPassword": "y",
        "SecretAccessKey": "wJalr",
        "SessionToken": "FwoG",
        "PrivateKey": "-----BEGIN",
        "CopySourceSSECustomerKey": "a2V5",
    }
    assert loggable_parameters(params) == {
        "Bucket": "b",
        "Key": "k",
        "SSECustomerKey": HIDDEN,
        "SSECustomerAlgorithm": "AES256",
        "UserName": "Alice",
        "Password": HIDDEN,
        "NewPassword": HIDDEN,
        "OldPassword": HIDDEN,
        "SecretAccessKey": HIDDEN,
        "SessionToken": HIDDEN,
        "PrivateKey": HIDDEN,
        "CopySourceSSECustomerKey": HIDDEN,
    }


def test_dynamodb_items_and_values_are_hidden_but_keys_and_expressions_kept() -> None:
    """The audit log says which item was written and how, not what it holds."""
    key = {"pk": {"S": "user#1"}}
    params = {
        "TableName": "users",
        "Key": key,
        "UpdateExpression": "SET card = :c",
        "ExpressionAttributeValues": {":c": {"S": "4111"}},
        "TransactItems": [{"Put": {"TableName": "users", "Item": {"card": {"S": "4111"}}}}],
    }
    assert loggable_parameters(params) == {
        "TableName": "users",
        "Key": key,
        "UpdateExpression": "SET card = :c",
        "ExpressionAttributeValues": HIDDEN,
        "TransactItems": [{"Put": {"TableName": "users", "Item": HIDDEN}}],
    }


def test_message_payloads_are_hidden_at_any_depth() -> None:
    params = {
        "QueueUrl": "http://localhost/123456789012/jobs",
        "Entries": [
            {
                "Id": "1",
                "MessageBody": "card=4111",
                "MessageAttributes": {
                    "kind": {"DataType": "String", "StringValue": "order"},
                    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
                },
            }
        ],
    }
    assert loggable_parameters(params) == {
        "QueueUrl": "http://localhost/123456789012/jobs",
        "Entries": [
            {
                "Id": "1",
                "MessageBody": HIDDEN,
                "MessageAttributes": {
                    "kind": {"DataType": "String", "StringValue": HIDDEN},
                    "blob": {"DataType": "Binary", "BinaryValue": HIDDEN},
                },
            }
        ],
    }
    assert loggable_parameters({"TopicArn": "arn", "Message": "hi", "Subject": "s"}) == {
        "TopicArn": "arn",
        "Message": HIDDEN,
        "Subject": "s",
    }


def test_camel_case_names_match_too() -> None:
    assert loggable_parameters({"password": "p", "messageBody": "m", "body": b"x"}) == {
        "password": HIDDEN,
        "messageBody": HIDDEN,
    }


def test_long_values_are_truncated_but_policies_kept_whole() -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "x" * 5000}]})
    result = loggable_parameters({"Description": "d" * 1500, "PolicyDocument": policy})
    assert result == {
        "Description": "d" * 1024 + "...(truncated, 1500 characters)",
        "PolicyDocument": policy,
    }


def test_binary_streams_and_unknown_objects_are_omitted_dates_are_iso() -> None:
    when = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)
    params = {
        "Blob": b"raw",
        "View": memoryview(b"raw"),
        "Stream": io.BytesIO(b"raw"),
        "Thing": object(),
        "Expires": when,
        "MaxKeys": 10,
        "Quiet": True,
        "Tags": [{"Key": "team", "Value": "data"}, b"skip"],
    }
    assert loggable_parameters(params) == {
        "Expires": "2024-05-01T12:00:00Z",
        "MaxKeys": 10,
        "Quiet": True,
        "Tags": [{"Key": "team", "Value": "data"}],
    }


def test_no_parameters_stay_null(audit: AuditLog) -> None:
    assert one_record(audit, event(params=None))["requestParameters"] is None


def test_record_lets_go_of_the_body_at_once(audit: AuditLog) -> None:
    e = event(name="PutObject", params={"Bucket": "b", "Key": "k", "Body": io.BytesIO(b"x")})
    audit.record(e)
    assert e.request_parameters == {"Bucket": "b", "Key": "k"}


# --- the file: mode, rotation, durability -----------------------------------------------------


def test_file_is_private_and_lines_are_json(audit: AuditLog) -> None:
    for i in range(3):
        audit.record(event(request_id=f"R{i}"))
    audit.flush()
    assert stat.S_IMODE(os.stat(audit.path).st_mode) == 0o600
    assert [r["requestID"] for r in records(audit.path)] == ["R0", "R1", "R2"]


def test_rotation_by_size_keeps_whole_records_and_drops_the_oldest(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=4096, keep=3, interval=3600)
    total = 200
    for i in range(total):
        log.record(event(request_id=f"R{i:04d}"))
        if i % 7 == 0:
            log.flush()  # rotation both inside one batch and between batches
    log.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["audit.log", "audit.log.1", "audit.log.2", "audit.log.3"]
    kept: list[str] = []
    for name in ["audit.log.3", "audit.log.2", "audit.log.1", "audit.log"]:  # oldest first
        path = tmp_path / name
        assert path.stat().st_size <= 4096
        assert path.read_bytes().endswith(b"\n")
        kept += [r["requestID"] for r in records(path)]  # every line parses: none split
    # The newest records survive, in order, without gaps; the rest went with the oldest files.
    assert kept == [f"R{i:04d}" for i in range(total - len(kept), total)]
    assert len(kept) < total


def test_a_record_larger_than_max_bytes_gets_a_file_of_its_own(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=600, keep=5, interval=3600)
    log.record(event(request_id="small-1"))
    log.record(event(params={"Tags": [{"Key": f"k{i}", "Value": "v" * 50} for i in range(20)]}))
    log.record(event(request_id="small-2"))
    log.close()
    by_file = {p.name: [r["requestID"] for r in records(p)] for p in tmp_path.iterdir()}
    assert by_file == {
        "audit.log.2": ["small-1"],
        "audit.log.1": ["REQ1"],
        "audit.log": ["small-2"],
    }


def test_files_beyond_a_smaller_keep_are_removed_at_rotation(tmp_path: Path) -> None:
    for n in (1, 2, 3, 4):
        (tmp_path / f"audit.log.{n}").write_text("{}\n")
    log = AuditLog(tmp_path, max_bytes=700, keep=2, interval=3600)
    for i in range(3):
        log.record(event(request_id=f"R{i}"))
    log.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.log", "audit.log.1", "audit.log.2"]


def test_close_writes_what_is_queued_and_refuses_more(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, interval=3600)
    log.record(event(request_id="last-words"))
    assert not log.path.read_bytes()  # queued, not yet written
    log.close()
    assert [r["requestID"] for r in records(log.path)] == ["last-words"]
    with pytest.raises(RuntimeError, match="audit log is closed"):
        log.record(event())
    log.close()  # a second close is harmless


def test_reopening_appends_and_ends_a_torn_last_line(tmp_path: Path) -> None:
    (tmp_path / "audit.log").write_bytes(b'{"eventVersion":"1.09"}\n{"eventVers')
    log = AuditLog(tmp_path, interval=3600)
    log.record(event(request_id="after-crash"))
    log.close()
    lines = (tmp_path / "audit.log").read_text().splitlines()
    assert lines[:2] == ['{"eventVersion":"1.09"}', '{"eventVers']
    assert json.loads(lines[2])["requestID"] == "after-crash"


def test_a_failed_write_is_retried_at_the_next_flush(
    audit: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = audit._file.write_lines
    calls: list[int] = []

    def failing_once(lines: list[bytes]) -> None:
        calls.append(len(lines))
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        real_write(lines)

    monkeypatch.setattr(audit._file, "write_lines", failing_once)
    audit.record(event(request_id="R1"))
    with pytest.raises(OSError, match="No space left"):
        audit.flush()
    audit.record(event(request_id="R2"))
    audit.flush()
    assert calls == [1, 2]
    assert [r["requestID"] for r in records(audit.path)] == ["R1", "R2"]


# --- the writer thread ------------------------------------------------------------------------


def wait_for_lines(path: Path, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.read_bytes().count(b"\n") >= count:
            return records(path)
        time.sleep(0.01)
    raise AssertionError(f"{path} has fewer than {count} lines after {timeout}s")


def test_the_writer_thread_flushes_on_its_interval(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, interval=0.05)
    try:
        log.record(event(request_id="timed"))
        assert [r["requestID"] for r in wait_for_lines(log.path, 1)] == ["timed"]
    finally:
        log.close()


def test_a_full_batch_wakes_the_writer_early(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, interval=3600, batch=3)
    try:
        for i in range(3):
            log.record(event(request_id=f"B{i}"))
        assert [r["requestID"] for r in wait_for_lines(log.path, 3)] == ["B0", "B1", "B2"]
    finally:
        log.close()


def test_concurrent_recorders_lose_and_tear_nothing(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=64 << 10, keep=100, interval=0.01, batch=50)
    threads_count, per_thread = 8, 300

    def recorder(n: int) -> None:
        for i in range(per_thread):
            log.record(event(request_id=f"T{n}-{i}"))

    threads = [threading.Thread(target=recorder, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    found = [r for path in tmp_path.iterdir() for r in records(path)]
    assert len(found) == threads_count * per_thread
    assert len({r["eventID"] for r in found}) == len(found)
    assert {r["requestID"] for r in found} == {
        f"T{n}-{i}" for n in range(threads_count) for i in range(per_thread)
    }
    assert len(list(tmp_path.iterdir())) > 1  # rotation happened while threads were writing


def test_event_ids_are_distinct_version_4_uuids() -> None:
    ids = _event_ids(2000)
    assert len(set(ids)) == 2000
    for event_id in ids:
        parsed = uuid.UUID(event_id)
        assert (str(parsed), parsed.version, parsed.variant) == (event_id, 4, uuid.RFC_4122)
    assert _event_ids(0) == []
