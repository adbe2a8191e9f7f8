"""The aws CLI (v1, `s3api` and `s3`) against one real ownstack server for S3 in depth:
versioning, Object Lock, ACLs / Object Ownership / Block Public Access, CORS, lifecycle,
encryption (SSE-S3, bucket default, SSE-C over HTTPS) and the website configuration. Each test
reads the effect back (through the CLI, boto3 or an anonymous request), not only the exit code.

Browser POST uploads are not tested here: the aws CLI has no presigned-POST command (only
`aws s3 presign` for GET URLs); tests/clients/test_js_sdk_s3_depth.py and tests/s3 cover them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from clientkit import AwsCli, MiB, md5_etag, write_file
from depthkit import (
    DepthServer,
    anonymous,
    cli_error,
    depth_server,
    public_read_policy,
    unique,
    xml_code,
)

from ownserver import ServerHandle

pytestmark = pytest.mark.clients

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
MALFORMED = (
    "MalformedXML",
    400,
    "The XML you provided was not well-formed or did not validate against our published schema",
)


@pytest.fixture(scope="module")
def depth(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DepthServer]:
    yield from depth_server(launch_server, tmp_path_factory.mktemp("awscli-depth"))


@pytest.fixture(scope="module")
def server(depth: DepthServer) -> ServerHandle:
    """This module's server (the `s3` and `bucket_name` fixtures of conftest.py use it)."""
    return depth.handle


@pytest.fixture(scope="module")
def aws(depth: DepthServer, tmp_path_factory: pytest.TempPathFactory) -> AwsCli:
    return AwsCli(depth.handle, tmp_path_factory.mktemp("awscli-home"))


@pytest.fixture(scope="module")
def aws_tls(depth: DepthServer, tmp_path_factory: pytest.TempPathFactory) -> AwsCli:
    """The CLI over HTTPS, trusting the server's generated certificate via AWS_CA_BUNDLE."""
    cli = AwsCli(depth.handle, tmp_path_factory.mktemp("awscli-tls-home"))
    cli.endpoint = depth.https_endpoint
    cli.env["AWS_CA_BUNDLE"] = str(depth.ca_bundle)
    return cli


def fails(cli: AwsCli, *args: str) -> tuple[str, int, str]:
    return cli_error(cli, *args)


def json_file(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document))
    return f"file://{path}"


def new_bucket(s3: Any, **create: Any) -> str:
    """A bucket made with boto3 (setup, not what is under test)."""
    bucket = unique("cli")
    s3.create_bucket(Bucket=bucket, **create)
    return bucket


# --- versioning --------------------------------------------------------------------------------


