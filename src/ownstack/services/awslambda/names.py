"""How requests name functions and layers: a function by name, partial ARN (`123456789012:
function:f`) or full ARN, each with or without a qualifier (`f:1`, `f:prod`, `f:$LATEST`); a
layer by name or ARN. ARNs are built here and only here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ownstack.core.context import RequestContext

from .errors import access_denied, invalid, not_found

LATEST = "$LATEST"
_FUNCTION = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:)?"
    r"(?:(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_.-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)
_LAYER = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:(?P<region>[^:]+):(?P<account>\d{12}):layer:(?P<name>[^:]+)"
    r"(?::(?P<version>\d+))?"
)
_VERSION = re.compile(r"[0-9]+")
_ALIAS = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9_-]+")

RESOURCE_POLICY_OPERATIONS = frozenset(
    {
        "CreateAlias",
        "DeleteAlias",
        "DeleteFunction",
        "DeleteFunctionConcurrency",
        "DeleteFunctionEventInvokeConfig",
        "GetAlias",
        "GetFunction",
        "GetFunctionConcurrency",
        "GetFunctionConfiguration",
        "GetFunctionEventInvokeConfig",
        "GetPolicy",
        "Invoke",
        "ListAliases",
        "ListFunctionEventInvokeConfigs",
        "ListTags",
        "ListVersionsByFunction",
        "PublishVersion",
        "PutFunctionConcurrency",
        "PutFunctionEventInvokeConfig",
        "TagResource",
        "UntagResource",
        "UpdateAlias",
        "UpdateFunctionCode",
        "UpdateFunctionEventInvokeConfig",
    }
)
"""The operations a function's resource-based policy can grant another account ("Lambda API
actions that support resource-based policies"); any other reaches only the caller's own."""


@dataclass(frozen=True, slots=True)
class FunctionRef:
    region: str
    account: str
    name: str
    qualifier: str | None = None

    @property
    def key(self) -> str:
        return function_key(self.region, self.account, self.name)

    @property
    def arn(self) -> str:
        """Qualified when the request named a qualifier, as AWS's messages print it."""
        return function_arn(self.region, self.account, self.name, self.qualifier)

    @property
    def unqualified_arn(self) -> str:
        return function_arn(self.region, self.account, self.name)


def function_key(region: str, account: str, name: str) -> str:
    return f"{region}/{account}/{name}"


def function_arn(region: str, account: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def layer_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:layer:{name}"


def layer_version_arn(region: str, account: str, name: str, version: int) -> str:
    return f"{layer_arn(region, account, name)}:{version}"


def is_version(qualifier: str) -> bool:
    return bool(_VERSION.fullmatch(qualifier))


def is_alias(qualifier: str) -> bool:
    return bool(_ALIAS.fullmatch(qualifier))


def parse_function(given: str) -> tuple[str | None, str | None, str, str | None] | None:
    """(region, account, name, qualifier) of a FunctionName; None when it names none."""
    found = _FUNCTION.fullmatch(given)
    if found is None:
        return None
    return found["region"], found["account"], found["name"], found["qualifier"]


def locate(
    ctx: RequestContext, given: str, qualifier: str | None = None, operation: str = ""
) -> FunctionRef:
    """The function a request names (its FunctionName and Qualifier members), checked to be
    in the caller's region and reachable by the caller."""
    parsed = parse_function(given)
    if parsed is None:  # the model's pattern check answered first for anything else
        raise not_found(f"Function not found: {given}")
    region, account, name, named_qualifier = parsed
    if region and region != ctx.region:
        raise not_found(
            f"Functions from '{region}' are not reachable in this region ('{ctx.region}')"
        )
    if qualifier and named_qualifier and qualifier != named_qualifier:
        raise invalid(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    ref = FunctionRef(ctx.region, account or ctx.account_id, name, qualifier or named_qualifier)
    check_reach(ctx, ref, operation or ctx.operation)
    return ref


def check_reach(ctx: RequestContext, ref: FunctionRef, operation: str) -> None:
    """Another account's function only through operations its resource policy can grant, and
    only when the gateway found that policy granting this request."""
    if ref.account == ctx.account_id:
        return
    if operation in RESOURCE_POLICY_OPERATIONS and ctx.may_use(ref.account):
        return
    raise access_denied(ctx.principal.arn, f"lambda:{operation}", ref.arn)


@dataclass(frozen=True, slots=True)
class LayerRef:
    region: str
    account: str
    name: str
    version: int | None = None

    @property
    def arn(self) -> str:
        return layer_arn(self.region, self.account, self.name)


def parse_layer(ctx: RequestContext, given: str) -> LayerRef:
    """A LayerName member: a name (the caller's layer) or a layer ARN."""
    found = _LAYER.fullmatch(given)
    if found is None:
        return LayerRef(ctx.region, ctx.account_id, given)
    version = found["version"]
    return LayerRef(
        found["region"], found["account"], found["name"], int(version) if version else None
    )


def parse_layer_version_arn(arn: str) -> LayerRef | None:
    found = _LAYER.fullmatch(arn)
    if found is None or found["version"] is None:
        return None
    return LayerRef(found["region"], found["account"], found["name"], int(found["version"]))
