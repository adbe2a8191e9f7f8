"""Topics over the wire: CreateTopic (standard, FIFO, idempotent), DeleteTopic,
Get/SetTopicAttributes, ListTopics pagination, tags."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from snskit import unique


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_topic_returns_its_arn_and_is_idempotent(sns: Any, server: Any) -> None:
    name = unique()
    arn = sns.create_topic(Name=name)["TopicArn"]
    assert arn == f"arn:aws:sns:{server.region}:{server.account_id}:{name}"
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    same = sns.create_topic(Name=name, Attributes={"DisplayName": ""})
    assert same["TopicArn"] == arn


def test_create_topic_with_other_attributes_than_existing_is_refused(sns: Any) -> None:
    name = unique()
    sns.create_topic(Name=name, Attributes={"DisplayName": "one"})
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name, Attributes={"DisplayName": "two"})
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
        400,
    )


def test_create_topic_with_other_tags_than_existing_is_refused(sns: Any) -> None:
    name = unique()
    sns.create_topic(Name=name, Tags=[{"Key": "team", "Value": "a"}])
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name, Tags=[{"Key": "team", "Value": "b"}])
    assert error_of(exc)[:2] == (
        "InvalidParameter",
        "Invalid parameter: Tags Reason: Topic already exists with different tags",
    )


@pytest.mark.parametrize("name", ["has space", "dot.name", "x" * 257, "slash/"])
def test_invalid_topic_names(sns: Any, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name)
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: Topic Name", 400)


def test_fifo_topic_needs_fifo_suffix(sns: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=unique(), Attributes={"FifoTopic": "true"})
    code, message, _ = error_of(exc)
    assert code == "InvalidParameter"
    assert message.startswith("Invalid parameter: Fifo Topic names must end with .fifo")


def test_fifo_topic_attributes(sns: Any) -> None:
    arn = sns.create_topic(
        Name=unique() + ".fifo",
        Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"},
    )["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["FifoTopic"] == "true"
    assert attrs["ContentBasedDeduplication"] == "true"


def test_content_based_deduplication_only_on_fifo_topics(sns: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=unique(), Attributes={"ContentBasedDeduplication": "true"})
    assert error_of(exc)[0] == "InvalidParameter"


def test_get_topic_attributes_defaults(sns: Any, topic: Any, server: Any) -> None:
    arn = topic()
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["TopicArn"] == arn
    assert attrs["Owner"] == server.account_id
    assert attrs["DisplayName"] == ""
    assert (attrs["SubscriptionsConfirmed"], attrs["SubscriptionsPending"]) == ("0", "0")
    assert attrs["SubscriptionsDeleted"] == "0"
    assert "FifoTopic" not in attrs
    policy = json.loads(attrs["Policy"])
    assert policy["Statement"][0]["Resource"] == arn
    effective = json.loads(attrs["EffectiveDeliveryPolicy"])
    assert effective["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3


def test_set_topic_attributes(sns: Any, topic: Any) -> None:
    arn = topic()
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Orders")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attrs["DisplayName"], attrs["SignatureVersion"]) == ("Orders", "2")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NoSuchAttribute", "x"),
        ("SignatureVersion", "3"),
        ("Policy", "{not json"),
        ("FifoTopic", "true"),
    ],
)
def test_set_topic_attributes_rejects_bad_values(
    sns: Any, topic: Any, name: str, value: str
) -> None:
    arn = topic()
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
    assert error_of(exc)[0] == "InvalidParameter"


def test_unknown_and_malformed_topics(sns: Any, server: Any) -> None:
    missing = f"arn:aws:sns:{server.region}:{server.account_id}:{unique()}"
    with pytest.raises(ClientError) as exc:
        sns.get_topic_attributes(TopicArn=missing)
    assert error_of(exc) == ("NotFound", "Topic does not exist", 404)
    with pytest.raises(ClientError) as exc:
        sns.get_topic_attributes(TopicArn="not-an-arn")
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
        400,
    )


def test_delete_topic_deletes_its_subscriptions(sns: Any, topic: Any, server: Any) -> None:
    arn = topic()
    queue = f"arn:aws:sqs:{server.region}:{server.account_id}:{unique('q')}"
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)  # deleting again is not an error
    with pytest.raises(ClientError) as exc:
        sns.get_topic_attributes(TopicArn=arn)
    assert error_of(exc)[0] == "NotFound"
    with pytest.raises(ClientError) as exc:
        sns.get_subscription_attributes(SubscriptionArn=sub)
    assert error_of(exc)[0] == "NotFound"
    assert all(t["TopicArn"] != arn for t in _all_topics(sns))


def _all_topics(sns: Any) -> list[dict[str, str]]:
    topics: list[dict[str, str]] = []
    kwargs: dict[str, str] = {}
    while True:
        page = sns.list_topics(**kwargs)
        topics += page["Topics"]
        if "NextToken" not in page:
            return topics
        kwargs = {"NextToken": page["NextToken"]}


def test_list_topics_pages_of_100(fresh_server: Any) -> None:
    sns = fresh_server().client("sns")
    arns = sorted(sns.create_topic(Name=f"p{i:03d}")["TopicArn"] for i in range(205))
    first = sns.list_topics()
    assert len(first["Topics"]) == 100
    second = sns.list_topics(NextToken=first["NextToken"])
    assert len(second["Topics"]) == 100
    third = sns.list_topics(NextToken=second["NextToken"])
    assert len(third["Topics"]) == 5
    assert "NextToken" not in third
    listed = [t["TopicArn"] for t in first["Topics"] + second["Topics"] + third["Topics"]]
    assert listed == arns


def test_list_topics_rejects_a_forged_token(sns: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sns.list_topics(NextToken="!!not-a-token!!")
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: NextToken", 400)


def test_tags(sns: Any, topic: Any) -> None:
    arn = topic(Tags=[{"Key": "a", "Value": "1"}])
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    tags = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "3"), ("b", "2")]
    sns.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]


def test_tag_limits_and_unknown_resources(sns: Any, topic: Any, server: Any) -> None:
    arn = topic()
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    with pytest.raises(ClientError) as exc:
        sns.tag_resource(ResourceArn=arn, Tags=too_many)
    assert error_of(exc)[0] == "TagLimitExceeded"
    missing = f"arn:aws:sns:{server.region}:{server.account_id}:{unique()}"
    with pytest.raises(ClientError) as exc:
        sns.list_tags_for_resource(ResourceArn=missing)
    assert error_of(exc) == ("ResourceNotFound", "Resource does not exist", 404)


def test_create_topic_again_with_some_of_its_tags(sns: Any) -> None:
    name = unique()
    tags = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    arn = sns.create_topic(Name=name, Tags=tags)["TopicArn"]
    assert sns.create_topic(Name=name, Tags=tags[:1])["TopicArn"] == arn
    assert sns.create_topic(Name=name, Tags=[])["TopicArn"] == arn
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name, Tags=[{"Key": "c", "Value": "3"}])
    assert error_of(exc)[0] == "InvalidParameter"


def test_tag_resource_refuses_duplicated_keys(sns: Any) -> None:
    arn = sns.create_topic(Name=unique())["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.tag_resource(
            ResourceArn=arn, Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "1"}]
        )
    assert error_of(exc) == (
        "InvalidParameter",
        "Invalid parameter: Duplicated keys are not allowed.",
        400,
    )
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == []
