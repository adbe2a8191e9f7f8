"""The events a mapping invokes its function with, and what it reads in the answer, as AWS shapes
them: an SQS event ("Using Lambda with Amazon SQS"), a DynamoDB event ("Using AWS Lambda with
Amazon DynamoDB"), a partial batch response (`{"batchItemFailures": [{"itemIdentifier": id}]}`)
and the invocation record a stream mapping sends to its OnFailure destination."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ownstack.events.sources import MessageAttribute, QueueMessage, StreamRecord

PAYLOAD_LIMIT = 6 * 1024 * 1024
"""A synchronous invocation's payload (6 MB): batches are cut to fit."""
ENVELOPE = 64
"""Bytes an event adds around its records ({"Records":[...]} and the commas)."""


def sqs_record(message: QueueMessage, source_arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message.message_id,
        "receiptHandle": message.receipt,
        "body": message.body,
        "attributes": dict(message.attributes),
        "messageAttributes": {
            name: _attribute(attr) for name, attr in message.message_attributes.items()
        },
        "md5OfMessageAttributes": message.md5_of_message_attributes,
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": source_arn,
        "awsRegion": region,
    }


def _attribute(attr: MessageAttribute) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(attr.value, bytes):
        out["binaryValue"] = base64.b64encode(attr.value).decode("ascii")
    else:
        out["stringValue"] = attr.value
    out.update({"stringListValues": [], "binaryListValues": [], "dataType": attr.data_type})
    return out


def stream_record(record: StreamRecord, source_arn: str) -> dict[str, Any]:
    return {**record.record, "eventSourceARN": source_arn}


def filterable(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as filter patterns see it: an SQS body that is a JSON object, as that object."""
    out = dict(record)
    body = out.get("body")
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            parsed = json.loads(body)
        except ValueError:
            return out
        if isinstance(parsed, dict):
            out["body"] = parsed
    return out


def payload(records: Sequence[Mapping[str, Any]]) -> bytes:
    return json.dumps({"Records": list(records)}, separators=(",", ":")).encode()


def size_of(record: Mapping[str, Any]) -> int:
    return len(json.dumps(record, separators=(",", ":")).encode()) + 1


def within_limit(records: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The records in invocations of at most PAYLOAD_LIMIT bytes each, in order."""
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    total = ENVELOPE
    for record in records:
        size = size_of(record)
        if current and total + size > PAYLOAD_LIMIT:
            chunks.append(current)
            current, total = [], ENVELOPE
        current.append(record)
        total += size
    if current:
        chunks.append(current)
    return chunks


@dataclass(frozen=True, slots=True)
class BatchResponse:
    """What a function that reports batch item failures answered."""

    valid: bool
    """False: the answer does not follow the format (the whole batch failed, as on AWS)."""
    failed: tuple[str, ...] = ()
    """The itemIdentifiers reported, in the answer's order."""


def batch_response(answer: bytes, identifiers: Sequence[str]) -> BatchResponse:
    """AWS's rules: an empty or null answer, or an empty or null batchItemFailures, is success;
    answer that is not JSON, or an item whose itemIdentifier is missing, empty, or not one of
    the batch's, fails the whole batch."""
    text = answer.strip()
    if not text:
        return BatchResponse(True)
    try:
        parsed = json.loads(text)
    except ValueError:
        return BatchResponse(False)
    if parsed is None:
        return BatchResponse(True)
    if not isinstance(parsed, dict):
        return BatchResponse(False)
    items = parsed.get("batchItemFailures")
    if not items:
        return BatchResponse(True)
    if not isinstance(items, list):
        return BatchResponse(False)
    known = set(identifiers)
    failed: list[str] = []
    for item in items:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(ident, str) or not ident or ident not in known:
            return BatchResponse(False)
        failed.append(ident)
    return BatchResponse(True, tuple(failed))


@dataclass(frozen=True, slots=True)
class Failure:
    """A batch a stream mapping gave up on, for its OnFailure record."""

    request_id: str
    function_arn: str
    condition: str
    """RetryAttemptsExhausted or RecordAgeExceeded."""
    invokes: int
    function_error: str | None
    executed_version: str
    status: int


def on_failure_record(
    failure: Failure, records: Sequence[StreamRecord], shard: str, stream_arn: str, now: float
) -> str:
    """The invocation record sent to a stream mapping's OnFailure destination (SQS, SNS)."""
    response: dict[str, Any] = {"statusCode": failure.status}
    if failure.executed_version:
        response["executedVersion"] = failure.executed_version
    if failure.function_error:
        response["functionError"] = failure.function_error
    first, last = records[0], records[-1]
    body = {
        "requestContext": {
            "requestId": failure.request_id,
            "functionArn": failure.function_arn,
            "condition": failure.condition,
            "approximateInvokeCount": failure.invokes,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": _iso(now, millis=True),
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": first.record["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": last.record["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso(first.created),
            "approximateArrivalOfLastRecord": _iso(last.created),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
    return json.dumps(body, separators=(",", ":"))


def _iso(when: float, *, millis: bool = False) -> str:
    moment = datetime.fromtimestamp(when, UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
