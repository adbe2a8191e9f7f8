"""The event source mapping API against a real server: what Create/Get/Update/Delete/List
answer for SQS and DynamoDB Streams sources, the states AWS reports, and AWS's errors for what
it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from esmkit import admin_role, new_queue, wait_state
from invokekit import eventually
from lambdakit import create, error_of, lambda_role, unique

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def sqs(server: Any) -> Any:
    return server.client("sqs")


@pytest.fixture(scope="module")
def ddb(server: Any) -> Any:
    return server.client("dynamodb")


@pytest.fixture(scope="module")
def admin(iam: Any) -> str:
    return admin_role(iam)


@pytest.fixture(scope="module")
def function(lam: Any, admin: str) -> str:
    return str(create(lam, admin)["FunctionName"])


def _stream(ddb: Any) -> str:
    name = unique("t")
    out = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return str(out["TableDescription"]["LatestStreamArn"])


def _fails(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as exc:
        call(**params)
    return error_of(exc)


def test_sqs_mapping_lifecycle(lam: Any, sqs: Any, function: str) -> None:
    _, arn = new_queue(sqs)
    made = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=function)
    uuid = made["UUID"]
    fn_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 202
    shown = {k: v for k, v in made.items() if k not in ("ResponseMetadata", "LastModified")}
    assert shown == {
        "UUID": uuid,
        "BatchSize": 10,
        "MaximumBatchingWindowInSeconds": 0,
        "EventSourceArn": arn,
        "EventSourceMappingArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{uuid}",
        "FunctionArn": fn_arn,
        "FunctionResponseTypes": [],
        "State": "Creating",
        "StateTransitionReason": "USER_INITIATED",
    }
    got = wait_state(lam, uuid, "Enabled")
    assert got["LastModified"] == made["LastModified"]

    updated = lam.update_event_source_mapping(
        UUID=uuid,
        BatchSize=5,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        ScalingConfig={"MaximumConcurrency": 3},
    )
    assert updated["State"] == "Updating"
    assert updated["BatchSize"] == 5
    assert updated["ScalingConfig"] == {"MaximumConcurrency": 3}
    assert wait_state(lam, uuid, "Enabled")["FunctionResponseTypes"] == ["ReportBatchItemFailures"]

    assert lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"] == "Disabling"
    wait_state(lam, uuid, "Disabled")
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Enabling"
    wait_state(lam, uuid, "Enabled")

    listed = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [uuid]
    by_source = lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
    assert [m["UUID"] for m in by_source] == [uuid]

    deleted = lam.delete_event_source_mapping(UUID=uuid)
    assert (deleted["State"], deleted["ResponseMetadata"]["HTTPStatusCode"]) == ("Deleting", 202)

    def gone() -> bool:
        try:
            lam.get_event_source_mapping(UUID=uuid)
        except ClientError as err:
            return bool(err.response["Error"]["Code"] == "ResourceNotFoundException")
        return False

    eventually(gone, 10.0, 0.05)
    assert lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []


def test_disabled_at_creation_and_filters(lam: Any, sqs: Any, function: str) -> None:
    _, arn = new_queue(sqs)
    pattern = '{"body": {"kind": ["keep"]}}'
    made = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=f"{function}:$LATEST",
        Enabled=False,
        BatchSize=50,
        MaximumBatchingWindowInSeconds=2,
        FilterCriteria={"Filters": [{"Pattern": pattern}]},
    )
    assert made["State"] == "Disabled"
    assert made["FunctionArn"].endswith(f":function:{function}:$LATEST")
    assert made["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}
    cleared = lam.update_event_source_mapping(UUID=made["UUID"], FilterCriteria={})
    assert "FilterCriteria" not in cleared
    lam.delete_event_source_mapping(UUID=made["UUID"])


def test_stream_mapping_shape(lam: Any, ddb: Any, sqs: Any, function: str) -> None:
    stream = _stream(ddb)
    _, dlq = new_queue(sqs, "dlq")
    made = lam.create_event_source_mapping(
        EventSourceArn=stream,
        FunctionName=function,
        StartingPosition="TRIM_HORIZON",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": dlq}},
    )
    shown = {k: v for k, v in made.items() if k not in ("ResponseMetadata", "LastModified")}
    assert shown == {
        "UUID": made["UUID"],
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 0,
        "EventSourceArn": stream,
        "EventSourceMappingArn": made["EventSourceMappingArn"],
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}",
        "FunctionResponseTypes": [],
        "State": "Creating",
        "StateTransitionReason": "User action",
        "StartingPosition": "TRIM_HORIZON",
        "ParallelizationFactor": 1,
        "DestinationConfig": {"OnFailure": {"Destination": dlq}},
        "MaximumRecordAgeInSeconds": -1,
        "BisectBatchOnFunctionError": False,
        "MaximumRetryAttempts": 1,
        "TumblingWindowInSeconds": 0,
        "LastProcessingResult": "No records processed",
    }
    wait_state(lam, made["UUID"], "Enabled")
    dup = _fails(
        lam.create_event_source_mapping,
        EventSourceArn=stream,
        FunctionName=function,
        StartingPosition="LATEST",
    )
    assert dup == (
        "ResourceConflictException",
        f'The event source arn (" {stream} ") and function (" {function} ") provided mapping '
        f"already exists. Please update or delete the existing mapping with UUID "
        f"{made['UUID']}",
        409,
    )
    lam.delete_event_source_mapping(UUID=made["UUID"])


def test_sqs_errors(lam: Any, sqs: Any, function: str) -> None:
    _, arn = new_queue(sqs)
    create = lam.create_event_source_mapping
    base = {"EventSourceArn": arn, "FunctionName": function}
    invalid = "InvalidParameterValueException"
    assert _fails(create, **base, StartingPosition="LATEST") == (
        invalid,
        "StartingPosition is not valid for SQS event sources.",
        400,
    )
    assert _fails(create, **base, BatchSize=11) == (
        invalid,
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
        "greater than 10",
        400,
    )
    assert _fails(create, **base, MaximumRetryAttempts=2)[0] == invalid
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('nope')}"
    assert _fails(create, EventSourceArn=missing, FunctionName=function) == (
        invalid,
        "Error occurred while ReceiveMessage. SQS Error Code: "
        "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does "
        "not exist or you do not have access to it.",
        400,
    )
    nofn = unique("nofn")
    assert _fails(create, EventSourceArn=arn, FunctionName=nofn) == (
        "ResourceNotFoundException",
        f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{nofn}",
        404,
    )
    bad_filter = {"Filters": [{"Pattern": '{"body": "not a list"}'}]}
    assert _fails(create, **base, FilterCriteria=bad_filter) == (
        invalid,
        "Invalid filter pattern definition.",
        400,
    )
    assert _fails(create, **base, Tags={"k": "v"})[0] == invalid
    short = sqs.create_queue(QueueName=unique("short"), Attributes={"VisibilityTimeout": "2"})
    short_arn = sqs.get_queue_attributes(QueueUrl=short["QueueUrl"], AttributeNames=["QueueArn"])
    slow = create_function_with_timeout(lam, function)
    assert _fails(
        create, EventSourceArn=short_arn["Attributes"]["QueueArn"], FunctionName=slow
    ) == (
        invalid,
        "Queue visibility timeout: 2 seconds is less than Function timeout: 5 seconds",
        400,
    )
    made = create(**base)
    assert _fails(create, **base) == (
        "ResourceConflictException",
        f'An event source mapping with SQS arn (" {arn} ") and function (" {function} ") '
        f"already exists. Please update or delete the existing mapping with UUID "
        f"{made['UUID']}",
        409,
    )
    lam.delete_event_source_mapping(UUID=made["UUID"])


def create_function_with_timeout(lam: Any, like: str) -> str:
    role = lam.get_function_configuration(FunctionName=like)["Role"]
    return str(create(lam, role, Timeout=5)["FunctionName"])


def test_fifo_limits(lam: Any, sqs: Any, function: str) -> None:
    _, arn = new_queue(sqs, "fifo", FifoQueue="true")
    create = lam.create_event_source_mapping
    invalid = "InvalidParameterValueException"
    assert _fails(create, EventSourceArn=arn, FunctionName=function, BatchSize=11)[0] == invalid
    assert _fails(
        create, EventSourceArn=arn, FunctionName=function, MaximumBatchingWindowInSeconds=1
    ) == (invalid, "Batching window is not supported for FIFO queues.", 400)


def test_stream_errors(lam: Any, ddb: Any, function: str) -> None:
    stream = _stream(ddb)
    create = lam.create_event_source_mapping
    invalid = "InvalidParameterValueException"
    assert _fails(create, EventSourceArn=stream, FunctionName=function)[0] == invalid
    assert _fails(
        create, EventSourceArn=stream, FunctionName=function, StartingPosition="AT_TIMESTAMP"
    ) == (invalid, f"Unsupported starting position for arn type: {stream}", 400)
    assert (
        _fails(
            create,
            EventSourceArn=stream,
            FunctionName=function,
            StartingPosition="LATEST",
            MaximumRecordAgeInSeconds=30,
        )[0]
        == invalid
    )
    assert (
        _fails(
            create,
            EventSourceArn=stream,
            FunctionName=function,
            StartingPosition="LATEST",
            ScalingConfig={"MaximumConcurrency": 2},
        )[0]
        == invalid
    )
    missing = stream.replace("/stream/", "x/stream/")
    assert _fails(
        create, EventSourceArn=missing, FunctionName=function, StartingPosition="LATEST"
    ) == (
        invalid,
        f"Cannot access stream {missing}. Please ensure the role can perform the GetRecords, "
        "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.",
        400,
    )


def test_role_without_permissions(lam: Any, sqs: Any, ddb: Any, role: str) -> None:
    """The module's `role` may be assumed by Lambda and has no policy at all."""
    function = str(create(lam, role)["FunctionName"])
    _, arn = new_queue(sqs)
    assert _fails(lam.create_event_source_mapping, EventSourceArn=arn, FunctionName=function) == (
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call ReceiveMessage on SQS",
        400,
    )
    stream = _stream(ddb)
    code, message, _ = _fails(
        lam.create_event_source_mapping,
        EventSourceArn=stream,
        FunctionName=function,
        StartingPosition="LATEST",
    )
    assert (code, message.split(".")[0]) == (
        "InvalidParameterValueException",
        f"Cannot access stream {stream.split('.')[0]}",
    )


