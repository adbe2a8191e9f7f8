"""Subscriptions over the wire: Subscribe per protocol, attributes, confirmation, listings,
Unsubscribe."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from snskit import HttpSink, unique


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def sqs_arn(server: Any, name: str | None = None) -> str:
    return f"arn:aws:sqs:{server.region}:{server.account_id}:{name or unique('q')}"


def test_sqs_subscription_is_confirmed_at_once(sns: Any, topic: Any, server: Any) -> None:
    arn = topic()
    queue = sqs_arn(server)
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    assert sub.startswith(arn + ":")
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["Protocol"] == "sqs"
    assert attrs["Endpoint"] == queue
    assert attrs["TopicArn"] == arn
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["RawMessageDelivery"] == "false"
    assert attrs["Owner"] == server.account_id
    assert attrs["ConfirmationWasAuthenticated"] == "true"
    topic_attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert topic_attrs["SubscriptionsConfirmed"] == "1"


def test_subscribe_is_idempotent(sns: Any, topic: Any, server: Any) -> None:
    arn = topic()
    queue = sqs_arn(server)
    first = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    again = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    assert again == first
    with pytest.raises(ClientError) as exc:
        sns.subscribe(
            TopicArn=arn,
            Protocol="sqs",
            Endpoint=queue,
            Attributes={"RawMessageDelivery": "true"},
        )
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: Attributes Reason: Subscription already exists with different "
        "attributes",
    )


def test_subscribe_again_compares_only_the_attributes_given(
    sns: Any, topic: Any, server: Any
) -> None:
    """Given attributes are compared with the subscription's, or their defaults."""
    arn, queue = topic(), sqs_arn(server)
    raw = {"RawMessageDelivery": "true"}
    first = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue, Attributes=raw)
    for attributes in (
        {"RawMessageDelivery": "true", "FilterPolicyScope": "MessageAttributes"},
        {"FilterPolicyScope": "MessageAttributes"},
        {},
    ):
        again = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue, Attributes=attributes)
        assert again["SubscriptionArn"] == first["SubscriptionArn"]
    with pytest.raises(ClientError) as exc:
        sns.subscribe(
            TopicArn=arn,
            Protocol="sqs",
            Endpoint=queue,
            Attributes={"FilterPolicyScope": "MessageBody"},
        )
    assert error_of(exc)[0] == "InvalidParameter"


def test_filter_policy_scope_is_shown_only_with_a_policy(sns: Any, topic: Any, server: Any) -> None:
    sub = sns.subscribe(
        TopicArn=topic(),
        Protocol="sqs",
        Endpoint=sqs_arn(server),
        Attributes={"FilterPolicyScope": "MessageBody", "FilterPolicy": ""},
    )["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert "FilterPolicy" not in attrs and "FilterPolicyScope" not in attrs


def test_fifo_subscription_needs_a_fifo_dead_letter_queue(sns: Any, server: Any) -> None:
    arn = sns.create_topic(Name=unique() + ".fifo", Attributes={"FifoTopic": "true"})
    fifo_sub = sns.subscribe(
        TopicArn=arn["TopicArn"], Protocol="sqs", Endpoint=sqs_arn(server, unique("q") + ".fifo")
    )["SubscriptionArn"]
    standard_dlq = json.dumps({"deadLetterTargetArn": sqs_arn(server)})
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(
            SubscriptionArn=fifo_sub, AttributeName="RedrivePolicy", AttributeValue=standard_dlq
        )
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO "
        "Subscription to a FIFO Topic.",
    )
    # A standard queue subscribed to the same FIFO topic may use a standard one.
    standard_sub = sns.subscribe(
        TopicArn=arn["TopicArn"], Protocol="sqs", Endpoint=sqs_arn(server)
    )["SubscriptionArn"]
    sns.set_subscription_attributes(
        SubscriptionArn=standard_sub, AttributeName="RedrivePolicy", AttributeValue=standard_dlq
    )


def test_lambda_subscriptions_are_stored(sns: Any, topic: Any, server: Any) -> None:
    arn = topic()
    function = f"arn:aws:lambda:{server.region}:{server.account_id}:function:handler"
    sub = sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=function)["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert (attrs["Protocol"], attrs["Endpoint"]) == ("lambda", function)
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(
            SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true"
        )
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support raw "
        "message delivery.",
    )


