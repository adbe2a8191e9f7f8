"""Sending, receiving, deleting and changing visibility: parameters, digests, limits, errors."""

from __future__ import annotations

import hashlib
import struct
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqskit import error_of, unique


def new_queue(sqs: Any, **attrs: str) -> str:
    url: str = sqs.create_queue(QueueName=unique(), Attributes=attrs)["QueueUrl"]
    return url


def reference_md5(attrs: dict[str, dict[str, Any]]) -> str:
    """SQS's documented algorithm, written out independently of the server's code."""
    out = b""
    for name in sorted(attrs):
        value = attrs[name]
        for part in (name.encode(), value["DataType"].encode()):
            out += struct.pack(">I", len(part)) + part
        if "StringValue" in value:
            raw = value["StringValue"].encode()
            out += b"\x01" + struct.pack(">I", len(raw)) + raw
        else:
            out += b"\x02" + struct.pack(">I", len(value["BinaryValue"])) + value["BinaryValue"]
    return hashlib.md5(out).hexdigest()


def test_send_receive_delete(sqs: Any) -> None:
    url = new_queue(sqs)
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello world")
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello world").hexdigest()
    assert "MD5OfMessageAttributes" not in sent and "SequenceNumber" not in sent
    got = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in got] == [(sent["MessageId"], "hello world")]
    assert got[0]["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert "Attributes" not in got[0] and "MessageAttributes" not in got[0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    sqs.change_message_visibility  # noqa: B018 - the attribute exists on both protocols
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)


@pytest.mark.one_engine
def test_known_md5_of_message_attributes(sqs: Any) -> None:
    url = new_queue(sqs)
    attrs = {"timestamp": {"StringValue": "1493147359900", "DataType": "Number"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attrs)
    # The value AWS answers for this attribute (as published with SDK tests).
    assert sent["MD5OfMessageAttributes"] == "235c5c510d26fb653d073faed50ae77c"


def test_every_attribute_type_round_trips_with_its_md5(sqs: Any) -> None:
    url = new_queue(sqs)
    attrs: dict[str, dict[str, Any]] = {
        "s": {"DataType": "String", "StringValue": "ünïcode & <xml>"},
        "n": {"DataType": "Number", "StringValue": "-12.5e3"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "custom": {"DataType": "String.json", "StringValue": '{"a":1}'},
        "bin.custom": {"DataType": "Binary.gzip", "BinaryValue": b"\x1f\x8b"},
        "num.int": {"DataType": "Number.int", "StringValue": "42"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="typed", MessageAttributes=attrs)
    assert sent["MD5OfMessageAttributes"] == reference_md5(attrs)
    msg = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert msg["MessageAttributes"] == attrs
    assert msg["MD5OfMessageAttributes"] == reference_md5(attrs)


def test_message_attribute_name_selection(sqs: Any) -> None:
    url = new_queue(sqs)
    attrs = {
        name: {"DataType": "String", "StringValue": name}
        for name in ("foo.a", "foo.b", "food", "bar", "baz")
    }
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attrs)
    for names, expected in (
        # "prefix.*" is a plain prefix: "foo.*" takes "food" too, as on AWS ("Hel.*": "Hello").
        (["foo.*"], {"foo.a", "foo.b", "food"}),
        (["*"], set(attrs)),
        (["bar", "nope"], {"bar"}),
        ([".*"], set(attrs)),
        (["All"], set(attrs)),
    ):
        msg = sqs.receive_message(QueueUrl=url, MessageAttributeNames=names, VisibilityTimeout=0)
        got = msg["Messages"][0]
        assert set(got["MessageAttributes"]) == expected
        chosen = {k: attrs[k] for k in expected}
        assert got["MD5OfMessageAttributes"] == reference_md5(chosen)


def test_system_attributes(sqs: Any, sqs_server: Any) -> None:
    url = new_queue(sqs)
    before = int(time.time() * 1000)
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="x",
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": trace}},
    )
    trace_attr = {"AWSTraceHeader": {"DataType": "String", "StringValue": trace}}
    assert sent["MD5OfMessageSystemAttributes"] == reference_md5(trace_attr)
    msg = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"][0]
    attrs = msg["Attributes"]
    assert attrs["SenderId"] == sqs_server.account_id
    assert attrs["AWSTraceHeader"] == trace
    assert attrs["ApproximateReceiveCount"] == "1"
    assert (
        before - 1000
        <= int(attrs["SentTimestamp"])
        <= int(attrs["ApproximateFirstReceiveTimestamp"])
    )
    assert set(attrs) == {
        "SenderId",
        "SentTimestamp",
        "ApproximateReceiveCount",
        "ApproximateFirstReceiveTimestamp",
        "AWSTraceHeader",
    }
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    assert again.get("Messages") is None  # still in flight (30 s)


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        (
            {"a": {"DataType": "String", "StringValue": ""}},
            "Message (user) attribute 'a' must contain a non-empty value of type 'String'.",
        ),
        (
            {"a": {"DataType": "Number", "StringValue": "12x"}},
            "Can't cast the value of message (user) attribute 'a' to a number.",
        ),
        (
            {"a": {"DataType": "Blob", "StringValue": "v"}},
            "The type of message (user) attribute 'a' is invalid. You must use only the "
            "following supported type prefixes: Binary, Number, String.",
        ),
        (
            {f"k{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
            "Number of message attributes [11] exceeds the allowed maximum [10].",
        ),
    ],
)
def test_invalid_message_attributes(sqs: Any, attrs: dict[str, Any], message: str) -> None:
    url = new_queue(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attrs)
    assert error_of(exc) == ("InvalidParameterValue", message, 400)


