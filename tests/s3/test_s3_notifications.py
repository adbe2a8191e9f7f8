"""S3 notification configurations against a real server, with boto3: what
Put/GetBucketNotificationConfiguration store and answer, what S3 refuses (InvalidArgument
with its own words), and the destination checks (a queue or topic must exist and let S3
send to it; a function's policy must let S3 invoke it) that store nothing when they fail."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from notifykit import (
    ACCOUNT,
    HOST_ID,
    ISO_MILLIS,
    key_filter,
    queue_arn,
    queue_config,
    s3_queue,
    unique,
)

UNABLE = "Unable to validate the following destination configurations"


@pytest.fixture(scope="module")
def clients(server: Any) -> tuple[Any, Any, Any]:
    return server.client("s3"), server.client("sqs"), server.client("lambda")


def _bucket(s3: Any) -> str:
    name = unique("notify")
    s3.create_bucket(Bucket=name)
    return name


def _refused(call: Any, **kw: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    error: dict[str, Any] = info.value.response["Error"]
    return error


def _stored(s3: Any, bucket: str) -> dict[str, Any]:
    out = s3.get_bucket_notification_configuration(Bucket=bucket)
    out.pop("ResponseMetadata")
    return dict(out)


def test_a_new_bucket_has_an_empty_configuration(clients: Any) -> None:
    s3, _, _ = clients
    assert _stored(s3, _bucket(s3)) == {}


def test_configuration_round_trip(clients: Any) -> None:
    s3, sqs, _ = clients
    bucket = _bucket(s3)
    _, arn = s3_queue(sqs, bucket)
    config = {
        "QueueConfigurations": [
            {
                "Id": "images",
                "QueueArn": arn,
                "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
                "Filter": key_filter(prefix="images/", suffix=".jpg"),
            },
            {
                "Id": "docs",
                "QueueArn": arn,
                "Events": ["s3:ObjectCreated:Put"],
                "Filter": key_filter(Prefix="docs/"),
            },
        ],
        "EventBridgeConfiguration": {},
    }
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    # Filter rule names come back as S3 writes them: Prefix, Suffix.
    config["QueueConfigurations"][0]["Filter"] = key_filter(Prefix="images/", Suffix=".jpg")
    assert _stored(s3, bucket) == config


def test_an_id_is_made_when_none_is_given(clients: Any) -> None:
    s3, sqs, _ = clients
    bucket = _bucket(s3)
    _, arn = s3_queue(sqs, bucket)
    config = queue_config(arn, ["s3:ObjectCreated:*"])
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    made = _stored(s3, bucket)["QueueConfigurations"][0]["Id"]
    uuid.UUID(base64.b64decode(made).decode())  # a base64-encoded UUID, as S3 makes them


def test_an_empty_configuration_turns_notifications_off(clients: Any) -> None:
    s3, sqs, _ = clients
    bucket = _bucket(s3)
    _, arn = s3_queue(sqs, bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=queue_config(arn, ["s3:ObjectCreated:*"])
    )
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    assert _stored(s3, bucket) == {}


def test_configuring_sends_the_test_event(clients: Any) -> None:
    s3, sqs, _ = clients
    bucket = _bucket(s3)
    url, arn = s3_queue(sqs, bucket)
    out = s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=queue_config(arn, ["s3:ObjectCreated:*"])
    )
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    body = json.loads(got[0]["Body"])
    assert list(body) == ["Service", "Event", "Time", "Bucket", "RequestId", "HostId"]
    assert body["Service"] == "Amazon S3"
    assert body["Event"] == "s3:TestEvent"
    assert ISO_MILLIS.fullmatch(body["Time"])
    assert body["Bucket"] == bucket
    assert body["RequestId"] == out["ResponseMetadata"]["RequestId"]
    assert HOST_ID.fullmatch(body["HostId"])


@pytest.mark.parametrize(
    ("events", "filters", "message"),
    [
        (["s3:ObjectCreated:Nope"], None, "The event is not supported for notifications"),
        (
            ["s3:ObjectCreated:*"],
            key_filter(middle="x"),
            "filter rule name must be either prefix or suffix",
        ),
        (
            ["s3:ObjectCreated:*"],
            {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a"}] * 2}},
            "Cannot specify more than one prefix rule in a filter.",
        ),
        (
            ["s3:ObjectCreated:*"],
            key_filter(suffix="x" * 1025),
            "Size of filter rule value cannot exceed 1024 bytes in UTF-8 representation",
        ),
    ],
)
def test_malformed_rules_are_refused(
    clients: Any, events: list[str], filters: dict[str, Any] | None, message: str
) -> None:
    s3, sqs, _ = clients
    bucket = _bucket(s3)
    _, arn = s3_queue(sqs, bucket)
    extra = {"Filter": filters} if filters else {}
    error = _refused(
        s3.put_bucket_notification_configuration,
        Bucket=bucket,
        NotificationConfiguration=queue_config(arn, events, **extra),
    )
    assert (error["Code"], error["Message"]) == ("InvalidArgument", message)
    assert _stored(s3, bucket) == {}


def _two(arn: str, first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return {
        "QueueConfigurations": [
            {"Id": "one", "QueueArn": arn, **first},
            {"Id": "two", "QueueArn": arn, **second},
        ]
    }


AMBIGUOUS = (
    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the"
    " prefixes are overlapping for the same event type."
)
OVERLAP = (
    "Configurations overlap. Configurations on the same bucket cannot share a common event type."
)


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ({"Events": ["s3:ObjectCreated:*"]}, {"Events": ["s3:ObjectCreated:Put"]}, OVERLAP),
        (
            {"Events": ["s3:ObjectCreated:Put"], "Filter": key_filter(prefix="images/")},
            {"Events": ["s3:ObjectCreated:*"], "Filter": key_filter(prefix="images/2024/")},
            AMBIGUOUS,
        ),
        (
            {"Events": ["s3:ObjectRemoved:*"], "Filter": key_filter(suffix=".jpg")},
            {"Events": ["s3:ObjectRemoved:Delete"], "Filter": key_filter(prefix="a/")},
            AMBIGUOUS,
        ),
    ],
)
def test_overlapping_rules_are_refused(
    clients: Any, first: dict[str, Any], second: dict[str, Any], message: str
) -> None:
    s3, sqs, _ = clients
    bucket = _bucket(s3)
    _, arn = s3_queue(sqs, bucket)
    error = _refused(
        s3.put_bucket_notification_configuration,
        Bucket=bucket,
        NotificationConfiguration=_two(arn, first, second),
    )
    assert (error["Code"], error["Message"]) == ("InvalidArgument", message)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"Events": ["s3:ObjectCreated:*"]}, {"Events": ["s3:ObjectRemoved:*"]}),
        (
            {"Events": ["s3:ObjectCreated:*"], "Filter": key_filter(prefix="images/")},
            {"Events": ["s3:ObjectCreated:*"], "Filter": key_filter(prefix="docs/")},
        ),
        (
            {"Events": ["s3:ObjectCreated:*"], "Filter": key_filter(suffix=".jpg")},
            {"Events": ["s3:ObjectCreated:*"], "Filter": key_filter(suffix=".png")},
        ),
    ],
)
def test_rules_that_cannot_match_one_event_are_accepted(
    clients: Any, first: dict[str, Any], second: dict[str, Any]
) -> None:
    s3, sqs, _ = clients
    bucket = _bucket(s3)
    _, arn = s3_queue(sqs, bucket)
    config = _two(arn, first, second)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    assert [c["Id"] for c in _stored(s3, bucket)["QueueConfigurations"]] == ["one", "two"]


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        ("arn:aws:sns:us-east-1:123456789012:topic", "The ARN could not be parsed"),
        ("not-an-arn", "The ARN could not be parsed"),
        (
            "arn:aws:sqs:eu-west-1:123456789012:elsewhere",
            "The notification destination service region is not valid for the bucket location"
            " constraint",
        ),
    ],
)
def test_bad_destination_arns_are_refused(clients: Any, arn: str, message: str) -> None:
    s3, _, _ = clients
    bucket = _bucket(s3)
    error = _refused(
        s3.put_bucket_notification_configuration,
        Bucket=bucket,
        NotificationConfiguration=queue_config(arn, ["s3:ObjectCreated:*"]),
    )
    assert error == {
        "Code": "InvalidArgument",
        "Message": message,
        "ArgumentName": "QueueArn",
        "ArgumentValue": arn,
    }


def test_a_queue_that_does_not_let_s3_send_is_refused(clients: Any) -> None:
    s3, sqs, _ = clients
    bucket = _bucket(s3)
    url = sqs.create_queue(QueueName=unique("closed"))["QueueUrl"]
    arn = queue_arn(sqs, url)
    error = _refused(
        s3.put_bucket_notification_configuration,
        Bucket=bucket,
        NotificationConfiguration=queue_config(arn, ["s3:ObjectCreated:*"]),
    )
    assert error == {
        "Code": "InvalidArgument",
        "Message": UNABLE,
        "ArgumentName": arn,
        "ArgumentValue": "Permissions on the destination queue do not allow S3 to publish"
        " notifications from this bucket",
    }
    assert _stored(s3, bucket) == {}
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []


def test_a_queue_open_to_another_bucket_only_is_refused(clients: Any) -> None:
    s3, sqs, _ = clients
    bucket = _bucket(s3)
    _, arn = s3_queue(sqs, "some-other-bucket")
    error = _refused(
        s3.put_bucket_notification_configuration,
        Bucket=bucket,
        NotificationConfiguration=queue_config(arn, ["s3:ObjectCreated:*"]),
    )
    assert (error["Message"], error["ArgumentName"]) == (UNABLE, arn)


def test_a_missing_queue_is_refused(clients: Any) -> None:
    s3, _, _ = clients
    bucket = _bucket(s3)
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{unique('missing')}"
    error = _refused(
        s3.put_bucket_notification_configuration,
        Bucket=bucket,
        NotificationConfiguration=queue_config(arn, ["s3:ObjectCreated:*"]),
    )
    assert error == {
        "Code": "InvalidArgument",
        "Message": UNABLE,
        "ArgumentName": arn,
        "ArgumentValue": "The destination queue does not exist",
    }


def test_skipping_validation_stores_a_missing_destination(clients: Any) -> None:
    s3, _, _ = clients
    bucket = _bucket(s3)
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{unique('later')}"
    config = queue_config(arn, ["s3:ObjectCreated:*"], Id="later")
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=config, SkipDestinationValidation=True
    )
    assert _stored(s3, bucket) == config


def test_a_function_that_does_not_let_s3_invoke_it_is_refused(clients: Any) -> None:
    s3, _, _ = clients
    bucket = _bucket(s3)
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{unique('fn')}"
    config = {
        "LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
        ]
    }
    error = _refused(
        s3.put_bucket_notification_configuration, Bucket=bucket, NotificationConfiguration=config
    )
    assert error == {
        "Code": "InvalidArgument",
        "Message": UNABLE,
        "ArgumentName": f"{arn}, null",
        "ArgumentValue": f"Not authorized to invoke function [{arn}]",
    }


def test_a_topic_that_does_not_let_s3_publish_is_refused(server: Any, clients: Any) -> None:
    s3, _, _ = clients
    sns = server.client("sns")
    bucket = _bucket(s3)
    arn = sns.create_topic(Name=unique("closed"))["TopicArn"]
    config = {"TopicConfigurations": [{"TopicArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    error = _refused(
        s3.put_bucket_notification_configuration, Bucket=bucket, NotificationConfiguration=config
    )
    assert error == {
        "Code": "InvalidArgument",
        "Message": UNABLE,
        "ArgumentName": arn,
        "ArgumentValue": "Permissions on the destination topic do not allow S3 to publish"
        " notifications from this bucket",
    }


def test_missing_bucket(clients: Any) -> None:
    s3, _, _ = clients
    with pytest.raises(ClientError) as info:
        s3.get_bucket_notification_configuration(Bucket=unique("absent"))
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"
