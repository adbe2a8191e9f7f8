"""Log group tags through a real server: TagResource / UntagResource / ListTagsForResource by
ARN, the legacy TagLogGroup / UntagLogGroup / ListTagsLogGroup by name, limits and errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from logskit import error_of, unique

ACCOUNT = "123456789012"
REGION = "us-east-1"


def arn_of(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"


def test_tags_given_at_creation_are_listed_both_ways(cwl: Any) -> None:
    name = unique()
    cwl.create_log_group(logGroupName=name, tags={"team": "core", "env": "dev"})
    assert cwl.list_tags_for_resource(resourceArn=arn_of(name))["tags"] == {
        "team": "core",
        "env": "dev",
    }
    assert cwl.list_tags_log_group(logGroupName=name)["tags"] == {"team": "core", "env": "dev"}


def test_tags_are_added_replaced_and_removed(cwl: Any) -> None:
    name = unique()
    cwl.create_log_group(logGroupName=name, tags={"a": "1"})
    cwl.tag_resource(resourceArn=arn_of(name), tags={"a": "2", "b": "x y"})
    cwl.tag_log_group(logGroupName=name, tags={"c": "3"})
    assert cwl.list_tags_for_resource(resourceArn=arn_of(name))["tags"] == {
        "a": "2",
        "b": "x y",
        "c": "3",
    }
    cwl.untag_resource(resourceArn=arn_of(name), tagKeys=["a", "missing"])
    cwl.untag_log_group(logGroupName=name, tags=["c"])
    assert cwl.list_tags_log_group(logGroupName=name)["tags"] == {"b": "x y"}


def test_a_group_holds_at_most_50_tags(cwl: Any) -> None:
    name = unique()
    cwl.create_log_group(logGroupName=name, tags={f"k{i}": "v" for i in range(40)})
    cwl.tag_resource(resourceArn=arn_of(name), tags={f"k{i}": "w" for i in range(30, 50)})
    with pytest.raises(ClientError) as exc:
        cwl.tag_resource(resourceArn=arn_of(name), tags={"one-more": "v"})
    assert error_of(exc) == (
        "TooManyTagsException",
        "A resource can have no more than 50 tags.",
        400,
    )
    assert exc.value.response["resourceName"] == arn_of(name)
    assert len(cwl.list_tags_log_group(logGroupName=name)["tags"]) == 50


def test_tag_keys_and_values_follow_aws_rules(cwl: Any) -> None:
    name = unique()
    cwl.create_log_group(logGroupName=name)
    with pytest.raises(ClientError) as exc:
        cwl.tag_resource(resourceArn=arn_of(name), tags={"bad!key": "v"})
    code, message, status = error_of(exc)
    assert (code, status) == ("InvalidParameterException", 400)
    assert message.startswith(
        "1 validation error detected: Value 'bad!key' at 'tags' failed to satisfy constraint:"
        " Map keys must satisfy constraint"
    )
    with pytest.raises(ClientError) as exc:
        cwl.tag_resource(resourceArn=arn_of(name), tags={"aws:owner": "v"})
    assert error_of(exc)[0] == "InvalidParameterException"


def test_tagging_what_does_not_exist_is_refused(cwl: Any) -> None:
    missing = unique("/missing")
    for call in (
        lambda: cwl.tag_resource(resourceArn=arn_of(missing), tags={"a": "b"}),
        lambda: cwl.list_tags_for_resource(resourceArn=arn_of(missing)),
        lambda: cwl.untag_log_group(logGroupName=missing, tags=["a"]),
        lambda: cwl.list_tags_log_group(logGroupName=missing),
        lambda: cwl.list_tags_for_resource(
            resourceArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:destination:d"
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == (
            "ResourceNotFoundException",
            "The specified log group does not exist.",
            400,
        )