def test_model_validation_and_unknown(unchecked: Any, lam: Any, sqs: Any, function: str) -> None:
    _, arn = new_queue(sqs)
    assert _fails(
        unchecked.create_event_source_mapping,
        EventSourceArn=arn,
        FunctionName=function,
        BatchSize=0,
    ) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
        400,
    )
    missing = "14e0db71-5d35-4eb5-b481-8945cf9d10c2"
    for call in (lam.get_event_source_mapping, lam.delete_event_source_mapping):
        assert _fails(call, UUID=missing) == (
            "ResourceNotFoundException",
            "The resource you requested does not exist.",
            404,
        )


def test_role_checks_follow_policies(lam: Any, iam: Any, sqs: Any, ddb: Any) -> None:
    """The role's identity policies and the queue's resource policy decide, as for a request
    the role's session would make."""
    name = unique("role")
    role = lambda_role(iam, name)
    streams_only = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(streams_only))
    function = str(create(lam, role)["FunctionName"])
    grant = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "sqs:*", "Resource": "*"}
        ],
    }
    _, arn = new_queue(sqs, "granted", Policy=json.dumps(grant))
    made = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=function)
    lam.delete_event_source_mapping(UUID=made["UUID"])
    _, dlq = new_queue(sqs, "dlq")
    assert _fails(
        lam.create_event_source_mapping,
        EventSourceArn=_stream(ddb),
        FunctionName=function,
        StartingPosition="LATEST",
        DestinationConfig={"OnFailure": {"Destination": dlq}},
    ) == (
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call SendMessage on SQS",
        400,
    )
