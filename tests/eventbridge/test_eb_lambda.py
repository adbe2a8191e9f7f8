"""A Lambda function as a rule's target, against a real server: the function runs in its
sandbox with the event (it forwards it to a queue), once its resource policy lets
events.amazonaws.com invoke it for the rule; without that, the event is dead-lettered."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "awslambda"))

from ebkit import put, receive, target_queue, unique
from invokekit import python_function
from lambdakit import lambda_role

pytestmark = pytest.mark.slow

FORWARD = (
    "import boto3, json, os\n"
    "def handler(event, context):\n"
    "    out = boto3.client('sqs')\n"
    "    out.send_message(QueueUrl=os.environ['OUT'], MessageBody=json.dumps(event))\n"
)
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def _function(server: Any, out_url: str) -> str:
    lam, iam = server.client("lambda"), server.client("iam")
    role_name = unique("role")
    role = lambda_role(iam, role_name)
    iam.put_role_policy(RoleName=role_name, PolicyName="all", PolicyDocument=json.dumps(ADMIN))
    name = python_function(lam, role, FORWARD, Environment={"Variables": {"OUT": out_url}})
    return str(lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])


def test_lambda_target_runs_with_the_event(server: Any, events: Any, sqs: Any) -> None:
    out_url, _ = target_queue(sqs)
    function = _function(server, out_url)
    name = unique("rule")
    source = unique("src")
    rule = events.put_rule(Name=name, EventPattern=json.dumps({"source": [source]}))["RuleArn"]
    server.client("lambda").add_permission(
        FunctionName=function,
        StatementId="events",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule,
    )
    transformer = {"InputPathsMap": {"n": "$.detail.n"}, "InputTemplate": '{"n": <n>}'}
    events.put_targets(
        Rule=name,
        Targets=[
            {"Id": "fn", "Arn": function},
            {"Id": "fn2", "Arn": function, "InputTransformer": transformer},
        ],
    )
    event_id = put(events, Source=source, Detail={"n": 5})["Entries"][0]["EventId"]
    got = [json.loads(m["Body"]) for m in receive(sqs, out_url, 2, timeout=60)]
    whole = [g for g in got if "id" in g]
    assert [g["id"] for g in whole] == [event_id]
    assert {"n": 5} in got


def test_lambda_target_without_permission_is_dead_lettered(
    server: Any, events: Any, sqs: Any
) -> None:
    out_url, _ = target_queue(sqs)
    function = _function(server, out_url)
    dlq_url, dlq_arn = target_queue(sqs)
    name = unique("rule")
    source = unique("src")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(
        Rule=name,
        Targets=[{"Id": "fn", "Arn": function, "DeadLetterConfig": {"Arn": dlq_arn}}],
    )
    put(events, Source=source)
    [dead] = receive(sqs, dlq_url, 1)
    assert dead["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_PERMISSIONS"
    assert sqs.receive_message(QueueUrl=out_url, WaitTimeSeconds=1).get("Messages", []) == []
