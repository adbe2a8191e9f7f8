"""STS: who am I. Only GetCallerIdentity for now; every other operation is answered with
NotImplemented by the gateway (a missing method is an unimplemented operation)."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result


class StsService:
    async def get_caller_identity(self, ctx: RequestContext, params: Params) -> Result:
        principal = ctx.principal
        return {
            "UserId": principal.user_id,
            "Account": principal.account_id,
            "Arn": principal.arn,
        }
