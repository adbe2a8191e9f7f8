"""What an HTTP endpoint does with the URLs SNS gives it, with no AWS credentials: fetch the
SigningCertURL, visit the SubscribeURL, visit the UnsubscribeURL (the gateway serves
/_ownstack/sns/ from SNS and lets these two unsigned GETs through, as AWS does)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from snskit import HttpSink, unique


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.status, resp.read()


def test_signing_cert_url_serves_a_pem_certificate(sns: Any, topic: Any, sink: HttpSink) -> None:
    path = "/" + unique("cert")
    sns.subscribe(TopicArn=topic(), Protocol="http", Endpoint=sink.url + path)
    doc = sink.wait_for(1, path=path)[0].json()
    status, body = get(doc["SigningCertURL"])
    assert status == 200
    assert body.startswith(b"-----BEGIN CERTIFICATE-----")
    with pytest.raises(urllib.error.HTTPError) as exc:
        get(doc["SigningCertURL"].rsplit("/", 1)[0] + "/SimpleNotificationService-nope.pem")
    assert exc.value.code == 404


def test_visiting_subscribe_and_unsubscribe_urls(sns: Any, topic: Any, sink: HttpSink) -> None:
    arn = topic()
    path = "/" + unique("links")
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=sink.url + path)
    doc = sink.wait_for(1, path=path)[0].json()
    status, body = get(doc["SubscribeURL"])
    assert status == 200 and b"<ConfirmSubscriptionResult>" in body
    (listed,) = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert listed["SubscriptionArn"].startswith(arn + ":")
    sns.publish(TopicArn=arn, Message="then unsubscribe")
    note = sink.wait_for(2, path=path)[1].json()
    status, _ = get(note["UnsubscribeURL"])
    assert status == 200
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
