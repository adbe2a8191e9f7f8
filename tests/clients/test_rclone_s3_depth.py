"""rclone (s3 backend, provider Other) against one real ownstack server for S3 in depth:
`rclone backend versioning`, old versions through `--s3-versions` / `--s3-version-at`,
`backend cleanup-hidden`, SSE-S3 (`--s3-server-side-encryption`), SSE-C over HTTPS
(`--s3-sse-customer-key` with `--ca-cert`) and canned ACLs (`--s3-acl`, `--s3-bucket-acl`).
Each effect is read back through boto3 or an anonymous request, not only rclone's exit code.

rclone itself refuses to send SSE-C keys over plain HTTP ("ConfigError: cannot send SSE keys
over HTTP.") before any request: the server's refusal of that is tested with the aws CLI
(test_awscli_s3_depth.py) and boto3 (tests/s3/test_sse_c.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from clientkit import MiB, clean_env, run_tool, tool_path, tree_digest, write_file
from depthkit import DepthServer, anonymous, depth_server, unique, xml_code

from ownserver import ServerHandle

pytestmark = pytest.mark.clients

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
KEY = "0123456789abcdef0123456789ABCDEF"  # an SSE-C key is 32 bytes; rclone takes it raw
MULTIPART_SIZE = 6 * MiB + 11  # above the 5 MiB cutoff below: two parts


@pytest.fixture(scope="module")
def depth(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DepthServer]:
    yield from depth_server(launch_server, tmp_path_factory.mktemp("rclone-depth"))


@pytest.fixture(scope="module")
def server(depth: DepthServer) -> ServerHandle:
    """This module's server (the `s3` fixture of conftest.py uses it)."""
    return depth.handle


class Rclone:
    """rclone with one remote `os:` for the server, no config file of the developer's."""

    def __init__(self, server: ServerHandle, home: Path, endpoint: str, *extra: str) -> None:
        home.mkdir(parents=True, exist_ok=True)
        (home / "rclone.conf").write_text("")
        self.exe = tool_path("rclone")
        self.extra = extra
        self.env = clean_env(
            RCLONE_CONFIG=str(home / "rclone.conf"),
            RCLONE_CONFIG_OS_TYPE="s3",
            RCLONE_CONFIG_OS_PROVIDER="Other",
            RCLONE_CONFIG_OS_ENV_AUTH="false",
            RCLONE_CONFIG_OS_ACCESS_KEY_ID=server.access_key,
            RCLONE_CONFIG_OS_SECRET_ACCESS_KEY=server.secret_key,
            RCLONE_CONFIG_OS_REGION=server.region,
            RCLONE_CONFIG_OS_ENDPOINT=endpoint,
            RCLONE_CONFIG_OS_FORCE_PATH_STYLE="true",
            HOME=str(home),
        )

    def run(self, *args: str, check: bool = True) -> tuple[int, str, str]:
        argv = [
            self.exe, *args, *self.extra,
            "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M",
            "--retries", "1", "--low-level-retries", "1",
        ]  # fmt: skip
        proc = run_tool(argv, self.env, check=check)
        return proc.returncode, proc.stdout, proc.stderr

    def out(self, *args: str) -> str:
        return self.run(*args)[1]

    def fails(self, *args: str) -> tuple[str, int, str]:
        """(code, HTTP status, message) of the error a failing command reports last."""
        code, _, err = self.run(*args, check=False)
        assert code != 0, err
        found = re.findall(r"(?:^|: )([A-Z]\w+): ([^\n]*)\n\tstatus code: (\d+)", err, re.M)
        assert found, err
        name, message, status = found[-1]
        return name, int(status), message


@pytest.fixture(scope="module")
def rclone(depth: DepthServer, tmp_path_factory: pytest.TempPathFactory) -> Rclone:
    return Rclone(depth.handle, tmp_path_factory.mktemp("rclone-home"), depth.handle.endpoint)


@pytest.fixture(scope="module")
def rclone_tls(depth: DepthServer, tmp_path_factory: pytest.TempPathFactory) -> Rclone:
    """rclone over HTTPS, trusting the server's generated certificate with --ca-cert."""
    home = tmp_path_factory.mktemp("rclone-tls-home")
    return Rclone(depth.handle, home, depth.https_endpoint, "--ca-cert", str(depth.ca_bundle))


