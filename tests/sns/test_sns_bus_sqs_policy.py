"""SNS delivers to a queue as its service principal, as on AWS: only when the queue's policy
lets sns.amazonaws.com send for the topic (aws:SourceArn), even in the topic's own account.
A refused delivery is a client-side error: not retried, dead-lettered at once, to a
dead-letter queue whose policy must let SNS send to it too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from snskit import allow_topic, envelope, queue_arn, topic_queue, unique

pytestmark = pytest.mark.slow


def _receive(sqs: Any, url: str, wait: int = 2) -> list[Any]:
    return list(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait).get("Messages", []))


def test_queue_without_a_policy_for_the_topic_gets_nothing(sns: Any, sqs: Any, topic: Any) -> None:
    arn, other = topic(), topic()
    dlq_url, dlq = topic_queue(sqs, unique("dlq"), arn)
    bare_url, bare = queue_arn(sqs, unique("bare"))
    elsewhere_url, elsewhere = topic_queue(sqs, unique("elsewhere"), other)
    allowed_url, allowed = topic_queue(sqs, unique("allowed"), arn)
    redrive = {"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq})}
    for queue in (bare, elsewhere, allowed):
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue, Attributes=redrive)
    published = sns.publish(TopicArn=arn, Message="policy decides")
    (delivered,) = _receive(sqs, allowed_url)
    assert envelope(delivered)["MessageId"] == published["MessageId"]
    assert _receive(sqs, bare_url, 1) == [] and _receive(sqs, elsewhere_url, 1) == []
    dead = [envelope(m) for m in _receive(sqs, dlq_url)]
    dead += [envelope(m) for m in _receive(sqs, dlq_url)]
    assert [(d["MessageId"], d["Message"]) for d in dead] == [
        (published["MessageId"], "policy decides")
    ] * 2


def test_dead_letter_queue_needs_the_policy_too(sns: Any, sqs: Any, topic: Any) -> None:
    arn = topic()
    dlq_url, dlq = queue_arn(sqs, unique("dlq"))
    bare_url, bare = queue_arn(sqs, unique("bare"))
    sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint=bare,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq})},
    )
    sns.publish(TopicArn=arn, Message="lost")
    assert _receive(sqs, dlq_url) == []
    allow_topic(sqs, dlq_url, dlq, arn)  # from now on the dead letters arrive
    published = sns.publish(TopicArn=arn, Message="found")
    (dead,) = _receive(sqs, dlq_url)
    assert envelope(dead)["MessageId"] == published["MessageId"]
    assert _receive(sqs, bare_url, 1) == []
