"""Bus policies across accounts, against a real server holding two accounts: another account
may put events on a bus (directly, or through its own rule's bus target) once the bus's policy
lets it (PutPermission), and is refused before; IAM users need events:* permissions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from ebkit import bodies, error_of, rule_to_queue, unique

from accountskit import ALT_ACCESS_KEY, ALT_ACCOUNT, ALT_SECRET_KEY, server_with_accounts


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory, launch_server: Any) -> Iterator[Any]:
    yield from server_with_accounts(tmp_path_factory, launch_server, "eb-accounts")


def _alt(server: Any, service: str) -> Any:
    return server.client(
        service, aws_access_key_id=ALT_ACCESS_KEY, aws_secret_access_key=ALT_SECRET_KEY
    )


def test_put_events_on_another_accounts_bus(two: Any) -> None:
    events, sqs = two.client("events"), two.client("sqs")
    bus = unique("shared")
    arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url, _ = rule_to_queue(events, sqs, {"source": ["partner"]}, bus=bus)
    alt = _alt(two, "events")
    entry = {"Source": "partner", "DetailType": "d", "Detail": "{}", "EventBusName": arn}
    with pytest.raises(ClientError) as exc:
        alt.put_events(Entries=[entry])
    code, message = error_of(exc)
    assert code == "AccessDeniedException"
    assert message.startswith(
        f"User: arn:aws:iam::{ALT_ACCOUNT}:root is not authorized to perform: events:PutEvents "
        f"on resource: {arn}"
    )
    events.put_permission(
        EventBusName=bus, Action="events:PutEvents", Principal=ALT_ACCOUNT, StatementId="alt"
    )
    out = alt.put_events(Entries=[entry])
    assert out["FailedEntryCount"] == 0
    [got] = bodies(sqs, url, 1)
    assert (got["id"], got["account"]) == (out["Entries"][0]["EventId"], ALT_ACCOUNT)


def test_rule_target_on_another_accounts_bus(two: Any) -> None:
    events, sqs = two.client("events"), two.client("sqs")
    bus = unique("shared")
    arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url, _ = rule_to_queue(events, sqs, {"source": ["hop"]}, bus=bus)
    events.put_permission(
        EventBusName=bus, Action="events:PutEvents", Principal=ALT_ACCOUNT, StatementId="alt"
    )
    alt = _alt(two, "events")
    name = unique("forward")
    alt.put_rule(Name=name, EventPattern=json.dumps({"source": ["hop"]}))
    alt.put_targets(Rule=name, Targets=[{"Id": "bus", "Arn": arn}])
    out = alt.put_events(Entries=[{"Source": "hop", "DetailType": "d", "Detail": '{"n": 1}'}])
    [got] = bodies(sqs, url, 1)
    assert (got["id"], got["account"], got["detail"]) == (
        out["Entries"][0]["EventId"],
        ALT_ACCOUNT,
        {"n": 1},
    )


def test_iam_user_needs_permissions(two: Any) -> None:
    iam = two.client("iam")
    user = unique("user")
    iam.create_user(UserName=user)
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "events:DescribeRule", "Resource": "*"}],
    }
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    limited = two.client(
        "events",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    name = unique("rule")
    with pytest.raises(ClientError) as exc:
        limited.put_rule(Name=name, EventPattern='{"a": ["b"]}')
    rule_arn = f"arn:aws:events:us-east-1:{two.account_id}:rule/{name}"
    code, message = error_of(exc)
    assert code == "AccessDeniedException"
    assert message.startswith(
        f"User: arn:aws:iam::{two.account_id}:user/{user} is not authorized to perform: "
        f"events:PutRule on resource: {rule_arn}"
    )
    two.client("events").put_rule(Name=name, EventPattern='{"a": ["b"]}')
    assert limited.describe_rule(Name=name)["Arn"] == rule_arn
