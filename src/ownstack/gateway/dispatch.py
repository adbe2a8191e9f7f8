"""The App the HTTP server calls: one request in, one response out.

request id -> internal routes -> service detection -> SigV4 -> (S3: virtual host to path
style) -> codec match/parse -> handler -> serialize; any ServiceError is rendered by the
service's codec, anything else becomes InternalError without leaking a traceback. Every
response carries x-amz-request-id (and S3's x-amz-id-2) and Server: ownstack; a HEAD response
carries no body. Each request is counted in the metrics and logged as one JSON line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from time import perf_counter
from urllib.parse import parse_qs

from botocore.model import OperationModel

from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError, internal_error, not_implemented, request_timeout
from ownstack.core.http import Request, Response
from ownstack.core.service import ListsMissingMembers, find_handler
from ownstack.obs.accesslog import AccessLog
from ownstack.obs.metrics import HttpMetrics, Registry
from ownstack.wire.body import buffer_request
from ownstack.wire.codec import Codec, ServiceWire
from ownstack.wire.error_types import MissingMembers, validation_errors
from ownstack.wire.request_encoding import DECODED_PROTOCOLS, decode_request
from ownstack.wire.response_encoding import compress_response
from ownstack.wire.rest import DEFAULT_MAX_BODY
from ownstack.wire.sigv4 import SigningScope, peek_scope

from . import cors_json
from .audit import Auditor
from .auth import Authenticator, anonymous_principal
from .authorize import Authorizer
from .authz import Requirement
from .console import ConsoleFiles, ServerInfo, info_response
from .cors import PREFLIGHT, S3Cors
from .detect import DEFAULT_SERVICE, ServiceDetector
from .function_urls import FunctionUrls, url_id_of
from .ids import new_host_id, new_request_id, request_id_for
from .internal import (
    Health,
    internal_route,
    is_signed,
    lambda_code,
    metrics_response,
    sns_certificate,
)
from .post_upload import PostUploads
from .respond import body_size, drop_body, fallback_error, set_default_headers
from .server_body import BodyTimeout, ClientDisconnected
from .vhost import VirtualHosts, path_style
from .website import Websites

log = logging.getLogger("ownstack.gateway")

WireLoader = Callable[[str], ServiceWire | None]
"""Loads another service's model on first use (its operations are all NotImplemented)."""


def _body_limit(codec: Codec) -> int:
    limit = getattr(codec, "max_body", DEFAULT_MAX_BODY)
    return limit if isinstance(limit, int) else DEFAULT_MAX_BODY


async def _buffered(req: Request, codec: Codec) -> Request:
    buffered = await buffer_request(req, _body_limit(codec))
    if buffered is None:
        raise ServiceError("RequestEntityTooLarge", "Request is too large.", 413)
    return buffered


_SNS_LINK_ACTIONS = frozenset({"ConfirmSubscription", "Unsubscribe"})


def _unsigned_sns_link(req: Request, service: str) -> bool:
    """An unsigned visit to an SNS SubscribeURL or UnsubscribeURL: AWS accepts these without
    a signature (the token, or the subscription ARN, is the credential; SnsService refuses an
    anonymous Unsubscribe of a subscription confirmed with AuthenticateOnUnsubscribe)."""
    if service != "sns" or req.method != "GET" or is_signed(req):
        return False
    return parse_qs(req.query).get("Action", [""])[0] in _SNS_LINK_ACTIONS


def _unsigned_operation(codec: Codec, req: Request) -> OperationModel | None:
    """The operation of an unsigned request when its model says AWS takes it unsigned."""
    try:
        op = codec.match(req)
    except ServiceError:
        return None  # unsigned and unreadable: authentication says what is missing
    return op if op.auth_type == "none" else None


_SIGNED_QUERY_MARKERS = (
    "X-Amz-Credential=",
    "X-Amz-Algorithm=",
    "X-Amz-Signature=",
    "AWSAccessKeyId=",
    "Signature=",
)


