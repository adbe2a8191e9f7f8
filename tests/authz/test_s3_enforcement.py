"""S3 under IAM: identity policies, bucket policies (same and cross account, anonymous),
conditions, boundaries, and presigned URLs of keys that stop being valid. Each case also asks
SimulatePrincipalPolicy, which must agree with what the gateway did."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from authzkit import (
    ALT_ACCOUNT,
    Keys,
    allow,
    deny,
    doc,
    error_code,
    make_user,
    simulated,
    unique,
)
from botocore.exceptions import ClientError

S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def s3(authz_server: Any) -> Any:
    return authz_server.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="public/a.txt", Body=b"public")
    s3.put_object(Bucket=name, Key="private/b.txt", Body=b"private")
    return name


def _denied(call: Any, code: str = "AccessDenied") -> ClientError:
    with pytest.raises(ClientError) as info:
        call()
    assert error_code(info.value) == code, info.value.response
    return info.value


def test_read_only_user_lists_and_gets_but_cannot_put(
    authz_server: Any, iam: Any, bucket: str
) -> None:
    user = make_user(iam, managed=[S3_READ_ONLY])
    s3 = user.client(authz_server, "s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["private/b.txt", "public/a.txt"]
    assert s3.get_object(Bucket=bucket, Key="public/a.txt")["Body"].read() == b"public"
    err = _denied(lambda: s3.put_object(Bucket=bucket, Key="new", Body=b"x"))
    assert err.response["Error"]["Message"] == (
        f"User: {user.arn} is not authorized to perform: s3:PutObject on resource: "
        f'"arn:aws:s3:::{bucket}/new" because no identity-based policy allows the '
        "s3:PutObject action"
    )
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert simulated(iam, user.arn, "s3:PutObject", f"arn:aws:s3:::{bucket}/new") == (
        "implicitDeny"
    )
    assert simulated(iam, user.arn, "s3:GetObject", f"arn:aws:s3:::{bucket}/public/a.txt") == (
        "allowed"
    )


def test_bucket_policy_lets_another_account_read_one_prefix(
    authz_server: Any, s3: Any, alt: Keys, iam: Any, bucket: str
) -> None:
    other = alt.client(authz_server, "s3")
    _denied(lambda: other.get_object(Bucket=bucket, Key="public/a.txt"))
    policy = doc(
        allow(
            "s3:GetObject",
            f"arn:aws:s3:::{bucket}/public/*",
            Principal={"AWS": f"arn:aws:iam::{ALT_ACCOUNT}:root"},
        )
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert other.get_object(Bucket=bucket, Key="public/a.txt")["Body"].read() == b"public"
    err = _denied(lambda: other.get_object(Bucket=bucket, Key="private/b.txt"))
    assert err.response["Error"]["Message"] == "Access Denied"  # cross-account: no details
    _denied(lambda: other.put_object(Bucket=bucket, Key="public/new", Body=b"x"))
    _denied(lambda: other.list_objects_v2(Bucket=bucket))


def test_public_read_policy_lets_unsigned_gets_in_and_nothing_else(
    authz_server: Any, s3: Any, bucket: str
) -> None:
    url = f"{authz_server.endpoint}/{bucket}/public/a.txt"
    assert _unsigned("GET", url)[0] == 403
    policy = doc(
        allow("s3:GetObject", f"arn:aws:s3:::{bucket}/public/*", Principal="*", Sid="PublicRead")
    )
    s3.delete_public_access_block(Bucket=bucket)  # a new bucket blocks public policies
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert _unsigned("GET", url) == (200, b"public")
    status, body = _unsigned("GET", f"{authz_server.endpoint}/{bucket}/private/b.txt")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    status, body = _unsigned("PUT", f"{authz_server.endpoint}/{bucket}/public/x", b"x")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    status, body = _unsigned("GET", f"{authz_server.endpoint}/{unique('missing')}/k")
    assert status == 404 and b"<Code>NoSuchBucket</Code>" in body
    status = s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"]
    assert status is True


def _unsigned(method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_source_ip_and_secure_transport_conditions(
    authz_server: Any, iam: Any, bucket: str
) -> None:
    local = make_user(
        iam,
        inline=doc(
            allow(
                "s3:GetObject",
                f"arn:aws:s3:::{bucket}/*",
                Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
            )
        ),
    )
    elsewhere = make_user(
        iam,
        inline=doc(
            allow(
                "s3:GetObject",
                f"arn:aws:s3:::{bucket}/*",
                Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            )
        ),
    )
    tls_only = make_user(
        iam,
        inline=doc(
            allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"),
            deny("s3:*", "*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
        ),
    )
    get = {"Bucket": bucket, "Key": "public/a.txt"}
    assert local.client(authz_server, "s3").get_object(**get)["Body"].read() == b"public"
    _denied(lambda: elsewhere.client(authz_server, "s3").get_object(**get))
    err = _denied(lambda: tls_only.client(authz_server, "s3").get_object(**get))
    assert "with an explicit deny in an identity-based policy" in err.response["Error"]["Message"]
    resource = f"arn:aws:s3:::{bucket}/public/a.txt"
    ip = {"aws:SourceIp": ("127.0.0.1", "ip")}
    assert simulated(iam, local.arn, "s3:GetObject", resource, context=ip) == "allowed"
    assert simulated(iam, elsewhere.arn, "s3:GetObject", resource, context=ip) == "implicitDeny"
    insecure = {"aws:SecureTransport": ("false", "boolean")}
    assert simulated(iam, tls_only.arn, "s3:GetObject", resource, context=insecure) == (
        "explicitDeny"
    )


def test_deny_in_permissions_boundary_wins(authz_server: Any, iam: Any, bucket: str) -> None:
    boundary = iam.create_policy(
        PolicyName=unique("boundary"),
        PolicyDocument=doc(allow("s3:*"), deny("s3:GetObject", f"arn:aws:s3:::{bucket}/private/*")),
    )["Policy"]["Arn"]
    user = make_user(iam, managed=["arn:aws:iam::aws:policy/AmazonS3FullAccess"], boundary=boundary)
    s3 = user.client(authz_server, "s3")
    assert s3.get_object(Bucket=bucket, Key="public/a.txt")["Body"].read() == b"public"
    err = _denied(lambda: s3.get_object(Bucket=bucket, Key="private/b.txt"))
    assert err.response["Error"]["Message"].endswith(
        "with an explicit deny in a permissions boundary"
    )
    resource = f"arn:aws:s3:::{bucket}/private/b.txt"
    assert simulated(iam, user.arn, "s3:GetObject", resource) == "explicitDeny"


def test_presigned_url_stops_working_when_the_key_is_deactivated(
    authz_server: Any, iam: Any, bucket: str
) -> None:
    user = make_user(iam, managed=[S3_READ_ONLY])
    url = user.client(authz_server, "s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "public/a.txt"}, ExpiresIn=600
    )
    assert _unsigned("GET", url) == (200, b"public")
    name = user.arn.rsplit("/", 1)[1]
    iam.update_access_key(UserName=name, AccessKeyId=user.access_key, Status="Inactive")
    status, body = _unsigned("GET", url)
    assert status == 403 and b"<Code>InvalidAccessKeyId</Code>" in body
    iam.update_access_key(UserName=name, AccessKeyId=user.access_key, Status="Active")
    assert _unsigned("GET", url) == (200, b"public")


def test_root_is_stopped_only_by_an_explicit_deny_and_may_always_remove_the_policy(
    s3: Any, bucket: str
) -> None:
    policy = doc(deny("s3:GetObject", f"arn:aws:s3:::{bucket}/*", Principal="*"))
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    _denied(lambda: s3.get_object(Bucket=bucket, Key="public/a.txt"))
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == policy
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="public/a.txt")["Body"].read() == b"public"


def test_bucket_policy_operations_and_errors(s3: Any, bucket: str) -> None:
    err = _denied(lambda: s3.get_bucket_policy(Bucket=bucket), "NoSuchBucketPolicy")
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    _denied(lambda: s3.get_bucket_policy_status(Bucket=bucket), "NoSuchBucketPolicy")
    bad = _denied(lambda: s3.put_bucket_policy(Bucket=bucket, Policy="not json"), "MalformedPolicy")
    assert bad.response["Error"]["Message"] == (
        "Policies must be valid JSON and the first byte must be '{'"
    )
    other = doc(allow("s3:GetObject", "arn:aws:s3:::someone-elses-bucket/*", Principal="*"))
    err = _denied(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=other), "MalformedPolicy")
    assert err.response["Error"]["Message"] == "Policy has invalid resource"
    _denied(
        lambda: s3.put_bucket_policy(Bucket=bucket, Policy=doc({"Effect": "Allow"})),
        "MalformedPolicy",
    )
    pinned = doc(
        allow(
            "s3:GetObject",
            f"arn:aws:s3:::{bucket}/*",
            Principal="*",
            Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        )
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=pinned)
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False
    s3.delete_bucket_policy(Bucket=bucket)
    _denied(lambda: s3.get_bucket_policy(Bucket=bucket), "NoSuchBucketPolicy")


def test_delete_objects_answers_a_denied_key_in_its_result(
    authz_server: Any, iam: Any, bucket: str
) -> None:
    """S3 authorises DeleteObjects key by key: a denied key is an AccessDenied entry."""
    user = make_user(iam, inline=doc(allow("s3:DeleteObject", f"arn:aws:s3:::{bucket}/public/*")))
    result = user.client(authz_server, "s3").delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "public/a.txt"}, {"Key": "private/b.txt"}]}
    )
    assert [d["Key"] for d in result["Deleted"]] == ["public/a.txt"]
    assert result["Errors"] == [
        {"Key": "private/b.txt", "Code": "AccessDenied", "Message": "Access Denied"}
    ]
    s3 = authz_server.client("s3")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["private/b.txt"]
