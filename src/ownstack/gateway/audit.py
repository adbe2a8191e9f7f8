"""Which calls reach the audit log: every denial, and every call whose IAM action changes
something (an access level other than Read or List in AWS's reference), failed or not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import Request
from ownstack.obs.audit import AuditEvent, AuditLog

from .authz import AuthorizationMap, Requirement
from .denials import Denial

_READ_LEVELS = frozenset({"Read", "List"})


class Auditor:
    def __init__(self, log: AuditLog | None, amap: AuthorizationMap, now: Any) -> None:
        self._log = log
        self._map = amap
        self._now = now
        self._read_only: dict[str, bool] = {}

    def after(
        self,
        ctx: RequestContext,
        req: Request,
        params: Mapping[str, Any] | None,
        checked: tuple[Requirement, ...],
        error: ServiceError | None,
    ) -> None:
        if self._log is None:
            return
        if isinstance(error, Denial):
            self._record(ctx, req, params, error, self._reads(error.action), [error.resource])
        elif checked and not all(self._reads(r.action) for r in checked):
            self._record(ctx, req, params, error, False, [r.resource for r in checked])

    def _reads(self, action: str) -> bool:
        """Whether `action` only reads (Read or List in AWS's reference); remembered, since
        it is asked on every request."""
        known = self._read_only.get(action)
        if known is None:
            known = self._read_only[action] = self._map.access_level(action) in _READ_LEVELS
        return known

    def _record(
        self,
        ctx: RequestContext,
        req: Request,
        params: Mapping[str, Any] | None,
        error: ServiceError | None,
        read_only: bool,
        resources: list[str],
    ) -> None:
        assert self._log is not None
        self._log.record(
            AuditEvent(
                event_time=self._now(),
                event_source=f"{ctx.service}.amazonaws.com",
                event_name=ctx.operation,
                region=ctx.region,
                source_ip=req.remote,
                user_agent=req.headers.get("user-agent") or "",
                request_id=ctx.request_id,
                principal=ctx.principal,
                request_parameters=params,
                error_code=error.code if error is not None else "",
                error_message=error.message if error is not None else "",
                read_only=read_only,
                resources=[r for r in resources if r != "*"],
                recipient_account=ctx.account_id,
            )
        )
