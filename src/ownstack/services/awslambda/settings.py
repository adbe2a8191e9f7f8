"""The configuration members of CreateFunction and UpdateFunctionConfiguration: what ownstack
implements is checked as AWS checks it; what it does not is refused, naming the setting (never
accepted and ignored)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ownstack.core.service import Params

from .errors import invalid
from .records import FunctionConfig
from .runtimes import check_runtime

ENV_LIMIT = 4096
RESERVED_ENV = (
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
)
"""The variables Lambda sets itself ("Defined runtime environment variables")."""
_UNSUPPORTED = (
    "CodeSigningConfigArn",
    "CapacityProviderConfig",
    "DurableConfig",
    "TenancyConfig",
    "PublishTo",
)
_DESTINATION_SERVICES = ("sqs", "sns")


def unsupported(setting: str, why: str = "") -> Exception:
    detail = f" {why}" if why else ""
    return invalid(f"The {setting} setting is not supported by ownstack.{detail}")


def refuse_unsupported(params: Params, runtime: str) -> None:
    """InvalidParameterValueException for the first setting ownstack cannot honour."""
    for member in _UNSUPPORTED:
        if params.get(member):
            raise unsupported(member)
    if params.get("KMSKeyArn"):
        raise unsupported(
            "KMSKeyArn", "Environment variables are encrypted with ownstack's own key."
        )
    vpc = params.get("VpcConfig") or {}
    if vpc.get("SubnetIds") or vpc.get("SecurityGroupIds") or vpc.get("Ipv6AllowedForDualStack"):
        raise unsupported("VpcConfig", "Functions reach the network from the host.")
    if params.get("FileSystemConfigs"):
        raise unsupported("FileSystemConfigs")
    if params.get("ImageConfig"):
        raise unsupported("ImageConfig", "Only Zip packages are supported.")
    snap = params.get("SnapStart") or {}
    if snap.get("ApplyOn") == "PublishedVersions":
        raise invalid(f"{runtime} is not supported for SnapStart enabled functions.")


def check_package(params: Params) -> None:
    """PackageType Image (container images) is not implemented: refused as a setting."""
    if params.get("PackageType", "Zip") != "Zip":
        raise unsupported("PackageType Image", "Only Zip packages are supported.")
    code = params.get("Code") or {}
    if code.get("ImageUri"):
        raise unsupported("ImageUri", "Only Zip packages are supported.")
    if code.get("SourceKMSKeyArn"):
        raise unsupported("SourceKMSKeyArn")


def check_environment(variables: Mapping[str, str]) -> dict[str, str]:
    reserved = [key for key in variables if key in RESERVED_ENV]
    if reserved:
        raise invalid(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}"
        )
    measured = json.dumps(dict(variables), separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode()) > ENV_LIMIT:
        raise invalid(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. String measured: " + measured
        )
    return dict(variables)


def check_dead_letter(target: str) -> str:
    """An SQS queue or SNS topic ARN (empty: none)."""
    parts = target.split(":")
    if target and (len(parts) < 6 or parts[2] not in _DESTINATION_SERVICES):
        raise invalid(
            f"The provided target arn {target} is invalid. Only SQS queues and SNS topics are "
            "supported for DeadLetterConfig."
        )
    return target


def apply_settings(config: FunctionConfig, params: Params, function_name: str) -> None:
    """Set on `config` every configuration member `params` carries (create or update)."""
    simple = {
        "Handler": "handler",
        "Description": "description",
        "Timeout": "timeout",
        "MemorySize": "memory",
        "Role": "role",
    }
    for member, attr in simple.items():
        if params.get(member) is not None:
            setattr(config, attr, params[member])
    if params.get("Runtime") is not None:
        check_runtime(params["Runtime"])
        config.runtime = params["Runtime"]
    if params.get("EphemeralStorage") is not None:
        config.ephemeral = int(params["EphemeralStorage"]["Size"])
    if params.get("Environment") is not None:
        config.environment = check_environment(params["Environment"].get("Variables") or {})
    if params.get("TracingConfig") is not None:
        config.tracing = params["TracingConfig"].get("Mode") or "PassThrough"
    if params.get("DeadLetterConfig") is not None:
        config.dead_letter = check_dead_letter(params["DeadLetterConfig"].get("TargetArn") or "")
    apply_logging(config, params.get("LoggingConfig"), function_name)


def apply_logging(config: FunctionConfig, given: Mapping[str, Any] | None, name: str) -> None:
    if not config.log_group:
        config.log_group = f"/aws/lambda/{name}"
    if not given:
        return
    config.log_format = given.get("LogFormat") or config.log_format
    config.log_group = given.get("LogGroup") or config.log_group
    if config.log_format == "JSON":
        config.app_log_level = given.get("ApplicationLogLevel") or config.app_log_level or "INFO"
        config.system_log_level = given.get("SystemLogLevel") or config.system_log_level or "INFO"
    elif given.get("ApplicationLogLevel") or given.get("SystemLogLevel"):
        raise invalid(
            "Application log level and system log level can only be set when LogFormat is JSON."
        )
    else:
        config.app_log_level = config.system_log_level = ""
