"""Every operation of every model we serve: a request filled with a value for every input member
(generated from the shapes) goes through botocore's serializer and comes back out of ours as the
same operation with the same params; a result filled the same way survives our serializer and
botocore's parser."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from test_protocol_kit import botocore_request, match_and_parse, roundtrip_response

from ownstack.wire.body import BufferedBody
from ownstack.wire.services import load_wire

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
MAX_DEPTH = 9


def sample(shape: Shape, name: str, depth: int = 0) -> Any:
    """A valid value for `shape` (deterministic; one item per list/map)."""
    if isinstance(shape, StructureShape):
        if depth >= MAX_DEPTH or shape.metadata.get("document"):
            return None
        members = {}
        for member_name, member in shape.members.items():
            if member.serialization.get("eventstream") or member.serialization.get("hostLabel"):
                continue
            if member_name == "ContentMD5":
                # A digest of the body, which S3 verifies: no generic value can be right.
                continue
            value = sample(member, member_name, depth + 1)
            if value is not None:
                members[member_name] = value
            if shape.metadata.get("union") and members:
                break
        return members
    if isinstance(shape, ListShape):
        item = sample(shape.member, name, depth + 1)
        return None if item is None else [item]
    if isinstance(shape, MapShape):
        value = sample(shape.value, name, depth + 1)
        return None if value is None else {"k1": value}
    return _scalar(shape, name)


def _scalar(shape: Shape, name: str) -> Any:
    kind = shape.type_name
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum:
            return enum[0]
        text = f"v-{name}"
        low = shape.metadata.get("min", 0)
        return text + "x" * max(0, low - len(text))
    if kind in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if kind in ("float", "double"):
        return max(1.5, float(shape.metadata.get("min", 1.5)))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return WHEN
    if kind == "blob":
        # (valid UTF-8: botocore's parser decodes a streaming body it is handed as bytes)
        return b"\x00\x01data"
    return None


def _request_cases(service: str) -> list[tuple[str, str]]:
    return [(service, name) for name in load_wire(service).operation_names]


ALL_CASES = [
    case
    for service in ("s3", "sts", "sqs", "lambda", "sns", "dynamodb", "iam")
    for case in _request_cases(service)
]

SHADOWED = {
    # The model's duplicates: same request shape, the other operation wins (s3quirks.PREFERRED).
    ("s3", "GetBucketLifecycle"): "GetBucketLifecycleConfiguration",
    ("s3", "PutBucketLifecycle"): "PutBucketLifecycleConfiguration",
    ("s3", "GetBucketNotification"): "GetBucketNotificationConfiguration",
    ("s3", "PutBucketNotification"): "PutBucketNotificationConfiguration",
    ("s3", "ListDirectoryBuckets"): "ListBuckets",
}

SKIP_REQUEST = {
    # botocore itself cannot send these from a generic value (host-prefix or JSON headers).
    ("s3", "WriteGetObjectResponse"),
    ("lambda", "InvokeWithResponseStream"),
}


def _normalize(op: OperationModel, params: dict[str, Any]) -> dict[str, Any]:
    """Header-prefix maps come back lower-cased (HTTP header names are case-insensitive)."""
    shape = op.input_shape
    out = dict(params)
    for name, member in shape.members.items() if shape is not None else ():
        if member.serialization.get("location") == "headers" and name in out:
            out[name] = {k.lower(): v for k, v in out[name].items()}
    return out


@pytest.mark.parametrize(
    ("service", "operation"),
    ALL_CASES,
)
def test_every_operation_request_round_trips(service: str, operation: str) -> None:
    if (service, operation) in SKIP_REQUEST:
        pytest.skip("not serializable generically by botocore")
    wire = load_wire(service)
    op = wire.model.operation_model(operation)
    params = sample(op.input_shape, "input") if op.input_shape is not None else {}
    protocols = list(wire.codecs)
    for protocol in protocols:
        req = botocore_request(wire, operation, params, protocol)
        if (service, operation) in SHADOWED:
            assert wire.codec_for(req).match(req).name == SHADOWED[service, operation]
            continue
        name, parsed = match_and_parse(wire.codec_for(req), req)
        assert name == operation
        payload = op.input_shape.serialization.get("payload") if op.input_shape else None
        if payload and isinstance(parsed.get(payload), BufferedBody):
            parsed[payload] = params[payload]
        parsed.pop("ContentLength", None) if "ContentLength" not in params else None
        assert parsed == _normalize(op, params), protocol


@pytest.mark.parametrize(
    ("service", "operation"),
    ALL_CASES,
)
def test_every_operation_response_round_trips(service: str, operation: str) -> None:
    wire = load_wire(service)
    op = wire.model.operation_model(operation)
    if op.output_shape is None or op.has_event_stream_output:
        pytest.skip("no output or event stream")
    result = sample(op.output_shape, "output")
    if service == "s3" and operation == "GetBucketLocation":
        pytest.skip("special document, tested on its own")
    if service == "s3" and operation == "GetBucketNotification":
        pytest.skip(
            "deprecated: its model names two members `Event`, botocore cannot tell them apart"
        )
    payload = op.output_shape.serialization.get("payload")
    for protocol in wire.codecs:
        if service == "sqs" and protocol == "query":
            continue  # query-era element names differ from botocore's json model on purpose
        _, parsed = roundtrip_response(service, protocol, operation, result)
        expected = dict(result)
        if payload and op.output_shape.members[payload].type_name in ("blob", "string"):
            got = parsed.pop(payload)
            data = got.read() if hasattr(got, "read") else got
            want = expected.pop(payload)
            assert (data.encode() if isinstance(data, str) else data) == (
                want.encode() if isinstance(want, str) else want
            )
        assert parsed == expected, protocol
