"""N ownstack processes behind one load balancer behave as one: what is written through one
is read through another at once, conditions hold across them, a message is received once."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_put_through_one_is_read_and_listed_through_the_others(cluster: list[Any]) -> None:
    writer, *readers = (server.client("s3") for server in cluster)
    bucket = _name("shared")
    writer.create_bucket(Bucket=bucket)
    for round_ in range(20):
        key = f"k/{round_}"
        body = f"body {round_}".encode()
        writer.put_object(Bucket=bucket, Key=key, Body=body)
        for reader in readers:  # strong read-after-write, whichever process answers
            assert reader.get_object(Bucket=bucket, Key=key)["Body"].read() == body
            listed = reader.list_objects_v2(Bucket=bucket, Prefix=key)["Contents"]
            assert [o["Key"] for o in listed] == [key]
    writer.delete_object(Bucket=bucket, Key="k/0")
    for reader in readers:
        with pytest.raises(ClientError) as info:
            reader.head_object(Bucket=bucket, Key="k/0")
        assert info.value.response["Error"]["Code"] == "404"


def test_conditional_puts_from_every_process_have_exactly_one_winner(
    cluster: list[Any],
) -> None:
    clients = [server.client("s3") for server in cluster]
    bucket = _name("cond")
    clients[0].create_bucket(Bucket=bucket)
    for round_ in range(10):
        outcomes = _race(clients, bucket, f"race/{round_}")
        winners = [o for o in outcomes if o.startswith("won:")]
        assert len(winners) == 1, outcomes
        losers = {o for o in outcomes if o not in winners}
        assert losers <= {"PreconditionFailed", "ConditionalRequestConflict"}, outcomes
        stored = clients[-1].get_object(Bucket=bucket, Key=f"race/{round_}")["Body"].read()
        assert "won:" + stored.decode() == winners[0]


def _race(clients: list[Any], bucket: str, key: str) -> list[str]:
    """Two If-None-Match: * PUTs of one key through each process, released at once."""
    outcomes: list[str] = []
    start = threading.Barrier(len(clients) * 2)

    def put(client: Any, body: bytes) -> None:
        start.wait()
        try:
            client.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*")
            outcomes.append("won:" + body.decode())
        except ClientError as err:
            outcomes.append(err.response["Error"]["Code"])

    threads = [
        threading.Thread(target=put, args=(client, f"{i}-{j}".encode()))
        for i, client in enumerate(clients)
        for j in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_multipart_parts_through_different_processes_complete(cluster: list[Any]) -> None:
    clients = [server.client("s3") for server in cluster]
    bucket = _name("mpu")
    clients[0].create_bucket(Bucket=bucket)
    upload = clients[0].create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    parts, whole = [], b""
    for number in range(1, 4):
        body = bytes([number]) * (5 * 1024 * 1024 if number < 3 else 1234)
        client = clients[number % len(clients)]
        etag = client.upload_part(
            Bucket=bucket, Key="big", UploadId=upload, PartNumber=number, Body=body
        )["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
        whole += body
    listed = clients[2].list_parts(Bucket=bucket, Key="big", UploadId=upload)["Parts"]
    assert [p["PartNumber"] for p in listed] == [1, 2, 3]
    clients[1].complete_multipart_upload(
        Bucket=bucket, Key="big", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    got = clients[2].get_object(Bucket=bucket, Key="big")["Body"].read()
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(whole).hexdigest()


def test_sqs_message_sent_through_one_is_received_once_through_another(
    cluster: list[Any],
) -> None:
    sqs = [server.client("sqs") for server in cluster]
    url = sqs[0].create_queue(QueueName=_name("q"))["QueueUrl"]
    sent = {sqs[0].send_message(QueueUrl=url, MessageBody=f"m{i}")["MessageId"] for i in range(30)}
    seen: list[str] = []
    deadline = time.monotonic() + 20
    while len(seen) < len(sent) and time.monotonic() < deadline:
        for client in sqs[1:]:
            got = client.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=60
            ).get("Messages", [])
            seen.extend(m["MessageId"] for m in got)
            for message in got:
                client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sorted(seen) == sorted(sent)  # every message, none twice


def test_long_poll_on_one_process_wakes_on_a_send_through_another(cluster: list[Any]) -> None:
    sqs = [server.client("sqs") for server in cluster]
    url = sqs[0].create_queue(QueueName=_name("wake"))["QueueUrl"]
    delays = [_wake_delay(sqs[1], sqs[2], url) for _ in range(3)]
    # The bar is on the server's wake-up; the clients' HTTP round trips add to what is measured.
    assert min(delays) < 0.05, delays


def _wake_delay(receiver: Any, sender: Any, url: str) -> float:
    """Seconds from a send through `sender` to the answer of a long poll through `receiver`."""
    result: dict[str, Any] = {}

    def poll() -> None:
        result["got"] = receiver.receive_message(QueueUrl=url, WaitTimeSeconds=10)
        result["at"] = time.monotonic()

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.5)
    sent_at = time.monotonic()
    sender.send_message(QueueUrl=url, MessageBody="wake")
    waiter.join(15)
    (message,) = result["got"]["Messages"]
    receiver.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return float(result["at"] - sent_at)


def test_iam_user_created_through_one_signs_against_another(cluster: list[Any]) -> None:
    iam = cluster[0].client("iam")
    name = _name("user")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    deadline = time.monotonic() + 5
    while True:
        try:
            who = (
                cluster[2]
                .client(
                    "sts",
                    aws_access_key_id=key["AccessKeyId"],
                    aws_secret_access_key=key["SecretAccessKey"],
                )
                .get_caller_identity()
            )
            break
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert who["Arn"].endswith(f":user/{name}")
