"""Dead-letter queues: RedrivePolicy, RedriveAllowPolicy, ListDeadLetterSourceQueues, message
move tasks, retention."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqskit import error_of, unique


def queue_with_arn(sqs: Any, name: str | None = None, **attrs: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name or unique(), Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def redrive(arn: str, count: int | str) -> str:
    return json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": count})


def test_message_moves_to_dlq_after_max_receives(sqs: Any) -> None:
    dlq, dlq_arn = queue_with_arn(sqs)
    src, src_arn = queue_with_arn(sqs, RedrivePolicy=redrive(dlq_arn, "2"))
    sent = sqs.send_message(QueueUrl=src, MessageBody="poison")
    for expected in ("1", "2"):
        got = sqs.receive_message(QueueUrl=src, VisibilityTimeout=0, AttributeNames=["All"])
        assert got["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == expected
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    moved = sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["All"])["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in moved] == [(sent["MessageId"], "poison")]
    attrs = moved[0]["Attributes"]
    assert attrs["DeadLetterQueueSourceArn"] == src_arn
    assert attrs["ApproximateReceiveCount"] == "1"


@pytest.mark.one_engine
def test_redrive_policy_is_normalized_and_listed(sqs: Any) -> None:
    dlq, dlq_arn = queue_with_arn(sqs)
    src, _ = queue_with_arn(sqs, RedrivePolicy=redrive(dlq_arn, "5"))
    stored = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])
    assert json.loads(stored["Attributes"]["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": 5,
    }
    other, _ = queue_with_arn(sqs)
    sqs.set_queue_attributes(QueueUrl=other, Attributes={"RedrivePolicy": redrive(dlq_arn, 3)})
    sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]
    assert sorted(sources) == sorted([src, other])
    page = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=1)
    assert len(page["queueUrls"]) == 1 and "NextToken" in page
    rest = sqs.list_dead_letter_source_queues(
        QueueUrl=dlq, MaxResults=1, NextToken=page["NextToken"]
    )
    assert sorted(page["queueUrls"] + rest["queueUrls"]) == sorted(sources)
    sqs.set_queue_attributes(QueueUrl=other, Attributes={"RedrivePolicy": ""})
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (
            {"maxReceiveCount": 3},
            "Redrive policy does not contain mandatory attribute: deadLetterTargetArn",
        ),
        (
            {"deadLetterTargetArn": "DLQ", "maxReceiveCount": 0},
            "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive",
        ),
        # A malformed ARN is refused before any lookup, in its own words.
        (
            {"deadLetterTargetArn": "dummy", "maxReceiveCount": 42},
            "Invalid value for deadLetterTargetArn",
        ),
        (
            {
                "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:missing-dlq",
                "maxReceiveCount": 3,
            },
            "Dead letter target does not exist",
        ),
    ],
)
def test_invalid_redrive_policies(sqs: Any, policy: dict[str, Any], reason: str) -> None:
    _, dlq_arn = queue_with_arn(sqs)
    if policy.get("deadLetterTargetArn") == "DLQ":
        policy["deadLetterTargetArn"] = dlq_arn
    text = json.dumps(policy)
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={"RedrivePolicy": text})
    assert error_of(exc) == (
        "InvalidParameterValue",
        f"Value {text} for parameter RedrivePolicy is invalid. Reason: {reason}.",
        400,
    )


@pytest.mark.one_engine
def test_dlq_must_be_of_the_same_type(sqs: Any) -> None:
    _, fifo_arn = queue_with_arn(sqs, unique() + ".fifo", FifoQueue="true")
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={"RedrivePolicy": redrive(fifo_arn, 1)})
    assert "Dead-letter queue must be same type of queue as the source" in error_of(exc)[1]


@pytest.mark.one_engine
def test_redrive_allow_policy(sqs: Any) -> None:
    allowed_name = unique()
    allowed_arn = f"arn:aws:sqs:us-east-1:123456789012:{allowed_name}"
    allow = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [allowed_arn]})
    dlq, dlq_arn = queue_with_arn(sqs, RedriveAllowPolicy=allow)
    stored = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["RedriveAllowPolicy"])
    assert json.loads(stored["Attributes"]["RedriveAllowPolicy"]) == json.loads(allow)
    queue_with_arn(sqs, allowed_name, RedrivePolicy=redrive(dlq_arn, 1))
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={"RedrivePolicy": redrive(dlq_arn, 1)})
    assert error_of(exc)[0] == "InvalidParameterValue"
    assert "does not allow" in error_of(exc)[1]
    deny = json.dumps({"redrivePermission": "denyAll"})
    _, denied_arn = queue_with_arn(sqs, RedriveAllowPolicy=deny)
    with pytest.raises(ClientError):
        sqs.create_queue(QueueName=unique(), Attributes={"RedrivePolicy": redrive(denied_arn, 1)})
    for bad in (
        {"redrivePermission": "sometimes"},
        {"redrivePermission": "byQueue", "sourceQueueArns": []},
        {"redrivePermission": "allowAll", "sourceQueueArns": [allowed_arn]},
    ):
        with pytest.raises(ClientError) as exc:
            sqs.create_queue(QueueName=unique(), Attributes={"RedriveAllowPolicy": json.dumps(bad)})
        assert error_of(exc)[0] == "InvalidParameterValue"


def dead_letter(sqs: Any, src: str, count: int) -> None:
    """Send `count` messages to `src` (maxReceiveCount 1) and receive them past the limit."""
    sqs.send_message_batch(
        QueueUrl=src, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(count)]
    )
    received = 0
    while received < count:
        received += len(
            sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
                "Messages", []
            )
        )
    assert "Messages" not in sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)


def wait_task(sqs: Any, source_arn: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task: dict[str, Any] = sqs.list_message_move_tasks(SourceArn=source_arn)["Results"][0]
        if task["Status"] not in ("RUNNING", "CANCELLING"):
            return task
        time.sleep(0.1)
    raise AssertionError("the move task did not finish")


@pytest.mark.slow  # waits for a move task
def test_move_task_back_to_source(sqs: Any) -> None:
    _, dlq_arn = queue_with_arn(sqs)
    src, _ = queue_with_arn(sqs, RedrivePolicy=redrive(dlq_arn, 1))
    dead_letter(sqs, src, 4)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    task = wait_task(sqs, dlq_arn)
    assert task["Status"] == "COMPLETED"
    assert (
        task["ApproximateNumberOfMessagesMoved"],
        task["ApproximateNumberOfMessagesToMove"],
    ) == (4, 4)
    assert "TaskHandle" not in task and task["SourceArn"] == dlq_arn
    bodies: set[str] = set()
    while len(bodies) < 4:
        bodies |= {
            m["Body"] for m in sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)["Messages"]
        }
    assert bodies == {f"m{i}" for i in range(4)}


@pytest.mark.slow  # waits for a move task
def test_move_task_to_destination_is_rate_limited(sqs: Any) -> None:
    _, dlq_arn = queue_with_arn(sqs)
    src, _ = queue_with_arn(sqs, RedrivePolicy=redrive(dlq_arn, 1))
    target, target_arn = queue_with_arn(sqs)
    dead_letter(sqs, src, 5)
    started = time.monotonic()
    sqs.start_message_move_task(
        SourceArn=dlq_arn, DestinationArn=target_arn, MaxNumberOfMessagesPerSecond=2
    )
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=target_arn)
    assert error_of(exc) == (
        "InvalidParameterValue",
        "There is already a task running. Only one active task is allowed for a source queue arn "
        "at a given time.",
        400,
    )
    task = wait_task(sqs, dlq_arn)
    assert time.monotonic() - started >= 2.0  # 2, 2, 1 messages: three one-second steps
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 5)
    assert (task["DestinationArn"], task["MaxNumberOfMessagesPerSecond"]) == (target_arn, 2)
    attrs = sqs.get_queue_attributes(QueueUrl=target, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "5"


@pytest.mark.slow  # waits for a move task
def test_cancel_move_task(sqs: Any) -> None:
    _, dlq_arn = queue_with_arn(sqs)
    src, _ = queue_with_arn(sqs, RedrivePolicy=redrive(dlq_arn, 1))
    dead_letter(sqs, src, 6)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"
    ]
    running = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert [(t["Status"], t["TaskHandle"]) for t in running] == [("RUNNING", handle)]
    time.sleep(1.2)
    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert 1 <= moved < 6
    task = wait_task(sqs, dlq_arn)
    assert task["Status"] == "CANCELLED"
    assert task["ApproximateNumberOfMessagesMoved"] < 6
    with pytest.raises(ClientError) as exc:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert error_of(exc)[0] == "ResourceNotFoundException"


@pytest.mark.one_engine
def test_move_task_errors(sqs: Any) -> None:
    _, plain_arn = queue_with_arn(sqs)
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn=plain_arn)
    assert error_of(exc) == (
        "InvalidParameterValue",
        "Source queue must be configured as a Dead Letter Queue.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn="arn:aws:sqs:us-east-1:123456789012:nope")
    assert error_of(exc)[0] == "ResourceNotFoundException"
    assert error_of(exc)[2] == 404


@pytest.mark.slow  # waits for a move task
def test_cancel_checks_the_handle_then_its_source_then_the_task(sqs: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sqs.cancel_message_move_task(TaskHandle="foobared")
    assert error_of(exc) == (
        "InvalidParameterValue",
        "Value for parameter TaskHandle is invalid.",
        400,
    )
    dlq, dlq_arn = queue_with_arn(sqs)
    src, _ = queue_with_arn(sqs, RedrivePolicy=redrive(dlq_arn, 1))
    dead_letter(sqs, src, 1)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    wait_task(sqs, dlq_arn)
    # Same source, a task that never existed (the handle names its task's start time).
    key = base64.urlsafe_b64decode(handle).decode()
    other = base64.urlsafe_b64encode(f"{key[:-20]}{0:020d}".encode()).decode()
    with pytest.raises(ClientError) as exc:
        sqs.cancel_message_move_task(TaskHandle=other)
    assert error_of(exc) == ("ResourceNotFoundException", "Task does not exist.", 404)
    sqs.delete_queue(QueueUrl=dlq)
    with pytest.raises(ClientError) as exc:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The resource that you specified for the SourceArn parameter doesn't exist.",
        404,
    )