def test_versioning_versions_old_reads_and_delete_markers(
    aws: AwsCli, s3: Any, tmp_path: Path
) -> None:
    bucket = new_bucket(s3)
    aws(
        "s3api", "put-bucket-versioning", "--bucket", bucket,
        "--versioning-configuration", "Status=Enabled",
    )  # fmt: skip
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

    first = write_file(tmp_path / "v1.txt", 1000, seed=1)
    second = write_file(tmp_path / "v2.txt", 2000, seed=2)
    v1 = aws.json("s3api", "put-object", "--bucket", bucket, "--key", "doc", "--body", str(first))[
        "VersionId"
    ]
    v2 = s3.put_object(Bucket=bucket, Key="doc", Body=second.read_bytes())["VersionId"]
    assert v1 != v2 and len(v1) == 32

    listed = aws.json("s3api", "list-object-versions", "--bucket", bucket)
    assert [(v["VersionId"], v["IsLatest"], v["Size"]) for v in listed["Versions"]] == [
        (v2, True, 2000),
        (v1, False, 1000),
    ]
    assert "DeleteMarkers" not in listed

    out = tmp_path / "old.txt"
    got = aws.json(
        "s3api", "get-object", "--bucket", bucket, "--key", "doc", "--version-id", v1, str(out)
    )
    assert (got["VersionId"], got["ETag"]) == (v1, md5_etag(first.read_bytes()))
    assert out.read_bytes() == first.read_bytes()

    deleted = aws.json("s3api", "delete-object", "--bucket", bucket, "--key", "doc")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    assert marker not in (v1, v2)
    with pytest.raises(ClientError) as hidden:
        s3.get_object(Bucket=bucket, Key="doc")
    assert hidden.value.response["Error"]["Code"] == "NoSuchKey"
    assert hidden.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    listed = s3.list_object_versions(Bucket=bucket)
    assert [(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [(marker, True)]
    assert [v["VersionId"] for v in listed["Versions"]] == [v2, v1]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)

    # Deleting the marker by its id "undeletes": v2 is current again.
    aws("s3api", "delete-object", "--bucket", bucket, "--key", "doc", "--version-id", marker)
    current = s3.get_object(Bucket=bucket, Key="doc")
    assert (current["VersionId"], current["Body"].read()) == (v2, second.read_bytes())

    # Bad input: refused with S3's error, the bucket as it was.
    assert fails(
        aws, "s3api", "get-object", "--bucket", bucket, "--key", "doc", "--version-id", "bogus",
        str(out),
    ) == ("InvalidArgument", 400, "Invalid version id specified")  # fmt: skip
    assert fails(
        aws, "s3api", "put-bucket-versioning", "--bucket", bucket,
        "--versioning-configuration", "Status=Off",
    ) == MALFORMED  # fmt: skip
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == [v2, v1]


# --- object lock -------------------------------------------------------------------------------


def _until(**delta: float) -> str:
    when = datetime.now(UTC) + timedelta(**delta)
    return when.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_object_lock_retention_and_legal_hold(aws: AwsCli, s3: Any) -> None:
    bucket = unique("cli-lock")
    aws("s3api", "create-bucket", "--bucket", bucket, "--object-lock-enabled-for-bucket")
    config = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert config == {"ObjectLockEnabled": "Enabled"}
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

    version = s3.put_object(Bucket=bucket, Key="kept", Body=b"keep me")["VersionId"]
    until = _until(hours=1)
    target = ("--bucket", bucket, "--key", "kept", "--version-id", version)
    aws(
        "s3api", "put-object-retention", *target,
        "--retention", f"Mode=GOVERNANCE,RetainUntilDate={until}",
    )  # fmt: skip
    retention = s3.get_object_retention(Bucket=bucket, Key="kept")["Retention"]
    assert retention == {"Mode": "GOVERNANCE", "RetainUntilDate": datetime.fromisoformat(until)}

    delete = ("s3api", "delete-object", *target)
    assert fails(aws, *delete) == (
        "AccessDenied",
        403,
        "Access Denied because object protected by object lock.",
    )
    aws("s3api", "put-object-legal-hold", *target, "--legal-hold", "Status=ON")
    assert aws.json("s3api", "get-object-legal-hold", *target) == {"LegalHold": {"Status": "ON"}}
    # A legal hold protects even from a governance bypass.
    assert fails(aws, *delete, "--bypass-governance-retention")[:2] == ("AccessDenied", 403)
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == [version]

    s3.put_object_legal_hold(Bucket=bucket, Key="kept", LegalHold={"Status": "OFF"})
    # Governance retention alone: the owner may bypass it when asking.
    aws(*delete, "--bypass-governance-retention")
    assert "Versions" not in s3.list_object_versions(Bucket=bucket)

    # Bad input: a date in the past, and a bucket without Object Lock.
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert fails(
        aws, "s3api", "put-object-retention", "--bucket", bucket, "--key", "k",
        "--retention", f"Mode=GOVERNANCE,RetainUntilDate={_until(days=-1)}",
    ) == ("InvalidArgument", 400, "The retain until date must be in the future!")  # fmt: skip
    assert "ObjectLockMode" not in s3.head_object(Bucket=bucket, Key="k")
    plain = new_bucket(s3)
    s3.put_object(Bucket=plain, Key="k", Body=b"x")
    assert fails(
        aws, "s3api", "put-object-legal-hold", "--bucket", plain, "--key", "k",
        "--legal-hold", "Status=ON",
    ) == ("InvalidRequest", 400, "Bucket is missing Object Lock Configuration")  # fmt: skip
    assert "ObjectLockLegalHoldStatus" not in s3.head_object(Bucket=plain, Key="k")


def test_object_lock_default_retention_applies_to_cli_uploads(
    aws: AwsCli, s3: Any, tmp_path: Path
) -> None:
    bucket = new_bucket(s3, ObjectLockEnabledForBucket=True)
    default = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
    aws(
        "s3api", "put-object-lock-configuration", "--bucket", bucket,
        "--object-lock-configuration",
        json_file(tmp_path / "lock.json", {"ObjectLockEnabled": "Enabled", "Rule": default}),
    )  # fmt: skip
    rule = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["Rule"]
    assert rule == default
    body = write_file(tmp_path / "body.bin", 3000, seed=3)
    aws("s3", "cp", str(body), f"s3://{bucket}/defaulted.bin")
    head = s3.head_object(Bucket=bucket, Key="defaulted.bin")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    left = head["ObjectLockRetainUntilDate"] - datetime.now(UTC)
    assert timedelta(hours=23) < left <= timedelta(days=1)


# --- ACLs, Object Ownership, Block Public Access -------------------------------------------------


def _grants(answer: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (g["Grantee"].get("URI") or g["Grantee"].get("ID", ""), g["Permission"])
        for g in answer["Grants"]
    }


def test_acls_ownership_controls_and_public_access_block(
    aws: AwsCli, s3: Any, depth: DepthServer
) -> None:
    port = depth.handle.port
    bucket = new_bucket(s3)
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    aws(
        "s3api", "put-bucket-ownership-controls", "--bucket", bucket,
        "--ownership-controls", "Rules=[{ObjectOwnership=BucketOwnerPreferred}]",
    )  # fmt: skip
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerPreferred"}]

    # A new bucket blocks public ACLs: refused, the ACL as it was.
    assert fails(aws, "s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read")[
        :2
    ] == ("AccessDenied", 403)
    assert (ALL_USERS, "READ") not in _grants(s3.get_bucket_acl(Bucket=bucket))
    assert anonymous(port, "GET", f"/{bucket}?list-type=2").status == 403

    aws("s3api", "delete-public-access-block", "--bucket", bucket)
    aws("s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read")
    assert (ALL_USERS, "READ") in _grants(s3.get_bucket_acl(Bucket=bucket))
    listing = anonymous(port, "GET", f"/{bucket}?list-type=2")
    assert listing.status == 200 and b"<ListBucketResult" in listing.body

    aws(
        "s3api", "put-object", "--bucket", bucket, "--key", "open.txt", "--body", __file__,
        "--acl", "public-read",
    )  # fmt: skip
    object_acl = aws.json("s3api", "get-object-acl", "--bucket", bucket, "--key", "open.txt")
    assert (ALL_USERS, "READ") in _grants(object_acl)
    read = anonymous(port, "GET", f"/{bucket}/open.txt")
    assert (read.status, read.body) == (200, Path(__file__).read_bytes())

    aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "open.txt", "--acl", "private")
    assert (ALL_USERS, "READ") not in _grants(s3.get_object_acl(Bucket=bucket, Key="open.txt"))
    closed = anonymous(port, "GET", f"/{bucket}/open.txt")
    assert (closed.status, xml_code(closed.body)) == (403, "AccessDenied")


