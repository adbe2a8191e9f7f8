"""S3's EventBridge notifications reach the default bus's rules (through the events bus
handler), on a real server."""

from __future__ import annotations

import json
from typing import Any

from ebkit import bodies, rule_to_queue, unique


def test_object_created_reaches_a_rule(server: Any, events: Any, sqs: Any) -> None:
    s3 = server.client("s3")
    bucket = unique("bkt")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "in/"}]}},
    }
    url, _ = rule_to_queue(events, sqs, pattern)
    s3.put_object(Bucket=bucket, Key="skip/me.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body=b"hello")
    [got] = bodies(sqs, url, 1, timeout=30)
    assert (got["source"], got["detail-type"], got["account"]) == (
        "aws.s3",
        "Object Created",
        server.account_id,
    )
    assert got["resources"] == [f"arn:aws:s3:::{bucket}"]
    assert (got["detail"]["bucket"]["name"], got["detail"]["object"]["key"]) == (bucket, "in/a.txt")
    assert json.dumps(got["detail"]["object"]["size"]) == "5"
