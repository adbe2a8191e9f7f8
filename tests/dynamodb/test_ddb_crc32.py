"""Every DynamoDB answer carries x-amz-crc32, the CRC32 of its body, as AWS's does: botocore
checks it on every DynamoDB response (and would raise on a mismatch), so a successful call
and a modeled error both prove it is right."""

from __future__ import annotations

import zlib
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _raw_bodies(ddb: Any) -> list[tuple[bytes, str]]:
    seen: list[tuple[bytes, str]] = []

    def keep(response_dict: Any, **_: Any) -> None:
        headers = response_dict["headers"]
        seen.append((response_dict["body"], headers.get("x-amz-crc32", "")))

    ddb.meta.events.register("before-parse.dynamodb.*", keep)
    return seen


def test_answers_and_errors_carry_the_crc32_of_their_body(ddb: Any, make_table: Any) -> None:
    name = make_table()
    seen = _raw_bodies(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "x" * 500}})
    ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})
    with pytest.raises(ClientError):
        ddb.get_item(TableName="no-such-table", Key={"pk": {"S": "a"}})
    assert len(seen) == 3
    for body, crc in seen:
        assert crc == str(zlib.crc32(body))


def test_tag_and_untag_answer_with_an_empty_body(ddb: Any, make_table: Any) -> None:
    # DynamoDB's operations without an output (TagResource, UntagResource) send no body at
    # all, not `{}`; the CRC32 is then that of the empty body.
    name = make_table()
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    seen = _raw_bodies(ddb)
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "blue"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["team"])
    ddb.list_tags_of_resource(ResourceArn=arn)
    assert [body for body, _ in seen[:2]] == [b"", b""]
    assert seen[0][1] == str(zlib.crc32(b""))
    assert seen[2][0].startswith(b"{")
