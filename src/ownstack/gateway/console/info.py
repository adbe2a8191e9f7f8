"""GET /_ownstack/info: what this server is (version, region, engines, data dir). The data
dir is not public, so the request must carry a valid SigV4 signature: the gateway's own
Authenticator checks it (any service name in the credential scope; the console signs for
`ownstack`). Any authenticated identity may read it: it is no AWS action, so no IAM policy
governs it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from ownstack.core.errors import ServiceError
from ownstack.core.http import Request, Response

from ..auth import Authenticator
from ..internal import INFO_PATH

__all__ = ["INFO_PATH", "ServerInfo", "info_response"]

INFO_SCOPE = "ownstack"
"""The service name the console puts in its credential scope (any name verifies)."""

_NO_STORE = ("Cache-Control", "no-store")


@dataclass(frozen=True, slots=True)
class ServerInfo:
    version: str
    region: str
    data_dir: str
    engines: Mapping[str, str] = field(default_factory=dict)
    """port -> engine (blobs -> fs, meta -> sqlite, ...)."""

    def document(self, identity: str) -> dict[str, object]:
        return {
            "version": self.version,
            "region": self.region,
            "dataDir": self.data_dir,
            "engines": dict(self.engines),
            "identity": identity,
        }


def _error(err: ServiceError) -> Response:
    """The JSON protocols' error shape: what the console's client reads for every service."""
    body = json.dumps({"__type": err.code, "message": err.message}).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", err.code),
        _NO_STORE,
    ]
    return Response(err.status, headers, body)


async def info_response(info: ServerInfo, auth: Authenticator, req: Request) -> Response:
    try:
        principal, _ = await auth.authenticate(req, INFO_SCOPE)
    except ServiceError as err:
        return _error(err)
    body = json.dumps(info.document(principal.arn)).encode()
    return Response(200, [("Content-Type", "application/json"), _NO_STORE], body)
