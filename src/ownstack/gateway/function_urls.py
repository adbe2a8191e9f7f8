"""Function URLs at the gateway: a request whose Host is `<url id>.lambda-url.<region>.<...>`
is not an AWS API call but an HTTP request for a function. Who may make it is decided here, as
AWS does ("Control access to Lambda function URLs"):

- AuthType AWS_IAM: the request must be SigV4-signed (service `lambda`); the signer needs
  lambda:InvokeFunctionUrl on the function (identity policy, or the function's resource policy
  for another account);
- AuthType NONE: anyone, but only if the function's resource policy allows
  lambda:InvokeFunctionUrl to `*` (with lambda:FunctionUrlAuthType NONE).

A refusal is 403 {"Message": "Forbidden"}, an unknown URL 404, as the URL endpoint answers.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody, Request, Response, read_all

from .auth import Authenticator
from .authorize import Authorizer
from .internal import is_signed

if TYPE_CHECKING:  # imported when a URL is first served: starting the gateway stays light
    from ownstack.services.awslambda.url_serve import UrlServeOps

_URL_HOST = re.compile(r"^([a-z0-9]{32})\.lambda-url\.[a-z0-9-]+\.")
MAX_BODY = 6 * 1024 * 1024


def url_id_of(host: str) -> str | None:
    lowered = host.lower()
    if ".lambda-url." not in lowered:  # every request asks: the cheap test first
        return None
    found = _URL_HOST.match(lowered)
    return None if found is None else found[1]


def _message(status: int, message: str) -> Response:
    body = json.dumps({"Message": message}).encode()
    return Response(status, [("Content-Type", "application/json")], body)


class FunctionUrls:
    def __init__(self, service: UrlServeOps, auth: Authenticator, authorizer: Authorizer) -> None:
        self._service = service
        self._auth = auth
        self._authorizer = authorizer

    async def serve(self, url_id: str, req: Request, ctx: RequestContext) -> Response:
        from ownstack.services.awslambda.url_serve import UrlRequest

        service = self._service
        target = await service.url_target(url_id)
        if target is None:
            return _message(404, "Not Found")
        ctx.service, ctx.operation = "lambda", "InvokeFunctionUrl"
        body = await read_all(req.body, MAX_BODY)
        if body is None:
            return _message(413, f"Request must be smaller than {MAX_BODY} bytes")
        req.body = BytesBody(body)
        url_req = UrlRequest(
            method=req.method,
            path=req.path,
            query=req.query,
            headers=req.headers.items(),
            body=body,
            source_ip=ctx.source_ip or "127.0.0.1",
            host=ctx.host,
        )
        answered = service.url_preflight(target, url_req)  # CORS preflights need no caller
        if answered is not None:
            return answered
        try:
            await self._admit(ctx, req, target.auth_type, target.resolved.invoked_arn)
        except ServiceError:
            return _message(403, "Forbidden")
        return await service.serve_url(ctx, target, url_id, url_req)

    async def _admit(self, ctx: RequestContext, req: Request, auth_type: str, arn: str) -> None:
        if auth_type == "AWS_IAM":
            if not is_signed(req):
                raise ServiceError("AccessDeniedException", "Forbidden", 403)
            ctx.principal, _ = await self._auth.authenticate(req, "lambda")
            ctx.account_id = ctx.principal.account_id
        context = {"lambda:functionurlauthtype": (auth_type,)}
        await self._authorizer.authorize_action(ctx, "lambda:InvokeFunctionUrl", arn, context)
