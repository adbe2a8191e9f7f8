"""Server-side encryption of SQS messages at rest (services/sqs/encryption.py), through a real
server per queue engine and wire protocol: what the queue engine keeps is read back directly
(sqlite file, postgres rows) and must not contain the message; ReceiveMessage must return it
exactly. Also: KmsMasterKeyId (alias/aws/sqs honoured, any other key fails SendMessage as a
key that does not exist does on AWS), and redrive / move tasks keeping bodies intact."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from typing import Any

import asyncpg
import pytest
import yaml
from botocore.exceptions import ClientError
from sqskit import error_of, unique

SEALED_PREFIX = "\x00E1"
ATTRS = {
    "color": {"DataType": "String", "StringValue": "attr-secret-blue"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x01\x02attr-binary-secret"},
    "count": {"DataType": "Number", "StringValue": "42"},
}
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"


def engine_of(server: Any) -> str:
    config = yaml.safe_load((server.data_dir / "ownstack.yaml").read_text())
    return str(config["backends"]["queue"]["engine"])


def stored_row(server: Any, message_id: str) -> tuple[str, bytes] | None:
    """(body, attributes) as the queue engine keeps them; None for the memory engine."""
    engine = engine_of(server)
    if engine == "sqlite":
        uri = f"file:{server.data_dir / 'queues.db'}?mode=ro"
        with sqlite3.connect(uri, uri=True) as db:
            row = db.execute(
                "SELECT body, attributes FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        assert row is not None
        return str(row[0]), bytes(row[1])
    if engine == "postgres":
        return asyncio.run(_postgres_row(server, message_id))
    return None


async def _postgres_row(server: Any, message_id: str) -> tuple[str, bytes]:
    from conformance import kit  # type: ignore[import-not-found]

    options = kit.postgres_options(server.data_dir)
    conn = await asyncpg.connect(options["dsn"], timeout=3)
    try:
        row = await conn.fetchrow(
            f'SELECT body, attributes FROM "{options["schema"]}".messages WHERE id = $1',
            message_id,
        )
    finally:
        await conn.close()
    assert row is not None
    return bytes(row["body"]).decode(), bytes(row["attributes"])


def assert_sealed(server: Any, message_id: str, body: str) -> None:
    row = stored_row(server, message_id)
    if row is None:
        return
    stored_body, stored_attrs = row
    assert stored_body.startswith(SEALED_PREFIX)
    assert body not in stored_body
    for secret in (b"attr-secret-blue", b"attr-binary-secret", b"color", TRACE.encode()):
        assert secret not in stored_attrs


def assert_plain(server: Any, message_id: str, body: str) -> None:
    row = stored_row(server, message_id)
    if row is not None:
        assert row[0] == body


def send_full(sqs: Any, url: str, body: str) -> dict[str, Any]:
    sent: dict[str, Any] = sqs.send_message(
        QueueUrl=url,
        MessageBody=body,
        MessageAttributes=ATTRS,
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": TRACE}},
    )
    return sent


def receive_all(sqs: Any, url: str, count: int = 1) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while len(got) < count and time.monotonic() < deadline:
        answer = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            WaitTimeSeconds=1,
        )
        got.extend(answer.get("Messages", []))
    return got


def assert_received_exactly(got: dict[str, Any], sent: dict[str, Any], body: str) -> None:
    assert got["MessageId"] == sent["MessageId"]
    assert got["Body"] == body
    assert got["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert got["MessageAttributes"] == ATTRS
    assert got["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert got["Attributes"]["AWSTraceHeader"] == TRACE


def secret() -> str:
    return f"body-secret-{uuid.uuid4().hex} \u00e9\U0001f600"


def test_default_queue_encrypts_at_rest(sqs: Any, sqs_server: Any) -> None:
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["SqsManagedSseEnabled"])
    assert attrs["Attributes"] == {"SqsManagedSseEnabled": "true"}
    body = secret()
    sent = send_full(sqs, url, body)
    assert_sealed(sqs_server, sent["MessageId"], body)
    [got] = receive_all(sqs, url)
    assert_received_exactly(got, sent, body)


def test_batch_and_fifo_messages_are_encrypted(sqs: Any, sqs_server: Any) -> None:
    url = sqs.create_queue(
        QueueName=unique() + ".fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    bodies = [secret(), secret()]
    entries = [
        {"Id": str(i), "MessageBody": b, "MessageGroupId": "g", "MessageAttributes": ATTRS}
        for i, b in enumerate(bodies)
    ]
    sent = sqs.send_message_batch(QueueUrl=url, Entries=entries)["Successful"]
    for one, body in zip(sent, bodies, strict=True):
        assert_sealed(sqs_server, one["MessageId"], body)
    again = sqs.send_message(QueueUrl=url, MessageBody=bodies[0], MessageGroupId="g")
    assert again["MessageId"] == sent[0]["MessageId"]  # content-based dedup on the plain body
    got = receive_all(sqs, url, 2)
    assert [m["Body"] for m in got] == bodies
    assert [m["MD5OfBody"] for m in got] == [s["MD5OfMessageBody"] for s in sent]
    assert all(m["MessageAttributes"] == ATTRS for m in got)


def test_queue_without_sse_stores_plain_text(sqs: Any, sqs_server: Any) -> None:
    url = sqs.create_queue(QueueName=unique(), Attributes={"SqsManagedSseEnabled": "false"})[
        "QueueUrl"
    ]
    body = secret()
    sent = send_full(sqs, url, body)
    assert_plain(sqs_server, sent["MessageId"], body)
    [got] = receive_all(sqs, url)
    assert_received_exactly(got, sent, body)


def test_message_sent_before_sse_was_switched_on_still_reads(sqs: Any, sqs_server: Any) -> None:
    url = sqs.create_queue(QueueName=unique(), Attributes={"SqsManagedSseEnabled": "false"})[
        "QueueUrl"
    ]
    before, after = secret(), secret()
    sent_before = send_full(sqs, url, before)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"SqsManagedSseEnabled": "true"})
    sent_after = send_full(sqs, url, after)
    assert_plain(sqs_server, sent_before["MessageId"], before)
    assert_sealed(sqs_server, sent_after["MessageId"], after)
    got = {m["MessageId"]: m for m in receive_all(sqs, url, 2)}
    assert_received_exactly(got[sent_before["MessageId"]], sent_before, before)
    assert_received_exactly(got[sent_after["MessageId"]], sent_after, after)
    # and back off: what was sealed still reads
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"SqsManagedSseEnabled": "false"})
    for m in got.values():
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
        )
    assert {m["Body"] for m in receive_all(sqs, url, 2)} == {before, after}


@pytest.mark.parametrize("key", ["alias/aws/sqs", "arn:aws:kms:us-east-1:{account}:alias/aws/sqs"])
def test_aws_managed_kms_key_encrypts(sqs: Any, sqs_server: Any, key: str) -> None:
    key = key.format(account=sqs_server.account_id)
    url = sqs.create_queue(QueueName=unique(), Attributes={"KmsMasterKeyId": key})["QueueUrl"]
    names = ["KmsMasterKeyId", "SqsManagedSseEnabled", "KmsDataKeyReusePeriodSeconds"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert attrs == {
        "KmsMasterKeyId": key,
        "SqsManagedSseEnabled": "false",
        "KmsDataKeyReusePeriodSeconds": "300",
    }
    body = secret()
    sent = send_full(sqs, url, body)
    assert_sealed(sqs_server, sent["MessageId"], body)
    [got] = receive_all(sqs, url)
    assert_received_exactly(got, sent, body)


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("testKeyId", "Invalid keyId testKeyId"),
        ("alias/mine", "Alias arn:aws:kms:us-east-1:{account}:alias/mine is not found."),
        (
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "Key 'arn:aws:kms:us-east-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab' "
            "does not exist",
        ),
        (
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "Key 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' "
            "does not exist",
        ),
    ],
)
def test_unknown_kms_key_fails_send(sqs: Any, sqs_server: Any, key: str, message: str) -> None:
    message = message.format(account=sqs_server.account_id)
    url = sqs.create_queue(QueueName=unique(), Attributes={"KmsMasterKeyId": key})["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert error_of(exc) == ("KMS.NotFoundException", message, 400)
    with pytest.raises(ClientError) as exc:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "hello"}])
    assert error_of(exc) == ("KMS.NotFoundException", message, 400)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    # Set to the managed key, the queue works.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert [m["MessageId"] for m in receive_all(sqs, url)] == [sent["MessageId"]]


@pytest.mark.one_engine
def test_unknown_kms_key_over_json_has_the_modeled_type(sqs: Any) -> None:
    url = sqs.create_queue(QueueName=unique(), Attributes={"KmsMasterKeyId": "nokey"})["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="hello")
    if sqs.meta.service_model.protocol == "json":
        assert isinstance(exc.value, sqs.exceptions.KmsNotFound)
        headers = exc.value.response["ResponseMetadata"]["HTTPHeaders"]
        assert headers["x-amzn-query-error"] == "KMS.NotFoundException;Sender"


def queue_with_arn(sqs: Any, **attrs: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=unique(), Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def wait_task(sqs: Any, source_arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        task: dict[str, Any] = sqs.list_message_move_tasks(SourceArn=source_arn)["Results"][0]
        if task["Status"] != "RUNNING":
            return task
        time.sleep(0.2)
    raise AssertionError("the move task did not finish")


def test_redrive_and_move_task_keep_bodies(sqs: Any, sqs_server: Any) -> None:
    # The DLQ has SSE off: a sealed message redriven into it stays sealed and still reads.
    dlq, dlq_arn = queue_with_arn(sqs, SqsManagedSseEnabled="false")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    src, _ = queue_with_arn(sqs, RedrivePolicy=policy)
    body = secret()
    sent = send_full(sqs, src, body)
    sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    [dead] = receive_all(sqs, dlq)
    assert_received_exactly(dead, sent, body)
    assert_sealed(sqs_server, sent["MessageId"], body)
    sqs.change_message_visibility(
        QueueUrl=dlq, ReceiptHandle=dead["ReceiptHandle"], VisibilityTimeout=0
    )
    sqs.start_message_move_task(SourceArn=dlq_arn)
    assert wait_task(sqs, dlq_arn)["Status"] == "COMPLETED"
    [back] = receive_all(sqs, src)
    assert_received_exactly(back, sent, body)
