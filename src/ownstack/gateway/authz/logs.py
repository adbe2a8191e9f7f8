"""CloudWatch Logs: log group ARNs from logGroupName / logGroupIdentifier (a name or an ARN) /
resourceArn, log stream ARNs from those plus logStreamName.

IAM names a log group, for most actions, by the ARN with a trailing `:*`
(`arn:aws:logs:<region>:<account>:log-group:<name>:*`, the `arn` DescribeLogGroups answers),
which a policy's `log-group:<name>:*` and `log-group:<name>*` match; TagResource, UntagResource
and ListTagsForResource are authorised on the ARN without it (`logGroupArn`, the resourceArn
they carry), as the CloudWatch Logs API reference's LogGroup.arn and logGroupArn say. A log
stream is `...:log-group:<name>:log-stream:<stream>`.
"""

from __future__ import annotations

from .arns import ArnTemplate
from .conditions import REQUEST_TAG, TAG_KEYS, request_tags
from .derive import ServiceSpec, direct, first_of
from .model import ConditionFn, Params, Resolver, Scope

_ARN_PREFIX = "arn:"


def _group_name(params: Params) -> str | None:
    """The group the request names by logGroupName or by a logGroupIdentifier that is a name
    (an ARN identifier is resolved by `_group_arn`)."""
    for member in ("logGroupName", "logGroupIdentifier"):
        value = params.get(member)
        if isinstance(value, str) and value and not value.startswith(_ARN_PREFIX):
            return value
    return None


def _group_arn(params: Params, scope: Scope) -> str | None:
    """The group's ARN without `:*`."""
    identifier = params.get("logGroupIdentifier")
    if isinstance(identifier, str) and identifier.startswith(_ARN_PREFIX):
        return identifier.removesuffix(":*")
    name = _group_name(params)
    if name is None:
        return None
    return f"arn:aws:logs:{scope.region}:{scope.account}:log-group:{name}"


def _by_group(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if not {"logGroupName", "logGroupIdentifier"} & members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        arn = _group_arn(params, scope)
        return None if arn is None else f"{arn}:*"

    return resolve


def _by_stream(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if "logStreamName" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        arn, stream = _group_arn(params, scope), params.get("logStreamName")
        if arn is None or not isinstance(stream, str) or not stream:
            return None
        return f"{arn}:log-stream:{stream}"

    return resolve


def _tag_keys(params: Params, out: dict[str, tuple[str, ...]]) -> None:
    """aws:TagKeys: the keys of `tags` (a map; UntagLogGroup's is a list of keys) or of
    UntagResource's `tagKeys`."""
    tags = params.get("tags")
    if isinstance(tags, dict | list):
        out[TAG_KEYS] = tuple(str(k) for k in tags)
    elif isinstance(params.get("tagKeys"), list):
        out[TAG_KEYS] = tuple(str(k) for k in params["tagKeys"])


def logs_spec() -> ServiceSpec:
    conditions: dict[str, ConditionFn] = {
        REQUEST_TAG: request_tags("aws:requesttag/", ("tags",)),
        TAG_KEYS: _tag_keys,
    }
    return ServiceSpec(
        prefix="logs",
        resolvers={
            "log-group": first_of(direct("resourceArn"), _by_group),
            "log-stream": _by_stream,
        },
        conditions=conditions,
    )
