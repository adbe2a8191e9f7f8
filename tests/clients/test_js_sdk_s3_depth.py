"""The AWS SDK for JavaScript v3 against one real ownstack server for S3 in depth: versioning,
CORS configuration, SSE-C over HTTPS (node trusts the server's generated certificate through
NODE_EXTRA_CA_CERTS), Object Lock retention and legal holds, bucket and object ACLs, and a
browser POST upload made with `@aws-sdk/s3-presigned-post`.

The node script (js/s3_depth_scenario.mjs) runs once for the module and prints what it saw as
JSON, a section per feature; each test asserts its section and reads the effect back with
boto3 or an anonymous request."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from clientkit import clean_env, run_tool, tool_path
from depthkit import DepthServer, anonymous, depth_server, unique, xml_code

from ownserver import ServerHandle

pytestmark = pytest.mark.clients

JS_DIR = Path(__file__).parent / "js"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
KEY = bytes(range(32))
MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)


@pytest.fixture(scope="module")
def depth(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DepthServer]:
    yield from depth_server(launch_server, tmp_path_factory.mktemp("js-depth"))


@pytest.fixture(scope="module")
def server(depth: DepthServer) -> ServerHandle:
    """This module's server (the `s3` fixture of conftest.py uses it)."""
    return depth.handle


@pytest.fixture(scope="module")
def seen(depth: DepthServer) -> dict[str, Any]:
    """What the node script saw, per feature (it runs once for the module)."""
    node = tool_path("node")
    if not (JS_DIR / "node_modules" / "@aws-sdk" / "client-s3").is_dir():
        pytest.skip("JS SDK missing: `npm ci` in tests/clients/js (.ci/ensure-tools does)")
    handle = depth.handle
    env = clean_env(
        OWNSTACK_ENDPOINT=handle.endpoint,
        OWNSTACK_HTTPS_ENDPOINT=depth.https_endpoint,
        NODE_EXTRA_CA_CERTS=str(depth.ca_bundle),
        AWS_ACCESS_KEY_ID=handle.access_key,
        AWS_SECRET_ACCESS_KEY=handle.secret_key,
        AWS_REGION=handle.region,
        PREFIX=unique("js"),
    )
    proc = run_tool([node, str(JS_DIR / "s3_depth_scenario.mjs")], env, cwd=JS_DIR)
    return dict(json.loads(proc.stdout))


def error(code: str, status: int, message: str) -> dict[str, Any]:
    return {"name": code, "status": status, "message": message}