@pytest.mark.parametrize(
    ("protocol", "endpoint", "message"),
    [
        ("sqs", "not-an-arn", "Invalid parameter: SQS endpoint ARN"),
        (
            "lambda",
            "arn:aws:sqs:us-east-1:123456789012:q",
            "Invalid parameter: Lambda endpoint ARN",
        ),
        (
            "http",
            "https://example.com/",
            "Invalid parameter: Endpoint must match the specified protocol",
        ),
        (
            "carrier-pigeon",
            "x",
            "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon",
        ),
    ],
)
def test_subscribe_rejects_bad_endpoints(
    sns: Any, topic: Any, protocol: str, endpoint: str, message: str
) -> None:
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic(), Protocol=protocol, Endpoint=endpoint)
    assert error_of(exc) == ("InvalidParameter", message)


def test_fifo_queue_cannot_subscribe_to_standard_topic(sns: Any, topic: Any, server: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sns.subscribe(
            TopicArn=topic(), Protocol="sqs", Endpoint=sqs_arn(server, unique("q") + ".fifo")
        )
    assert error_of(exc)[0] == "InvalidParameter"
    assert "FIFO SQS Queues can not be subscribed to standard SNS topics" in error_of(exc)[1]


def test_subscribe_to_unknown_topic(sns: Any, server: Any) -> None:
    missing = f"arn:aws:sns:{server.region}:{server.account_id}:{unique()}"
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=missing, Protocol="sqs", Endpoint=sqs_arn(server))
    assert error_of(exc) == ("NotFound", "Topic does not exist")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "RawMessageDelivery",
            "yes",
            "Invalid parameter: RawMessageDelivery: Invalid value [yes]. Must be true or false.",
        ),
        (
            "RawMessageDelivery",
            "",
            "Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false.",
        ),
        (
            "FilterPolicyScope",
            "Everything",
            "Invalid parameter: Attributes Reason: "
            "FilterPolicyScope: Invalid value [Everything]. Please use either MessageBody or "
            "MessageAttributes",
        ),
        (
            "RedrivePolicy",
            '{"deadLetterTargetArn": "nope"}',
            "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn",
        ),
        ("NoSuchAttribute", "x", "Invalid parameter: AttributeName"),
    ],
)
def test_set_subscription_attributes_rejects_bad_values(
    sns: Any, topic: Any, server: Any, name: str, value: str, message: str
) -> None:
    sub = sns.subscribe(TopicArn=topic(), Protocol="sqs", Endpoint=sqs_arn(server))
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(
            SubscriptionArn=sub["SubscriptionArn"], AttributeName=name, AttributeValue=value
        )
    assert error_of(exc) == ("InvalidParameter", message)


def test_set_and_clear_subscription_attributes(sns: Any, topic: Any, server: Any) -> None:
    sub = sns.subscribe(TopicArn=topic(), Protocol="sqs", Endpoint=sqs_arn(server))
    arn = sub["SubscriptionArn"]
    policy = json.dumps({"store": ["example_corp"]})
    redrive = json.dumps({"deadLetterTargetArn": sqs_arn(server)})
    for name, value in [
        ("RawMessageDelivery", "TRUE"),
        ("FilterPolicy", policy),
        ("RedrivePolicy", redrive),
    ]:
        sns.set_subscription_attributes(
            SubscriptionArn=arn, AttributeName=name, AttributeValue=value
        )
    attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true"
    assert attrs["FilterPolicy"] == policy
    assert attrs["FilterPolicyScope"] == "MessageAttributes"
    assert attrs["RedrivePolicy"] == redrive
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=""
    )
    attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert "FilterPolicy" not in attrs and "FilterPolicyScope" not in attrs


def test_http_subscription_confirmation_flow(
    sns: Any, topic: Any, sink: HttpSink, server: Any
) -> None:
    arn = topic()
    endpoint = sink.url + "/" + unique("confirm")
    pending = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=endpoint)
    assert pending["SubscriptionArn"] == "pending confirmation"
    (post,) = sink.wait_for(1, path=endpoint[len(sink.url) :])
    assert post.headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert post.headers["x-amz-sns-topic-arn"] == arn
    doc = post.json()
    assert doc["Type"] == "SubscriptionConfirmation"
    assert doc["TopicArn"] == arn
    assert post.headers["x-amz-sns-message-id"] == doc["MessageId"]
    assert doc["SubscribeURL"].startswith(server.endpoint + "/?Action=ConfirmSubscription&")
    assert doc["Token"] in doc["SubscribeURL"]
    assert doc["SignatureVersion"] == "1" and doc["Signature"]
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsPending"] == "1"

    confirmed = sns.confirm_subscription(TopicArn=arn, Token=doc["Token"])["SubscriptionArn"]
    assert confirmed.startswith(arn + ":")
    again = sns.confirm_subscription(TopicArn=arn, Token=doc["Token"])["SubscriptionArn"]
    assert again == confirmed
    attrs = sns.get_subscription_attributes(SubscriptionArn=confirmed)["Attributes"]
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["ConfirmationWasAuthenticated"] == "true"
    assert json.loads(attrs["EffectiveDeliveryPolicy"])["healthyRetryPolicy"]["numRetries"] == 3