def test_acl_bad_input_changes_nothing(aws: AwsCli, s3: Any) -> None:
    bucket = new_bucket(s3)
    s3.delete_public_access_block(Bucket=bucket)
    # ACLs are disabled until the owner changes Object Ownership.
    assert fails(aws, "s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read") == (
        "AccessControlListNotSupported",
        400,
        "The bucket does not allow ACLs",
    )
    assert fails(
        aws, "s3api", "put-bucket-ownership-controls", "--bucket", bucket,
        "--ownership-controls", "Rules=[{ObjectOwnership=Everyone}]",
    ) == MALFORMED  # fmt: skip
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert (ALL_USERS, "READ") not in _grants(s3.get_bucket_acl(Bucket=bucket))


# --- CORS --------------------------------------------------------------------------------------

ORIGIN = "https://app.example.com"
CORS_RULES = [
    {
        "ID": "app",
        "AllowedHeaders": ["Content-Type"],
        "AllowedMethods": ["GET", "PUT"],
        "AllowedOrigins": [ORIGIN],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 600,
    }
]


def test_cors_configuration_from_a_file_drives_preflights(
    aws: AwsCli, s3: Any, depth: DepthServer, tmp_path: Path
) -> None:
    port = depth.handle.port
    bucket = new_bucket(s3)
    doc = json_file(tmp_path / "cors.json", {"CORSRules": CORS_RULES})
    aws("s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", doc)
    assert aws.json("s3api", "get-bucket-cors", "--bucket", bucket)["CORSRules"] == CORS_RULES

    asks = {"Origin": ORIGIN, "Access-Control-Request-Headers": "content-type"}
    preflight = anonymous(
        port, "OPTIONS", f"/{bucket}/up.txt", {**asks, "Access-Control-Request-Method": "PUT"}
    )
    assert preflight.status == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert preflight.headers["access-control-allow-methods"] == "GET, PUT"
    assert preflight.headers["access-control-allow-headers"] == "content-type"
    assert preflight.headers["access-control-max-age"] == "600"
    refused = anonymous(
        port, "OPTIONS", f"/{bucket}/up.txt", {**asks, "Access-Control-Request-Method": "DELETE"}
    )
    assert (refused.status, xml_code(refused.body)) == (403, "AccessForbidden")

    bad = [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]
    assert fails(
        aws, "s3api", "put-bucket-cors", "--bucket", bucket,
        "--cors-configuration", json_file(tmp_path / "bad.json", {"CORSRules": bad}),
    ) == (
        "InvalidRequest", 400,
        "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
    )  # fmt: skip
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == CORS_RULES

    aws("s3api", "delete-bucket-cors", "--bucket", bucket)
    with pytest.raises(ClientError) as gone:
        s3.get_bucket_cors(Bucket=bucket)
    assert gone.value.response["Error"]["Code"] == "NoSuchCORSConfiguration"
    after = anonymous(
        port, "OPTIONS", f"/{bucket}/up.txt", {**asks, "Access-Control-Request-Method": "PUT"}
    )
    assert (after.status, xml_code(after.body)) == (403, "AccessForbidden")


