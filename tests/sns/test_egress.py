"""The egress policy through a real server: Subscribe to a denied literal address is refused
with AWS's InvalidParameter; a subscription whose host name resolves to a denied address gets
no POST, and its delivery fails and follows the subscription's retry policy and dead-letter
queue; allowed deliveries still arrive. Only 127.0.0.1 is ever contacted (`localhost` resolves
there through /etc/hosts)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from snskit import HttpSink, envelope, notifications, topic_queue, unique

DENY_LOOPBACK = "egress: {deny: [127.0.0.0/8, '::1/128']}\n"
RETRY_ONCE = {
    "healthyRetryPolicy": {
        "numRetries": 1,
        "numMaxDelayRetries": 1,
        "minDelayTarget": 1,
        "maxDelayTarget": 1,
    }
}


def refused_subscribe(sns: Any, endpoint: str, protocol: str = "http") -> dict[str, Any]:
    arn = sns.create_topic(Name=unique())["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint)
    error: dict[str, Any] = info.value.response["Error"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    return {"Code": error["Code"], "Message": error["Message"]}


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [
        ("http", "http://169.254.169.254/"),
        ("http", "http://169.254.169.254/latest/meta-data/"),
        ("https", "https://169.254.10.1:8443/hook"),
        ("http", "http://[fe80::1]/"),
        ("http", "http://[::ffff:169.254.169.254]/"),
    ],
)
def test_subscribe_to_a_link_local_address_is_refused(
    sns: Any, protocol: str, endpoint: str
) -> None:
    assert refused_subscribe(sns, endpoint, protocol) == {
        "Code": "InvalidParameter",
        "Message": "Invalid parameter: Endpoint",
    }


def test_a_name_resolving_to_a_denied_address_gets_no_post(
    fresh_server: Any, sink: HttpSink
) -> None:
    # Subscribed and confirmed while the default policy allows loopback; then the server is
    # restarted with loopback denied.
    first = fresh_server()
    sns, sqs = first.client("sns"), first.client("sqs")
    arn = sns.create_topic(Name=unique())["TopicArn"]
    dlq_url, dlq_arn = topic_queue(sqs, unique("dlq"), arn)
    path = "/" + unique("egress")
    port = sink.url.rsplit(":", 1)[1]
    endpoint = f"http://localhost:{port}{path}"
    sns.subscribe(
        TopicArn=arn,
        Protocol="http",
        Endpoint=endpoint,
        Attributes={
            "DeliveryPolicy": json.dumps(RETRY_ONCE),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn}),
        },
    )
    token = sink.wait_for(1, path=path)[0].json()["Token"]
    sns.confirm_subscription(TopicArn=arn, Token=token)
    sns.publish(TopicArn=arn, Message="allowed")
    assert notifications(sink, path, 1)[0].json()["Message"] == "allowed"
    first.stop()

    second = fresh_server(data_dir=first.data_dir, config_yaml=DENY_LOOPBACK)
    sns, sqs = second.client("sns"), second.client("sqs")
    began = time.monotonic()
    published = sns.publish(TopicArn=arn, Message="refused")
    got = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=10)["Messages"]
    assert time.monotonic() - began >= 0.9  # the retry the policy asks for came first
    dead = envelope(got[0])
    assert (dead["MessageId"], dead["Message"]) == (published["MessageId"], "refused")
    assert len(sink.to(path)) == 2  # the confirmation and "allowed": nothing since
    refusals = [
        line
        for line in second.log().splitlines()
        if f"SNS HTTP delivery to {endpoint} refused: the egress policy refuses localhost "
        "(resolved to 127.0.0.1)" in line
    ]
    assert len(refusals) == 2  # the attempt and its one retry

    # A literal loopback address is now refused at Subscribe; the name is checked per delivery.
    assert refused_subscribe(sns, f"http://127.0.0.1:{port}/x") == {
        "Code": "InvalidParameter",
        "Message": "Invalid parameter: Endpoint",
    }
    other = sns.create_topic(Name=unique())["TopicArn"]
    pending = sns.subscribe(TopicArn=other, Protocol="http", Endpoint=endpoint + "-2")
    assert pending["SubscriptionArn"] == "pending confirmation"
    time.sleep(0.5)
    assert sink.to(path + "-2") == []


def test_a_bad_egress_setting_stops_the_server_at_start(fresh_server: Any) -> None:
    with pytest.raises(pytest.fail.Exception) as info:
        fresh_server(config_yaml="egress: {deny: [10.0.0.0/33]}\n")
    assert "egress.deny: '10.0.0.0/33' is not a valid CIDR" in str(info.value)
