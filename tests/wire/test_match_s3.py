"""S3 operation matching: method + path + query keys + headers -> operation, exactly."""

from __future__ import annotations

import pytest
from test_protocol_kit import raw_request

from ownstack.wire.services import load_wire

COPY = {"x-amz-copy-source": "/src/key"}

CASES = [
    ("GET", "/", "", {}, "ListBuckets"),
    ("GET", "/b", "", {}, "ListObjects"),
    ("GET", "/b", "list-type=2", {}, "ListObjectsV2"),
    ("GET", "/b", "list-type=2&prefix=a&x-id=ListObjectsV2", {}, "ListObjectsV2"),
    ("GET", "/b", "versions", {}, "ListObjectVersions"),
    ("GET", "/b", "uploads", {}, "ListMultipartUploads"),
    ("GET", "/b", "location", {}, "GetBucketLocation"),
    ("GET", "/b", "tagging", {}, "GetBucketTagging"),
    ("GET", "/b", "lifecycle", {}, "GetBucketLifecycleConfiguration"),
    ("GET", "/b", "notification", {}, "GetBucketNotificationConfiguration"),
    ("GET", "/b", "analytics", {}, "ListBucketAnalyticsConfigurations"),
    ("GET", "/b", "analytics&id=x", {}, "GetBucketAnalyticsConfiguration"),
    ("HEAD", "/b", "", {}, "HeadBucket"),
    ("PUT", "/b", "", {}, "CreateBucket"),
    ("PUT", "/b", "versioning", {}, "PutBucketVersioning"),
    ("PUT", "/b", "lifecycle", {}, "PutBucketLifecycleConfiguration"),
    ("DELETE", "/b", "", {}, "DeleteBucket"),
    ("DELETE", "/b", "policy", {}, "DeleteBucketPolicy"),
    ("POST", "/b", "delete", {}, "DeleteObjects"),
    ("GET", "/b/k", "", {}, "GetObject"),
    ("GET", "/b/k", "partNumber=2", {}, "GetObject"),
    ("GET", "/b/k", "uploadId=u", {}, "ListParts"),
    ("GET", "/b/k", "tagging", {}, "GetObjectTagging"),
    ("GET", "/b/k", "acl", {}, "GetObjectAcl"),
    ("GET", "/b/k", "attributes", {}, "GetObjectAttributes"),
    ("HEAD", "/b/k", "", {}, "HeadObject"),
    ("PUT", "/b/k", "", {}, "PutObject"),
    ("PUT", "/b/k", "", COPY, "CopyObject"),
    ("PUT", "/b/k", "partNumber=1&uploadId=u", {}, "UploadPart"),
    ("PUT", "/b/k", "partNumber=1&uploadId=u", COPY, "UploadPartCopy"),
    ("PUT", "/b/k", "tagging", {}, "PutObjectTagging"),
    ("DELETE", "/b/k", "", {}, "DeleteObject"),
    ("DELETE", "/b/k", "uploadId=u", {}, "AbortMultipartUpload"),
    ("DELETE", "/b/k", "tagging", {}, "DeleteObjectTagging"),
    ("POST", "/b/k", "uploads", {}, "CreateMultipartUpload"),
    ("POST", "/b/k", "uploadId=u", {}, "CompleteMultipartUpload"),
    ("POST", "/b/k", "restore", {}, "RestoreObject"),
    ("POST", "/b/k", "select&select-type=2", {}, "SelectObjectContent"),
    ("GET", "/b/a/b/c", "tagging", {}, "GetObjectTagging"),
    ("GET", "/b/", "", {}, "ListObjects"),
]


@pytest.mark.parametrize(("method", "path", "query", "headers", "expected"), CASES)
def test_route(method: str, path: str, query: str, headers: dict[str, str], expected: str) -> None:
    codec = load_wire("s3").codecs["rest-xml"]
    assert codec.match(raw_request(method, path, query, headers)).name == expected


def test_every_s3_operation_is_reachable() -> None:
    """Every operation but the model's own duplicates is the winner of its own request shape."""
    wire = load_wire("s3")
    router = wire.codecs["rest-xml"].router  # type: ignore[attr-defined]
    shadowed = {
        "ListDirectoryBuckets",
        "GetBucketLifecycle",
        "PutBucketLifecycle",
        "GetBucketNotification",
        "PutBucketNotification",
    }
    unreachable = []
    for name, plan in router.plans.items():
        query = {k: [v or "1"] for k, v in plan.literals}
        query.update({k: ["1"] for k in plan.required_query})
        headers = {h: "1" for h in plan.required_headers}
        path = plan.path_template.replace("{Bucket}", "b").replace("{Key+}", "k")
        found = router.match(plan.method, path, query, headers.get)
        if found is None or found[0].op.name != name:
            unreachable.append(name)
    assert sorted(unreachable) == sorted(shadowed)