def _anonymous_s3(req: Request, service: str) -> bool:
    """An S3 request that carries no signature at all: it goes on as the anonymous principal,
    whom only a bucket policy or an ACL grant can let in (authorize.py, authz/s3_acl.py)."""
    if service != "s3" or req.headers.get("authorization"):
        return False
    query = req.query
    return not query or not any(marker in query for marker in _SIGNED_QUERY_MARKERS)


class Gateway:
    def __init__(
        self,
        *,
        services: Mapping[str, object],
        wires: Mapping[str, ServiceWire],
        auth: Authenticator,
        authorizer: Authorizer,
        auditor: Auditor,
        default_account: Callable[[], str],
        health: Health,
        region: str,
        s3_hostnames: tuple[str, ...],
        registry: Registry | None = None,
        access_log: AccessLog | None = None,
        wire_loader: WireLoader | None = None,
        on_start: Callable[[], Awaitable[None]] | None = None,
        on_drain: Callable[[], None] | None = None,
        function_urls: FunctionUrls | None = None,
        server_info: ServerInfo | None = None,
    ) -> None:
        self._services = dict(services)
        self._console = ConsoleFiles()
        self._server_info = server_info
        self._function_urls = function_urls
        self._wires = dict(wires)
        self._auth = auth
        self._authorizer = authorizer
        self._auditor = auditor
        self._health = health
        self._region = region
        self._default_account = default_account
        """The account anonymous requests start in (the resource's owner decides): the stored
        default, which a shared store may settle only after start."""
        self._anonymous = anonymous_principal(default_account())
        self._vhosts = VirtualHosts(s3_hostnames)
        self._cors = S3Cors(self._services.get("s3"), self._vhosts)
        self._posts = PostUploads(auth, authorizer, auditor, self._services, self._vhosts)
        self._detector = ServiceDetector(self._wires)
        self._websites = Websites(self._services.get("s3"), s3_hostnames, self._handle, authorizer)
        self.registry = registry or Registry()
        self.metrics = HttpMetrics(self.registry)
        self._access = access_log or AccessLog()
        self._wire_loader = wire_loader
        self._on_start = on_start
        self._started = on_start is None
        self._on_drain = on_drain

    def _anonymous_for(self) -> Principal:
        """The anonymous principal of the current default account (made anew only when a
        shared store settles on another default)."""
        account = self._default_account()
        if self._anonymous.account_id != account:
            self._anonymous = anonymous_principal(account)
        return self._anonymous

    def drain(self) -> None:
        """The server is about to stop: requests that would wait (long polls) answer now."""
        if self._on_drain is not None:
            self._on_drain()

    async def start(self) -> None:
        """Open what needs opening (stores' async `open`) before the first request."""
        if not self._started and self._on_start is not None:
            await self._on_start()
        self._started = True

    async def __call__(self, req: Request) -> Response:
        started = perf_counter()
        if not self._started:
            await self.start()
        anonymous = self._anonymous_for()
        ctx = RequestContext(
            request_id=new_request_id(),
            account_id=anonymous.account_id,
            region=self._region,
            principal=anonymous,
            host=req.headers.get("host") or "",
            scheme="https" if req.secure else "http",
        )
        route = internal_route(req)
        url_id = url_id_of(ctx.host) if self._function_urls is not None else None
        site = self._websites.bucket_of(ctx.host)
        if url_id is not None and self._function_urls is not None:
            ctx.source_ip = req.remote or ""
            resp = await self._function_urls.serve(url_id, req, ctx)
            error_code = "" if resp.status < 400 else str(resp.status)
            self.metrics.record(
                ctx.service, ctx.operation, resp.status, error_code, perf_counter() - started
            )
        elif site is not None:  # a bucket's website endpoint (website.py)
            resp, error_code = await self._websites.serve(site, req, ctx)
            self.metrics.record(
                ctx.service, ctx.operation, resp.status, error_code, perf_counter() - started
            )
        elif route is None and cors_json.is_json_preflight(req):
            ctx.operation, error_code = PREFLIGHT, ""
            resp = cors_json.preflight(req)
            self.metrics.record(ctx.service, ctx.operation, 200, "", perf_counter() - started)
        elif route is None:
            resp, error_code = await self._handle(req, ctx)
            if ctx.service == "s3" and "origin" in req.headers:  # a browser's CORS request
                await self._cors.actual(req, resp)
            elif ctx.service != "s3" and cors_json.is_json_request(req):
                cors_json.allow(resp)
            self.metrics.record(
                ctx.service, ctx.operation, resp.status, error_code, perf_counter() - started
            )
        else:
            ctx.service, ctx.operation, error_code = "ownstack", route, ""
            resp = await self._internal(route, req)
        set_default_headers(resp, ctx.request_id, new_host_id() if ctx.service == "s3" else None)
        if req.method == "HEAD":
            drop_body(resp)
        if self._access.enabled():
            self._log(req, resp, ctx, error_code, started)
        return resp

    async def _internal(self, route: str, req: Request) -> Response:
        if route == "health":
            return await self._health.respond()
        if route == "sns-cert":
            return await sns_certificate(self._services.get("sns"), req.path)
        if route == "lambda-code":
            return await lambda_code(self._services.get("lambda"), req.path)
        if route == "console":
            return self._console.serve(req.path)
        if route == "info":
            if self._server_info is None:
                return Response(404, [("Content-Type", "text/plain")], b"Not Found")
            return await info_response(self._server_info, self._auth, req)
        return metrics_response(self.registry)

    async def _handle(self, req: Request, ctx: RequestContext) -> tuple[Response, str]:
        codec: Codec | None = None
        op: OperationModel | None = None
        params: dict[str, object] | None = None
        checked: tuple[Requirement, ...] = ()
        try:
            service, scope = await self._detect(req)
            # Only a service we can load becomes ctx.service (a metrics label): an arbitrary
            # scope name from a client must not mint new series.
            codec = self._wire(service).codec_for(req)
            ctx.service = service
            ctx.request_id = request_id_for(service, ctx.request_id)
            if req.method == "OPTIONS" and service == "s3":  # a CORS preflight: no credentials
                ctx.operation = PREFLIGHT
                return await self._cors.preflight(req), ""
            # An unknown operation is refused before the signature is read, where AWS does so.
            early = codec.match(req) if codec.operation_first else None
            link = _unsigned_sns_link(req, ctx.service)
            unsigned_op = None
            buffered = service != "s3" and not is_signed(req)
            if buffered:
                req = await _buffered(req, codec)
                unsigned_op = _unsigned_operation(codec, req)
                # AWS takes these unsigned (AssumeRoleWithWebIdentity...): the token they carry
                # is the credential.
                link = link or unsigned_op is not None
            if not link and not _anonymous_s3(req, service):
                ctx.principal, region = await self._auth.authenticate(
                    req, ctx.service, scope_service=self._foreign_scope(scope, service)
                )
                ctx.account_id = ctx.principal.account_id
                ctx.region = region or self._region
            if ctx.service == "s3":
                self._to_path_style(req)
                posted = await self._posts.serve(req, ctx, codec) if req.method == "POST" else None
                if posted is not None:  # a browser upload (POST Object): post_upload.py
                    return posted, ""
            elif not buffered:
                # Non-S3 bodies are small and the query codec finds `Action` in them.
                req = await _buffered(req, codec)
            if codec.protocol in DECODED_PROTOCOLS:
                req = decode_request(req, service, _body_limit(codec))
            op = unsigned_op or early or codec.match(req)
            ctx.operation = op.name
            try:
                params = await codec.parse(op, req)
            except MissingMembers as missing:
                raise _missing_error(self._services.get(ctx.service), op.name, missing) from None
            handler = find_handler(self._services.get(ctx.service), op.name)
            if handler is None:
                raise not_implemented(op.name)
            if not link:  # an SNS link's token (or an unsigned operation's) is its credential
                checked = await self._authorizer.authorize(ctx, req, op.name, params)
            result = await handler(ctx, params)
            self._auditor.after(ctx, req, params, checked, None)
            return self._encoded(req, codec, codec.serialize(op, result, ctx)), ""
        except ServiceError as err:
            if ctx.operation:
                self._auditor.after(ctx, req, params, checked, err)
            return self._render_error(err, req, ctx, codec, op), err.code
        except BodyTimeout:
            timeout = request_timeout()
            return self._render_error(timeout, req, ctx, codec, op), timeout.code
        except ClientDisconnected:
            raise  # nobody to answer: the connection drops the request
        except Exception:
            log.exception("internal error (request id %s)", ctx.request_id)
            internal = internal_error()
            return self._render_error(internal, req, ctx, codec, op), internal.code

    async def _detect(self, req: Request) -> tuple[str, SigningScope | None]:
        """The service a request is for, and the credential scope it claims (if any)."""
        scope = peek_scope(req)
        if scope is not None:
            target = req.headers.get("x-amz-target")
            return self._detector.from_scope(scope.service, target), scope
        return await self._detector.from_request(req), None

    @staticmethod
    def _encoded(req: Request, codec: Codec, resp: Response) -> Response:
        """DynamoDB (the service whose codec checksums its answers) compresses big answers
        for clients that accept it; the other services answer uncompressed."""
        accept = req.headers.get("accept-encoding")
        if not accept or not getattr(codec, "checksummed", False):
            return resp
        return compress_response(resp, accept, checksummed=True)

    def _foreign_scope(self, scope: SigningScope | None, service: str) -> str:
        """The scope name `service` signs with, when the request's `scope` names no service we
        know (it reached `service` by its X-Amz-Target): the verifier refuses the scope, as
        AWS does, once it has judged the signing time. Empty otherwise: nothing to enforce."""
        if scope is None or self._detector.knows_scope(scope.service):
            return ""
        return self._detector.signing_name(service)

    def _wire(self, service: str) -> ServiceWire:
        wire = self._wires.get(service)
        if wire is not None:
            return wire
        loaded = self._wire_loader(service) if self._wire_loader else None
        if loaded is None:
            raise ServiceError(
                "NotImplemented",
                f"The service {service} is not implemented by ownstack.",
                501,
                sender_fault=False,
            )
        self._wires[service] = loaded
        return loaded

    def _to_path_style(self, req: Request) -> None:
        bucket = self._vhosts.bucket_of(req.headers.get("host"))
        if bucket is not None:
            req.path = path_style(bucket, req.path)

    def _render_error(
        self,
        err: ServiceError,
        req: Request,
        ctx: RequestContext,
        codec: Codec | None,
        op: OperationModel | None,
    ) -> Response:
        try:
            if codec is None:
                # The service is unknown or unsupported: answer in S3's dialect (XML).
                codec = self._wires[DEFAULT_SERVICE].codec_for(req)
            return codec.serialize_error(err, ctx, op)
        except Exception:
            log.exception("cannot render error %s (request id %s)", err.code, ctx.request_id)
            return fallback_error(err, ctx.request_id)

    def _log(
        self, req: Request, resp: Response, ctx: RequestContext, error_code: str, started: float
    ) -> None:
        self._access.record(
            ctx.request_id,
            req.remote,
            req.method,
            req.path,
            req.query,
            ctx.service,
            ctx.operation,
            resp.status,
            error_code,
            req.body.content_length,
            body_size(resp),
            (perf_counter() - started) * 1000.0,
            ctx.principal.arn,
        )


def _missing_error(service: object, operation: str, missing: MissingMembers) -> ServiceError:
    """The wire's list of missing members, or the service's list of every violation with
    them in their places (core/service.ListsMissingMembers)."""
    if isinstance(service, ListsMissingMembers):
        listed = service.violations_with_missing(operation, missing.params, missing.paths)
        if listed:
            return validation_errors(listed)
    return missing