@pytest.mark.one_engine
@pytest.mark.parametrize("name", ["AWS.x", "amazon.y", ".lead", "trail.", "two..dots", "spa ce"])
def test_reserved_and_malformed_attribute_names(sqs: Any, name: str) -> None:
    url = new_queue(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(
            QueueUrl=url,
            MessageBody="x",
            MessageAttributes={name: {"DataType": "String", "StringValue": "v"}},
        )
    assert error_of(exc)[0] == "InvalidParameterValue"
    assert f"Message attribute name '{name}' is invalid." in error_of(exc)[1]


def test_message_size_limits(sqs: Any) -> None:
    url = new_queue(sqs, MaximumMessageSize="262144")  # the default before 2025-08-04
    sqs.send_message(QueueUrl=url, MessageBody="x" * 262_144)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 262_145)
    assert error_of(exc) == (
        "InvalidParameterValue",
        "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.",
        400,
    )
    # Attributes count: name, type and value bytes.
    attrs = {"ab": {"DataType": "String", "StringValue": "v"}}
    with pytest.raises(ClientError):
        sqs.send_message(QueueUrl=url, MessageBody="x" * (262_144 - 8), MessageAttributes=attrs)
    sqs.send_message(QueueUrl=url, MessageBody="x" * (262_144 - 9), MessageAttributes=attrs)
    big = new_queue(sqs, MaximumMessageSize="1048576")
    sqs.send_message(QueueUrl=big, MessageBody="y" * 1_048_576)
    msg = sqs.receive_message(QueueUrl=big)["Messages"][0]
    assert len(msg["Body"]) == 1_048_576
    small = new_queue(sqs, MaximumMessageSize="1024")
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=small, MessageBody="z" * 1025)
    assert "shorter than 1024 bytes" in error_of(exc)[1]