def sizes(listing: str) -> dict[str, int]:
    """`rclone ls` lines ("   size path") -> path: size."""
    found: dict[str, int] = {}
    for line in listing.splitlines():
        size, path = line.strip().split(" ", 1)
        found[path] = int(size)
    return found


def version_name(key: str, modified: datetime) -> str:
    """The name rclone gives an old version: the stem, `-v` and its time, the extension."""
    stem, dot, ext = key.rpartition(".")
    millis = f"{modified.microsecond // 1000:03d}"
    stamp = modified.astimezone(UTC).strftime("%Y-%m-%d-%H%M%S-") + millis
    return f"{stem}-v{stamp}{dot}{ext}"


def test_versioning_through_the_backend_command_and_old_versions(
    rclone: Rclone, s3: Any, tmp_path: Path
) -> None:
    bucket = unique("rc-ver")
    s3.create_bucket(Bucket=bucket)
    remote = f"os:{bucket}"
    assert rclone.out("backend", "versioning", remote).strip() == "Unversioned"
    assert rclone.out("backend", "versioning", remote, "Enabled").strip() == "Enabled"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

    first, second = tmp_path / "v1" / "doc.txt", tmp_path / "v2" / "doc.txt"
    for path, text in ((first, "one-" * 250), (second, "two-" * 500)):
        path.parent.mkdir()
        path.write_text(text)  # text: `rclone cat` prints it
    rclone.run("copyto", str(first), f"{remote}/doc.txt")
    v1 = s3.head_object(Bucket=bucket, Key="doc.txt")
    # S3 keeps LastModified to the second: the next version must be a second later for a time
    # between the two to tell them apart.
    between = v1["LastModified"] + timedelta(milliseconds=500)
    next_second = v1["LastModified"] + timedelta(seconds=1.05)
    time.sleep(max(0.0, (next_second - datetime.now(UTC)).total_seconds()))
    rclone.run("copyto", str(second), f"{remote}/doc.txt")
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["Size"], v["IsLatest"]) for v in versions] == [(2000, True), (1000, False)]
    assert versions[1]["VersionId"] == v1["VersionId"]

    old = version_name("doc.txt", versions[1]["LastModified"])
    assert sizes(rclone.out("ls", remote)) == {"doc.txt": 2000}
    assert sizes(rclone.out("ls", "--s3-versions", remote)) == {"doc.txt": 2000, old: 1000}
    assert rclone.out("cat", "--s3-versions", f"{remote}/{old}") == first.read_text()
    assert rclone.out("cat", f"{remote}/doc.txt") == second.read_text()
    at = between.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert sizes(rclone.out("ls", "--s3-version-at", at, remote)) == {"doc.txt": 1000}
    back = tmp_path / "back"
    rclone.run("copy", "--s3-version-at", at, remote, str(back))
    assert (back / "doc.txt").read_bytes() == first.read_bytes()

    rclone.run("delete", f"{remote}/doc.txt")
    listed = s3.list_object_versions(Bucket=bucket)
    assert [m["IsLatest"] for m in listed["DeleteMarkers"]] == [True]
    assert len(listed["Versions"]) == 2
    assert rclone.out("ls", remote) == ""
    assert sizes(rclone.out("ls", "--s3-version-at", at, remote)) == {"doc.txt": 1000}

    # cleanup-hidden removes every version that is not current, and the delete markers.
    rclone.run("backend", "cleanup-hidden", remote)
    listed = s3.list_object_versions(Bucket=bucket)
    assert "Versions" not in listed and "DeleteMarkers" not in listed

    assert rclone.out("backend", "versioning", remote, "Suspended").strip() == "Suspended"
    # Once versioned, a bucket can only be suspended: S3 refuses anything else, unchanged.
    assert rclone.fails("backend", "versioning", remote, "Unversioned") == (
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


def test_sse_s3_uploads(rclone: Rclone, s3: Any, tmp_path: Path) -> None:
    bucket = unique("rc-sse")
    s3.create_bucket(Bucket=bucket)
    src = tmp_path / "src"
    write_file(src / "small.bin", 3000, seed=3)
    write_file(src / "big.bin", MULTIPART_SIZE, seed=4)
    remote = f"os:{bucket}/enc"
    rclone.run("copy", "--s3-server-side-encryption", "AES256", str(src), remote)
    for name in ("small.bin", "big.bin"):
        assert s3.head_object(Bucket=bucket, Key=f"enc/{name}")["ServerSideEncryption"] == "AES256"
    code, _, err = rclone.run("check", str(src), remote)
    assert (code, "0 differences found" in err) == (0, True), err
    down = tmp_path / "down"
    rclone.run("copy", remote, str(down))
    assert tree_digest(down) == tree_digest(src)

    rclone.run("copyto", str(src / "small.bin"), f"os:{bucket}/plain.bin")
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key="plain.bin")