# --- lifecycle ---------------------------------------------------------------------------------


def test_lifecycle_configuration_expires_objects(aws: AwsCli, s3: Any, tmp_path: Path) -> None:
    """The module's server has one-second lifecycle days swept every second (depthkit)."""
    bucket = new_bucket(s3)
    rules = [
        {
            "ID": "tmp-goes", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled",
            "Expiration": {"Days": 1},
        },
        {
            "ID": "uploads", "Filter": {}, "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        },
    ]  # fmt: skip
    aws(
        "s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
        "--lifecycle-configuration", json_file(tmp_path / "lc.json", {"Rules": rules}),
    )  # fmt: skip
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules

    put = aws.json("s3api", "put-object", "--bucket", bucket, "--key", "tmp/a", "--body", __file__)
    assert 'rule-id="tmp-goes"' in put["Expiration"]
    s3.put_object(Bucket=bucket, Key="keep/b", Body=b"stays")
    deadline = time.monotonic() + 15
    keys = ["tmp/a", "keep/b"]
    while keys != ["keep/b"] and time.monotonic() < deadline:
        time.sleep(0.25)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["keep/b"]

    bad = [{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}]
    assert fails(
        aws, "s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
        "--lifecycle-configuration", json_file(tmp_path / "bad.json", {"Rules": bad}),
    ) == (
        "InvalidArgument", 400, "'Days' for Expiration action must be a positive integer"
    )  # fmt: skip
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules


# --- encryption --------------------------------------------------------------------------------


def test_bucket_default_encryption_and_sse_s3_uploads(aws: AwsCli, s3: Any, tmp_path: Path) -> None:
    bucket = new_bucket(s3)
    body = write_file(tmp_path / "plain.bin", 5000, seed=5)
    aws("s3", "cp", str(body), f"s3://{bucket}/asked.bin", "--sse", "AES256")
    assert s3.head_object(Bucket=bucket, Key="asked.bin")["ServerSideEncryption"] == "AES256"
    s3.put_object(Bucket=bucket, Key="plain.bin", Body=body.read_bytes())
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key="plain.bin")

    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    aws(
        "s3api", "put-bucket-encryption", "--bucket", bucket,
        "--server-side-encryption-configuration", json.dumps({"Rules": [rule]}),
    )  # fmt: skip
    stored = [{**rule, "BucketKeyEnabled": False}]
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == {
        "Rules": stored
    }
    aws("s3", "cp", str(body), f"s3://{bucket}/defaulted.bin")
    assert s3.head_object(Bucket=bucket, Key="defaulted.bin")["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="defaulted.bin")["Body"].read() == body.read_bytes()

    bad = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES128"}}]}
    assert fails(
        aws, "s3api", "put-bucket-encryption", "--bucket", bucket,
        "--server-side-encryption-configuration", json.dumps(bad),
    ) == MALFORMED  # fmt: skip
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == {
        "Rules": stored
    }


KEY = bytes(range(32))


def test_sse_c_round_trip_over_https(
    aws_tls: AwsCli, s3: Any, depth: DepthServer, tmp_path: Path
) -> None:
    bucket = new_bucket(s3)
    (tmp_path / "key.bin").write_bytes(KEY)
    sse_c = ("--sse-c", "AES256", "--sse-c-key", f"fileb://{tmp_path / 'key.bin'}")
    src = tmp_path / "src"
    small = write_file(src / "small.bin", 4000, seed=6)
    large = write_file(src / "large.bin", 9 * MiB + 3, seed=7)  # multipart: 8 MiB parts
    aws_tls("s3", "cp", "--recursive", str(src), f"s3://{bucket}/", *sse_c)

    https = depth.https_client()
    customer = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": KEY}
    md5 = base64.b64encode(hashlib.md5(KEY).digest()).decode()
    for path in (small, large):
        head = https.head_object(Bucket=bucket, Key=path.name, **customer)
        assert (head["SSECustomerAlgorithm"], head["SSECustomerKeyMD5"]) == ("AES256", md5)
        assert head["ContentLength"] == path.stat().st_size
    down = tmp_path / "down"
    aws_tls("s3", "cp", "--recursive", f"s3://{bucket}/", str(down), *sse_c)
    assert (down / "small.bin").read_bytes() == small.read_bytes()
    assert (down / "large.bin").read_bytes() == large.read_bytes()

    # Without the key, or with another one, the object cannot be read.
    with pytest.raises(ClientError) as exc:
        https.get_object(Bucket=bucket, Key="small.bin")
    assert (exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]) == (
        "InvalidRequest",
        "The object was stored using a form of Server Side Encryption. The correct parameters"
        " must be provided to retrieve the object.",
    )
    (tmp_path / "other.bin").write_bytes(bytes(range(1, 33)))
    assert fails(
        aws_tls, "s3api", "get-object", "--bucket", bucket, "--key", "small.bin",
        "--sse-customer-algorithm", "AES256",
        "--sse-customer-key", f"fileb://{tmp_path / 'other.bin'}", str(tmp_path / "x"),
    ) == ("AccessDenied", 403, "Access Denied")  # fmt: skip


