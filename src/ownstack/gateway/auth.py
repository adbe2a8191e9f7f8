"""Authentication: every request is SigV4-verified (S3 also accepts Signature Version 2, as
AWS S3 does) against the Directory's keys: each account's root, IAM users' access keys, and
STS's temporary keys, whose secret is sealed in the session token sent beside them. The signer
becomes the request's principal."""

from __future__ import annotations

from urllib.parse import parse_qsl

from ownstack.core.clock import Clock
from ownstack.core.context import ANONYMOUS, Principal
from ownstack.core.errors import ServiceError
from ownstack.core.http import Request
from ownstack.identity.model import CredentialError, Directory, KeyGrant
from ownstack.wire import sigv4_errors as errs
from ownstack.wire.sigv2 import SigV2Verifier, is_sigv2

from .vhost import VirtualHosts

MAX_CLOCK_SKEW = 900.0
# The configuration's default S3 host names; the composition root passes the configured ones.
DEFAULT_S3_HOSTNAMES = ("localhost", "s3.localhost", "127.0.0.1")
_TOKEN_HEADER = "x-amz-security-token"  # noqa: S105 (a header name)
_TOKEN_QUERY = "x-amz-security-token"  # noqa: S105 (a query name, compared lower-cased)


def anonymous_principal(account_id: str) -> Principal:
    """Who a request is before (or without) a valid signature."""
    return Principal(account_id=account_id, arn="", user_id="", access_key="", kind=ANONYMOUS)


def session_token(req: Request) -> str | None:
    """The session token a request carries (header, or query for presigned URLs)."""
    token = req.headers.get(_TOKEN_HEADER)
    if token:
        return token
    # SigV4 presigned URLs spell it X-Amz-Security-Token, S3's V2 ones x-amz-security-token.
    if "security-token" not in req.query.lower():
        return None
    for name, value in parse_qsl(req.query, keep_blank_values=True):
        if name.lower() == _TOKEN_QUERY:
            return value
    return None


class Authenticator:
    def __init__(
        self,
        directory: Directory,
        clock: Clock,
        max_skew: float = MAX_CLOCK_SKEW,
        *,
        s3_hostnames: tuple[str, ...] = DEFAULT_S3_HOSTNAMES,
    ):
        from ownstack.wire.sigv4 import SigV4Verifier

        self._directory = directory
        self._clock = clock
        self._verifier = SigV4Verifier(self._no_secret, clock, max_skew=max_skew)
        self._v2 = SigV2Verifier(self._no_secret, clock, max_skew=max_skew)
        # V2 signs `/bucket/key` even for virtual-hosted requests, and auth runs before the
        # gateway rewrites those to path style, so the bucket is read off the Host here.
        self._vhosts = VirtualHosts(s3_hostnames)

    @staticmethod
    def _no_secret(access_key: str) -> str | None:
        return None  # every verify call passes its own lookup (it depends on the token)

    def now(self) -> float:
        return self._clock.now()

    def form_signer(self, access_key: str, token: str | None) -> KeyGrant | None:
        """The key an S3 POST form names, to check its policy's signature with (None: no such
        key); `note_form_use` once the signature holds. Raises S3's token errors."""
        try:
            return self._directory.credential(access_key, token)
        except CredentialError as exc:
            raise credential_error(exc, errs.S3) from exc

    def note_form_use(self, access_key: str, region: str) -> None:
        self._directory.note_use(access_key, "s3", region, self._clock.now())

    async def authenticate(
        self, req: Request, service: str, *, scope_service: str = ""
    ) -> tuple[Principal, str]:
        """The signer and the region it signed for. Raises the service's ServiceError.
        `scope_service`: the service name the credential scope must carry (empty: any)."""
        s3 = service == "s3"
        dialect = errs.dialect_for(service, s3=s3)
        token = session_token(req)
        grants: dict[str, KeyGrant] = {}

        def lookup(access_key: str) -> str | None:
            try:
                grant = self._directory.credential(access_key, token)
            except CredentialError as exc:
                raise credential_error(exc, dialect) from exc
            if grant is None:
                return None
            grants[access_key] = grant
            return grant.secret

        region = ""
        if s3 and is_sigv2(req):
            bucket = self._vhosts.bucket_of(req.headers.get("host"))
            access_key = self._v2.verify(req, vhost_bucket=bucket, secrets=lookup)
        else:
            # The verifier words its errors per service family (S3 vs query vs JSON services).
            scope = await self._verifier.verify(
                req, s3=s3, secrets=lookup, service=service, scope_service=scope_service
            )
            access_key, region = scope.access_key, scope.region
        grant = grants[access_key]
        self._directory.note_use(access_key, service, region, self._clock.now())
        return grant.principal, region


def credential_error(exc: CredentialError, dialect: errs.AuthDialect) -> ServiceError:
    """A temporary credential's failure, in the request's protocol's words."""
    if dialect is errs.S3:
        if exc.code == "ExpiredToken":
            return ServiceError("ExpiredToken", "The provided token has expired.", 400)
        if exc.code == "InvalidToken":
            return ServiceError(
                "InvalidToken", "The provided token is malformed or otherwise invalid.", 400
            )
        return errs.unknown_key(dialect, "")
    if exc.code == "ExpiredToken":
        code = "ExpiredTokenException" if dialect is not errs.QUERY else "ExpiredToken"
        return ServiceError(
            code,
            "The security token included in the request is expired",
            403 if dialect is errs.QUERY else 400,
        )
    return ServiceError(dialect.unknown_key_code, dialect.unknown_key_message, dialect.status)
