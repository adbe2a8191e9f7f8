# ruff: noqa: E501  (the tables keep one case per line)
"""Condition operators, one table per family.

Source: IAM User Guide, "IAM JSON policy elements: Condition operators" and "Single-valued vs.
multivalued context keys" (set operators), "IAM policy elements: Variables and tags".
Each row: operator, key, policy values, request context -> whether the statement applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from policykit import allow, check, policy, user

Ctx = Mapping[str, Sequence[str]]


def applies(
    operator: str, key: str, values: Any, context: Ctx, version: str = "2012-10-17"
) -> bool:
    statement = allow("s3:GetObject", Condition={operator: {key: values}})
    decision = check(
        user(), context=context, identity=[policy("identity", statement, version=version)]
    )
    return decision.allowed


STRING_CASES: list[tuple[str, str, Any, Ctx, bool]] = [
    ("StringEquals", "aws:PrincipalTag/job-category", "iamuser-admin", {"aws:principaltag/job-category": ["iamuser-admin"]}, True),
    ("StringEquals", "aws:PrincipalTag/job-category", "iamuser-admin", {"aws:principaltag/job-category": ["IAMUser-Admin"]}, False),
    ("StringEquals", "aws:PrincipalTag/job-category", "iamuser-admin", {}, False),
    ("StringEquals", "s3:prefix", ["a", "b"], {"s3:prefix": ["b"]}, True),
    ("StringNotEquals", "s3:prefix", ["a", "b"], {"s3:prefix": ["c"]}, True),
    ("StringNotEquals", "s3:prefix", ["a", "b"], {"s3:prefix": ["a"]}, False),
    ("StringNotEquals", "s3:prefix", "a", {}, True),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/Dept", "Sales", {"aws:principaltag/dept": ["SALES"]}, True),
    ("StringNotEqualsIgnoreCase", "aws:PrincipalTag/Dept", "Sales", {"aws:principaltag/dept": ["sales"]}, False),
    ("StringLike", "s3:prefix", ["", "home/", "home/*"], {"s3:prefix": ["home/bob/docs"]}, True),
    ("StringLike", "s3:prefix", "home/?", {"s3:prefix": ["home/ab"]}, False),
    ("StringLike", "s3:prefix", "home/?", {"s3:prefix": ["home/a"]}, True),
    ("StringLike", "s3:prefix", "Home/*", {"s3:prefix": ["home/a"]}, False),
    ("StringNotLike", "s3:prefix", "home/*", {"s3:prefix": ["other"]}, True),
    ("StringNotLike", "s3:prefix", "home/*", {"s3:prefix": ["home/x"]}, False),
    ("StringEqualsIfExists", "ec2:InstanceType", ["t1.*", "t2.*"], {}, True),
    ("StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*"], {"ec2:instancetype": ["m5.large"]}, False),
    ("StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*"], {"ec2:instancetype": ["t2.micro"]}, True),
]  # fmt: skip

NUMERIC_DATE_BOOL_CASES: list[tuple[str, str, Any, Ctx, bool]] = [
    ("NumericLessThanEquals", "s3:max-keys", "10", {"s3:max-keys": ["10"]}, True),
    ("NumericLessThanEquals", "s3:max-keys", "10", {"s3:max-keys": ["11"]}, False),
    ("NumericLessThan", "s3:max-keys", 10, {"s3:max-keys": ["9.5"]}, True),
    ("NumericGreaterThan", "s3:max-keys", "10", {"s3:max-keys": ["11"]}, True),
    ("NumericGreaterThanEquals", "s3:max-keys", "10", {"s3:max-keys": ["9"]}, False),
    ("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": ["10.0"]}, True),
    ("NumericNotEquals", "s3:max-keys", "10", {"s3:max-keys": ["10"]}, False),
    ("NumericNotEquals", "s3:max-keys", "10", {"s3:max-keys": ["abc"]}, False),
    ("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": ["ten"]}, False),
    ("DateGreaterThan", "aws:CurrentTime", "2020-04-01T00:00:00Z", {"aws:currenttime": ["2020-06-30T00:00:00Z"]}, True),
    ("DateLessThan", "aws:CurrentTime", "2020-04-01T00:00:00Z", {"aws:currenttime": ["2020-06-30T00:00:00Z"]}, False),
    ("DateLessThan", "aws:EpochTime", "1585699200", {"aws:epochtime": ["1585699199"]}, True),
    ("DateEquals", "aws:CurrentTime", "2020-04-01", {"aws:currenttime": ["2020-04-01T00:00:00+00:00"]}, True),
    ("DateNotEquals", "aws:CurrentTime", "2020-04-01T00:00:00Z", {"aws:currenttime": ["1585699200"]}, False),
    ("DateGreaterThanEquals", "aws:TokenIssueTime", "2020-04-01T00:00:00Z", {"aws:tokenissuetime": ["not a date"]}, False),
    ("DateLessThanEquals", "aws:CurrentTime", "2020-04-01T02:00:00+02:00", {"aws:currenttime": ["2020-04-01T00:00:00Z"]}, True),
    ("Bool", "aws:SecureTransport", "true", {"aws:securetransport": ["true"]}, True),
    ("Bool", "aws:SecureTransport", True, {"aws:securetransport": ["false"]}, False),
    ("Bool", "aws:SecureTransport", "false", {}, False),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", "false", {}, True),
    ("BinaryEquals", "key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", {"key": ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="]}, True),
    ("BinaryEquals", "key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", {"key": ["b3RoZXI="]}, False),
]  # fmt: skip

IP_ARN_NULL_CASES: list[tuple[str, str, Any, Ctx, bool]] = [
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:sourceip": ["203.0.113.9"]}, True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:sourceip": ["203.0.114.9"]}, False),
    ("IpAddress", "aws:SourceIp", "203.0.113.7", {"aws:sourceip": ["203.0.113.7"]}, True),
    ("IpAddress", "aws:SourceIp", "2001:DB8:1234:5678::/64", {"aws:sourceip": ["2001:db8:1234:5678::1"]}, True),
    ("IpAddress", "aws:SourceIp", "2001:DB8:1234:5678::/64", {"aws:sourceip": ["203.0.113.9"]}, False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:sourceip": ["not-an-ip"]}, False),
    ("NotIpAddress", "aws:SourceIp", ["192.0.2.0/24", "203.0.113.0/24"], {"aws:sourceip": ["198.51.100.1"]}, True),
    ("NotIpAddress", "aws:SourceIp", ["192.0.2.0/24", "203.0.113.0/24"], {"aws:sourceip": ["192.0.2.1"]}, False),
    ("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic", {"aws:sourcearn": ["arn:aws:sns:us-east-1:111122223333:topic"]}, True),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:*", {"aws:sourcearn": ["arn:aws:sns:eu-west-1:111122223333:t:x"]}, True),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:*", {"aws:sourcearn": ["arn:aws:sns:eu-west-1:444455556666:t"]}, False),
    # A wildcard in one part does not reach into the next.
    ("ArnLike", "aws:SourceArn", "arn:aws:s*:us-east-1:111122223333:t", {"aws:sourcearn": ["arn:aws:sns:us-east-1:111122223333:t"]}, True),
    ("ArnLike", "aws:SourceArn", "arn:aws:*", {"aws:sourcearn": ["arn:aws:sns:us-east-1:111122223333:t"]}, False),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:*:*", {"aws:sourcearn": ["not-an-arn"]}, False),
    ("ArnNotEquals", "aws:PrincipalArn", "arn:aws:iam::111122223333:role/Admin", {"aws:principalarn": ["arn:aws:iam::111122223333:role/Other"]}, True),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::111122223333:role/*", {"aws:principalarn": ["arn:aws:iam::111122223333:role/Other"]}, False),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:iam::111122223333:role/*", {}, True),
    ("Null", "aws:TokenIssueTime", "true", {}, True),
    ("Null", "aws:TokenIssueTime", "true", {"aws:tokenissuetime": ["2020-01-01T00:00:00Z"]}, False),
    ("Null", "aws:TokenIssueTime", "false", {"aws:tokenissuetime": ["2020-01-01T00:00:00Z"]}, True),
    ("Null", "aws:TokenIssueTime", ["true", "false"], {}, True),
]  # fmt: skip

SET_CASES: list[tuple[str, str, Any, Ctx, bool]] = [
    ("ForAllValues:StringEquals", "aws:TagKeys", ["environment", "cost-center"], {"aws:tagkeys": ["environment"]}, True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["environment", "cost-center"], {"aws:tagkeys": ["environment", "owner"]}, False),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["environment"], {}, True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["environment"], {"aws:tagkeys": []}, True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["environment", "cost-center"], {"aws:tagkeys": ["owner", "environment"]}, True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["environment"], {"aws:tagkeys": ["owner"]}, False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["environment"], {}, False),
    ("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["environment"], {}, True),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], {"aws:tagkeys": ["a", "b"]}, True),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], {"aws:tagkeys": ["a", "secret"]}, False),
    ("ForAnyValue:StringLike", "aws:TagKeys", ["env*"], {"aws:tagkeys": ["a", "envx"]}, True),
    ("ForAllValues:NumericLessThan", "k", ["5"], {"k": ["1", "x"]}, False),
    # Without a set operator a multivalued key matches when any of its values does.
    ("StringEquals", "aws:TagKeys", "environment", {"aws:tagkeys": ["owner", "environment"]}, True),
    ("StringNotEquals", "aws:TagKeys", "environment", {"aws:tagkeys": ["owner", "environment"]}, False),
]  # fmt: skip

VARIABLE_CASES: list[tuple[str, str, Any, Ctx, bool]] = [
    ("StringEquals", "s3:prefix", "home/${aws:username}", {"s3:prefix": ["home/bob"]}, True),
    ("StringEquals", "s3:prefix", "home/${aws:username}", {"s3:prefix": ["home/alice"]}, False),
    ("StringLike", "s3:prefix", "home/${aws:username}/*", {"s3:prefix": ["home/bob/x"]}, True),
    ("StringLike", "s3:prefix", "${aws:PrincipalTag/team, 'company-wide'}/*", {"s3:prefix": ["company-wide/x"]}, True),
    ("StringLike", "s3:prefix", "${aws:PrincipalTag/team, 'company-wide'}/*", {"s3:prefix": ["blue/x"], "aws:principaltag/team": ["blue"]}, True),
    ("StringEquals", "s3:prefix", "${aws:PrincipalTag/team}", {"s3:prefix": ["x"]}, False),
    ("StringNotEquals", "s3:prefix", "${aws:PrincipalTag/team}", {"s3:prefix": ["x"]}, False),
    ("StringEquals", "s3:prefix", "a${*}b${?}c${$}", {"s3:prefix": ["a*b?c$"]}, True),
    ("StringLike", "s3:prefix", "a${*}", {"s3:prefix": ["abc"]}, False),
    ("StringLike", "s3:prefix", "a${*}", {"s3:prefix": ["a*"]}, True),
    # A substituted value is text, not a wildcard.
    ("StringLike", "s3:prefix", "${aws:PrincipalTag/p}", {"s3:prefix": ["abc"], "aws:principaltag/p": ["a*"]}, False),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:${aws:PrincipalAccount}:*", {"aws:sourcearn": ["arn:aws:sns:r:111122223333:t"]}, True),
]  # fmt: skip

ALL_CASES = STRING_CASES + NUMERIC_DATE_BOOL_CASES + IP_ARN_NULL_CASES + SET_CASES + VARIABLE_CASES


@pytest.mark.parametrize(("operator", "key", "values", "context", "expected"), ALL_CASES)
def test_condition_operator(
    operator: str, key: str, values: Any, context: Ctx, expected: bool
) -> None:
    assert applies(operator, key, values, context) is expected


def test_variables_are_plain_text_in_2008_documents() -> None:
    context = {"s3:prefix": ["home/${aws:username}"]}
    assert applies("StringEquals", "s3:prefix", "home/${aws:username}", context, "2008-10-17")
    assert not applies(
        "StringEquals",
        "s3:prefix",
        "home/${aws:username}",
        {"s3:prefix": ["home/bob"]},
        "2008-10-17",
    )


def test_condition_keys_are_case_insensitive_values_are_not() -> None:
    assert applies(
        "StringEquals", "AWS:PRINCIPALTAG/Dept", "Sales", {"aws:principaltag/dept": ["Sales"]}
    )
    assert not applies(
        "StringEquals", "aws:PrincipalTag/Dept", "Sales", {"aws:principaltag/dept": ["sales"]}
    )


def test_keys_and_operators_are_anded() -> None:
    statement = allow(
        "s3:GetObject",
        Condition={
            "StringEquals": {"s3:prefix": "a", "aws:principaltag/dept": "x"},
            "Bool": {"aws:securetransport": "true"},
        },
    )
    identity = [policy("identity", statement)]
    full = {"s3:prefix": ["a"], "aws:principaltag/dept": ["x"], "aws:securetransport": ["true"]}
    assert check(user(), context=full, identity=identity).allowed
    for missing in full:
        partial = {k: v for k, v in full.items() if k != missing}
        assert not check(user(), context=partial, identity=identity).allowed
