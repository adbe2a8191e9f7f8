"""Policy documents: grammar, validation with IAM's wording, compilation. (Interface stub: the
policy helper replaces the bodies.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PolicyKind = Literal["identity", "resource", "trust", "boundary", "session"]


class PolicyError(ValueError):
    """A document IAM would refuse. `message` is IAM's MalformedPolicyDocument text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed, validated, compiled policy. `source_id` names it in Simulate* answers and
    denials (a managed policy's ARN, `user/bob/inline-name`, ...)."""

    text: str
    kind: PolicyKind
    source_id: str = ""


def parse_policy(text: str, kind: PolicyKind, source_id: str = "") -> Policy:
    raise NotImplementedError
