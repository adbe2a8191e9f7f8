"""ownstack's own endpoints: health (unauthenticated, for load balancers and orchestrators),
Prometheus metrics, and the web console's files and server information (console/)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ownstack.core.http import Request, Response
from ownstack.obs.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from ownstack.obs.metrics import Registry

HEALTH_PATH = "/_ownstack/health"
SNS_CERT_PATH = "/_ownstack/sns/"
"""SNS's signing certificate (SigningCertURL): public, like AWS's, so receivers can verify."""
LAMBDA_CODE_PATH = "/_ownstack/lambda/code/"
"""Lambda's Code.Location links: authenticated by the signed, expiring token in the path (as
a presigned URL is by its signature), not by SigV4."""
METRICS_PATH = "/metrics"
CONSOLE_PATH = "/_ownstack/console"
"""The web console's static files (console/files.py); /_ownstack/console redirects to the slash."""
INFO_PATH = "/_ownstack/info"
"""Server information for the console (console/info.py): SigV4-signed requests only."""
HEALTH_TIMEOUT = 2.0

log = logging.getLogger("ownstack.gateway")


class Checkable(Protocol):
    async def health(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Backend:
    engine: str
    store: Checkable


class Health:
    def __init__(self, backends: Mapping[str, Backend]) -> None:
        self._backends = dict(backends)

    async def check(self) -> tuple[bool, dict[str, object]]:
        ports = list(self._backends)
        results = await asyncio.gather(*(self._ready(self._backends[p]) for p in ports))
        report = {
            port: {"engine": self._backends[port].engine, "ready": ready}
            for port, ready in zip(ports, results, strict=True)
        }
        healthy = all(results)
        return healthy, {"status": "ok" if healthy else "degraded", "backends": report}

    async def _ready(self, backend: Backend) -> bool:
        try:
            await asyncio.wait_for(backend.store.health(), HEALTH_TIMEOUT)
        except Exception as exc:  # any failure means "not ready", whatever the engine raised
            log.warning("backend %s not ready: %r", backend.engine, exc)
            return False
        return True

    async def respond(self) -> Response:
        healthy, body = await self.check()
        return Response(
            200 if healthy else 503,
            [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            json.dumps(body).encode(),
        )


def is_signed(req: Request) -> bool:
    return "authorization" in req.headers or "X-Amz-Credential=" in req.query


def metrics_response(registry: Registry) -> Response:
    return Response(200, [("Content-Type", METRICS_CONTENT_TYPE)], registry.exposition())


def internal_route(req: Request) -> str | None:
    """Which internal endpoint a request is for, or None. /metrics is only ours when unsigned:
    a signed GET /metrics is S3 listing a bucket named "metrics"."""
    if req.method not in ("GET", "HEAD"):
        return None
    if req.path == HEALTH_PATH:
        return "health"
    if req.path.startswith(SNS_CERT_PATH):
        return "sns-cert"
    if req.path.startswith(LAMBDA_CODE_PATH):
        return "lambda-code"
    if req.path == METRICS_PATH and not is_signed(req):
        return "metrics"
    if req.path == CONSOLE_PATH or req.path.startswith(CONSOLE_PATH + "/"):
        return "console"
    if req.path == INFO_PATH and req.method == "GET":
        return "info"
    return None


@runtime_checkable
class CertificateSource(Protocol):
    async def signing_certificate(self, name: str) -> bytes | None: ...


async def sns_certificate(sns: object, path: str) -> Response:
    """The PEM certificate SNS signs with, or 404 for any other name under SNS_CERT_PATH."""
    name = path[len(SNS_CERT_PATH) :]
    cert = await sns.signing_certificate(name) if isinstance(sns, CertificateSource) else None
    if cert is None:
        return Response(404, [("Content-Type", "text/plain")], b"Not Found")
    return Response(200, [("Content-Type", "application/x-pem-file")], cert)


@runtime_checkable
class CodeDownloads(Protocol):
    async def code_download(self, token: str) -> Response: ...


async def lambda_code(service: object, path: str) -> Response:
    """The zip a Code.Location link names (the Lambda service checks its token)."""
    if not isinstance(service, CodeDownloads):
        return Response(404, [("Content-Type", "text/plain")], b"Not Found")
    return await service.code_download(path[len(LAMBDA_CODE_PATH) :])
