"""What PutTargets accepts of a target: the checks that refuse the whole request (AWS's
ValidationException) and the ones that refuse one target (a FailedEntries entry): a target
ownstack cannot deliver to is refused rather than stored and never invoked."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ownstack.events.bus import arn_service

from .errors import validation
from .jsonpath import parse_path
from .transform import check_transformer

DELIVERED = frozenset({"sqs", "sns", "lambda", "events"})
"""The target services ownstack delivers to."""
UNSERVED_PARAMETERS = (
    "KinesisParameters",
    "RunCommandParameters",
    "EcsParameters",
    "BatchParameters",
    "HttpParameters",
    "RedshiftDataParameters",
    "SageMakerPipelineParameters",
    "AppSyncParameters",
)
_INPUTS = ("Input", "InputPath", "InputTransformer")


def check_request(targets: Sequence[Mapping[str, Any]]) -> None:
    """Raises ValidationException for what AWS refuses the whole request over."""
    for target in targets:
        target_id, arn = str(target["Id"]), str(target["Arn"])
        if arn_service(arn) is None:
            raise validation(
                f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format."
            )
        if sum(1 for name in _INPUTS if name in target) > 1:
            raise validation(
                "Only one of Input, InputPath, or InputTransformer must be provided for target "
                f"{target_id}."
            )
        problem = _input_problem(target_id, target)
        if problem:
            raise validation(problem)
        if _fifo_queue(arn) and not (target.get("SqsParameters") or {}).get("MessageGroupId"):
            raise validation(
                f"Parameter(s) SqsParameters must be specified for target: {target_id}."
            )
        if "SqsParameters" in target and not _fifo_queue(arn):
            raise validation(f"Parameter(s) SqsParameters not supported for target: {target_id}.")
        dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
        if dead_letter and (arn_service(str(dead_letter)) != "sqs" or _fifo_queue(dead_letter)):
            raise validation(
                f"Parameter {dead_letter} is not valid. Reason: Provided Arn is not in correct "
                "format."
            )


def _input_problem(target_id: str, target: Mapping[str, Any]) -> str | None:
    if "Input" in target:
        try:
            json.loads(str(target["Input"]))
        except ValueError:
            return f"Input for target {target_id} is not a valid JSON text."
    if "InputPath" in target and parse_path(str(target["InputPath"])) is None:
        return f"InputPath for target {target_id} is invalid."
    transformer = target.get("InputTransformer")
    if isinstance(transformer, Mapping):
        return check_transformer(target_id, transformer)
    return None


def entry_problem(target: Mapping[str, Any]) -> str | None:
    """Why this one target is refused (its FailedEntries message), or None."""
    service = arn_service(str(target["Arn"])) or ""
    if service not in DELIVERED:
        return f"ownstack does not deliver to {service} targets."
    for name in UNSERVED_PARAMETERS:
        if name in target:
            return f"ownstack does not implement {name}."
    if service == "events" and any(name in target for name in _INPUTS):
        return "Input, InputPath and InputTransformer are not supported for event bus targets."
    return None


def _fifo_queue(arn: str) -> bool:
    return arn_service(arn) == "sqs" and arn.endswith(".fifo")
