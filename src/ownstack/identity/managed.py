"""AWS managed policies (arn:aws:iam::aws:policy/<path><name>): AWS's own documents, shipped
as JSON data files in `managed/` and read once per process, when first asked for."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy"


@dataclass(frozen=True, slots=True)
class AwsPolicy:
    name: str
    path: str
    arn: str
    id: str
    default_version: str
    document: str
    created: float
    updated: float


def _stable_id(name: str) -> str:
    """The same ANPA... id on every server: derived from the name (AWS's ids are fixed too)."""
    digest = base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()
    return "ANPA" + digest[:17]


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _load(raw: str) -> AwsPolicy:
    data = json.loads(raw)
    name, path = data["PolicyName"], data["Path"]
    return AwsPolicy(
        name=name,
        path=path,
        arn=f"{AWS_POLICY_PREFIX}{path}{name}",
        id=_stable_id(name),
        default_version=data["DefaultVersionId"],
        document=json.dumps(data["Document"], indent=4),
        created=_epoch(data["CreateDate"]),
        updated=_epoch(data["UpdateDate"]),
    )


class AwsManagedPolicies:
    def __init__(self) -> None:
        self._by_arn: dict[str, AwsPolicy] | None = None

    def _policies(self) -> dict[str, AwsPolicy]:
        if self._by_arn is None:
            folder = resources.files("ownstack.identity") / "managed"
            loaded = [
                _load(entry.read_text(encoding="utf-8"))
                for entry in folder.iterdir()
                if entry.name.endswith(".json")
            ]
            self._by_arn = {p.arn: p for p in sorted(loaded, key=lambda p: p.name.lower())}
        return self._by_arn

    def get(self, arn: str) -> AwsPolicy | None:
        return self._policies().get(arn)

    def all(self) -> list[AwsPolicy]:
        return list(self._policies().values())
