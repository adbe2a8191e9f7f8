"""SNS -> Lambda against a real server and real functions: a lambda subscription is confirmed at
once; each message its filter policy lets through invokes the function asynchronously with
SNS's event (asserted exactly as the function received it, signature included) when the
function's policy lets sns.amazonaws.com invoke it for the topic; otherwise, or when the
function is gone, the message goes to the subscription's dead-letter queue at once (AWS retries
only server-side failures); messages published before a SIGKILL reach the function after the
restart."""

from __future__ import annotations

import base64
import json
import re
import signal
import urllib.request
from typing import Any
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from snsfunctions import (
    allow_topic_to_invoke,
    delivered_message_ids,
    events,
    need_functions,
    nothing_more,
    recording_function,
)
from snskit import envelope, topic_queue, unique

pytestmark = pytest.mark.slow

SIGNED = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _out_queue(server: Any) -> str:
    url: str = server.client("sqs").create_queue(QueueName=unique("out"))["QueueUrl"]
    return url


def _verify(sns_doc: dict[str, Any]) -> None:
    """The Signature verifies with the certificate SigningCertUrl serves, over the fields AWS
    signs (as in the HTTP envelope)."""
    with urllib.request.urlopen(sns_doc["SigningCertUrl"], timeout=5) as resp:
        cert = x509.load_pem_x509_certificate(resp.read())
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    canonical = "".join(f"{k}\n{sns_doc[k]}\n" for k in SIGNED if sns_doc.get(k) is not None)
    signature = base64.b64decode(sns_doc["Signature"])
    key.verify(signature, canonical.encode(), padding.PKCS1v15(), hashes.SHA1())


def test_function_gets_the_sns_event(server: Any) -> None:
    sns, sqs = server.client("sns"), server.client("sqs")
    topic = sns.create_topic(Name=unique())["TopicArn"]
    out = _out_queue(server)
    name, function = recording_function(server, out)
    allow_topic_to_invoke(server, name, topic)
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function)["SubscriptionArn"]
    assert sub.startswith(topic + ":")  # confirmed at once: no "pending confirmation"
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert (attrs["PendingConfirmation"], attrs["Protocol"]) == ("false", "lambda")

    published = sns.publish(
        TopicArn=topic,
        Message="to the function",
        Subject="Hi",
        MessageAttributes={
            "color": {"DataType": "String", "StringValue": "blue"},
            "n": {"DataType": "Number", "StringValue": "42"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        },
    )
    (event,) = events(sqs, out, 1)
    doc = event["Records"][0]["Sns"]
    assert TIMESTAMP.fullmatch(doc["Timestamp"])
    assert re.fullmatch(
        re.escape(server.endpoint) + r"/_ownstack/sns/SimpleNotificationService-\w+\.pem",
        doc["SigningCertUrl"],
    )
    _verify(doc)
    assert event == {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": sub,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": published["MessageId"],
                    "TopicArn": topic,
                    "Subject": "Hi",
                    "Message": "to the function",
                    "Timestamp": doc["Timestamp"],
                    "SignatureVersion": "1",
                    "Signature": doc["Signature"],
                    "SigningCertUrl": doc["SigningCertUrl"],
                    "UnsubscribeUrl": f"{server.endpoint}/?Action=Unsubscribe&SubscriptionArn="
                    + quote(sub, safe=""),
                    "MessageAttributes": {
                        "color": {"Type": "String", "Value": "blue"},
                        "n": {"Type": "Number", "Value": "42"},
                        "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\xff").decode()},
                    },
                },
            }
        ]
    }


def test_filter_policy_and_the_lambda_message(server: Any) -> None:
    """Only what the filter policy matches is delivered; MessageStructure=json gives the
    function its "lambda" entry; Subject is null and MessageAttributes {} when there are
    none (a policy with the MessageBody scope sees the lambda message)."""
    sns, sqs = server.client("sns"), server.client("sqs")
    topic = sns.create_topic(Name=unique())["TopicArn"]
    out = _out_queue(server)
    name, function = recording_function(server, out)
    allow_topic_to_invoke(server, name, topic)
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=function,
        Attributes={
            "FilterPolicyScope": "MessageBody",
            "FilterPolicy": json.dumps({"color": ["red"]}),
        },
    )
    for color in ("blue", "red"):
        message = {"default": "plain", "lambda": json.dumps({"color": color})}
        sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps(message))
    (event,) = events(sqs, out, 1)
    doc = event["Records"][0]["Sns"]
    assert (doc["Message"], doc["Subject"], doc["MessageAttributes"]) == (
        json.dumps({"color": "red"}),
        None,
        {},
    )
    _verify(doc)
    nothing_more(sqs, out)


