"""S3 CORS at the gateway: a browser's preflight (`OPTIONS`) is answered here from the bucket's
CORS configuration, before (and without) authentication, since browsers send preflights without
credentials; an actual request carrying an `Origin` gets the matched rule's CORS headers on its
response, a success or an error alike. The rules and their matching are the S3 service's
(services/s3/cors.py); this module only reads the request and writes headers.

What S3 answers a preflight, in this order (AWS's recorded answers; see docs/s3-cors.md):
no Origin: 400 BadRequest; no such bucket, or a bucket without CORS: 403 AccessForbidden; no
Access-Control-Request-Method: 400 BadRequest; no rule matching: 403 AccessForbidden; else 200
with an empty body and the Access-Control-* headers.
"""

from __future__ import annotations

import logging
from typing import Protocol
from urllib.parse import unquote

from ownstack.core.errors import ServiceError
from ownstack.core.http import Request, Response
from ownstack.services.s3.cors import CorsConfig, response_headers

from .vhost import VirtualHosts

log = logging.getLogger("ownstack.gateway")

PREFLIGHT = "PreflightCORS"
"""The operation name a preflight is counted and logged under (no model operation is one)."""
_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of"
    " Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers"
    " are not whitelisted by the resource's CORS spec."
)


class CorsSource(Protocol):
    async def bucket_cors(self, name: str) -> CorsConfig | None:
        """The bucket's CORS rules (None: it has none); NoSuchBucket when there is none."""
        ...


def _bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequest", message, 400)


def _forbidden(message: str, method: str, resource_type: str) -> ServiceError:
    fields = {"Method": method, "ResourceType": resource_type}
    return ServiceError("AccessForbidden", message, 403, fields=fields)


class S3Cors:
    def __init__(self, source: object, vhosts: VirtualHosts) -> None:
        found = getattr(source, "bucket_cors", None)
        self._lookup = found if callable(found) else None
        self._vhosts = vhosts

    def _target(self, req: Request) -> tuple[str, bool]:
        """(bucket, whether a key is named) of a request, virtual-host or path style. The
        bucket is right before and after the gateway rewrites a virtual-host request to path
        style; whether a key is named, only before (when preflights ask)."""
        bucket = self._vhosts.bucket_of(req.headers.get("host"))
        if bucket is not None:
            return bucket, req.path.strip("/") != ""
        name, _, key = req.path.lstrip("/").partition("/")
        return unquote(name), key != ""

    async def _config(self, bucket: str) -> CorsConfig | None:
        """The bucket's rules; NoSuchBucket (a ServiceError) when there is none."""
        if self._lookup is None or not bucket:
            raise ServiceError("NoSuchBucket", "The specified bucket does not exist", 404)
        config: CorsConfig | None = await self._lookup(bucket)
        return config

    async def preflight(self, req: Request) -> Response:
        """The answer to an `OPTIONS` request (raises the S3 error to render)."""
        headers = req.headers
        origin = headers.get("origin")
        if not origin:
            raise _bad_request("Insufficient information. Origin request header needed.")
        method = headers.get("access-control-request-method")
        named = method or "OPTIONS"
        bucket, has_key = self._target(req)
        try:
            config = await self._config(bucket)
        except ServiceError as err:
            if err.code != "NoSuchBucket":
                raise
            raise _forbidden("CORSResponse: Bucket not found", named, "BUCKET") from None
        if config is None:
            raise _forbidden("CORSResponse: CORS is not enabled for this bucket.", named, "BUCKET")
        if not method:
            raise _bad_request("Invalid Access-Control-Request-Method: null")
        found = config.match(origin, method, headers.get("access-control-request-headers"))
        if found is None:
            raise _forbidden(_NOT_ALLOWED, method, "OBJECT" if has_key else "BUCKET")
        return Response(200, response_headers(found, origin), b"")

    async def actual(self, req: Request, resp: Response) -> None:
        """Add the CORS headers to the response of a request carrying an Origin, when its
        bucket has a rule admitting it; nothing otherwise. A preflight has its own already."""
        origin = req.headers.get("origin")
        if not origin or req.method == "OPTIONS":
            return
        bucket, _ = self._target(req)
        try:
            config = await self._config(bucket)
        except ServiceError:
            return  # no such bucket (or none named): no CORS headers
        except Exception:
            log.exception("cannot read the CORS configuration of bucket %r", bucket)
            return
        if config is None:
            return
        headers = req.headers
        # S3 matches an actual request by Access-Control-Request-Method (and -Headers) when it
        # carries them, as a preflight (AWS's recorded behaviour), else by its own method.
        method = headers.get("access-control-request-method") or req.method
        found = config.match(origin, method, headers.get("access-control-request-headers"))
        if found is not None:
            resp.headers.extend(response_headers(found, origin))
