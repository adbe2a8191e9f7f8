"""Issue 16, item 1: DeleteBucket with in-progress multipart uploads, through a real server.

"All objects (including all object versions and delete markers) in the bucket must be deleted
before the bucket itself can be deleted" (S3 API Reference, DeleteBucket); only directory
buckets also wait for in-progress uploads. So a bucket with no objects is deleted, and its
uploads (their parts' bytes included) go with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _blob_files(data_dir: Path) -> list[Path]:
    """The stored blobs: files under <data>/blobs/ab/cd/ (a deleted blob is renamed into
    blobs/trash at once and unlinked later, off the request path: it is gone already)."""
    root = data_dir / "blobs"
    return [p for p in root.glob("??/??/*") if p.is_file()]


def test_delete_bucket_takes_its_uploads_and_their_bytes(fresh_server: Any) -> None:
    server = fresh_server()
    s3: Any = server.client("s3")
    s3.create_bucket(Bucket="mpu-bucket")
    before = len(_blob_files(server.data_dir))
    s3.put_object(Bucket="mpu-bucket", Key="plain", Body=b"x" * 300_000)
    uploads = [
        s3.create_multipart_upload(Bucket="mpu-bucket", Key=key)["UploadId"] for key in ("a", "b/c")
    ]
    for upload_id, key in zip(uploads, ("a", "b/c"), strict=True):
        for number in (1, 2):
            s3.upload_part(
                Bucket="mpu-bucket",
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=bytes([number]) * 200_000,
            )
    assert len(_blob_files(server.data_dir)) == before + 5  # the object and four parts
    s3.delete_object(Bucket="mpu-bucket", Key="plain")

    answer = s3.delete_bucket(Bucket="mpu-bucket")

    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert len(_blob_files(server.data_dir)) == before  # no part's bytes left behind
    s3.create_bucket(Bucket="mpu-bucket")
    listed = s3.list_multipart_uploads(Bucket="mpu-bucket")
    assert listed.get("Uploads", []) == []
    # The old upload ids are gone with the old bucket.
    err = None
    try:
        s3.list_parts(Bucket="mpu-bucket", Key="a", UploadId=uploads[0])
    except s3.exceptions.NoSuchUpload as exc:
        err = exc.response["Error"]["Code"]
    assert err == "NoSuchUpload"
