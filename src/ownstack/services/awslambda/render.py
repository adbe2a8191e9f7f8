"""Records as Lambda's API shows them (FunctionConfiguration and friends)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .names import LATEST, function_arn
from .records import FunctionConfig, FunctionRecord
from .runtimes import runtime_version_arn

_STATE_MEMBERS = (
    "State",
    "StateReason",
    "StateReasonCode",
    "LastUpdateStatus",
    "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode",
    "RuntimeVersionConfig",
)
"""What list operations leave out of each configuration, as AWS's do."""


def lambda_time(epoch: float) -> str:
    """Lambda's timestamp text: `2024-04-10T08:59:22.123+0000`."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def configuration(
    fn: FunctionRecord,
    config: FunctionConfig,
    version: str = LATEST,
    *,
    qualified: bool = False,
    alias: str | None = None,
    update_status: bool = True,
) -> dict[str, Any]:
    """FunctionConfiguration of `config` (version `version` of `fn`): FunctionArn qualified
    with the alias when one was asked for, with the version when `qualified`."""
    qualifier = alias or (version if qualified else None)
    out: dict[str, Any] = {
        "FunctionName": fn.name,
        "FunctionArn": function_arn(fn.region, fn.account_id, fn.name, qualifier),
        "Runtime": config.runtime,
        "Role": config.role,
        "Handler": config.handler,
        "CodeSize": config.code.size,
        "Description": config.description,
        "Timeout": config.timeout,
        "MemorySize": config.memory,
        "LastModified": lambda_time(config.last_modified),
        "CodeSha256": config.code.sha256,
        "Version": version,
        "TracingConfig": {"Mode": config.tracing},
        "RevisionId": config.revision_id,
        "PackageType": "Zip",
        "Architectures": [config.architecture],
        "EphemeralStorage": {"Size": config.ephemeral},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "RuntimeVersionConfig": {
            "RuntimeVersionArn": runtime_version_arn(fn.region, config.runtime)
        },
        "LoggingConfig": logging_config(config),
    }
    if config.environment is not None:
        out["Environment"] = {"Variables": dict(config.environment)}
    if config.layers:
        out["Layers"] = [{"Arn": use.arn, "CodeSize": use.code.size} for use in config.layers]
    if config.dead_letter:
        out["DeadLetterConfig"] = {"TargetArn": config.dead_letter}
    out.update(_states(config, update_status))
    return out


def _states(config: FunctionConfig, update_status: bool) -> dict[str, str]:
    out = {"State": config.state}
    if config.state_reason:
        out["StateReason"] = config.state_reason
    if config.state_code:
        out["StateReasonCode"] = config.state_code
    if update_status and config.update_status:
        out["LastUpdateStatus"] = config.update_status
        if config.update_reason:
            out["LastUpdateStatusReason"] = config.update_reason
        if config.update_code:
            out["LastUpdateStatusReasonCode"] = config.update_code
    return out


def logging_config(config: FunctionConfig) -> dict[str, str]:
    out = {"LogFormat": config.log_format, "LogGroup": config.log_group}
    if config.log_format == "JSON":
        out["ApplicationLogLevel"] = config.app_log_level or "INFO"
        out["SystemLogLevel"] = config.system_log_level or "INFO"
    return out


def listed(configuration: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in configuration.items() if k not in _STATE_MEMBERS}