def test_sse_c_over_plain_http_is_refused(aws: AwsCli, s3: Any, tmp_path: Path) -> None:
    bucket = new_bucket(s3)
    (tmp_path / "key.bin").write_bytes(KEY)
    assert fails(
        aws, "s3api", "put-object", "--bucket", bucket, "--key", "secret", "--body", __file__,
        "--sse-customer-algorithm", "AES256",
        "--sse-customer-key", f"fileb://{tmp_path / 'key.bin'}",
    ) == (
        "InvalidRequest", 400,
        "Requests specifying Server Side Encryption with Customer provided keys must be made"
        " over a secure connection.",
    )  # fmt: skip
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


# --- website -----------------------------------------------------------------------------------


def test_website_from_the_high_level_command(aws: AwsCli, s3: Any, depth: DepthServer) -> None:
    port = depth.handle.port
    bucket = new_bucket(s3)
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>home</h1>", ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="error.html", Body=b"<h1>oops</h1>", ContentType="text/html")
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))

    aws(
        "s3", "website", f"s3://{bucket}",
        "--index-document", "index.html", "--error-document", "error.html",
    )  # fmt: skip
    got = s3.get_bucket_website(Bucket=bucket)
    assert (got["IndexDocument"], got["ErrorDocument"]) == (
        {"Suffix": "index.html"},
        {"Key": "error.html"},
    )
    host = {"Host": f"{bucket}.s3-website.localhost:{port}"}
    home = anonymous(port, "GET", "/", host)
    assert (home.status, home.body, home.headers["content-type"]) == (
        200,
        b"<h1>home</h1>",
        "text/html",
    )
    # Anonymous callers may not list this bucket: a missing key is 403, with the error document.
    missing = anonymous(port, "GET", "/nothing-here.html", host)
    assert (missing.status, missing.body) == (403, b"<h1>oops</h1>")

    assert fails(aws, "s3", "website", f"s3://{bucket}", "--index-document", "a/b.html") == (
        "InvalidArgument",
        400,
        "The IndexDocument Suffix is not well formed",
    )
    assert s3.get_bucket_website(Bucket=bucket)["IndexDocument"] == {"Suffix": "index.html"}
    assert anonymous(port, "GET", "/", host).body == b"<h1>home</h1>"
