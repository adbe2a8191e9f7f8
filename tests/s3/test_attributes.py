"""GetObjectAttributes end to end: a real server driven by boto3."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any


def test_get_object_attributes(server: Any) -> None:
    s3 = server.client("s3")
    bucket = f"attr-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"abc", ChecksumAlgorithm="SHA256")
    out = s3.get_object_attributes(
        Bucket=bucket,
        Key="k",
        ObjectAttributes=["ETag", "Checksum", "ObjectSize", "StorageClass", "ObjectParts"],
    )
    assert out["ETag"] == hashlib.md5(b"abc").hexdigest()
    assert out["ObjectSize"] == 3
    assert out["StorageClass"] == "STANDARD"
    assert out["Checksum"]["ChecksumSHA256"] == put["ChecksumSHA256"]
    assert "ObjectParts" not in out