def test_sse_c_over_https(rclone_tls: Rclone, depth: DepthServer, s3: Any, tmp_path: Path) -> None:
    bucket = unique("rc-ssec")
    s3.create_bucket(Bucket=bucket)
    sse_c = ("--s3-sse-customer-algorithm", "AES256", "--s3-sse-customer-key", KEY)
    src = tmp_path / "src"
    write_file(src / "small.bin", 3000, seed=5)
    write_file(src / "big.bin", MULTIPART_SIZE, seed=6)
    remote = f"os:{bucket}/secret"
    rclone_tls.run("copy", *sse_c, str(src), remote)

    https = depth.https_client()
    for name in ("small.bin", "big.bin"):
        head = https.head_object(
            Bucket=bucket, Key=f"secret/{name}",
            SSECustomerAlgorithm="AES256", SSECustomerKey=KEY.encode(),
        )  # fmt: skip
        assert head["SSECustomerAlgorithm"] == "AES256"
        assert head["ContentLength"] == (src / name).stat().st_size
        with pytest.raises(ClientError) as exc:
            https.get_object(Bucket=bucket, Key=f"secret/{name}")
        assert exc.value.response["Error"]["Code"] == "InvalidRequest"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    down = tmp_path / "down"
    rclone_tls.run("copy", *sse_c, remote, str(down))
    assert tree_digest(down) == tree_digest(src)
    # Without the key rclone cannot read it: its HEAD is refused (400), so it finds no file.
    assert rclone_tls.run("cat", f"{remote}/small.bin", check=False)[1] == ""


def test_canned_acls_where_the_bucket_allows_them(
    rclone: Rclone, depth: DepthServer, s3: Any, tmp_path: Path
) -> None:
    port = depth.handle.port
    bucket = unique("rc-acl")
    s3.create_bucket(Bucket=bucket, ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket=bucket)
    body = write_file(tmp_path / "page.html", 500, seed=7)
    # --s3-no-check-bucket: the bucket exists; rclone would otherwise send CreateBucket with the
    # same canned ACL first.
    rclone.run(
        "copyto", "--s3-no-check-bucket", "--s3-acl", "public-read", str(body),
        f"os:{bucket}/pub.html",
    )  # fmt: skip
    grants = s3.get_object_acl(Bucket=bucket, Key="pub.html")["Grants"]
    assert {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"} in grants
    read = anonymous(port, "GET", f"/{bucket}/pub.html")
    assert (read.status, read.body) == (200, body.read_bytes())

    rclone.run(
        "copyto", "--s3-no-check-bucket", "--s3-acl", "private", str(body), f"os:{bucket}/priv.html"
    )
    grants = s3.get_object_acl(Bucket=bucket, Key="priv.html")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    closed = anonymous(port, "GET", f"/{bucket}/priv.html")
    assert (closed.status, xml_code(closed.body)) == (403, "AccessDenied")


def test_canned_acls_where_the_bucket_refuses_them(rclone: Rclone, s3: Any, tmp_path: Path) -> None:
    enforced = unique("rc-noacl")
    s3.create_bucket(Bucket=enforced)  # BucketOwnerEnforced: ACLs disabled
    body = write_file(tmp_path / "f.txt", 100, seed=8)
    assert rclone.fails(
        "copyto", "--s3-no-check-bucket", "--s3-acl", "public-read", str(body),
        f"os:{enforced}/f.txt",
    ) == ("AccessControlListNotSupported", 400, "The bucket does not allow ACLs")  # fmt: skip
    assert "Contents" not in s3.list_objects_v2(Bucket=enforced)

    # A new bucket is BucketOwnerEnforced unless asked otherwise: a public bucket ACL on
    # creation is refused, and no bucket is made.
    fresh = unique("rc-newacl")
    assert rclone.fails("mkdir", "--s3-bucket-acl", "public-read", f"os:{fresh}") == (
        "InvalidBucketAclWithObjectOwnership",
        400,
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    )
    with pytest.raises(ClientError) as gone:
        s3.head_bucket(Bucket=fresh)
    assert gone.value.response["Error"]["Code"] == "404"
