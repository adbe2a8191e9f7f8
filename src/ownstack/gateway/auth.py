"""Authentication: every request is SigV4-verified against the known principals (today only
the root user; IAM users come later) and the signer becomes the request's principal. S3 also
accepts Signature Version 2 (header and presigned), as AWS S3 does."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from ownstack.core.clock import Clock
from ownstack.core.context import Principal
from ownstack.core.http import Request
from ownstack.wire.sigv2 import SigV2Verifier, is_sigv2

from .vhost import VirtualHosts

MAX_CLOCK_SKEW = 900.0
# The configuration's default S3 host names; the composition root passes the configured ones.
DEFAULT_S3_HOSTNAMES = ("localhost", "s3.localhost", "127.0.0.1")


@dataclass(frozen=True, slots=True)
class RootCredentials:
    access_key: str
    secret_key: str
    account_id: str


def root_principal(root: RootCredentials) -> Principal:
    return Principal(
        account_id=root.account_id,
        arn=f"arn:aws:iam::{root.account_id}:root",
        user_id=root.account_id,
        access_key=root.access_key,
    )


def anonymous_principal(account_id: str) -> Principal:
    """Who a request is before (or without) a valid signature."""
    return Principal(account_id=account_id, arn="", user_id="", access_key="")


class Authenticator:
    def __init__(
        self,
        root: RootCredentials,
        clock: Clock,
        max_skew: float = MAX_CLOCK_SKEW,
        *,
        s3_hostnames: tuple[str, ...] = DEFAULT_S3_HOSTNAMES,
    ):
        from ownstack.wire.sigv4 import SigV4Verifier

        self._root = root
        self.root = root_principal(root)
        self._verifier = SigV4Verifier(self._secret_for, clock, max_skew=max_skew)
        self._v2 = SigV2Verifier(self._secret_for, clock, max_skew=max_skew)
        # V2 signs `/bucket/key` even for virtual-hosted requests, and auth runs before the
        # gateway rewrites those to path style, so the bucket is read off the Host here.
        self._vhosts = VirtualHosts(s3_hostnames)

    def _secret_for(self, access_key: str) -> str | None:
        if hmac.compare_digest(access_key.encode(), self._root.access_key.encode()):
            return self._root.secret_key
        return None

    async def authenticate(self, req: Request, service: str) -> tuple[Principal, str]:
        """The signer and the region it signed for. Raises the service's ServiceError."""
        if service == "s3" and is_sigv2(req):
            self._v2.verify(req, vhost_bucket=self._vhosts.bucket_of(req.headers.get("host")))
            return self.root, ""  # V2 names no region: the server's own applies
        # The verifier words its errors per service family (S3 vs query vs JSON services).
        scope = await self._verifier.verify(req, s3=service == "s3")
        return self.root, scope.region
