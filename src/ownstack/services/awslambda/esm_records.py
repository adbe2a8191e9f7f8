"""Event source mappings as Lambda keeps them in the metadata port, and as the API shows them.

Namespaces:
- MAPPINGS   `<region>/<account>/<uuid>` -> MappingRecord.
- POSITIONS  `<uuid>/<shard>` -> PositionRecord: how far a stream mapping has processed a shard
  (written after each batch is done with, so a restart resumes there).

States, as AWS reports them: a mapping is made `Creating` (or `Disabled` when made disabled),
then `Enabled` once pollers run; UpdateEventSourceMapping makes it `Enabling`, `Disabling` or
`Updating`, then `Enabled` or `Disabled`; DeleteEventSourceMapping makes it `Deleting` until
its pollers stopped and the record is gone. The supervisor (esm_supervisor.py) settles them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ownstack.core.records import JsonRecord

MAPPINGS = "lambda:esm"
POSITIONS = "lambda:esm-positions"

SQS, DYNAMODB = "sqs", "dynamodb"
CREATING, ENABLING, ENABLED = "Creating", "Enabling", "Enabled"
DISABLING, DISABLED, UPDATING, DELETING = "Disabling", "Disabled", "Updating", "Deleting"
SETTLING = frozenset({CREATING, ENABLING, DISABLING, UPDATING})
USER_INITIATED = "USER_INITIATED"
"""SQS mappings' StateTransitionReason; stream mappings say "User action"."""
USER_ACTION = "User action"
NO_RECORDS = "No records processed"


@dataclass(slots=True)
class MappingRecord(JsonRecord):
    uuid: str
    region: str
    account_id: str
    kind: str
    """SQS or DYNAMODB."""
    source_arn: str
    function_arn: str
    """Qualified when the mapping names a version or alias."""
    state: str
    enabled: bool
    """What the mapping is to be once settled."""
    last_modified: float
    batch_size: int
    window: int = 0
    """MaximumBatchingWindowInSeconds."""
    filters: list[str] = field(default_factory=list)
    """FilterCriteria's patterns, as given."""
    response_types: list[str] = field(default_factory=list)
    max_concurrency: int | None = None
    fifo: bool = False
    starting_position: str = ""
    max_age: int = -1
    max_retries: int = -1
    bisect: bool = False
    parallelization: int = 1
    on_failure: str = ""
    last_result: str = NO_RECORDS
    generation: int = 0
    """Bumped by every change of what the pollers do: they restart when it moves."""

    @property
    def arn(self) -> str:
        return mapping_arn(self.region, self.account_id, self.uuid)

    @property
    def key(self) -> str:
        return mapping_key(self.region, self.account_id, self.uuid)

    @property
    def reports_failures(self) -> bool:
        return "ReportBatchItemFailures" in self.response_types


@dataclass(slots=True)
class PositionRecord(JsonRecord):
    after: int
    """The sequence number processing resumes after."""


def mapping_key(region: str, account: str, uuid: str) -> str:
    return f"{region}/{account}/{uuid}"


def position_key(uuid: str, shard: str) -> str:
    return f"{uuid}/{shard}"


def mapping_arn(region: str, account: str, uuid: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:event-source-mapping:{uuid}"


def render(record: MappingRecord) -> dict[str, Any]:
    """EventSourceMappingConfiguration, with the members AWS shows for the source's kind."""
    out: dict[str, Any] = {
        "UUID": record.uuid,
        "BatchSize": record.batch_size,
        "MaximumBatchingWindowInSeconds": record.window,
        "EventSourceArn": record.source_arn,
        "EventSourceMappingArn": record.arn,
        "FunctionArn": record.function_arn,
        "FunctionResponseTypes": list(record.response_types),
        "LastModified": datetime.fromtimestamp(record.last_modified, UTC),
        "State": record.state,
    }
    if record.filters:
        out["FilterCriteria"] = {"Filters": [{"Pattern": p} for p in record.filters]}
    if record.kind == SQS:
        out["StateTransitionReason"] = USER_INITIATED
        if record.max_concurrency is not None:
            out["ScalingConfig"] = {"MaximumConcurrency": record.max_concurrency}
        return out
    on_failure = {"Destination": record.on_failure} if record.on_failure else {}
    out.update(
        {
            "StateTransitionReason": USER_ACTION,
            "StartingPosition": record.starting_position,
            "ParallelizationFactor": record.parallelization,
            "DestinationConfig": {"OnFailure": on_failure},
            "MaximumRecordAgeInSeconds": record.max_age,
            "BisectBatchOnFunctionError": record.bisect,
            "MaximumRetryAttempts": record.max_retries,
            "TumblingWindowInSeconds": 0,
            "LastProcessingResult": record.last_result,
        }
    )
    return out
