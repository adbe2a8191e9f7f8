"""Asynchronous invocation against a real server: queued durably (202), retried as AWS
retries (the delays shortened by the server's `limits.lambda.async_retry_delays`), then the
OnFailure destination or the dead-letter queue; OnSuccess records; events queued before a
SIGKILL run after the restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from invokekit import eventually, python_function
from lambdakit import lambda_role, unique

COUNTS = (
    "import boto3, os\n"
    "def handler(event, context):\n"
    "    s3 = boto3.client('s3')\n"
    "    key = context.aws_request_id + '/' + os.urandom(4).hex()\n"
    "    s3.put_object(Bucket=event['bucket'], Key=key, Body=b'1')\n"
    "    if event.get('fail'):\n"
    "        raise RuntimeError('asked to fail')\n"
    "    return {'done': event['bucket']}\n"
)
FAST_RETRIES = "limits:\n  lambda:\n    async_retry_delays: [0.2, 0.2]\n"
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def fast(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data = tmp_path_factory.mktemp("async") / "data"
    data.mkdir(parents=True)
    (data / "ownstack.yaml").write_text(FAST_RETRIES)
    handle = launch_server(data)
    try:
        yield handle
    finally:
        handle.stop()


def _setup(server: Any) -> tuple[Any, Any, Any, str]:
    lam, iam, s3 = server.client("lambda"), server.client("iam"), server.client("s3")
    role_name = unique("role")
    role = lambda_role(iam, role_name)
    iam.put_role_policy(RoleName=role_name, PolicyName="all", PolicyDocument=json.dumps(ADMIN))
    return lam, s3, server.client("sqs"), role


def _objects(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _one_message(sqs: Any, url: str) -> dict[str, Any] | None:
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get(
        "Messages", []
    )
    return got[0] if got else None


def test_event_is_accepted_and_runs(fast: Any) -> None:
    lam, s3, sqs, role = _setup(fast)
    bucket = unique("b")
    s3.create_bucket(Bucket=bucket)
    name = python_function(lam, role, COUNTS)
    queue = sqs.create_queue(QueueName=unique("ok"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    out = lam.invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"bucket": bucket})
    )
    assert out["StatusCode"] == 202
    message = eventually(lambda: _one_message(sqs, queue))
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["requestPayload"] == {"bucket": bucket}
    assert record["responsePayload"] == {"done": bucket}
    assert len(_objects(s3, bucket)) == 1


def test_failures_are_retried_twice_then_go_to_on_failure(fast: Any) -> None:
    lam, s3, sqs, role = _setup(fast)
    bucket = unique("b")
    s3.create_bucket(Bucket=bucket)
    name = python_function(lam, role, COUNTS)
    queue = sqs.create_queue(QueueName=unique("failed"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    lam.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"bucket": bucket, "fail": True}),
    )
    message = eventually(lambda: _one_message(sqs, queue))
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "asked to fail"
    assert len(_objects(s3, bucket)) == 3  # the first run and two retries


def test_no_retries_and_a_dead_letter_queue(fast: Any) -> None:
    lam, s3, sqs, role = _setup(fast)
    bucket = unique("b")
    s3.create_bucket(Bucket=bucket)
    queue = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    name = python_function(lam, role, COUNTS, DeadLetterConfig={"TargetArn": arn})
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    event = {"bucket": bucket, "fail": True}
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(event))
    message = eventually(lambda: _one_message(sqs, queue))
    assert json.loads(message["Body"]) == event
    attributes = message["MessageAttributes"]
    assert attributes["ErrorMessage"]["StringValue"] == "asked to fail"
    assert attributes["RequestID"]["StringValue"]
    assert len(_objects(s3, bucket)) == 1


def test_events_queued_before_a_kill_run_after_restart(fresh_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    # A taken event of the killed process is free again after async_visibility_s (AWS-like
    # default 20 s); 3 s still leaves the running worker two renewals (every 1 s) of slack.
    quick = "limits:\n  lambda:\n    throttle_backoff_s: [0.5, 1]\n    async_visibility_s: 3\n"
    server = fresh_server(data, config_yaml=quick)
    lam, s3, _, role = _setup(server)
    bucket = unique("b")
    s3.create_bucket(Bucket=bucket)
    name = python_function(lam, role, COUNTS)
    # No concurrency: the event stays queued (throttled) until the reservation goes.
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    out = lam.invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"bucket": bucket})
    )
    assert out["StatusCode"] == 202
    server.process.kill()  # SIGKILL: nothing is flushed or closed
    server.process.wait()
    server = fresh_server(data)
    lam, s3 = server.client("lambda"), server.client("s3")
    assert _objects(s3, bucket) == []
    lam.delete_function_concurrency(FunctionName=name)
    assert len(eventually(lambda: _objects(s3, bucket), timeout=60)) == 1


def _queue_allowing(sqs: Any, service: str, source: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": source}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def test_destinations_on_a_topic_and_an_event_bus(fast: Any) -> None:
    lam, s3, sqs, role = _setup(fast)
    sns, events = fast.client("sns"), fast.client("events")
    bucket = unique("b")
    s3.create_bucket(Bucket=bucket)
    topic = sns.create_topic(Name=unique("t"))["TopicArn"]
    via_topic, via_topic_arn = _queue_allowing(sqs, "sns.amazonaws.com", topic)
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=via_topic_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    rule = events.put_rule(
        Name=unique("r"),
        EventPattern=json.dumps(
            {"source": ["lambda"], "detail-type": ["Lambda Function Invocation Result - Failure"]}
        ),
    )["RuleArn"]
    via_bus, via_bus_arn = _queue_allowing(sqs, "events.amazonaws.com", rule)
    events.put_targets(Rule=rule.rpartition("/")[2], Targets=[{"Id": "q", "Arn": via_bus_arn}])
    bus = events.describe_event_bus()["Arn"]
    name = python_function(lam, role, COUNTS)
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": topic}, "OnFailure": {"Destination": bus}},
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"bucket": bucket}))
    lam.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"bucket": bucket, "fail": True}),
    )
    success = json.loads(eventually(lambda: _one_message(sqs, via_topic))["Body"])
    assert success["requestContext"]["condition"] == "Success"
    event = json.loads(eventually(lambda: _one_message(sqs, via_bus))["Body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["detail"]["requestContext"]["condition"] == "RetriesExhausted"
    assert event["detail"]["responsePayload"]["errorMessage"] == "asked to fail"
