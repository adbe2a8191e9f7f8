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


def test_multipart_object_parts(server: Any) -> None:
    s3 = server.client("s3")
    bucket = f"attr-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    datas = [b"a" * 5 * 1024 * 1024, b"b" * 10]
    sums = {}
    for key, algorithm in (("plain", None), ("summed", "CRC32C")):
        extra = {"ChecksumAlgorithm": algorithm} if algorithm else {}
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, **extra)["UploadId"]
        parts = []
        for n, data in enumerate(datas, 1):
            res = s3.upload_part(
                Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=data, **extra
            )
            parts.append({"PartNumber": n, "ETag": res["ETag"]})
            if algorithm:
                parts[-1]["ChecksumCRC32C"] = sums[n] = res["ChecksumCRC32C"]
        s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    # Each part is listed, with its own checksum, only for an object that has a checksum.
    summed = s3.get_object_attributes(Bucket=bucket, Key="summed", ObjectAttributes=["ObjectParts"])
    assert summed["ObjectParts"]["TotalPartsCount"] == 2
    assert summed["ObjectParts"]["Parts"] == [
        {"PartNumber": 1, "Size": len(datas[0]), "ChecksumCRC32C": sums[1]},
        {"PartNumber": 2, "Size": len(datas[1]), "ChecksumCRC32C": sums[2]},
    ]
    plain = s3.get_object_attributes(Bucket=bucket, Key="plain", ObjectAttributes=["ObjectParts"])
    assert plain["ObjectParts"]["TotalPartsCount"] == 2
    assert "Parts" not in plain["ObjectParts"]
