"""An accepted HTTP delivery survives a crash: the server is SIGKILLed while the delivery waits
for its retry, and the restarted server delivers it."""

from __future__ import annotations

import json
import signal
from typing import Any

from snskit import HttpSink, unique


def test_pending_http_delivery_is_resumed_after_sigkill(fresh_server: Any, sink: HttpSink) -> None:
    first = fresh_server()
    sns = first.client("sns")
    arn = sns.create_topic(Name=unique())["TopicArn"]
    slow = {
        "healthyRetryPolicy": {
            "numRetries": 1,
            "numMinDelayRetries": 1,
            "minDelayTarget": 600,
            "maxDelayTarget": 600,
        }
    }
    path = "/" + unique("crash")
    sns.subscribe(
        TopicArn=arn,
        Protocol="http",
        Endpoint=sink.url + path,
        Attributes={"DeliveryPolicy": json.dumps(slow)},
    )
    token = sink.wait_for(1, path=path)[0].json()["Token"]
    sns.confirm_subscription(TopicArn=arn, Token=token)
    sink.answer(path, 500)  # the first attempt fails; the retry would come in 10 minutes
    published = sns.publish(TopicArn=arn, Message="survives")
    failed = sink.wait_for(2, path=path)[1]
    assert failed.headers["x-amz-sns-message-id"] == published["MessageId"]

    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    fresh_server(data_dir=first.data_dir)
    resumed = sink.wait_for(3, path=path, timeout=15)[2]
    assert resumed.headers["x-amz-sns-message-id"] == published["MessageId"]
    assert resumed.json()["Message"] == "survives"