def test_return_subscription_arn_for_pending(sns: Any, topic: Any, sink: HttpSink) -> None:
    arn = topic()
    sub = sns.subscribe(
        TopicArn=arn,
        Protocol="http",
        Endpoint=sink.url + "/" + unique("ret"),
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    assert sub.startswith(arn + ":")
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["PendingConfirmation"] == "true"


def test_confirm_with_a_wrong_token(sns: Any, topic: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sns.confirm_subscription(TopicArn=topic(), Token="0" * 64)
    assert error_of(exc) == ("InvalidParameter", "Invalid token")


def test_confirm_with_an_unknown_token(sns: Any, topic: Any, server: Any) -> None:
    """A token of the right shape that SNS never gave out names no subscription; AWS says so
    before it looks at the topic, even one that does not exist."""
    missing = f"arn:aws:sns:{server.region}:{server.account_id}:{unique()}"
    for arn in (topic(), missing):
        with pytest.raises(ClientError) as exc:
            sns.confirm_subscription(TopicArn=arn, Token="ab" * 144)
        assert error_of(exc) == ("InvalidParameter", "Invalid parameter: Token")


def test_unsubscribe(sns: Any, topic: Any, server: Any) -> None:
    arn = topic()
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=sqs_arn(server))["SubscriptionArn"]
    sns.unsubscribe(SubscriptionArn=sub)
    sns.unsubscribe(SubscriptionArn=sub)  # already gone: not an error
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    with pytest.raises(ClientError) as exc:
        sns.get_subscription_attributes(SubscriptionArn=sub)
    assert error_of(exc) == ("NotFound", "Subscription does not exist")
    with pytest.raises(ClientError) as exc:
        sns.unsubscribe(SubscriptionArn="garbage")
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: SubscriptionArn")


def test_list_subscriptions_pages_of_100(fresh_server: Any) -> None:
    handle = fresh_server()
    sns = handle.client("sns")
    one = sns.create_topic(Name="one")["TopicArn"]
    two = sns.create_topic(Name="two")["TopicArn"]
    subs = [
        sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=sqs_arn(handle, f"q{i}"))[
            "SubscriptionArn"
        ]
        for i in range(120)
        for t in ([one] if i < 110 else [two])
    ]
    first = sns.list_subscriptions()
    assert len(first["Subscriptions"]) == 100
    rest = sns.list_subscriptions(NextToken=first["NextToken"])
    assert "NextToken" not in rest
    listed = [s["SubscriptionArn"] for s in first["Subscriptions"] + rest["Subscriptions"]]
    assert sorted(listed) == sorted(subs)
    by_topic = sns.list_subscriptions_by_topic(TopicArn=one)
    assert len(by_topic["Subscriptions"]) == 100
    tail = sns.list_subscriptions_by_topic(TopicArn=one, NextToken=by_topic["NextToken"])
    assert len(tail["Subscriptions"]) == 10 and "NextToken" not in tail
    assert all(s["TopicArn"] == one for s in by_topic["Subscriptions"] + tail["Subscriptions"])
    assert len(sns.list_subscriptions_by_topic(TopicArn=two)["Subscriptions"]) == 10


def test_unsubscribe_confirmation_restores_the_subscription(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    arn = topic()
    sub, path = confirmed_http(arn, RawMessageDelivery="true")
    sns.unsubscribe(SubscriptionArn=sub)
    post = sink.wait_for(2, path=path)[1]
    assert post.headers["x-amz-sns-message-type"] == "UnsubscribeConfirmation"
    doc = post.json()
    assert doc["Type"] == "UnsubscribeConfirmation"
    assert doc["Message"].startswith(f"You have chosen to deactivate subscription {sub}.")
    assert doc["Token"] in doc["SubscribeURL"]
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []

    restored = sns.confirm_subscription(TopicArn=arn, Token=doc["Token"])["SubscriptionArn"]
    assert restored == sub
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert (attrs["PendingConfirmation"], attrs["RawMessageDelivery"]) == ("false", "true")
    sns.publish(TopicArn=arn, Message="welcome back")
    assert sink.wait_for(3, path=path)[2].body == b"welcome back"
