"""The settings of an event source mapping, checked as AWS checks them for the source's kind,
and applied to its record (CreateEventSourceMapping from the defaults, UpdateEventSourceMapping
over what is there). The model's ranges and enums were checked before (validate.py).

What ownstack does not do is refused, never accepted and ignored: Kafka, MQ and DocumentDB
settings, provisioned pollers, metrics and logging configs, filter encryption (KMSKeyArn),
tumbling windows, tags on mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ownstack.core.service import Params

from .errors import invalid
from .esm_filters import parse_filters
from .esm_records import DYNAMODB, SQS, MappingRecord

REFUSED = {
    "Topics": "Kafka topics",
    "Queues": "Amazon MQ queues",
    "SourceAccessConfigurations": "source access configurations",
    "SelfManagedEventSource": "self-managed Kafka",
    "AmazonManagedKafkaEventSourceConfig": "Amazon MSK",
    "SelfManagedKafkaEventSourceConfig": "self-managed Kafka",
    "DocumentDBEventSourceConfig": "DocumentDB",
    "KMSKeyArn": "encrypting filter criteria",
    "MetricsConfig": "event source mapping metrics",
    "LoggingConfig": "event source mapping logging",
    "ProvisionedPollerConfig": "provisioned mode",
    "Tags": "tagging event source mappings",
}
STREAM_ONLY = (
    "ParallelizationFactor",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "MaximumRecordAgeInSeconds",
    "DestinationConfig",
    "TumblingWindowInSeconds",
)
DEFAULT_BATCH = {SQS: 10, DYNAMODB: 100}
SQS_BATCH_NO_WINDOW = 10
FIFO_BATCH_MAX = 10
MIN_RECORD_AGE = 60
_DESTINATIONS = ("sqs", "sns")


def check_supported(params: Params, kind: str) -> None:
    """Refuse settings ownstack does not run, and those AWS does not take for `kind`."""
    for member, what in REFUSED.items():
        if params.get(member) is not None:
            raise invalid(f"{member}: {what} is not supported by ownstack.")
    if kind == SQS:
        if params.get("StartingPosition") is not None or params.get("StartingPositionTimestamp"):
            raise invalid("StartingPosition is not valid for SQS event sources.")
        for member in STREAM_ONLY:
            if params.get(member) is not None:
                raise _unsupported(member)
        return
    if params.get("ScalingConfig") is not None:
        raise _unsupported("ScalingConfig")
    if params.get("TumblingWindowInSeconds"):
        raise invalid("TumblingWindowInSeconds: tumbling windows are not supported by ownstack.")


def check_starting_position(params: Params, source_arn: str) -> str:
    """A stream mapping's StartingPosition: TRIM_HORIZON or LATEST (AT_TIMESTAMP is Kinesis')."""
    position = params.get("StartingPosition")
    if position is None:
        raise invalid("StartingPosition is required for DynamoDB Streams event sources.")
    if params.get("StartingPositionTimestamp") is not None and position != "AT_TIMESTAMP":
        raise invalid("Timestamp only valid with StartingPosition AT_TIMESTAMP")
    if position not in ("TRIM_HORIZON", "LATEST"):
        raise invalid(f"Unsupported starting position for arn type: {source_arn}")
    return str(position)


def apply(record: MappingRecord, params: Params) -> None:
    """Set what `params` says on `record` (a new one holds the defaults), checking the
    combinations AWS refuses. Raises InvalidParameterValueException."""
    if params.get("BatchSize") is not None:
        record.batch_size = int(params["BatchSize"])
    if params.get("MaximumBatchingWindowInSeconds") is not None:
        record.window = int(params["MaximumBatchingWindowInSeconds"])
    if params.get("FilterCriteria") is not None:
        record.filters = parse_filters(params["FilterCriteria"])
    if params.get("FunctionResponseTypes") is not None:
        record.response_types = list(params["FunctionResponseTypes"])
    if record.kind == SQS:
        _apply_queue(record, params)
    else:
        _apply_stream(record, params)


def _apply_queue(record: MappingRecord, params: Params) -> None:
    scaling = params.get("ScalingConfig")
    if scaling is not None:
        record.max_concurrency = scaling.get("MaximumConcurrency")
    if record.fifo and record.batch_size > FIFO_BATCH_MAX:
        raise invalid(f"BatchSize must be at most {FIFO_BATCH_MAX} for FIFO queues.")
    if record.fifo and record.window:
        raise invalid("Batching window is not supported for FIFO queues.")
    if record.batch_size > SQS_BATCH_NO_WINDOW and record.window == 0:
        raise invalid(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10"
        )


def _apply_stream(record: MappingRecord, params: Params) -> None:
    if params.get("ParallelizationFactor") is not None:
        record.parallelization = int(params["ParallelizationFactor"])
    if params.get("BisectBatchOnFunctionError") is not None:
        record.bisect = bool(params["BisectBatchOnFunctionError"])
    if params.get("MaximumRetryAttempts") is not None:
        record.max_retries = int(params["MaximumRetryAttempts"])
    age = params.get("MaximumRecordAgeInSeconds")
    if age is not None:
        if age != -1 and age < MIN_RECORD_AGE:
            raise invalid(
                f"MaximumRecordAgeInSeconds must be -1 or between {MIN_RECORD_AGE} and 604800."
            )
        record.max_age = int(age)
    config = params.get("DestinationConfig")
    if config is not None:
        record.on_failure = _on_failure(config)


def _on_failure(config: Mapping[str, Any]) -> str:
    success = (config.get("OnSuccess") or {}).get("Destination") or ""
    failure = (config.get("OnFailure") or {}).get("Destination") or ""
    parts = failure.split(":")
    if success or (failure and (len(parts) < 6 or parts[2] not in _DESTINATIONS)):
        on_success = f"OnSuccess(destination={success})" if success else "null"
        on_failure = f"OnFailure(destination={failure})" if failure else "null"
        raise invalid(
            f"The provided destination config DestinationConfig(onSuccess={on_success}, "
            f"onFailure={on_failure}) is invalid."
        )
    return str(failure)


def _unsupported(member: str) -> Exception:
    return invalid(f"Unsupported {member} parameter for given event source mapping type.")
