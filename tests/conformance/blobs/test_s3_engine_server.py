"""A whole ownstack whose object bytes live in an upstream S3 store (itself an ownstack), driven
by boto3: objects, ranges and a multipart upload through it, their bytes under the prefix."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.kit import S3_BUCKET, s3_upstream, s3_upstream_keys
from ownserver import ServerFactory, ServerHandle
from ownstack.backends import s3

MiB = 1 << 20
PREFIX = "through-a-server/"


@pytest.fixture
def served(fresh_server: ServerFactory) -> Iterator[ServerHandle]:
    upstream = s3_upstream()
    config = f"""
backends:
  blobs: {{engine: s3, endpoint: "{upstream.endpoint}", bucket: {S3_BUCKET}, prefix: {PREFIX},
           region: {upstream.region}}}
"""
    env = {s3.ACCESS_KEY_ENV: upstream.access_key, s3.SECRET_KEY_ENV: upstream.secret_key}
    yield fresh_server(config_yaml=config, env=env)


def test_objects_go_through_to_the_upstream_and_back(served: ServerHandle) -> None:
    client: Any = served.client("s3")
    client.create_bucket(Bucket="photos")
    big = os.urandom(12 * MiB + 3)  # more than the engine's inline read limit: spooled
    small = os.urandom(MiB)
    client.put_object(Bucket="photos", Key="../big \\ ünïcode", Body=big)
    client.put_object(Bucket="photos", Key="small", Body=small)

    got = client.get_object(Bucket="photos", Key="../big \\ ünïcode")
    assert got["ContentLength"] == len(big)
    assert got["Body"].read() == big
    ranged = client.get_object(Bucket="photos", Key="small", Range="bytes=1000-1999")
    assert ranged["ContentRange"] == f"bytes 1000-1999/{MiB}"
    assert ranged["Body"].read() == small[1000:2000]

    objects, uploads = s3_upstream_keys(PREFIX)
    assert len(objects) == 2  # one blob per object, named by id only
    assert all(len(key) == len(PREFIX) + 32 for key in objects)
    assert uploads == []

    client.delete_object(Bucket="photos", Key="small")
    assert len(s3_upstream_keys(PREFIX)[0]) == 1


def test_a_multipart_upload_through_the_server(served: ServerHandle) -> None:
    client: Any = served.client("s3")
    client.create_bucket(Bucket="parts")
    parts = [os.urandom(5 * MiB), os.urandom(MiB + 7)]
    upload = client.create_multipart_upload(Bucket="parts", Key="joined")
    etags = [
        client.upload_part(
            Bucket="parts", Key="joined", UploadId=upload["UploadId"], PartNumber=n, Body=body
        )["ETag"]
        for n, body in enumerate(parts, 1)
    ]
    client.complete_multipart_upload(
        Bucket="parts",
        Key="joined",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]},
    )
    whole = b"".join(parts)
    assert client.get_object(Bucket="parts", Key="joined")["Body"].read() == whole
    across = client.get_object(Bucket="parts", Key="joined", Range="bytes=5242870-5242899")
    assert across["Body"].read() == whole[5242870:5242900]


def health(server: ServerHandle) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{server.endpoint}/_ownstack/health", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_health_is_the_upstream_bucket_answering(
    served: ServerHandle, fresh_server: ServerFactory
) -> None:
    status, body = health(served)
    assert (status, body["status"]) == (200, "ok")
    assert body["backends"]["blobs"] == {"engine": "s3", "ready": True}

    upstream = s3_upstream()
    no_bucket = fresh_server(
        config_yaml=f"""
backends:
  blobs: {{engine: s3, endpoint: "{upstream.endpoint}", bucket: not-created,
           access_key: {upstream.access_key}, secret_key: {upstream.secret_key}}}
"""
    )
    status, body = health(no_bucket)
    assert (status, body["status"]) == (503, "degraded")
    assert body["backends"]["blobs"] == {"engine": "s3", "ready": False}
