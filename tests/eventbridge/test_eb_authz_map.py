"""EventBridge's authorisation map (gateway/authz/eventbridge.py): every implemented operation
is mapped to an `events:` action of the pinned reference, on a resource that fits the ARN
template of one of the action's resource types (or `*` where the action has none)."""

from __future__ import annotations

from typing import Any

import pytest

from ownstack.core.service import find_handler
from ownstack.gateway.authz import AuthorizationMap
from ownstack.gateway.authz.reference import load_reference
from ownstack.services.eventbridge.service import EventBridgeService
from ownstack.wire.services import load_model

ACCOUNT = "111122223333"
REGION = "us-east-1"
BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders"
MODEL = load_model("events")
OPERATIONS = [op for op in MODEL.operation_names if find_handler(EventBridgeService, op)]
SAMPLES: dict[str, Any] = {
    "Name": "orders",
    "Rule": "nightly",
    "EventBusName": "orders",
    "ResourceARN": BUS,
    "TargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q",
    "Targets": [{"Id": "t", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"}],
    "Ids": ["t"],
    "Tags": [{"Key": "team", "Value": "a"}],
    "TagKeys": ["team"],
    "EventPattern": '{"source": ["a"]}',
    "Event": "{}",
    "Entries": [{"Source": "a", "EventBusName": "orders"}, {"Source": "b"}],
    "StatementId": "s1",
}


@pytest.fixture(scope="module")
def amap() -> AuthorizationMap:
    return AuthorizationMap(["events"])


def test_the_walk_covers_the_operations() -> None:
    assert len(OPERATIONS) == 21


@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation_is_mapped(amap: AuthorizationMap, operation: str) -> None:
    shape = MODEL.operation_model(operation).input_shape
    params = {m: SAMPLES[m] for m in (shape.members if shape else {}) if m in SAMPLES}
    found = amap.requirements("events", operation, params, account=ACCOUNT, region=REGION)
    assert found
    reference = load_reference("events")
    for requirement in found:
        info = reference.action(requirement.action.split(":", 1)[1])
        assert info is not None
        if requirement.resource == "*":
            assert not info.resources, requirement
            continue
        patterns = [reference.template(use.name).pattern() for use in info.resources]
        assert any(p.fullmatch(requirement.resource) for p in patterns), requirement


def test_rules_are_named_on_their_bus(amap: AuthorizationMap) -> None:
    def resource(operation: str, **params: Any) -> list[str]:
        found = amap.requirements("events", operation, params, account=ACCOUNT, region=REGION)
        assert found is not None
        return [r.resource for r in found]

    rule = f"arn:aws:events:{REGION}:{ACCOUNT}:rule"
    assert resource("PutRule", Name="r") == [f"{rule}/r"]
    assert resource("PutRule", Name="r", EventBusName="orders") == [f"{rule}/orders/r"]
    assert resource("PutTargets", Rule="r", EventBusName=BUS, Targets=[]) == [f"{rule}/orders/r"]
    assert resource("DescribeEventBus") == [f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"]
    other = "arn:aws:events:us-east-1:999999999999:event-bus/shared"
    entries = [{"EventBusName": other}, {}, {"EventBusName": other}]
    assert resource("PutEvents", Entries=entries) == [
        f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
        other,
    ]
