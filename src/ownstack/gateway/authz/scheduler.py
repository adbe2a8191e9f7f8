"""EventBridge Scheduler: a schedule's ARN from Name and GroupName (the `default` group when
GroupName is left out), a schedule group's from Name (the group operations) or ResourceArn
(the tagging operations, which take only schedule group ARNs). Tags are a list of {Key, Value}
(aws:RequestTag/<key>, aws:TagKeys), UntagResource's keys a list (TagKeys)."""

from __future__ import annotations

from .arns import ArnTemplate
from .conditions import aws_tag_conditions
from .derive import ServiceSpec, direct, fill, first_of
from .model import Params, Resolver, Scope

DEFAULT_GROUP = "default"


def _schedule(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if "Name" not in members or "GroupName" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        name = params.get("Name")
        if not isinstance(name, str) or not name:
            return None
        group = params.get("GroupName") or DEFAULT_GROUP
        return template.fill({"GroupName": str(group), "ScheduleName": name}, scope)

    return resolve


def scheduler_spec() -> ServiceSpec:
    return ServiceSpec(
        prefix="scheduler",
        resolvers={
            "schedule": _schedule,
            "schedule-group": first_of(direct("ResourceArn"), fill(GroupName="Name")),
        },
        conditions=aws_tag_conditions(["Tags"]),
    )
