"""S3 set-up shared by the scenarios: a client, a presigner and a bucket on a running server."""

from __future__ import annotations

from typing import Any

from benchmarks.presign import Presigner, botocore_client, check_against_botocore
from benchmarks.procs import ACCESS_KEY, REGION, SECRET_KEY, Server

BUCKET = "bench"


def s3_client(server: Server) -> Any:
    return botocore_client(server.endpoint, ACCESS_KEY, SECRET_KEY, REGION)


def presigner(server: Server) -> Presigner:
    signer = Presigner(ACCESS_KEY, SECRET_KEY, REGION, f"127.0.0.1:{server.port}")
    check_against_botocore(s3_client(server), signer, BUCKET)
    return signer


def make_bucket(server: Server, objects: dict[str, bytes] | None = None) -> Any:
    """Create the bench bucket (path style) and put `objects`; returns the boto3 client."""
    s3 = s3_client(server)
    s3.create_bucket(Bucket=BUCKET)
    for key, body in (objects or {}).items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return s3


def put_targets(signer: Presigner, count: int, prefix: str) -> list[str]:
    """`count` distinct presigned PUT request targets, one key each."""
    return [signer.path("PUT", BUCKET, f"{prefix}/obj-{i:07d}") for i in range(count)]
