"""Model loading, patches, protocol choice per request, and the coverage script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_protocol_kit import raw_request

from ownstack.core.service import find_handler
from ownstack.wire.services import deep_merge, load_model, load_wire

ROOT = Path(__file__).resolve().parents[2]


def test_load_wire_is_cached_per_process() -> None:
    assert load_wire("s3") is load_wire("s3")
    assert load_wire("s3").name == "s3"


@pytest.mark.parametrize(
    ("service", "protocols"),
    [
        ("s3", ["rest-xml"]),
        ("sts", ["query"]),
        ("sqs", ["json", "query"]),
        ("lambda", ["rest-json"]),
        ("dynamodb", ["json"]),
    ],
)
def test_codecs_per_service(service: str, protocols: list[str]) -> None:
    wire = load_wire(service)
    assert list(wire.codecs) == protocols
    assert [wire.codecs[p].protocol for p in protocols] == protocols


def test_operation_names_come_from_the_model() -> None:
    names = load_wire("sts").operation_names
    assert "AssumeRole" in names
    assert "GetCallerIdentity" in names
    assert len(names) == len(set(names))


def test_sqs_protocol_choice_by_request() -> None:
    wire = load_wire("sqs")
    target = raw_request("POST", "/", headers={"X-Amz-Target": "AmazonSQS.ListQueues"})
    assert wire.codec_for(target).protocol == "json"
    typed = raw_request("POST", "/", headers={"Content-Type": "application/x-amz-json-1.0"})
    assert wire.codec_for(typed).protocol == "json"
    form = raw_request("POST", "/", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert wire.codec_for(form).protocol == "query"
    assert wire.codec_for(raw_request("GET", "/", "Action=ListQueues")).protocol == "query"


def test_sqs_patch_is_applied() -> None:
    model = load_model("sqs")
    assert model.metadata["protocols"] == ["json", "query"]
    entries = model.shape_for("SendMessageBatchRequestEntryList")
    assert entries.member.serialization["name"] == "SendMessageBatchRequestEntry"
    op = model.operation_model("ReceiveMessage")
    assert op.output_shape.serialization["resultWrapper"] == "ReceiveMessageResult"
    # JSON member names are untouched by the patch.
    request = model.operation_model("SendMessage").input_shape
    assert "name" not in request.members["MessageAttributes"].serialization


def test_deep_merge_skips_comments_and_merges_nested() -> None:
    base = {"a": {"b": 1, "c": [1]}, "d": 2}
    deep_merge(base, {"_comment": "why", "a": {"c": [2], "e": 3}})
    assert base == {"a": {"b": 1, "c": [2], "e": 3}, "d": 2}


def test_coverage_script_uses_find_handler() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_coverage.py"), "sts", "sqs"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    from ownstack.services.sts.service import StsService

    names = sorted(load_wire("sts").operation_names)
    for name in names:
        flag = "yes" if find_handler(StsService, name) is not None else "no"
        assert f"| {name} | {flag} |" in out
    assert "## sqs" in out
