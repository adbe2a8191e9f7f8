"""S3 ACLs through a real server (services/s3/acl*.py, gateway/authz/s3_acl.py): canned ACLs
and what each lets other accounts and anonymous callers do, explicit grants (headers and
AccessControlPolicy documents), ACL grants across accounts, object ownership on writes by
other accounts, and the errors AWS answers bad ACLs with (the ACL left as it was)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aclkit import (
    ALL_USERS,
    AUTHENTICATED_USERS,
    EC2_READER,
    LOG_DELIVERY,
    Actors,
    acls_enabled_bucket,
    actors_of,
    code,
    error_of,
    fails,
    grants,
    group,
    signed,
    unique,
    unsigned,
    user,
)
from botocore.exceptions import ClientError

DENIED = ("AccessDenied", 403)


@pytest.fixture(scope="module")
def actors(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[Actors]:
    yield from actors_of(tmp_path_factory, launch_server, "s3-acl")


@pytest.fixture(scope="module")
def open_bucket(actors: Actors) -> str:
    """ACLs enabled (ObjectWriter), Block Public Access off."""
    return acls_enabled_bucket(actors.owner)


def _reads(actors: Actors, bucket: str, key: str) -> tuple[bool, bool, bool]:
    """Whether anonymous, alt and third callers can GET the object."""
    results = []
    for client in (actors.anonymous, actors.alt, actors.third):
        try:
            assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"data"
            results.append(True)
        except ClientError as err:
            assert code(err) == DENIED
            results.append(False)
    return results[0], results[1], results[2]


@pytest.mark.parametrize(
    ("canned", "extra", "anonymous_alt_third"),
    [
        ("private", set(), (False, False, False)),
        ("public-read", {group(ALL_USERS, "READ")}, (True, True, True)),
        (
            "public-read-write",
            {group(ALL_USERS, "READ"), group(ALL_USERS, "WRITE")},
            (True, True, True),
        ),
        ("authenticated-read", {group(AUTHENTICATED_USERS, "READ")}, (False, True, True)),
        ("aws-exec-read", {user(EC2_READER, "READ")}, (False, False, False)),
        # Written by the bucket owner: the object owner is the bucket owner.
        ("bucket-owner-read", set(), (False, False, False)),
        ("bucket-owner-full-control", set(), (False, False, False)),
    ],
)
def test_each_canned_object_acl_grants_what_aws_documents(
    actors: Actors,
    open_bucket: str,
    canned: str,
    extra: set[tuple[str, str, str]],
    anonymous_alt_third: tuple[bool, bool, bool],
) -> None:
    key = f"canned/{canned}"
    actors.owner.put_object(Bucket=open_bucket, Key=key, Body=b"data", ACL=canned)
    answer = actors.owner.get_object_acl(Bucket=open_bucket, Key=key)
    assert answer["Owner"]["ID"] == actors.owner_id
    assert grants(answer) == {user(actors.owner_id, "FULL_CONTROL"), *extra}
    assert _reads(actors, open_bucket, key) == anonymous_alt_third
    # The same through PutObjectAcl on a private object.
    actors.owner.put_object(Bucket=open_bucket, Key=key + "/later", Body=b"data")
    assert _reads(actors, open_bucket, key + "/later") == (False, False, False)
    actors.owner.put_object_acl(Bucket=open_bucket, Key=key + "/later", ACL=canned)
    assert grants(actors.owner.get_object_acl(Bucket=open_bucket, Key=key + "/later")) == (
        grants(answer)
    )
    assert _reads(actors, open_bucket, key + "/later") == anonymous_alt_third


def _lists(client: Any, bucket: str) -> bool:
    try:
        client.list_objects_v2(Bucket=bucket)
        return True
    except ClientError as err:
        assert code(err) == DENIED
        return False


def _writes(client: Any, bucket: str) -> bool:
    try:
        client.put_object(Bucket=bucket, Key=unique("w"), Body=b"x")
        return True
    except ClientError as err:
        assert code(err) == DENIED
        return False


@pytest.mark.parametrize(
    ("canned", "extra", "lists", "anonymous_writes"),
    [
        ("private", set(), (False, False), False),
        ("public-read", {group(ALL_USERS, "READ")}, (True, True), False),
        (
            "public-read-write",
            {group(ALL_USERS, "READ"), group(ALL_USERS, "WRITE")},
            (True, True),
            True,
        ),
        ("authenticated-read", {group(AUTHENTICATED_USERS, "READ")}, (False, True), False),
        (
            "log-delivery-write",
            {group(LOG_DELIVERY, "WRITE"), group(LOG_DELIVERY, "READ_ACP")},
            (False, False),
            False,
        ),
        ("aws-exec-read", {user(EC2_READER, "READ")}, (False, False), False),
        ("bucket-owner-read", set(), (False, False), False),  # ignored on a bucket
        ("bucket-owner-full-control", set(), (False, False), False),
    ],
)
def test_each_canned_bucket_acl_grants_what_aws_documents(
    actors: Actors,
    canned: str,
    extra: set[tuple[str, str, str]],
    lists: tuple[bool, bool],
    anonymous_writes: bool,
) -> None:
    bucket = acls_enabled_bucket(actors.owner)
    actors.owner.put_bucket_acl(Bucket=bucket, ACL=canned)
    answer = actors.owner.get_bucket_acl(Bucket=bucket)
    assert answer["Owner"]["ID"] == actors.owner_id
    assert grants(answer) == {user(actors.owner_id, "FULL_CONTROL"), *extra}
    assert (_lists(actors.anonymous, bucket), _lists(actors.alt, bucket)) == lists
    assert _writes(actors.anonymous, bucket) is anonymous_writes
    assert _writes(actors.alt, bucket) is anonymous_writes


def test_grant_headers_name_accounts_and_groups(actors: Actors, open_bucket: str) -> None:
    actors.owner.put_object(
        Bucket=open_bucket,
        Key="granted",
        Body=b"data",
        GrantRead=f'id="{actors.alt_id}"',
        GrantReadACP=f"uri={AUTHENTICATED_USERS}",
        GrantFullControl=f"id={actors.owner_id}",
    )
    assert grants(actors.owner.get_object_acl(Bucket=open_bucket, Key="granted")) == {
        user(actors.owner_id, "FULL_CONTROL"),
        user(actors.alt_id, "READ"),
        group(AUTHENTICATED_USERS, "READ_ACP"),
    }
    assert _reads(actors, open_bucket, "granted") == (False, True, False)
    # READ_ACP to every signed caller: the third account reads the ACL, not the object.
    assert grants(actors.third.get_object_acl(Bucket=open_bucket, Key="granted"))
    assert code(fails(lambda: actors.anonymous.get_object_acl(Bucket=open_bucket, Key="granted")))
    assert (
        code(
            fails(
                lambda: actors.alt.put_object_acl(Bucket=open_bucket, Key="granted", ACL="private")
            )
        )
        == DENIED
    )


def test_access_control_policy_documents_grant_across_accounts(actors: Actors) -> None:
    bucket = acls_enabled_bucket(actors.owner)
    actors.owner.put_object(Bucket=bucket, Key="k", Body=b"data")
    policy = {
        "Owner": {"ID": actors.owner_id},
        "Grants": [
            {
                "Grantee": {"Type": "CanonicalUser", "ID": actors.owner_id},
                "Permission": "FULL_CONTROL",
            },
            {"Grantee": {"Type": "CanonicalUser", "ID": actors.alt_id}, "Permission": "READ"},
            {"Grantee": {"Type": "CanonicalUser", "ID": actors.alt_id}, "Permission": "WRITE"},
            {"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "READ_ACP"},
        ],
    }
    actors.owner.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)
    assert grants(actors.owner.get_bucket_acl(Bucket=bucket)) == {
        user(actors.owner_id, "FULL_CONTROL"),
        user(actors.alt_id, "READ"),
        user(actors.alt_id, "WRITE"),
        group(AUTHENTICATED_USERS, "READ_ACP"),
    }
    # alt lists and writes; the bucket ACL's READ does not read objects.
    assert [o["Key"] for o in actors.alt.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]
    assert code(fails(lambda: actors.alt.get_object(Bucket=bucket, Key="k"))) == DENIED
    actors.alt.put_object(Bucket=bucket, Key="from-alt", Body=b"alt")
    actors.alt.delete_object(Bucket=bucket, Key="from-alt")
    # third reads the bucket's ACL (READ_ACP), nothing else.
    assert grants(actors.third.get_bucket_acl(Bucket=bucket))
    assert not _lists(actors.third, bucket)
    assert code(fails(lambda: actors.third.put_bucket_acl(Bucket=bucket, ACL="private"))) == DENIED
    assert code(fails(lambda: actors.anonymous.get_bucket_acl(Bucket=bucket))) == DENIED
    # A grant of WRITE_ACP lets alt replace the ACL.
    policy["Grants"].append(
        {"Grantee": {"Type": "CanonicalUser", "ID": actors.alt_id}, "Permission": "WRITE_ACP"}
    )
    actors.owner.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)
    actors.alt.put_bucket_acl(Bucket=bucket, ACL="private")
    assert grants(actors.owner.get_bucket_acl(Bucket=bucket)) == {
        user(actors.owner_id, "FULL_CONTROL")
    }
    assert not _lists(actors.alt, bucket)


def test_object_written_by_another_account_is_its_own(actors: Actors) -> None:
    """ObjectWriter: the writing account owns the object; the bucket owner reads it only when
    its ACL says so, and may delete it in any case (S3 User Guide, Object Ownership)."""
    bucket = acls_enabled_bucket(actors.owner, block=True)
    actors.owner.put_bucket_acl(Bucket=bucket, GrantWrite=f"id={actors.alt_id}")
    actors.alt.put_object(Bucket=bucket, Key="theirs", Body=b"data")
    listed = actors.owner.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"]
    assert [(o["Key"], o["Owner"]["ID"]) for o in listed] == [("theirs", actors.alt_id)]
    acl = actors.alt.get_object_acl(Bucket=bucket, Key="theirs")
    assert acl["Owner"]["ID"] == actors.alt_id
    assert grants(acl) == {user(actors.alt_id, "FULL_CONTROL")}
    assert actors.alt.get_object(Bucket=bucket, Key="theirs")["Body"].read() == b"data"
    assert code(fails(lambda: actors.owner.get_object(Bucket=bucket, Key="theirs"))) == DENIED
    assert code(fails(lambda: actors.owner.head_object(Bucket=bucket, Key="theirs")))[1] == 403
    assert code(fails(lambda: actors.owner.get_object_acl(Bucket=bucket, Key="theirs"))) == DENIED
    # The writer hands the bucket owner full control: now it reads.
    actors.alt.put_object_acl(Bucket=bucket, Key="theirs", ACL="bucket-owner-full-control")
    assert grants(actors.owner.get_object_acl(Bucket=bucket, Key="theirs")) == {
        user(actors.alt_id, "FULL_CONTROL"),
        user(actors.owner_id, "FULL_CONTROL"),
    }
    assert actors.owner.get_object(Bucket=bucket, Key="theirs")["Body"].read() == b"data"
    # Written with bucket-owner-read from the start.
    actors.alt.put_object(Bucket=bucket, Key="shared", Body=b"data", ACL="bucket-owner-read")
    assert actors.owner.get_object(Bucket=bucket, Key="shared")["Body"].read() == b"data"
    assert code(fails(lambda: actors.third.get_object(Bucket=bucket, Key="shared"))) == DENIED
    actors.owner.delete_object(Bucket=bucket, Key="theirs")
    assert [o["Key"] for o in actors.owner.list_objects_v2(Bucket=bucket)["Contents"]] == ["shared"]


def test_unsigned_requests_get_in_only_where_a_grant_lets_them(actors: Actors) -> None:
    bucket = acls_enabled_bucket(actors.owner)
    base = f"{actors.server.endpoint}/{bucket}"
    actors.owner.put_object(Bucket=bucket, Key="public", Body=b"data", ACL="public-read")
    actors.owner.put_object(Bucket=bucket, Key="private", Body=b"data")
    assert unsigned(f"{base}/public") == (200, b"data")
    status, body = unsigned(f"{base}/private")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    # A key that is not there: AccessDenied to a caller who may not list the bucket...
    status, body = unsigned(f"{base}/missing")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    status, _ = unsigned(f"{base}?list-type=2")
    assert status == 403
    # ... NoSuchKey to one who may (the bucket ACL grants AllUsers READ).
    actors.owner.put_bucket_acl(Bucket=bucket, ACL="public-read")
    status, body = unsigned(f"{base}/missing")
    assert status == 404 and b"<Code>NoSuchKey</Code>" in body
    status, body = unsigned(f"{base}?list-type=2")
    assert status == 200 and b"<Key>public</Key>" in body
    assert unsigned(f"{base}/public", "HEAD")[0] == 200
    assert unsigned(f"{base}/private", "HEAD")[0] == 403
    # Writing needs WRITE on the bucket.
    assert (
        code(fails(lambda: actors.anonymous.put_object(Bucket=bucket, Key="x", Body=b"x")))
        == DENIED
    )
    actors.owner.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    actors.anonymous.put_object(Bucket=bucket, Key="anon", Body=b"anon")
    # An anonymous writer owns nothing: the object is the bucket owner's.
    assert actors.owner.get_object_acl(Bucket=bucket, Key="anon")["Owner"]["ID"] == (
        actors.owner_id
    )
    assert actors.owner.get_object(Bucket=bucket, Key="anon")["Body"].read() == b"anon"


def test_an_explicit_deny_in_the_bucket_policy_beats_an_acl_grant(actors: Actors) -> None:
    bucket = acls_enabled_bucket(actors.owner)
    actors.owner.put_object(Bucket=bucket, Key="k", Body=b"data", ACL="public-read")
    assert actors.alt.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    actors.owner.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )
    assert code(fails(lambda: actors.alt.get_object(Bucket=bucket, Key="k"))) == DENIED
    assert actors.third.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
    assert actors.anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"


def test_copy_reads_a_source_its_acl_lets_another_account_read(actors: Actors) -> None:
    bucket = acls_enabled_bucket(actors.owner)
    actors.owner.put_object(Bucket=bucket, Key="open", Body=b"data", ACL="public-read")
    actors.owner.put_object(Bucket=bucket, Key="closed", Body=b"data")
    target = unique("alt-target")
    actors.alt.create_bucket(Bucket=target)
    actors.alt.copy_object(Bucket=target, Key="copy", CopySource=f"{bucket}/open")
    assert actors.alt.get_object(Bucket=target, Key="copy")["Body"].read() == b"data"
    err = fails(
        lambda: actors.alt.copy_object(Bucket=target, Key="c2", CopySource=f"{bucket}/closed")
    )
    assert code(err) == DENIED
    assert [o["Key"] for o in actors.alt.list_objects_v2(Bucket=target)["Contents"]] == ["copy"]


def test_multipart_upload_keeps_the_acl_it_was_created_with(actors: Actors) -> None:
    bucket = acls_enabled_bucket(actors.owner)
    upload = actors.owner.create_multipart_upload(Bucket=bucket, Key="mpu", ACL="public-read")
    etag = actors.owner.upload_part(
        Bucket=bucket, Key="mpu", UploadId=upload["UploadId"], PartNumber=1, Body=b"data"
    )["ETag"]
    actors.owner.complete_multipart_upload(
        Bucket=bucket,
        Key="mpu",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    assert group(ALL_USERS, "READ") in grants(actors.owner.get_object_acl(Bucket=bucket, Key="mpu"))
    assert actors.anonymous.get_object(Bucket=bucket, Key="mpu")["Body"].read() == b"data"


BAD_ACLS: list[tuple[dict[str, Any], tuple[str, str, int], dict[str, str]]] = [
    ({"ACL": "public"}, ("InvalidArgument", "", 400), {"ArgumentName": "x-amz-acl"}),
    (
        {"ACL": "public-read", "GrantRead": f"uri={ALL_USERS}"},
        ("InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed", 400),
        {},
    ),
    (
        {"GrantRead": "public"},
        ("InvalidArgument", "Argument format not recognized", 400),
        {"ArgumentName": "x-amz-grant-read", "ArgumentValue": "public"},
    ),
    (
        {"GrantRead": "uri=http://acs.amazonaws.com/groups/global/Everyone"},
        ("InvalidArgument", "Invalid group uri", 400),
        {"ArgumentName": "uri"},
    ),
    (
        {"GrantWrite": "id=0123456789abcdef"},
        ("InvalidArgument", "Invalid id", 400),
        {"ArgumentName": "id", "ArgumentValue": "0123456789abcdef"},
    ),
    (
        {"GrantRead": 'emailAddress="someone@example.com"'},
        (
            "UnresolvableGrantByEmailAddress",
            "The email address you provided does not match any account on record.",
            400,
        ),
        {},
    ),
]


@pytest.mark.parametrize(("setting", "expected", "fields"), BAD_ACLS)
def test_bad_acls_are_refused_and_change_nothing(
    actors: Actors,
    open_bucket: str,
    setting: dict[str, Any],
    expected: tuple[str, str, int],
    fields: dict[str, str],
) -> None:
    actors.owner.put_object(Bucket=open_bucket, Key="bad-input", Body=b"data", ACL="public-read")
    before_bucket = grants(actors.owner.get_bucket_acl(Bucket=open_bucket))
    before_object = grants(actors.owner.get_object_acl(Bucket=open_bucket, Key="bad-input"))
    for call in (
        lambda: actors.owner.put_bucket_acl(Bucket=open_bucket, **setting),
        lambda: actors.owner.put_object_acl(Bucket=open_bucket, Key="bad-input", **setting),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == expected
        for name, value in fields.items():
            assert exc.value.response["Error"][name] == value
    if "GrantWrite" not in setting:  # PutObject has no x-amz-grant-write
        with pytest.raises(ClientError) as exc:
            actors.owner.put_object(Bucket=open_bucket, Key="bad-input", Body=b"new", **setting)
        assert error_of(exc) == expected
    assert grants(actors.owner.get_bucket_acl(Bucket=open_bucket)) == before_bucket
    assert grants(actors.owner.get_object_acl(Bucket=open_bucket, Key="bad-input")) == before_object
    body = actors.owner.get_object(Bucket=open_bucket, Key="bad-input")["Body"].read()
    assert body == b"data"


def _acl_xml(owner: str, grant_xml: str) -> bytes:
    return (
        '<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Owner><ID>{owner}</ID></Owner><AccessControlList>{grant_xml}</AccessControlList>"
        "</AccessControlPolicy>"
    ).encode()


def _grant_xml(kind: str, inner: str, permission: str) -> str:
    return (
        '<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:type="{kind}">{inner}</Grantee><Permission>{permission}</Permission></Grant>'
    )


def test_malformed_access_control_policies_are_refused(actors: Actors, open_bucket: str) -> None:
    before = grants(actors.owner.get_bucket_acl(Bucket=open_bucket))
    owner = actors.owner_id
    cases = [
        (
            _acl_xml(owner, _grant_xml("CanonicalUser", f"<ID>{owner}</ID>", "EVERYTHING")),
            b"<Code>MalformedACLError</Code>",
        ),
        (
            _acl_xml(owner, _grant_xml("Martian", f"<ID>{owner}</ID>", "READ")),
            b"<Code>MalformedACLError</Code>",
        ),
        (
            _acl_xml("f" * 64, _grant_xml("CanonicalUser", f"<ID>{owner}</ID>", "READ")),
            b"<ArgumentName>CanonicalUser/ID</ArgumentName>",
        ),
        (
            _acl_xml(owner, _grant_xml("CanonicalUser", f"<ID>{'e' * 64}</ID>", "READ")),
            b"<Message>Invalid id</Message>",
        ),
        (
            _acl_xml(owner, _grant_xml("Group", "<URI>http://example.com/all</URI>", "READ")),
            b"<ArgumentName>Group/URI</ArgumentName>",
        ),
        (
            _acl_xml(
                owner,
                _grant_xml("AmazonCustomerByEmail", "<EmailAddress>a@b.c</EmailAddress>", "READ"),
            ),
            b"<Code>UnresolvableGrantByEmailAddress</Code>",
        ),
        (
            b'<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<AccessControlList/></AccessControlPolicy>",
            b"<Code>MalformedACLError</Code>",
        ),
    ]
    for body, expected in cases:
        status, answer = signed(actors.server, "PUT", f"/{open_bucket}?acl", body)
        assert status == 400, answer
        assert expected in answer, answer
    # Neither a canned ACL nor a document; both at once.
    status, answer = signed(actors.server, "PUT", f"/{open_bucket}?acl")
    assert status == 400 and b"<Code>MissingSecurityHeader</Code>" in answer
    assert b"<MissingHeaderName>x-amz-acl</MissingHeaderName>" in answer
    body = _acl_xml(owner, _grant_xml("CanonicalUser", f"<ID>{owner}</ID>", "FULL_CONTROL"))
    status, answer = signed(
        actors.server, "PUT", f"/{open_bucket}?acl", body, {"x-amz-acl": "private"}
    )
    assert status == 400 and b"<Code>UnexpectedContent</Code>" in answer
    assert grants(actors.owner.get_bucket_acl(Bucket=open_bucket)) == before


def test_acl_documents_use_s3s_grantee_types(actors: Actors, open_bucket: str) -> None:
    actors.owner.put_object(Bucket=open_bucket, Key="xml", Body=b"x", ACL="public-read")
    status, body = signed(actors.server, "GET", f"/{open_bucket}/xml?acl")
    assert status == 200
    text = body.decode()
    assert (
        '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">' in text
    )
    assert f"<URI>{ALL_USERS}</URI>" in text
    assert 'xsi:type="CanonicalUser"><ID>' + actors.owner_id in text


def test_the_aws_cli_sets_and_reads_a_bucket_acl(actors: Actors, tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "aws"
    if not cli.exists():
        pytest.skip("the aws CLI is not installed in the venv (the dev extras bring it)")
    bucket = acls_enabled_bucket(actors.owner)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=actors.server.access_key,
        AWS_SECRET_ACCESS_KEY=actors.server.secret_key,
        AWS_DEFAULT_REGION=actors.server.region,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )

    def aws(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [str(cli), "--endpoint-url", actors.server.endpoint, "s3api", *args]
        return subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    done = aws(
        "put-bucket-acl",
        "--bucket",
        bucket,
        "--grant-read",
        f"id={actors.alt_id}",
        "--grant-full-control",
        f"id={actors.owner_id}",
    )
    assert done.returncode == 0, done.stderr
    shown = aws("get-bucket-acl", "--bucket", bucket)
    assert shown.returncode == 0, shown.stderr
    assert grants(json.loads(shown.stdout)) == {
        user(actors.owner_id, "FULL_CONTROL"),
        user(actors.alt_id, "READ"),
    }
    assert _lists(actors.alt, bucket)
    refused = aws("put-bucket-acl", "--bucket", bucket, "--grant-read", "id=nobody")
    assert refused.returncode != 0
    assert "(InvalidArgument) when calling the PutBucketAcl operation: Invalid id" in refused.stderr
    assert _lists(actors.alt, bucket)  # the ACL is as it was


def test_concurrent_acl_puts_all_succeed(actors: Actors) -> None:
    # S3 applies concurrent ACL writes last-writer-wins: 50 simultaneous PutBucketAcl (and
    # PutObjectAcl) calls are each answered 200, never 409 OperationAborted because another
    # writer's commit landed first.
    bucket = acls_enabled_bucket(actors.owner)
    actors.owner.put_object(Bucket=bucket, Key="k", Body=b"data")
    canned = ("public-read", "private")

    def put_bucket_acl(i: int) -> str:
        try:
            actors.owner.put_bucket_acl(Bucket=bucket, ACL=canned[i % 2])
            return "ok"
        except ClientError as err:
            return code(err)[0]

    def put_object_acl(i: int) -> str:
        try:
            actors.owner.put_object_acl(Bucket=bucket, Key="k", ACL=canned[i % 2])
            return "ok"
        except ClientError as err:
            return code(err)[0]

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert set(pool.map(put_bucket_acl, range(50))) == {"ok"}
        assert set(pool.map(put_object_acl, range(50))) == {"ok"}
