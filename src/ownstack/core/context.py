"""Per-request state, passed explicitly to every service call (no globals)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Principal:
    """Who signed the request. `arn` is the IAM identity (root: arn:aws:iam::<acct>:root)."""

    account_id: str
    arn: str
    user_id: str
    access_key: str

    @property
    def is_anonymous(self) -> bool:
        return not self.access_key


@dataclass(slots=True)
class RequestContext:
    request_id: str
    account_id: str
    region: str
    principal: Principal
    service: str = ""
    operation: str = ""
    host: str = ""
    """The Host header as the client sent it (used to build URLs such as a queue's)."""
    scheme: str = "http"
    extra: dict[str, str] = field(default_factory=dict)
