"""HTTP deliveries to a real endpoint: the Notification POST (headers, signed envelope), raw
delivery, per-protocol messages, retries as the delivery policy says."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from snskit import HttpSink, notifications

SIGNED = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")


def fast_retries(num_retries: int, no_delay: int, min_delay_retries: int = 0) -> str:
    return json.dumps(
        {
            "healthyRetryPolicy": {
                "numRetries": num_retries,
                "numNoDelayRetries": no_delay,
                "numMinDelayRetries": min_delay_retries,
                "minDelayTarget": 1,
                "maxDelayTarget": 1,
            }
        }
    )


def test_notification_post(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any, server: Any
) -> None:
    arn = topic()
    sub, path = confirmed_http(arn)
    published = sns.publish(
        TopicArn=arn,
        Message="hello http",
        Subject="Greeting",
        MessageAttributes={
            "color": {"DataType": "String", "StringValue": "blue"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        },
    )
    (post,) = notifications(sink, path, 1)
    assert post.headers["x-amz-sns-message-id"] == published["MessageId"]
    assert post.headers["x-amz-sns-topic-arn"] == arn
    assert post.headers["x-amz-sns-subscription-arn"] == sub
    assert post.headers["content-type"] == "text/plain; charset=UTF-8"
    assert post.headers["user-agent"] == "Amazon Simple Notification Service Agent"
    doc = post.json()
    assert doc["Type"] == "Notification"
    assert doc["MessageId"] == published["MessageId"]
    assert (doc["TopicArn"], doc["Subject"], doc["Message"]) == (arn, "Greeting", "hello http")
    assert doc["MessageAttributes"] == {
        "color": {"Type": "String", "Value": "blue"},
        "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\xff").decode()},
    }
    assert doc["UnsubscribeURL"].startswith(server.endpoint + "/?Action=Unsubscribe&")
    assert doc["SignatureVersion"] == "1"
    assert doc["SigningCertURL"].startswith(server.endpoint + "/_ownstack/sns/")
    assert doc["Timestamp"].endswith("Z") and len(doc["Timestamp"]) == 24


def _verify(doc: dict[str, Any], cert_pem: bytes) -> None:
    canonical = "".join(f"{k}\n{doc[k]}\n" for k in SIGNED if k in doc)
    key = x509.load_pem_x509_certificate(cert_pem).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    algorithm = hashes.SHA1() if doc["SignatureVersion"] == "1" else hashes.SHA256()
    key.verify(
        base64.b64decode(doc["Signature"]), canonical.encode(), padding.PKCS1v15(), algorithm
    )


@pytest.mark.parametrize("version", ["1", "2"])
def test_signature_verifies_with_the_signing_certificate(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any, version: str
) -> None:
    arn = topic(Attributes={"SignatureVersion": version})
    _, path = confirmed_http(arn)
    sns.publish(TopicArn=arn, Message="signed", Subject="s")
    doc = notifications(sink, path, 1)[0].json()
    assert doc["SignatureVersion"] == version
    with urllib.request.urlopen(doc["SigningCertURL"], timeout=5) as resp:
        cert = resp.read()
    _verify(doc, cert)


def test_raw_delivery(sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any) -> None:
    arn = topic()
    _, path = confirmed_http(arn, RawMessageDelivery="true")
    sns.publish(TopicArn=arn, Message='{"raw": true}', Subject="ignored")
    (post,) = notifications(sink, path, 1)
    assert post.body == b'{"raw": true}'
    assert post.headers["x-amz-sns-rawdelivery"] == "true"


def test_message_structure_json_picks_the_http_message(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    arn = topic()
    _, http_path = confirmed_http(arn)
    sns.publish(
        TopicArn=arn,
        MessageStructure="json",
        Message=json.dumps({"default": "for everyone", "http": "for http", "sqs": "for sqs"}),
    )
    assert notifications(sink, http_path, 1)[0].json()["Message"] == "for http"


def test_retries_until_the_endpoint_answers(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    arn = topic()
    _, path = confirmed_http(arn, DeliveryPolicy=fast_retries(3, 2, 1))
    sink.answer(path, 500, 503, 429)  # attempts 1-3 fail; the fourth succeeds
    published = sns.publish(TopicArn=arn, Message="persist")
    posts = notifications(sink, path, 4)
    assert {p.headers["x-amz-sns-message-id"] for p in posts} == {published["MessageId"]}
    # Two immediate retries, then one after minDelayTarget (1 s).
    assert posts[2].at - posts[0].at < 1.0
    assert posts[3].at - posts[2].at >= 0.9
    time.sleep(0.3)
    assert len(sink.to(path)) == 5  # confirmation + 4 attempts, no more after success


def test_gives_up_after_the_policys_retries(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    arn = topic()
    _, path = confirmed_http(arn, DeliveryPolicy=fast_retries(2, 2))
    sink.answer(path, 500, 500, 500, 500)
    sns.publish(TopicArn=arn, Message="doomed")
    notifications(sink, path, 3)
    time.sleep(0.5)
    assert len(sink.to(path)) == 4  # confirmation + first attempt + 2 retries


def test_client_errors_are_not_retried(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    arn = topic()
    _, path = confirmed_http(arn, DeliveryPolicy=fast_retries(3, 3))
    sink.answer(path, 403)
    sns.publish(TopicArn=arn, Message="forbidden")
    notifications(sink, path, 1)
    time.sleep(0.5)
    assert len(sink.to(path)) == 2  # confirmation + the one refused attempt


def test_topic_delivery_policy_applies_to_its_http_subscriptions(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    retry = {"numRetries": 1, "numNoDelayRetries": 1, "minDelayTarget": 1, "maxDelayTarget": 1}
    policy = {
        "http": {
            "defaultHealthyRetryPolicy": retry,
            "defaultRequestPolicy": {"headerContentType": "application/json"},
        }
    }
    arn = topic(Attributes={"DeliveryPolicy": json.dumps(policy)})
    sub, path = confirmed_http(arn)
    effective = json.loads(
        sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"][
            "EffectiveDeliveryPolicy"
        ]
    )
    assert effective["healthyRetryPolicy"]["numRetries"] == 1
    sink.answer(path, 500, 500)
    sns.publish(TopicArn=arn, Message="twice")
    posts = notifications(sink, path, 2)
    assert posts[0].headers["content-type"] == "application/json"
    time.sleep(0.5)
    assert len(sink.to(path)) == 3  # confirmation + first attempt + one retry


def test_topic_delivery_policy_validation(sns: Any, topic: Any) -> None:
    bad = {"http": {"defaultHealthyRetryPolicy": {"numRetries": 500}}}
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.create_topic(Name="bad-policy", Attributes={"DeliveryPolicy": json.dumps(bad)})
    arn = topic()
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.set_topic_attributes(
            TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(bad)
        )


@pytest.mark.parametrize(
    "policy",
    [
        {"healthyRetryPolicy": {"numRetries": 101}},
        {"healthyRetryPolicy": {"minDelayTarget": 0}},
        {"healthyRetryPolicy": {"numRetries": 1, "numNoDelayRetries": 2}},
        {"healthyRetryPolicy": {"backoffFunction": "cubic"}},
    ],
)
def test_delivery_policy_validation(sns: Any, topic: Any, sink: HttpSink, policy: Any) -> None:
    with pytest.raises(sns.exceptions.InvalidParameterException) as exc:
        sns.subscribe(
            TopicArn=topic(),
            Protocol="http",
            Endpoint=sink.url + "/never",
            Attributes={"DeliveryPolicy": json.dumps(policy)},
        )
    assert exc.value.response["Error"]["Message"].startswith("Invalid parameter: DeliveryPolicy: ")
