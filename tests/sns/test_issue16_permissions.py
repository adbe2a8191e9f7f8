"""Issue 16, item 6: SNS AddPermission / RemovePermission edit the topic's policy statements by
label, and the gateway enforces what they write: a second account (declared in ownstack.yaml
with fixed keys, as tests/authz does) may publish once allowed, and not after the removal."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from snskit import unique

from accountskit import (
    ALT_ACCESS_KEY,
    ALT_ACCOUNT,
    ALT_SECRET_KEY,
    THIRD_ACCOUNT,
    server_with_accounts,
)


@pytest.fixture(scope="module")
def accounts_server(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[Any]:
    yield from server_with_accounts(tmp_path_factory, launch_server, "sns-permissions")


@pytest.fixture(scope="module")
def owner(accounts_server: Any) -> Any:
    return accounts_server.client("sns")


@pytest.fixture(scope="module")
def alt(accounts_server: Any) -> Any:
    return accounts_server.client(
        "sns", aws_access_key_id=ALT_ACCESS_KEY, aws_secret_access_key=ALT_SECRET_KEY
    )


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def _statements(sns: Any, topic: str) -> dict[str, Any]:
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    return {s["Sid"]: s for s in json.loads(attrs["Policy"])["Statement"]}


def test_add_permission_lets_another_account_publish_and_remove_stops_it(
    owner: Any, alt: Any
) -> None:
    topic = owner.create_topic(Name=unique("perm"))["TopicArn"]
    with pytest.raises(ClientError) as exc:
        alt.publish(TopicArn=topic, Message="before")
    assert _error(exc)[0::2] == ("AuthorizationError", 403)

    owner.add_permission(
        TopicArn=topic, Label="alt-publish", AWSAccountId=[ALT_ACCOUNT], ActionName=["Publish"]
    )

    statements = _statements(owner, topic)
    assert set(statements) == {"__default_statement_ID", "alt-publish"}
    assert statements["alt-publish"] == {
        "Sid": "alt-publish",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ALT_ACCOUNT}:root"},
        "Action": "SNS:Publish",
        "Resource": topic,
    }
    assert alt.publish(TopicArn=topic, Message="allowed")["MessageId"]
    with pytest.raises(ClientError) as exc:  # only Publish was granted
        alt.delete_topic(TopicArn=topic)
    assert _error(exc)[0::2] == ("AuthorizationError", 403)

    owner.remove_permission(TopicArn=topic, Label="alt-publish")

    assert set(_statements(owner, topic)) == {"__default_statement_ID"}
    with pytest.raises(ClientError) as exc:
        alt.publish(TopicArn=topic, Message="after")
    assert _error(exc)[0::2] == ("AuthorizationError", 403)


def test_several_accounts_and_actions_are_lists(owner: Any) -> None:
    topic = owner.create_topic(Name=unique("perm"))["TopicArn"]
    owner.add_permission(
        TopicArn=topic,
        Label="two",
        AWSAccountId=[ALT_ACCOUNT, THIRD_ACCOUNT],
        ActionName=["Publish", "Subscribe"],
    )
    assert _statements(owner, topic)["two"] == {
        "Sid": "two",
        "Effect": "Allow",
        "Principal": {
            "AWS": [f"arn:aws:iam::{ALT_ACCOUNT}:root", f"arn:aws:iam::{THIRD_ACCOUNT}:root"]
        },
        "Action": ["SNS:Publish", "SNS:Subscribe"],
        "Resource": topic,
    }


def test_duplicate_and_unknown_labels_and_bad_actions(owner: Any) -> None:
    topic = owner.create_topic(Name=unique("perm"))["TopicArn"]
    owner.add_permission(
        TopicArn=topic, Label="once", AWSAccountId=[ALT_ACCOUNT], ActionName=["Publish"]
    )
    with pytest.raises(ClientError) as exc:
        owner.add_permission(
            TopicArn=topic, Label="once", AWSAccountId=[ALT_ACCOUNT], ActionName=["Subscribe"]
        )
    assert _error(exc) == ("InvalidParameter", "Invalid parameter: Statement already exists", 400)
    with pytest.raises(ClientError) as exc:
        owner.remove_permission(TopicArn=topic, Label="never-added")
    assert _error(exc) == (
        "InvalidParameter",
        "Invalid parameter: Label Reason: no statement with label never-added in the topic's "
        "policy",
        400,
    )
    with pytest.raises(ClientError) as exc:
        owner.add_permission(
            TopicArn=topic, Label="bad", AWSAccountId=[ALT_ACCOUNT], ActionName=["CreateTopic"]
        )
    assert _error(exc) == (
        "InvalidParameter",
        "Invalid parameter: Policy statement action out of service scope!",
        400,
    )
    with pytest.raises(ClientError) as exc:
        owner.add_permission(
            TopicArn=topic, Label="bad", AWSAccountId=["not-an-account"], ActionName=["Publish"]
        )
    assert _error(exc) == ("InvalidParameter", "Invalid parameter: AWSAccountId", 400)
    assert set(_statements(owner, topic)) == {"__default_statement_ID", "once"}
    missing = topic + "-missing"
    with pytest.raises(ClientError) as exc:
        owner.remove_permission(TopicArn=missing, Label="once")
    assert _error(exc) == ("NotFound", "Topic does not exist", 404)
