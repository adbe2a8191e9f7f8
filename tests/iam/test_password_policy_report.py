"""The account's password policy and the credential report (both account-wide: one module,
one server, in order)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from botocore.config import Config
from iamkit import error_of

ACCOUNT = "123456789012"
HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


def test_password_policy_lifecycle(iam: Any) -> None:
    absent = (
        "NoSuchEntity",
        f"The Password Policy with domain name {ACCOUNT} cannot be found.",
        404,
    )
    assert error_of(iam.get_account_password_policy) == absent
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireNumbers=True)
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 12,
        "RequireSymbols": False,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": False,
    }
    # no partial updates: what is not given goes back to its default
    iam.update_account_password_policy(
        MaxPasswordAge=90, PasswordReusePrevention=5, HardExpiry=True, RequireSymbols=True
    )
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 6,
        "RequireSymbols": True,
        "RequireNumbers": False,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 5,
        "HardExpiry": True,
    }
    iam.delete_account_password_policy()
    assert error_of(iam.get_account_password_policy) == absent
    assert error_of(iam.delete_account_password_policy) == (
        "NoSuchEntity",
        "The account policy with name PasswordPolicy cannot be found.",
        404,
    )


def test_password_policy_ranges(iam_server: Any, iam: Any) -> None:
    # botocore checks minimums itself: a client that does not, to see the server's answer
    raw = iam_server.client("iam", config=Config(parameter_validation=False))
    assert error_of(raw.update_account_password_policy, MinimumPasswordLength=5) == (
        "ValidationError",
        "1 validation error detected: Value '5' at 'minimumPasswordLength' failed to satisfy"
        " constraint: Member must have value greater than or equal to 6",
        400,
    )
    assert error_of(
        iam.update_account_password_policy, MaxPasswordAge=1096, PasswordReusePrevention=25
    ) == (
        "ValidationError",
        "2 validation errors detected: Value '1096' at 'maxPasswordAge' failed to satisfy"
        " constraint: Member must have value less than or equal to 1095; Value '25' at"
        " 'passwordReusePrevention' failed to satisfy constraint: Member must have value less"
        " than or equal to 24",
        400,
    )
    assert error_of(iam.update_account_password_policy, MinimumPasswordLength=129)[0] == (
        "ValidationError"
    )
    assert error_of(iam.get_account_password_policy)[0] == "NoSuchEntity"  # nothing stored


def _rows(iam: Any) -> list[dict[str, str]]:
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    text = report["Content"].decode()
    assert text.split("\n", 1)[0] == HEADER
    return list(csv.DictReader(io.StringIO(text)))


def test_credential_report(iam_server: Any, iam: Any, name: Callable[[str], str]) -> None:
    assert error_of(iam.get_credential_report) == (
        "ReportNotPresent",
        "Credential report does not exist. Use GenerateCredentialReport to generate a"
        " credential report.",
        410,
    )
    user, idle = name("cr"), name("idle")
    iam.create_user(UserName=user)
    iam.create_user(UserName=idle)
    first = iam.create_access_key(UserName=user)["AccessKey"]
    second = iam.create_access_key(UserName=user)["AccessKey"]
    iam.update_access_key(UserName=user, AccessKeyId=second["AccessKeyId"], Status="Inactive")
    sts = iam_server.client(
        "sts",
        aws_access_key_id=first["AccessKeyId"],
        aws_secret_access_key=first["SecretAccessKey"],
    )
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{user}"
    started = iam.generate_credential_report()
    started.pop("ResponseMetadata")
    assert started == {
        "State": "STARTED",
        "Description": "No report exists. Starting a new report generation task",
    }
    rows = _rows(iam)
    root = rows[0]
    assert (root["user"], root["arn"]) == ("<root_account>", f"arn:aws:iam::{ACCOUNT}:root")
    assert (root["password_enabled"], root["password_last_changed"]) == (
        "not_supported",
        "not_supported",
    )
    by_name = {r["user"]: r for r in rows[1:]}
    row = by_name[user]
    assert row["arn"] == f"arn:aws:iam::{ACCOUNT}:user/{user}"
    assert row["user_creation_time"].endswith("+00:00")
    assert (row["password_enabled"], row["password_last_used"], row["mfa_active"]) == (
        "false",
        "N/A",
        "false",
    )
    assert row["access_key_1_active"] == "true"
    assert row["access_key_1_last_rotated"] == first["CreateDate"].strftime(
        "%Y-%m-%dT%H:%M:%S+00:00"
    )
    assert row["access_key_1_last_used_date"].endswith("+00:00")
    assert (row["access_key_1_last_used_service"], row["access_key_2_last_used_date"]) == (
        "sts",
        "N/A",
    )
    assert (row["access_key_2_active"], row["access_key_2_last_rotated"]) == ("false", "N/A")
    assert (row["cert_1_active"], row["cert_1_last_rotated"]) == ("false", "N/A")
    assert [by_name[idle][f"access_key_{i}_active"] for i in (1, 2)] == ["false", "false"]
    # within four hours, no new report: the one made stands
    generated = iam.get_credential_report()["GeneratedTime"]
    iam.delete_user(UserName=idle)
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    assert iam.get_credential_report()["GeneratedTime"] == generated
    assert idle in {r["user"] for r in _rows(iam)}
