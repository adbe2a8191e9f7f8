# ruff: noqa: E501  (the tables keep one case per line)
"""parse_policy: IAM's MalformedPolicyDocument messages.

The documents and answers of the first table are the ones IAM gave for CreatePolicy /
PutUserPolicy (as recorded by public IAM test suites); the grammar is the IAM User Guide's
"Grammar of the IAM JSON policy language" and "IAM JSON policy element reference".
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from policykit import doc

from ownstack.policy import PolicyError, parse_policy
from ownstack.policy.document import policy_size

S3 = "arn:aws:s3:::example_bucket"
V = "2012-10-17"


def stmt(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": S3, **fields}


def one(**fields: Any) -> dict[str, Any]:
    return {"Version": V, "Statement": stmt(**fields)}


def bare(statement: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": statement}


IDENTITY_ERRORS: list[tuple[Any, str]] = [
    ("This is not a json document", "Syntax errors in policy."),
    ({"Version": "2013-10-17", "Statement": stmt()}, "Syntax errors in policy."),
    ({"Version": V}, "Syntax errors in policy."),
    ({"Version": V, "Statement": ["afd"]}, "Syntax errors in policy."),
    ({"Version": V, "Statement": []}, "Syntax errors in policy."),
    ({**one(), "Extra field": "value"}, "Syntax errors in policy."),
    (one(**{"Extra field": "value"}), "Syntax errors in policy."),
    ({**one(), "Id": ["x"]}, "Syntax errors in policy."),
    (one(Effect="invalid"), "Syntax errors in policy."),
    (bare({"Action": "s3:ListBucket", "Resource": S3}), "Syntax errors in policy."),
    (one(Resource={"a": S3}), "Syntax errors in policy."),
    (one(Resource=["adfdf", {}]), "Syntax errors in policy."),
    (one(NotResource=[]), "Syntax errors in policy."),
    (one(NotAction="s3:ListBucket"), "Syntax errors in policy."),
    (one(Action=[[]]), "Syntax errors in policy."),
    (one(Condition=[]), "Syntax errors in policy."),
    (one(Condition="a"), "Syntax errors in policy."),
    (one(Condition={"a": "b"}), "Syntax errors in policy."),
    (one(Condition={"DateGreaterThan": {"a": {}}}), "Syntax errors in policy."),
    (one(Condition={"x": {"a": "1"}}), "Syntax errors in policy."),
    (one(Condition={"ForAnyValue::StringEqualsIfExists": {"a": "b"}}), "Syntax errors in policy."),
    (one(Sid={}), "Syntax errors in policy."),
    (one(Action="invalid"), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    (bare({"Effect": "Allow", "NotAction": "", "Resource": S3}), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    (one(Action="a a:ListBucket"), "Vendor a a is not valid"),
    (one(Action="s3:List:Bucket"), "Actions/Condition can contain only one colon."),
    (one(Resource="invalid resource"), 'Resource invalid resource must be in ARN format or "*".'),
    (one(Resource=""), 'Resource  must be in ARN format or "*".'),
    (one(Resource=["adf"]), 'Resource adf must be in ARN format or "*".'),
    (one(Resource="a:bsdfdsafsad"), 'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".'),
    (one(Resource="a:b:cadfsdf"), 'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".'),
    (one(Resource="a:b:c:d:e:f:g:h"), 'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".'),
    (one(Resource="aws:s3:::example_bucket"), 'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".'),
    (one(Resource=["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"]), 'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".'),
    (one(Resource="arn:aws"), "Resource vendor must be fully qualified and cannot contain regexes."),
    (bare({"Effect": "Allow", "Action": "s3:ListBucket"}), "Policy statement must contain resources."),
    (one(Resource=[]), "Policy statement must contain resources."),
    (bare({"Effect": "Allow", "Action": "invalid"}), "Policy statement must contain resources."),
    (bare({"Effect": "Allow", "Resource": S3}), "Policy statement must contain actions."),
    (one(Action=[]), "Policy statement must contain actions."),
    ({"Version": V, "Statement": [{"Effect": "Deny"}, stmt()]}, "Policy statement must contain actions."),
    (one(Resource="arn:aws:iam:::example_bucket"), 'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.'),
    (one(Resource="arn:aws:iam:us-east-1::example_bucket"), "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information."),
    (one(Resource="arn:aws:s3:us-east-1::example_bucket"), "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."),
    (one(Resource="arn:aws:s3::example_bucket"), "The policy failed legacy parsing"),
    (bare({"Effect": "Allow", "Resource": "arn:aws:s3::example_bucket"}), "The policy failed legacy parsing"),
    (one(Resource="arn:aws::fdsasf"), "The policy failed legacy parsing"),
    (one(Effect="denY"), "The policy failed legacy parsing"),
    (one(Condition={"DateGreaterThan": {"a": "sdfdsf"}}), "The policy failed legacy parsing"),
    (one(Condition={"DateLessThanEquals": {"a": "234-13"}}), "The policy failed legacy parsing"),
    ({"Version": V, "Statement": [stmt(Sid="sdf", Effect="aLLow"), {"Sid": "sdf", "Effect": "Allow"}]}, "The policy failed legacy parsing"),
    ({"Version": V, "Statement": [stmt(Sid="sdf"), {"Sid": "sdf", "Effect": "Allow"}]}, "Statement IDs (SID) in a single policy must be unique."),
    (one(Sid="has-dash"), "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"),
    (one(Principal="*"), "Policy document should not specify a principal."),
    (one(NotPrincipal={"AWS": "*"}), "Policy document should not specify a principal."),
]  # fmt: skip


@pytest.mark.parametrize(("document", "message"), IDENTITY_ERRORS)
def test_identity_policy_errors_use_iams_words(document: Any, message: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, "identity")
    assert raised.value.message == message


VALID_IDENTITY = [
    one(Resource=[S3]),
    one(Action="iam: asdf safdsf af "),
    one(Resource=[S3, "*"]),
    one(Action="*"),
    one(Action="fsx:ListBucket", Resource="arn:aws:s33:::example_bucket"),
    one(Resource="arn:aws:iam:::user/example_bucket"),
    one(Resource="arn:aws:fdsasf"),
    one(Condition={}),
    one(Condition={"a": {}}),
    one(Condition={"DateGreaterThan": {"a": []}}),
    one(Condition={"ForAnyValue:StringEqualsIfExists": {"a": "asf"}}),
    one(Condition={"DateLessThanEquals": {"a": "2016-12-13T21:20:37.593194+00:00"}}),
    one(Condition={"DateLessThan": {"a": "-292275054"}}),
    one(Resource="arn:aws:ec2:us-east-1::example_bucket"),
    one(Action="s3.s:ListBucket"),
    bare({"Effect": "Allow", "NotAction": "s3:ListBucket", "NotResource": "*"}),
    {"Id": "x", "Statement": stmt()},
    {"Version": "2008-10-17", "Statement": stmt()},
    one(Sid="dsfsdfsdfsdfsdfsadfsd"),
]


@pytest.mark.parametrize("document", VALID_IDENTITY)
def test_valid_identity_policies_parse(document: dict[str, Any]) -> None:
    policy = parse_policy(json.dumps(document), "identity", "src")
    assert policy.source_id == "src"
    assert policy.version == document.get("Version", "")
    assert policy.kind == "identity"


TRUST = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}}

# Trust policies: the answers IAM gives CreateRole / UpdateAssumeRolePolicy.
TRUST_ERRORS: list[tuple[str, str]] = [
    ("{invalid", "This policy contains invalid Json"),
    (doc({"Effect": "Allow", "Action": "sts:AssumeRole"}), "Missing required field Principal"),
    (doc({**TRUST, "Principal": {}}), "Missing required field Principal cannot be empty!"),
    (doc({**TRUST, "Action": "*"}), "AssumeRole policy may only specify STS AssumeRole actions."),
    (doc({**TRUST, "Action": "s3:GetObject"}), "AssumeRole policy may only specify STS AssumeRole actions."),
    (doc({**TRUST, "Resource": "*"}), "Has prohibited field Resource"),
    (doc({**TRUST, "NotResource": "*"}), "AssumeRole policy must not contain resources."),
    (doc({"Effect": "Allow", "Action": "sts:AssumeRole", "NotPrincipal": {"AWS": "*"}}), "Allow with NotPrincipal is not allowed."),
    (doc({**TRUST, "Principal": {"AWS": "bob"}}), 'Invalid principal in policy: "AWS":"bob"'),
    (doc({**TRUST, "Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}}), 'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/*"'),
    (doc({**TRUST, "Principal": {"Nobody": "x"}}), 'Invalid principal in policy: "Nobody":"x"'),
    (doc({**TRUST, "Principal": "arn:aws:iam::111122223333:root"}), 'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:root"'),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), TRUST_ERRORS)
def test_trust_policy_errors(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, "trust")
    assert raised.value.message == message


def test_resource_policies_need_a_principal_and_name_unknown_fields() -> None:
    cases = [
        (doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": S3}), "Missing required field Principal"),
        (doc({"Effect": "Allow", "Action": "s3:GetObject", "Principal": {"AWS": "x"}}), "Invalid principal in policy"),
        (doc({"Effect": "Allow", "Action": "s3:GetObject", "Principal": "*", "Foo": 1}), "Unknown field Foo"),
    ]  # fmt: skip
    for text, message in cases:
        with pytest.raises(PolicyError) as raised:
            parse_policy(text, "resource")
        assert raised.value.message == message


def test_principal_forms_parse_and_named_arns_are_listed() -> None:
    text = doc(
        {
            **TRUST,
            "Principal": {
                "AWS": [
                    "111122223333",
                    "arn:aws:iam::111122223333:root",
                    "arn:aws:iam::111122223333:user/path/bob",
                    "arn:aws:iam::111122223333:role/R",
                    "arn:aws:sts::111122223333:assumed-role/R/s",
                    "arn:aws:sts::111122223333:federated-user/fed",
                ],
                "Service": "sqs.amazonaws.com",
                "Federated": "cognito-identity.amazonaws.com",
                "CanonicalUser": "79a59df900b949e55d96a1e698fbaced",
            },
        }
    )
    policy = parse_policy(text, "trust")
    assert policy.named_principals == (
        "arn:aws:iam::111122223333:role/R",
        "arn:aws:iam::111122223333:user/path/bob",
    )


def test_session_and_boundary_policies_follow_identity_rules() -> None:
    for kind in ("session", "boundary"):
        with pytest.raises(PolicyError) as raised:
            parse_policy(doc({**stmt(), "Principal": "*"}), kind)  # type: ignore[arg-type]
        assert raised.value.message == "Policy document should not specify a principal."
    assert parse_policy(doc(stmt(Sid="has spaces")), "session").statements[0].sid == "has spaces"


def test_values_become_strings_as_aws_reads_them() -> None:
    policy = parse_policy(
        doc(stmt(Condition={"NumericEquals": {"k": 5}, "Bool": {"b": True}})), "identity"
    )
    (statement,) = policy.statements
    assert [(c.operator, c.key) for c in statement.conditions] == [
        ("NumericEquals", "k"),
        ("Bool", "b"),
    ]
    assert statement.conditions[0].test(lambda k: ["5"] if k == "k" else None) is True
    assert statement.conditions[1].test(lambda k: ["true"] if k == "b" else None) is True


def test_policy_size_counts_everything_but_whitespace() -> None:
    assert policy_size('{ "a" :\n\t"b c" }') == 10
    assert policy_size("") == 0
