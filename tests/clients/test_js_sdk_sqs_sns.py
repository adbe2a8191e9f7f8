"""The AWS SDK for JavaScript v3 (client-sqs, client-sns) against ownstack.

The node script (js/sqs_sns_scenario.mjs) does the calls and prints what it saw as JSON; the
assertions are all here. client-sqs verifies the MD5s of every send and receive itself.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from clientkit import clean_env, run_tool, tool_path

pytestmark = pytest.mark.clients

JS_DIR = Path(__file__).parent / "js"


def node_with_sdk() -> str:
    node = tool_path("node")
    for package in ("client-sqs", "client-sns"):
        if not (JS_DIR / "node_modules" / "@aws-sdk" / package).is_dir():
            pytest.skip(f"JS SDK {package} missing: `npm install` in tests/clients/js")
    return node


def test_sdk_v3_sqs_and_sns(server: Any) -> None:
    node = node_with_sdk()
    stem = uuid.uuid4().hex[:10]
    env = clean_env(
        OWNSTACK_ENDPOINT=server.endpoint,
        AWS_ACCESS_KEY_ID=server.access_key,
        AWS_SECRET_ACCESS_KEY=server.secret_key,
        AWS_REGION=server.region,
        STEM=stem,
    )
    proc = run_tool([node, str(JS_DIR / "sqs_sns_scenario.mjs")], env, cwd=JS_DIR)
    seen = json.loads(proc.stdout)

    assert seen["queueUrlEnds"] is True
    assert seen["sendHasId"] is True
    assert seen["batch"] == {"ok": ["a", "b"], "failed": 0}
    assert seen["bodies"] == sorted(["héllo ✓", "first of batch", "second of batch"])
    assert seen["attributes"] == {
        "text": "v",
        "count": "42",
        "blob": [0, 1, 2, 255],
        "receiveCount": "1",
    }
    assert seen["deleted"] == 3
    assert seen["queueAttributes"] == {
        "visibility": "40",
        "visible": "0",
        "inFlight": "0",
        "arn": f"arn:aws:sqs:{server.region}:{server.account_id}:js-{stem}",
    }
    assert seen["missingQueue"] == {"name": "QueueDoesNotExist", "status": 400}
    assert seen["publishHasId"] is True
    assert seen["fanned"] == [{"body": "raw to the queue", "origin": "js"}]
