"""Event buses, rules, tags and bus policies against a real server: what each operation
answers and AWS's errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from ebkit import error_of, unique

ACCOUNT = "123456789012"
REGION = "us-east-1"


def bus_arn(name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"


def test_default_bus_exists(events: Any) -> None:
    out = events.describe_event_bus()
    assert (out["Name"], out["Arn"]) == ("default", bus_arn("default"))
    assert events.describe_event_bus(Name=bus_arn("default"))["Name"] == "default"


def test_create_describe_list_delete_bus(events: Any) -> None:
    name = unique("bus")
    created = events.create_event_bus(Name=name, Description="orders")
    assert created["EventBusArn"] == bus_arn(name)
    assert created["Description"] == "orders"
    described = events.describe_event_bus(Name=name)
    assert (described["Name"], described["Arn"], described["Description"]) == (
        name,
        bus_arn(name),
        "orders",
    )
    assert described["CreationTime"] == described["LastModifiedTime"]
    listed = events.list_event_buses(NamePrefix=name)["EventBuses"]
    assert [b["Name"] for b in listed] == [name]
    events.delete_event_bus(Name=name)
    with pytest.raises(ClientError) as exc:
        events.describe_event_bus(Name=name)
    assert error_of(exc) == ("ResourceNotFoundException", f"Event bus {name} does not exist.")
    events.delete_event_bus(Name=name)  # deleting what is gone is no error


def test_bus_errors(events: Any) -> None:
    name = unique("bus")
    events.create_event_bus(Name=name)
    with pytest.raises(ClientError) as exc:
        events.create_event_bus(Name=name)
    assert error_of(exc) == ("ResourceAlreadyExistsException", f"Event bus {name} already exists.")
    with pytest.raises(ClientError) as exc:
        events.create_event_bus(Name="default")
    assert error_of(exc) == ("ResourceAlreadyExistsException", "Event bus default already exists.")
    with pytest.raises(ClientError) as exc:
        events.delete_event_bus(Name="default")
    assert error_of(exc) == ("ValidationException", "Cannot delete event bus default.")
    with pytest.raises(ClientError) as exc:
        events.create_event_bus(Name="a/b")
    assert error_of(exc) == ("ValidationException", "Event bus name must not contain '/'.")


def test_model_constraints_are_checked(unchecked: Any) -> None:
    with pytest.raises(ClientError) as exc:
        unchecked.put_rule(Name="bad name!", EventPattern='{"a": ["b"]}')
    assert error_of(exc) == (
        "ValidationException",
        "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
    )


def test_list_event_buses_pages(events: Any) -> None:
    prefix = unique("pg")
    names = sorted(f"{prefix}-{i}" for i in range(5))
    for name in names:
        events.create_event_bus(Name=name)
    seen: list[str] = []
    token = None
    while True:
        kw: dict[str, Any] = {"NextToken": token} if token else {}
        page = events.list_event_buses(NamePrefix=prefix, Limit=2, **kw)
        seen += [b["Name"] for b in page["EventBuses"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names
    everything = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    assert "default" in everything


def test_rule_lifecycle(events: Any) -> None:
    bus = unique("bus")
    events.create_event_bus(Name=bus)
    name = unique("rule")
    pattern = json.dumps({"source": ["shop"]})
    arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=pattern, Description="d")[
        "RuleArn"
    ]
    assert arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus}/{name}"
    described = events.describe_rule(Name=name, EventBusName=bus)
    assert {k: described[k] for k in ("Name", "Arn", "EventPattern", "State", "EventBusName")} == {
        "Name": name,
        "Arn": arn,
        "EventPattern": pattern,
        "State": "ENABLED",
        "EventBusName": bus,
    }
    assert described["CreatedBy"] == ACCOUNT
    events.disable_rule(Name=name, EventBusName=bus)
    assert events.describe_rule(Name=name, EventBusName=bus)["State"] == "DISABLED"
    events.enable_rule(Name=name, EventBusName=bus)
    listed = events.list_rules(EventBusName=bus)["Rules"]
    assert [(r["Name"], r["State"]) for r in listed] == [(name, "ENABLED")]
    events.delete_rule(Name=name, EventBusName=bus)
    with pytest.raises(ClientError) as exc:
        events.describe_rule(Name=name, EventBusName=bus)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        f"Rule {name} does not exist on EventBus {bus}.",
    )


def test_default_bus_rule_arn_and_update_keeps_targets(events: Any) -> None:
    name = unique("rule")
    arn = events.put_rule(Name=name, EventPattern='{"source": ["a"]}')["RuleArn"]
    assert arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:whatever"
    events.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": queue}])
    events.put_rule(Name=name, EventPattern='{"source": ["b"]}')
    assert events.describe_rule(Name=name)["EventPattern"] == '{"source": ["b"]}'
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]] == ["t"]
    with pytest.raises(ClientError) as exc:
        events.delete_rule(Name=name)
    assert error_of(exc) == ("ValidationException", "Rule can't be deleted since it has targets.")
    events.remove_targets(Rule=name, Ids=["t"])
    events.delete_rule(Name=name)
    assert events.list_rules(NamePrefix=name)["Rules"] == []


def test_rule_errors(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name=unique("r"))
    assert error_of(exc) == (
        "ValidationException",
        "Parameter(s) EventPattern or ScheduleExpression must be specified.",
    )
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name=unique("r"), ScheduleExpression="rate(1 minutes)")
    assert error_of(exc) == ("ValidationException", "Parameter ScheduleExpression is not valid.")
    bus = unique("bus")
    events.create_event_bus(Name=bus)
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name=unique("r"), EventBusName=bus, ScheduleExpression="rate(5 minutes)")
    assert error_of(exc) == (
        "ValidationException",
        "ScheduleExpression is supported only on the default event bus.",
    )
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="r", EventBusName="nope", EventPattern='{"a": ["b"]}')
    assert error_of(exc) == ("ResourceNotFoundException", "Event bus nope does not exist.")
    with pytest.raises(ClientError) as exc:
        events.enable_rule(Name="missing-rule")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "Rule missing-rule does not exist on EventBus default.",
    )


def test_list_rules_pages_and_prefix(events: Any) -> None:
    bus = unique("bus")
    events.create_event_bus(Name=bus)
    names = sorted(f"r{i}" for i in range(5))
    for name in [*names, "other"]:
        events.put_rule(Name=name, EventBusName=bus, EventPattern='{"a": ["b"]}')
    seen, token = [], None
    while True:
        kw: dict[str, Any] = {"NextToken": token} if token else {}
        page = events.list_rules(EventBusName=bus, NamePrefix="r", Limit=2, **kw)
        seen += [r["Name"] for r in page["Rules"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names


def test_deleting_a_bus_deletes_its_rules(events: Any) -> None:
    bus = unique("bus")
    events.create_event_bus(Name=bus)
    events.put_rule(Name="r", EventBusName=bus, EventPattern='{"a": ["b"]}')
    events.delete_event_bus(Name=bus)
    events.create_event_bus(Name=bus)
    assert events.list_rules(EventBusName=bus)["Rules"] == []


def test_tags_of_buses_and_rules(events: Any) -> None:
    bus = unique("bus")
    arn = events.create_event_bus(Name=bus, Tags=[{"Key": "team", "Value": "a"}])["EventBusArn"]
    events.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "env", "Value": "dev"},
        {"Key": "team", "Value": "a"},
    ]
    events.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "env", "Value": "dev"}
    ]
    rule = events.put_rule(
        Name=unique("r"), EventPattern='{"a": ["b"]}', Tags=[{"Key": "k", "Value": "v"}]
    )["RuleArn"]
    assert events.list_tags_for_resource(ResourceARN=rule)["Tags"] == [{"Key": "k", "Value": "v"}]
    with pytest.raises(ClientError) as exc:
        events.list_tags_for_resource(ResourceARN=bus_arn("nope"))
    assert error_of(exc) == ("ResourceNotFoundException", "Event bus nope does not exist.")


def test_bus_policy_put_and_remove(events: Any) -> None:
    bus = unique("bus")
    arn = events.create_event_bus(Name=bus)["EventBusArn"]
    events.put_permission(
        EventBusName=bus, Action="events:PutEvents", Principal="111122223333", StatementId="s1"
    )
    policy = json.loads(events.describe_event_bus(Name=bus)["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "s1",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Resource": arn,
        }
    ]
    with pytest.raises(ClientError) as exc:
        events.remove_permission(EventBusName=bus, StatementId="nope")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "Statement with the provided id does not exist.",
    )
    events.remove_permission(EventBusName=bus, StatementId="s1")
    assert "Policy" not in events.describe_event_bus(Name=bus)
    with pytest.raises(ClientError) as exc:
        events.remove_permission(EventBusName=bus, StatementId="s1")
    assert error_of(exc) == ("ResourceNotFoundException", "EventBus does not have a policy.")


def test_unimplemented_operations_answer_not_implemented(events: Any) -> None:
    with pytest.raises(ClientError) as exc:
        events.create_archive(ArchiveName="a", EventSourceArn=bus_arn("default"))
    assert exc.value.response["Error"]["Code"] == "NotImplemented"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
