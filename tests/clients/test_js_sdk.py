"""The AWS SDK for JavaScript v3 (client-s3, lib-storage, s3-request-presigner) against ownstack.

The node script (js/s3_scenario.mjs) does the calls and prints what it saw as JSON; the
assertions are all here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from clientkit import MiB, clean_env, md5_etag, multipart_etag, run_tool, tool_path, write_file

pytestmark = pytest.mark.clients

JS_DIR = Path(__file__).parent / "js"
PART_SIZE = 5 * MiB
LARGE_SIZE = 21 * MiB


def node_with_sdk() -> str:
    node = tool_path("node")
    if not (JS_DIR / "node_modules" / "@aws-sdk" / "client-s3").is_dir():
        pytest.skip("JS SDK missing: `npm install` in tests/clients/js (.ci/ensure-tools does)")
    return node


def test_sdk_v3_bucket_object_multipart_presign_delete(
    server: Any, s3: Any, bucket_name: str, tmp_path: Path
) -> None:
    node = node_with_sdk()
    small = write_file(tmp_path / "small.bin", 3000, seed=21).read_bytes()
    large = write_file(tmp_path / "large.bin", LARGE_SIZE, seed=22).read_bytes()
    env = clean_env(
        OWNSTACK_ENDPOINT=server.endpoint,
        AWS_ACCESS_KEY_ID=server.access_key,
        AWS_SECRET_ACCESS_KEY=server.secret_key,
        AWS_REGION=server.region,
        BUCKET=bucket_name,
        SMALL_FILE=str(tmp_path / "small.bin"),
        LARGE_FILE=str(tmp_path / "large.bin"),
        PART_SIZE=str(PART_SIZE),
    )
    proc = run_tool([node, str(JS_DIR / "s3_scenario.mjs")], env, cwd=JS_DIR)
    seen = json.loads(proc.stdout)

    large_etag = multipart_etag(large, PART_SIZE)
    assert seen["createBucket"] == {"status": 200}
    assert seen["put"] == {"status": 200, "etag": md5_etag(small)}
    assert seen["get"] == {
        "length": 3000,
        "sha256": hashlib.sha256(small).hexdigest(),
        "contentType": "application/x-test",
        "metadata": {"origin": "js-sdk"},
        "etag": md5_etag(small),
    }
    assert seen["multipart"] == {
        "etag": large_etag,
        "headEtag": large_etag,
        "headLength": LARGE_SIZE,
    }
    assert seen["list"] == {
        "keyCount": 2,
        "isTruncated": False,
        "objects": [
            {"key": "js/large.bin", "size": LARGE_SIZE, "etag": large_etag},
            {"key": "js/small.bin", "size": 3000, "etag": md5_etag(small)},
        ],
    }
    assert seen["presigned"] == {
        "status": 200,
        "length": LARGE_SIZE,
        "sha256": hashlib.sha256(large).hexdigest(),
        "queryAuth": True,
    }
    # S3 reports a key that did not exist as deleted too (DeleteObjects is idempotent).
    assert seen["deleteObjects"] == {
        "deleted": ["js/large.bin", "js/none", "js/small.bin"],
        "errors": [],
    }
    assert seen["listAfterDelete"] == {"keyCount": 0}
    assert seen["deleteBucket"] == {"status": 204}
    with pytest.raises(ClientError) as gone:
        s3.head_bucket(Bucket=bucket_name)
    assert gone.value.response["Error"]["Code"] == "404"