def _dead_letter_setup(server: Any, topic: str) -> tuple[str, str]:
    """(DLQ URL, RedrivePolicy) of a dead-letter queue the topic may send to."""
    dlq_url, dlq_arn = topic_queue(server.client("sqs"), unique("dlq"), topic)
    return dlq_url, json.dumps({"deadLetterTargetArn": dlq_arn})


def test_function_without_the_sns_permission_gets_nothing(server: Any) -> None:
    """A function whose policy does not let SNS invoke it for this topic (none at all, or a
    permission for another topic) is a client-side error on AWS: not retried, the message goes
    to the subscription's dead-letter queue at once."""
    sns, sqs = server.client("sns"), server.client("sqs")
    topic = sns.create_topic(Name=unique())["TopicArn"]
    other = sns.create_topic(Name=unique())["TopicArn"]
    dlq_url, redrive = _dead_letter_setup(server, topic)
    out = _out_queue(server)
    _, bare_arn = recording_function(server, out)
    elsewhere, elsewhere_arn = recording_function(server, out)
    allow_topic_to_invoke(server, elsewhere, other)
    for function in (bare_arn, elsewhere_arn):
        sns.subscribe(
            TopicArn=topic,
            Protocol="lambda",
            Endpoint=function,
            Attributes={"RedrivePolicy": redrive},
        )
    published = sns.publish(TopicArn=topic, Message="refused", Subject="s")
    dead = events(sqs, dlq_url, 2, timeout=10)
    assert [(d["Type"], d["MessageId"], d["Message"], d["Subject"]) for d in dead] == [
        ("Notification", published["MessageId"], "refused", "s")
    ] * 2
    nothing_more(sqs, out)


def test_deleted_function_goes_to_the_dead_letter_queue(server: Any) -> None:
    sns, sqs = server.client("sns"), server.client("sqs")
    need_functions()
    topic = sns.create_topic(Name=unique())["TopicArn"]
    dlq_url, redrive = _dead_letter_setup(server, topic)
    gone = f"arn:aws:lambda:{server.region}:{server.account_id}:function:{unique('gone')}"
    sub = sns.subscribe(
        TopicArn=topic, Protocol="lambda", Endpoint=gone, Attributes={"RedrivePolicy": redrive}
    )["SubscriptionArn"]
    published = sns.publish(TopicArn=topic, Message="nobody home")
    (message,) = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=10)["Messages"]
    doc = envelope(message)
    assert (doc["MessageId"], doc["Message"]) == (published["MessageId"], "nobody home")
    assert doc["UnsubscribeURL"].endswith(quote(sub, safe=""))


def test_published_messages_reach_the_function_after_a_sigkill(fresh_server: Any) -> None:
    """Every message a Publish acknowledged is delivered although the server is SIGKILLed right
    after the last one (the function's async invocations are durable once SNS answered). The
    events the killed process had taken come back after limits.lambda.async_visibility_s (2 s
    here, 20 s by default)."""
    first = fresh_server(config_yaml="limits:\n  lambda: {async_visibility_s: 2}\n")
    sns = first.client("sns")
    topic = sns.create_topic(Name=unique())["TopicArn"]
    out = _out_queue(first)
    name, function = recording_function(first, out)
    allow_topic_to_invoke(first, name, topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function)
    ids = []
    for batch in range(3):
        entries = [{"Id": f"m{i}", "Message": f"{batch}-{i}"} for i in range(10)]
        out_ids = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
        ids += [entry["MessageId"] for entry in out_ids["Successful"]]
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()

    second = fresh_server(data_dir=first.data_dir)
    # At least once, as on AWS: a run cut short by the kill may be made again.
    seen = delivered_message_ids(second.client("sqs"), out, set(ids), timeout=120)
    assert seen == set(ids)
