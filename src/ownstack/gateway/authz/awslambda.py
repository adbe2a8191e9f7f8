"""Lambda: function ARNs from FunctionName (a name, a partial ARN `<account>:function:<name>`
or a full ARN, each maybe qualified) plus Qualifier, or from Resource (the tag operations);
layer ARNs from LayerName, layer version ARNs from LayerName + VersionNumber or Arn.

A request naming a qualifier (`f:prod`, or Qualifier=prod) is authorised on the qualified ARN,
as the Lambda developer guide's "Fine-tuning the Resources and Conditions sections of
policies" says: a policy naming only `function:f` does not cover `function:f:prod` (use
`function:f:*`). Invoke and InvokeWithResponseStream are lambda:InvokeFunction (the reference
has no action named after them); GetLayerVersionByArn is lambda:GetLayerVersion."""

from __future__ import annotations

import re
from typing import Any

from .arns import ArnTemplate
from .conditions import aws_tag_conditions, from_param
from .derive import ServiceSpec, direct, fill, first_of, renamed
from .model import ConditionFn, Params, Resolver, Scope

_FUNCTION = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:)?(?:(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_.-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)
_LAYER = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:(?P<region>[^:]+):(?P<account>\d{12}):layer:(?P<name>[^:]+)"
)


def function_arn(given: str, qualifier: Any, scope: Scope) -> str | None:
    """The ARN a FunctionName (and Qualifier) names; None when it names none."""
    found = _FUNCTION.fullmatch(given)
    if found is None:
        return None
    region = found["region"] or scope.region
    account = found["account"] or scope.account
    arn = f"arn:aws:lambda:{region}:{account}:function:{found['name']}"
    named = qualifier if isinstance(qualifier, str) and qualifier else found["qualifier"]
    return f"{arn}:{named}" if named else arn


def _by_function_name(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if "FunctionName" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        name = params.get("FunctionName")
        if not isinstance(name, str) or not name:
            return None
        return function_arn(name, params.get("Qualifier"), scope)

    return resolve


def _layer_parts(given: str, scope: Scope) -> tuple[str, str, str]:
    found = _LAYER.fullmatch(given)
    if found is None:
        return scope.region, scope.account, given
    return found["region"], found["account"], found["name"]


def _by_layer_name(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if "LayerName" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        name = params.get("LayerName")
        if not isinstance(name, str) or not name:
            return None
        region, account, layer = _layer_parts(name, scope)
        return f"arn:aws:lambda:{region}:{account}:layer:{layer}"

    return resolve


def _by_layer_version(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if not {"LayerName", "VersionNumber"} <= members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        name, version = params.get("LayerName"), params.get("VersionNumber")
        if not isinstance(name, str) or not name or version is None:
            return None
        region, account, layer = _layer_parts(name, scope)
        return f"arn:aws:lambda:{region}:{account}:layer:{layer}:{version}"

    return resolve


def _function_arn_condition(params: Params, out: dict[str, tuple[str, ...]]) -> None:
    """lambda:FunctionArn of the function URL operations: the function (or alias) the URL is
    for, when the request names it by full ARN (a bare name has no region here)."""
    name = params.get("FunctionName")
    found = _FUNCTION.fullmatch(name) if isinstance(name, str) else None
    if found is not None and found["region"] and found["account"]:
        arn = function_arn(found.string, params.get("Qualifier"), Scope("", ""))
        if arn is not None:
            out["lambda:functionarn"] = (arn,)


def _layers_condition(params: Params, out: dict[str, tuple[str, ...]]) -> None:
    layers = params.get("Layers")
    if isinstance(layers, list) and layers:
        out["lambda:layer"] = tuple(str(layer) for layer in layers)


def _auth_type(params: Params, out: dict[str, tuple[str, ...]]) -> None:
    value = params.get("FunctionUrlAuthType") or params.get("AuthType")
    if isinstance(value, str) and value:
        out["lambda:functionurlauthtype"] = (value,)


def _list_of(key: str, *path: str) -> ConditionFn:
    def add(params: Params, out: dict[str, tuple[str, ...]]) -> None:
        value: Any = params
        for member in path:
            value = value.get(member) if isinstance(value, dict) else None
        if isinstance(value, list) and value:
            out[key] = tuple(str(v) for v in value)

    return add


def lambda_spec() -> ServiceSpec:
    conditions = aws_tag_conditions(["Tags"])
    conditions.update(
        {
            "lambda:principal": from_param("lambda:principal", "Principal"),
            "lambda:functionurlauthtype": _auth_type,
            "lambda:functionarn": _function_arn_condition,
            "lambda:layer": _layers_condition,
            "lambda:codesigningconfigarn": from_param(
                "lambda:codesigningconfigarn", "CodeSigningConfigArn"
            ),
            "lambda:securitygroupids": _list_of(
                "lambda:securitygroupids", "VpcConfig", "SecurityGroupIds"
            ),
            "lambda:subnetids": _list_of("lambda:subnetids", "VpcConfig", "SubnetIds"),
        }
    )
    return ServiceSpec(
        prefix="lambda",
        resolvers={
            "function": first_of(_by_function_name, direct("Resource")),
            "layer": _by_layer_name,
            "layerVersion": first_of(_by_layer_version, direct("Arn")),
            "eventSourceMapping": fill(UUID="UUID"),
        },
        conditions=conditions,
        exceptions={
            "Invoke": renamed("InvokeFunction"),
            "InvokeWithResponseStream": renamed("InvokeFunction"),
            "GetLayerVersionByArn": renamed("GetLayerVersion"),
        },
    )