def test_versioning(seen: dict[str, Any], s3: Any) -> None:
    got = seen["versioning"]
    bucket, v1, v2 = got["bucket"], got["v1"], got["v2"]
    assert got["status"] == "Enabled"
    assert len({v1, v2}) == 2 and len(v1) == 32
    assert got["versions"] == [[v2, True, 19], [v1, False, 10]]
    assert got["old"] == {"versionId": v1, "body": "first body"}
    marker = got["deleted"]["versionId"]
    assert got["deleted"]["deleteMarker"] is True and marker not in (v1, v2)
    assert got["afterDelete"] == error("NoSuchKey", 404, "The specified key does not exist.")
    assert got["markerRead"]["status"] == 405  # HEAD of a delete marker: MethodNotAllowed
    assert got["bogus"] == error("InvalidArgument", 400, "Invalid version id specified")
    assert got["bad"] == error("MalformedXML", 400, MALFORMED)

    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    listed = s3.list_object_versions(Bucket=bucket)
    assert [(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [
        (v2, False),
        (v1, False),
    ]
    assert [(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [(marker, True)]
    old = s3.get_object(Bucket=bucket, Key="doc", VersionId=v2)["Body"].read()
    assert old == b"second, longer body"


CORS_RULES = [
    {
        "ID": "app",
        "AllowedHeaders": ["Content-Type"],
        "AllowedMethods": ["GET", "PUT"],
        "AllowedOrigins": ["https://app.example.com"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 600,
    }
]


def test_cors_configuration(seen: dict[str, Any], s3: Any, depth: DepthServer) -> None:
    got = seen["cors"]
    assert got["put"] == 200
    assert got["got"] == CORS_RULES
    assert got["preflight"] == {
        "status": 200,
        "allowOrigin": "https://app.example.com",
        "allowMethods": "GET, PUT",
        "allowHeaders": "content-type",
        "maxAge": "600",
    }
    assert got["bad"] == error(
        "InvalidRequest",
        400,
        "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
    )
    assert got["afterBad"] == CORS_RULES
    assert got["deleted"] == 204
    assert got["afterDelete"] == error(
        "NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"
    )
    # Deleted: a preflight is refused now.
    after = anonymous(
        depth.handle.port, "OPTIONS", f"/{got['bucket']}/upload.txt",
        {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"},
    )  # fmt: skip
    assert (after.status, xml_code(after.body)) == (403, "AccessForbidden")


def test_sse_c_over_https(seen: dict[str, Any], depth: DepthServer) -> None:
    got = seen["sseC"]
    md5 = got["expectedKeyMD5"]
    assert got["put"] == {"algorithm": "AES256", "keyMD5": md5}
    for name, length in (("small", 2200), ("large", 6 * 1024 * 1024 + 5)):
        assert got["reads"][name] == {
            "same": True,
            "length": length,
            "algorithm": "AES256",
            "keyMD5": md5,
        }
    assert got["noKey"] == error(
        "InvalidRequest",
        400,
        "The object was stored using a form of Server Side Encryption. The correct parameters"
        " must be provided to retrieve the object.",
    )
    assert got["wrongKey"] == error("AccessDenied", 403, "Access Denied")
    assert got["overHttp"] == error(
        "InvalidRequest",
        400,
        "Requests specifying Server Side Encryption with Customer provided keys must be made over"
        " a secure connection.",
    )

    https = depth.https_client()
    bucket = got["bucket"]
    keys = [o["Key"] for o in https.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["large", "small"]  # nothing stored by the refused plain-HTTP PUT
    body = https.get_object(
        Bucket=bucket, Key="small", SSECustomerAlgorithm="AES256", SSECustomerKey=KEY
    )["Body"].read()
    assert body == b"customer-keyed secret " * 100
    large = https.head_object(
        Bucket=bucket, Key="large", SSECustomerAlgorithm="AES256", SSECustomerKey=KEY
    )
    assert large["ETag"].endswith('-2"')  # lib-storage sent two parts, each with the key


def test_object_lock_retention_and_legal_hold(seen: dict[str, Any], s3: Any) -> None:
    got = seen["objectLock"]
    until = got["until"]
    assert got["retention"] == {"mode": "GOVERNANCE", "until": until}
    assert got["hold"] == "ON"
    assert got["head"] == {"mode": "GOVERNANCE", "until": until, "hold": "ON"}
    protected = error("AccessDenied", 403, "Access Denied because object protected by object lock.")
    assert got["deleteHeld"] == protected  # a legal hold: not even with the bypass
    assert got["deleteRetained"] == protected  # governance retention without the bypass
    assert got["deleteBypassing"] == {"ok": True, "status": 204}
    assert got["noLock"] == error(
        "InvalidRequest", 400, "Bucket is missing Object Lock Configuration"
    )

    bucket = got["bucket"]
    assert s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled"
    }
    assert "Versions" not in s3.list_object_versions(Bucket=bucket)  # the bypassed delete
    left = datetime.fromisoformat(until.replace("Z", "+00:00")) - datetime.now(UTC)
    assert timedelta(minutes=50) < left <= timedelta(hours=1)
    head = s3.head_object(Bucket=got["plainBucket"], Key="k")
    assert "ObjectLockMode" not in head and "ObjectLockRetainUntilDate" not in head


def test_acls(seen: dict[str, Any], s3: Any, depth: DepthServer) -> None:
    got = seen["acl"]
    assert (got["blocked"]["name"], got["blocked"]["status"]) == ("AccessDenied", 403)
    assert "BlockPublicAcls" in got["blocked"]["message"]
    assert got["whileBlocked"] == []
    assert got["put"] == 200
    assert got["bucketGrants"] == ["READ"]
    assert got["objectGrants"] == ["READ"]
    assert got["notSupported"] == error(
        "AccessControlListNotSupported", 400, "The bucket does not allow ACLs"
    )

    bucket, port = got["bucket"], depth.handle.port
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"} in grants
    listing = anonymous(port, "GET", f"/{bucket}?list-type=2")
    assert listing.status == 200 and b"<Key>open.txt</Key>" in listing.body
    read = anonymous(port, "GET", f"/{bucket}/open.txt")
    assert (read.status, read.body) == (200, b"for everyone")
    enforced = s3.get_bucket_acl(Bucket=got["enforcedBucket"])["Grants"]
    assert [g["Permission"] for g in enforced] == ["FULL_CONTROL"]


def test_presigned_post(seen: dict[str, Any], s3: Any) -> None:
    got = seen["presignedPost"]
    if "skipped" in got:
        pytest.skip(got["skipped"])
    assert got["fieldNames"] == [
        "Content-Type", "Policy", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
        "X-Amz-Signature", "bucket", "key", "success_action_status",
    ]  # fmt: skip
    bucket = got["bucket"]
    uploaded = got["uploaded"]
    assert uploaded["status"] == 201
    assert f"<Bucket>{bucket}</Bucket><Key>uploads/note.txt</Key>" in uploaded["body"]
    assert uploaded["location"].endswith(f"/{bucket}/uploads/note.txt")
    assert got["read"] == {
        "sha256": got["expected"]["sha256"],
        "contentType": "text/plain",
        "etag": got["expected"]["etag"],
    }
    too_large = got["tooLarge"]
    assert too_large["status"] == 400
    assert "<Code>EntityTooLarge</Code>" in too_large["body"]
    assert "<MaxSizeAllowed>1000</MaxSizeAllowed>" in too_large["body"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["uploads/note.txt"]  # the refused upload stored nothing
    body = s3.get_object(Bucket=bucket, Key="uploads/note.txt")["Body"].read()
    assert hashlib.sha256(body).hexdigest() == got["expected"]["sha256"]