@pytest.mark.one_engine
@pytest.mark.parametrize(("char", "code"), [("\x00", "0"), ("\x1f", "1F"), ("\ufffe", "FFFE")])
def test_invalid_characters_in_body(sqs: Any, char: str, code: str) -> None:
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="kept")
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody=f"bad{char}body")
    assert error_of(exc) == (
        "InvalidMessageContents",
        f"Invalid binary character '#x{code}' was found in the message body, the set of allowed "
        "characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to "
        "#x10FFFF",
        400,
    )
    bodies = [
        m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert bodies == ["kept"]


def test_allowed_characters_round_trip(sqs: Any) -> None:
    url = new_queue(sqs)
    body = "tab\there\nnew\rret \ud7ff \ue000 \ufffd \U0001f600 \U0010ffff"
    sqs.send_message(QueueUrl=url, MessageBody=body)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == body


def test_delay_seconds(sqs: Any) -> None:
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=2)
    sqs.send_message(QueueUrl=url, MessageBody="now")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in first] == ["now"]
    later = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert [m["Body"] for m in later] == ["later"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert error_of(exc) == (
        "InvalidParameterValue",
        "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and "
        "<= 900.",
        400,
    )


def test_delay_queue_default(sqs: Any) -> None:
    url = new_queue(sqs, DelaySeconds="2")
    sqs.send_message(QueueUrl=url, MessageBody="delayed by the queue")
    sqs.send_message(QueueUrl=url, MessageBody="not delayed", DelaySeconds=0)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["not delayed"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("MaxNumberOfMessages", 0),
        ("MaxNumberOfMessages", 11),
        ("WaitTimeSeconds", 21),
        ("VisibilityTimeout", 43201),
    ],
)
def test_receive_parameter_limits(sqs: Any, param: str, value: int) -> None:
    url = new_queue(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=url, **{param: value})
    low, high = {
        "MaxNumberOfMessages": (1, 10),
        "WaitTimeSeconds": (0, 20),
        "VisibilityTimeout": (0, 43200),
    }[param]
    assert error_of(exc) == (
        "InvalidParameterValue",
        f"Value {value} for parameter {param} is invalid. Reason: Must be between {low} and "
        f"{high}, if provided.",
        400,
    )


def test_receive_up_to_ten(sqs: Any) -> None:
    url = new_queue(sqs)
    for start in (0, 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": f"e{i}", "MessageBody": f"m{start + i}"} for i in range(10)],
        )
    seen: set[str] = set()
    for _ in range(10):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        assert len(got) <= 10
        seen |= {m["Body"] for m in got}
        if len(seen) == 20:
            break
    assert seen == {f"m{i}" for i in range(20)}


def test_visibility_timeout_and_change(sqs: Any) -> None:
    url = new_queue(sqs, VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="v")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0
    )
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    msg = second["Messages"][0]
    assert (msg["MessageId"], msg["Attributes"]["ApproximateReceiveCount"]) == (
        first["MessageId"],
        "2",
    )
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=43201
        )
    assert error_of(exc)[0] == "InvalidParameterValue"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=10
        )
    handle = msg["ReceiptHandle"]
    assert error_of(exc) == (
        "InvalidParameterValue",
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist "
        "or is not available for visibility timeout change.",
        400,
    )


def test_invalid_receipt_handle(sqs: Any) -> None:
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="survives")
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid) as exc:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    assert error_of(exc) == (
        "ReceiptHandleIsInvalid",
        'The input receipt handle "garbage" is not a valid receipt handle.',
        404,
    )
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="garbage", VisibilityTimeout=5)
    assert error_of(exc)[0] == "ReceiptHandleIsInvalid"
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "survives"


def test_stale_receipt_deletes_nothing(sqs: Any) -> None:
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="again")
    old = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    new = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=old["ReceiptHandle"])
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["MessageId"] == new["MessageId"]


@pytest.mark.one_engine
def test_attribute_names_take_unicode_letters_values_take_xml_characters(sqs: Any) -> None:
    url = new_queue(sqs)
    accepted = {"attr.1øßä": {"DataType": "String", "StringValue": "ok"}}
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=accepted)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert got["MessageAttributes"] == accepted
    for name in ("a§b", "a!b"):
        with pytest.raises(ClientError) as exc:
            sqs.send_message(
                QueueUrl=url,
                MessageBody="x",
                MessageAttributes={name: {"DataType": "String", "StringValue": "v"}},
            )
        assert error_of(exc)[0] == "InvalidParameterValue"
    # A String value has the body's character restrictions.
    bad = {"attr1": {"DataType": "String", "StringValue": "Invalid-\x08,\x0b"}}
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=bad)
    assert error_of(exc) == (
        "InvalidParameterValue",
        "Invalid binary character '#x8' was found in the value of message (user) attribute "
        "'attr1', the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
        "#xFFFD | #x10000 to #x10FFFF",
        400,
    )


@pytest.mark.one_engine
def test_queue_url_may_be_the_bare_queue_name(sqs: Any) -> None:
    name = unique()
    sqs.create_queue(QueueName=name)
    sent = sqs.send_message(QueueUrl=name, MessageBody="Using name instead of URL")
    assert sent["MD5OfMessageBody"] == "86a83f96652a1bfad3891e7d523750cb"
    assert sqs.receive_message(QueueUrl=name)["Messages"][0]["MessageId"] == sent["MessageId"]
