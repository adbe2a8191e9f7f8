"""No S3 event is lost, against real servers: an event whose destination is missing or refuses
S3 is retried until the destination takes it; events pending when the server is SIGKILLed
are delivered after the restart; and an S3 PUT runs a Lambda function with the event."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from notifykit import (
    ACCOUNT,
    eventually,
    names,
    need_python_functions,
    open_queue,
    queue_arn,
    queue_config,
    receive,
    record_of,
    unique,
)

from ownserver import ServerFactory

pytestmark = pytest.mark.slow


def _skip_validation(s3: Any, bucket: str, arn: str) -> None:
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration=queue_config(arn, ["s3:ObjectCreated:*"], Id="late"),
        SkipDestinationValidation=True,
    )


def test_a_queue_created_after_a_failure_gets_the_event(server: Any) -> None:
    s3, sqs = server.client("s3"), server.client("sqs")
    bucket, name = unique("retry"), unique("later")
    s3.create_bucket(Bucket=bucket)
    _skip_validation(s3, bucket, f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}")
    s3.put_object(Bucket=bucket, Key="early", Body=b"x")
    time.sleep(1.5)  # the first attempts fail: there is no such queue
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    open_queue(sqs, url, [bucket])
    record = record_of(receive(sqs, url, 1, timeout=30)[0])
    assert (record["eventName"], record["s3"]["object"]["key"]) == ("ObjectCreated:Put", "early")
    assert record["s3"]["configurationId"] == "late"


def test_a_queue_that_lets_s3_in_later_gets_the_event(server: Any) -> None:
    s3, sqs = server.client("s3"), server.client("sqs")
    bucket = unique("refused")
    s3.create_bucket(Bucket=bucket)
    url = sqs.create_queue(QueueName=unique("closed"))["QueueUrl"]
    _skip_validation(s3, bucket, queue_arn(sqs, url))
    s3.put_object(Bucket=bucket, Key="waiting", Body=b"x")
    time.sleep(1.5)
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []
    open_queue(sqs, url, [bucket])
    assert names(receive(sqs, url, 1, timeout=30)) == [("ObjectCreated:Put", "waiting")]


def test_events_pending_at_a_sigkill_are_delivered_after_the_restart(
    fresh_server: ServerFactory, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = fresh_server(data)
    s3, sqs = first.client("s3"), first.client("sqs")
    bucket = unique("killed")
    s3.create_bucket(Bucket=bucket)
    url = sqs.create_queue(QueueName=unique("closed"))["QueueUrl"]
    _skip_validation(s3, bucket, queue_arn(sqs, url))
    for i in range(3):
        s3.put_object(Bucket=bucket, Key=f"before/{i}", Body=b"x")
    time.sleep(1.0)  # attempted and refused: now backing off
    s3.put_object(Bucket=bucket, Key="last", Body=b"x")  # killed right after its answer
    first.process.kill()
    first.process.wait()

    second = fresh_server(data)
    sqs = second.client("sqs")
    open_queue(sqs, url, [bucket])
    got = {key for _, key in names(receive(sqs, url, 4, timeout=60))}
    assert got == {"before/0", "before/1", "before/2", "last"}


ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
WRITER = (
    "import boto3, json, os\n"
    "def handler(event, context):\n"
    "    record = event['Records'][0]\n"
    "    boto3.client('s3').put_object(Bucket=os.environ['OUT'],\n"
    "        Key=record['s3']['object']['key'], Body=json.dumps(event).encode())\n"
)


def _package(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.py", code)
    return buf.getvalue()


def _writer_function(server: Any, out_bucket: str) -> str:
    need_python_functions()
    iam, lam = server.client("iam"), server.client("lambda")
    role_name = unique("role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName=role_name, PolicyName="all", PolicyDocument=json.dumps(ADMIN))
    name = unique("writer")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": _package(WRITER)},
        Environment={"Variables": {"OUT": out_bucket}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return str(lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])


def test_a_put_runs_a_lambda_function_with_the_event(server: Any) -> None:
    s3, lam = server.client("s3"), server.client("lambda")
    source, out = unique("source"), unique("out")
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=out)
    arn = _writer_function(server, out)
    config = {
        "LambdaFunctionConfigurations": [
            {"Id": "run", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:Put"]}
        ]
    }
    with pytest.raises(ClientError) as info:  # until the function lets S3 invoke it
        s3.put_bucket_notification_configuration(Bucket=source, NotificationConfiguration=config)
    refused = info.value.response["Error"]
    assert refused["ArgumentValue"] == f"Not authorized to invoke function [{arn}]"
    lam.add_permission(
        FunctionName=arn,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{source}",
        SourceAccount=ACCOUNT,
    )
    s3.put_bucket_notification_configuration(Bucket=source, NotificationConfiguration=config)
    s3.put_object(Bucket=source, Key="in/photo 1.jpg", Body=b"jpeg")

    def written() -> list[str]:
        return [o["Key"] for o in s3.list_objects_v2(Bucket=out).get("Contents", [])]

    assert eventually(written, timeout=60) == ["in/photo+1.jpg"]
    event = json.loads(s3.get_object(Bucket=out, Key="in/photo+1.jpg")["Body"].read())
    record = record_of(event)
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["configurationId"] == "run"
    assert record["s3"]["bucket"]["name"] == source
    assert record["s3"]["object"]["size"] == 4
