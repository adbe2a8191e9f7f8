"""Log groups through a real server: CreateLogGroup, DescribeLogGroups, DeleteLogGroup,
PutRetentionPolicy, DeleteRetentionPolicy, with AWS's errors."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from logskit import error_of, make_stream, now_ms, put, unique

ACCOUNT = "123456789012"
REGION = "us-east-1"


def describe_one(cwl: Any, name: str) -> dict[str, Any]:
    groups = cwl.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return next(g for g in groups if g["logGroupName"] == name)


def test_a_created_group_is_described_as_aws_describes_it(cwl: Any) -> None:
    name = unique("/aws/lambda/fn")
    before = int(time.time() * 1000)
    cwl.create_log_group(logGroupName=name)
    group = describe_one(cwl, name)
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"
    created = group.pop("creationTime")
    assert before - 1000 <= created <= int(time.time() * 1000)
    assert group == {
        "logGroupName": name,
        "metricFilterCount": 0,
        "arn": f"{arn}:*",
        "storedBytes": 0,
        "logGroupClass": "STANDARD",
        "logGroupArn": arn,
    }


def test_creating_a_group_twice_is_refused(cwl: Any) -> None:
    name = unique()
    cwl.create_log_group(logGroupName=name)
    with pytest.raises(ClientError) as exc:
        cwl.create_log_group(logGroupName=name)
    assert error_of(exc) == (
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
        400,
    )


def test_group_names_follow_aws_rules(cwl: Any) -> None:
    longest = "/" + "a" * 511
    cwl.create_log_group(logGroupName=longest)
    assert describe_one(cwl, longest)["logGroupName"] == longest
    cwl.create_log_group(logGroupName=unique("Az09._-/#"))
    # botocore checks lengths and patterns itself; a request it lets through with a bad name:
    with pytest.raises(ClientError) as exc:
        cwl.create_log_group(logGroupName="bad name")
    assert error_of(exc) == (
        "InvalidParameterException",
        "1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy"
        r" constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+",
        400,
    )
    with pytest.raises(ClientError) as exc:
        cwl.create_log_group(logGroupName="aws/mine")
    assert error_of(exc)[:2] == (
        "InvalidParameterException",
        "Log group names can't start with the string aws/",
    )


def test_kms_keys_and_unsupported_settings_are_refused(cwl: Any) -> None:
    name = unique()
    with pytest.raises(ClientError) as exc:
        cwl.create_log_group(logGroupName=name, kmsKeyId="arn:aws:kms:us-east-1:1:key/k")
    assert error_of(exc) == (
        "InvalidParameterException",
        "The specified KMS key does not exist or is not allowed to be used with Arn"
        f" 'arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}'",
        400,
    )
    with pytest.raises(ClientError) as exc:
        cwl.create_log_group(logGroupName=name, logGroupClass="DELIVERY")
    assert error_of(exc) == (
        "NotImplemented",
        "The DELIVERY log group class is not implemented by ownstack.",
        501,
    )
    with pytest.raises(ClientError) as exc:
        cwl.create_log_group(logGroupName=name, deletionProtectionEnabled=True)
    assert error_of(exc)[0] == "NotImplemented"
    assert cwl.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []


def test_infrequent_access_groups_are_created_and_filtered_by_class(cwl: Any) -> None:
    base = unique("/class")
    cwl.create_log_group(logGroupName=f"{base}/ia", logGroupClass="INFREQUENT_ACCESS")
    cwl.create_log_group(logGroupName=f"{base}/std")
    found = cwl.describe_log_groups(logGroupNamePrefix=base, logGroupClass="INFREQUENT_ACCESS")[
        "logGroups"
    ]
    assert [(g["logGroupName"], g["logGroupClass"]) for g in found] == [
        (f"{base}/ia", "INFREQUENT_ACCESS")
    ]


def test_describe_pages_through_groups_in_name_order(cwl: Any) -> None:
    base = unique("/page")
    names = [f"{base}/{i:02d}" for i in range(7)]
    for name in reversed(names):
        cwl.create_log_group(logGroupName=name)
    first = cwl.describe_log_groups(logGroupNamePrefix=base, limit=3)
    assert [g["logGroupName"] for g in first["logGroups"]] == names[:3]
    second = cwl.describe_log_groups(logGroupNamePrefix=base, limit=3, nextToken=first["nextToken"])
    assert [g["logGroupName"] for g in second["logGroups"]] == names[3:6]
    third = cwl.describe_log_groups(logGroupNamePrefix=base, limit=3, nextToken=second["nextToken"])
    assert [g["logGroupName"] for g in third["logGroups"]] == names[6:]
    assert "nextToken" not in third
    paged = [
        g["logGroupName"]
        for page in cwl.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=base, PaginationConfig={"PageSize": 2}
        )
        for g in page["logGroups"]
    ]
    assert paged == names


def test_a_name_pattern_is_a_case_sensitive_substring_with_brief_answers(cwl: Any) -> None:
    tag = unique("Pat").replace("/", "")
    wanted = [f"/a/{tag}", f"/b/x{tag}y"]
    for name in [*wanted, f"/c/{tag.lower()}"]:
        cwl.create_log_group(logGroupName=name)
    found = cwl.describe_log_groups(logGroupNamePattern=tag)["logGroups"]
    assert sorted(g["logGroupName"] for g in found) == sorted(wanted)
    assert all(set(g) == {"logGroupName", "creationTime", "arn"} for g in found)
    with pytest.raises(ClientError) as exc:
        cwl.describe_log_groups(logGroupNamePattern=tag, logGroupNamePrefix="/a")
    assert error_of(exc) == (
        "InvalidParameterException",
        "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
        400,
    )


def test_groups_can_be_listed_by_identifier(cwl: Any) -> None:
    one, two = unique(), unique()
    for name in (one, two):
        cwl.create_log_group(logGroupName=name)
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{two}"
    found = cwl.describe_log_groups(logGroupIdentifiers=[one, arn, "/no/such/group"])
    assert sorted(g["logGroupName"] for g in found["logGroups"]) == sorted([one, two])


def test_describe_limits_and_tokens_are_checked(cwl: Any) -> None:
    with pytest.raises(ClientError) as exc:
        cwl.describe_log_groups(nextToken="not-a-token")
    assert error_of(exc) == (
        "InvalidParameterException",
        "The specified nextToken is invalid.",
        400,
    )


def test_deleting_a_group_removes_it_its_streams_and_events(cwl: Any) -> None:
    group, stream = make_stream(cwl)
    put(cwl, group, stream, (now_ms(), "before"))
    cwl.delete_log_group(logGroupName=group)
    assert cwl.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    with pytest.raises(ClientError) as exc:
        cwl.delete_log_group(logGroupName=group)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
        400,
    )
    # Made again under the same name: a new group, empty.
    cwl.create_log_group(logGroupName=group)
    assert cwl.describe_log_streams(logGroupName=group)["logStreams"] == []
    assert cwl.filter_log_events(logGroupName=group)["events"] == []
    assert describe_one(cwl, group)["storedBytes"] == 0


def test_retention_is_set_described_and_removed(cwl: Any) -> None:
    name = unique()
    cwl.create_log_group(logGroupName=name)
    cwl.put_retention_policy(logGroupName=name, retentionInDays=30)
    assert describe_one(cwl, name)["retentionInDays"] == 30
    cwl.put_retention_policy(logGroupName=name, retentionInDays=3653)
    assert describe_one(cwl, name)["retentionInDays"] == 3653
    cwl.delete_retention_policy(logGroupName=name)
    assert "retentionInDays" not in describe_one(cwl, name)


def test_only_aws_retention_values_are_taken(cwl: Any) -> None:
    name = unique()
    cwl.create_log_group(logGroupName=name)
    with pytest.raises(ClientError) as exc:
        cwl.put_retention_policy(logGroupName=name, retentionInDays=2)
    assert error_of(exc) == (
        "InvalidParameterException",
        "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy"
        " constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120,"
        " 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
        400,
    )
    for call in (cwl.put_retention_policy, cwl.delete_retention_policy):
        kw = {"retentionInDays": 1} if call == cwl.put_retention_policy else {}
        with pytest.raises(ClientError) as exc:
            call(logGroupName=unique("/missing"), **kw)
        assert error_of(exc)[0] == "ResourceNotFoundException"


def test_stored_bytes_count_the_messages_kept(cwl: Any) -> None:
    group, stream = make_stream(cwl)
    put(cwl, group, stream, (now_ms(), "abc"), (now_ms(), "héllo"))
    assert describe_one(cwl, group)["storedBytes"] == 3 + 6
