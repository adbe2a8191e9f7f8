"""The S3 website endpoint: a bucket's objects served as a static website, as S3 answers on
`<bucket>.s3-website-<region>.amazonaws.com` (S3 User Guide, "Hosting a static website").

Hosts. A request is for a bucket's website when its Host is `<bucket>.s3-website.<base>`,
`<bucket>.s3-website.<region>.<base>` or `<bucket>.s3-website-<region>.<base>`, where `<base>`
is one of the configured S3 host names (`s3_hostnames`: localhost, s3.localhost, 127.0.0.1 by
default) or amazonaws.com. So `http://site.s3-website.localhost:4566/` reaches bucket `site`
(browsers resolve *.localhost to the loopback address; any client can send the Host header to
127.0.0.1). The region in the host is not checked against the bucket's.

What it does, in S3's order:
- only GET and HEAD (anything else: 405, MethodNotAllowed);
- no such bucket, or no website configuration: 404 (NoSuchBucket, NoSuchWebsiteConfiguration);
- RedirectAllRequestsTo: 301 to that host (and protocol), same path and query;
- routing rules whose condition is a key prefix alone (or absent) redirect before any read;
- `/` and `<prefix>/` read the index document (`<prefix>/<suffix>`); a key that does not exist
  but whose `<key>/<suffix>` does is answered 302 to `/<key>/`;
- an object is read as an anonymous GetObject (HeadObject) through the gateway's normal
  pipeline: authorised as anyone's request (a bucket policy that lets `*` read it), with the
  request's Range and conditional headers, so a website serves exactly what its bucket lets
  anybody read, and a private object is 403; an object with x-amz-website-redirect-location
  is a 301 to that location;
- a missing key is 404 only if anybody may list the bucket (s3:ListBucket), else 403, as S3
  answers the same anonymous GetObject;
- on an error, a routing rule with that HttpErrorCodeReturnedEquals (and matching prefix)
  redirects; else a 4XX serves the ErrorDocument object with the error's status; else (or if
  that document cannot be read either) an HTML error page (website_pages.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable
from urllib.parse import quote, unquote

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody, Headers, Request, Response
from ownstack.services.s3.website_config import Redirect, Site

from .authorize import Authorizer
from .ids import new_host_id
from .respond import drop_body
from .vhost import strip_port
from .website_pages import (
    Failure,
    access_denied,
    error_page,
    method_not_allowed,
    name_error,
    no_such_bucket,
    no_such_website,
    redirect,
)

Reader = Callable[[Request, RequestContext], Awaitable[tuple[Response, str]]]
"""The gateway's pipeline for one S3 request: (response, error code or "")."""

_MARKER = ".s3-website"
_AWS_BASE = "amazonaws.com"
_FORWARDED = ("range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since")
"""The request's headers the object's own read gets."""
_CONTEXT_HEADERS = ("referer", "user-agent")
"""Headers every read gets, as the visitor sent them: what a bucket policy's aws:Referer and
aws:UserAgent conditions are about (gateway/authz_context.py reads them)."""
_CACHE_LIMIT = 1024
_REDIRECT_LOCATION = "x-amz-website-redirect-location"


@runtime_checkable
class WebsiteSource(Protocol):
    async def website_site(self, name: str) -> Site | None: ...


class Websites:
    def __init__(
        self,
        s3: object,
        bases: tuple[str, ...],
        read: Reader,
        authorizer: Authorizer,
    ) -> None:
        self._s3 = s3 if isinstance(s3, WebsiteSource) else None
        self._bases = frozenset(b.lower().rstrip(".") for b in (*bases, _AWS_BASE))
        self.read = read
        self.authorizer = authorizer
        self._known: dict[str, str | None] = {}

    def bucket_of(self, host: str) -> str | None:
        """The bucket whose website `host` (a Host header) names, or None."""
        if _MARKER not in host.lower() or self._s3 is None:  # every request asks: cheap first
            return None
        known = self._known
        if host not in known:
            if len(known) >= _CACHE_LIMIT:
                known.clear()
            known[host] = self._parse(strip_port(host))
        return known[host]

    def _parse(self, host: str) -> str | None:
        at = host.rfind(_MARKER)
        bucket, rest = host[:at], host[at + len(_MARKER) :]
        if not bucket or not rest:
            return None
        if rest[0] == "-":  # s3-website-<region>.<base>
            region, _, base = rest[1:].partition(".")
            return bucket if region and base in self._bases else None
        if rest[0] != ".":
            return None
        rest = rest[1:]
        if rest in self._bases:
            return bucket
        region, _, base = rest.partition(".")
        return bucket if region and base in self._bases else None

    async def serve(self, bucket: str, req: Request, ctx: RequestContext) -> tuple[Response, str]:
        """The website's answer to `req`, and its error code ("" for none)."""
        head = req.method == "HEAD"
        operation = "HeadObject" if head else "GetObject"
        ctx.service, ctx.operation = "s3", operation
        try:
            return await self._serve(bucket, req, ctx, head)
        finally:
            ctx.operation = operation  # what the visitor asked, whatever was read for it

    async def _serve(
        self, bucket: str, req: Request, ctx: RequestContext, head: bool
    ) -> tuple[Response, str]:
        if req.method not in ("GET", "HEAD"):
            return self.page(method_not_allowed(req.method), ctx)
        source = self._s3
        assert source is not None  # bucket_of found no website without it
        try:
            site = await source.website_site(bucket)
        except ServiceError:
            return self.page(no_such_bucket(bucket), ctx)
        if site is None:
            return self.page(no_such_website(bucket), ctx)
        if site.redirect_all is not None:
            target = site.redirect_all
            protocol = target.protocol or ctx.scheme
            query = f"?{req.query}" if req.query else ""
            return redirect(target.status, f"{protocol}://{target.host}{req.path}{query}"), ""
        key = unquote(req.path[1:] if req.path.startswith("/") else req.path, errors="replace")
        return await _Visit(self, bucket, site, req, ctx).answer(key, head)

    def page(
        self, failure: Failure, ctx: RequestContext, document: Failure | None = None
    ) -> tuple[Response, str]:
        return error_page(failure, ctx.request_id, new_host_id(), document), failure.code


class _Visit:
    """One website request for one key."""

    def __init__(
        self, sites: Websites, bucket: str, site: Site, req: Request, ctx: RequestContext
    ) -> None:
        self.sites, self.bucket, self.site, self.req, self.ctx = sites, bucket, site, req, ctx

    async def answer(self, key: str, head: bool) -> tuple[Response, str]:
        site = self.site
        early = site.rule_before_read(key)
        if early is not None:
            return self._redirect(early), ""
        wanted = site.object_key(key)
        resp, code = await self._get(wanted, head, forward=True)
        if resp.status < 300 or resp.status == 304:
            location = _header(resp, _REDIRECT_LOCATION)
            if location:
                drop_body(resp)
                return redirect(301, location), ""
            return resp, code
        failure = Failure.of_read(resp, code, wanted)
        drop_body(resp)
        if failure.code == "NoSuchKey":
            if wanted == key and await self._exists(f"{key}/{site.index_suffix}"):
                return redirect(302, "/" + quote(key, safe="/") + "/"), ""
            if not await self._may_list():
                failure = access_denied()
        late = site.rule_after_error(key, failure.status)
        if late is not None:
            return self._redirect(late), ""
        document = None
        if site.error_key and 400 <= failure.status < 500:
            doc, doc_code = await self._get(site.error_key, head, forward=False)
            if doc.status == 200:
                doc.status = failure.status
                name_error(doc.headers, failure)
                return doc, failure.code
            document = Failure.of_read(doc, doc_code, site.error_key)
            drop_body(doc)
        return self.sites.page(failure, self.ctx, document)

    async def _get(self, key: str, head: bool, *, forward: bool) -> tuple[Response, str]:
        """An anonymous GetObject (HeadObject) of `key`, through the gateway's pipeline."""
        names = _CONTEXT_HEADERS + (_FORWARDED if forward else ())
        headers = Headers([(n, v) for n in names if (v := self.req.headers.get(n)) is not None])
        path = f"/{quote(self.bucket)}/{quote(key, safe='/')}"
        method = "HEAD" if head else "GET"
        req = self.req
        internal = Request(
            method, path, "", headers, BytesBody(b""), remote=req.remote, secure=req.secure
        )
        return await self.sites.read(internal, self.ctx)

    async def _exists(self, key: str) -> bool:
        resp, _ = await self._get(key, True, forward=False)
        return resp.status == 200

    async def _may_list(self) -> bool:
        """Whether anybody may list the bucket (S3 then tells a missing key from a private
        one: 404 rather than 403)."""
        try:
            await self.sites.authorizer.authorize(
                self.ctx, self.req, "ListObjectsV2", {"Bucket": self.bucket}
            )
        except ServiceError:
            return False
        return True

    def _redirect(self, target: Redirect) -> Response:
        protocol = target.protocol or self.ctx.scheme
        host = target.host or self.ctx.host
        return redirect(target.status, f"{protocol}://{host}/{quote(target.key, safe='/')}")


def _header(resp: Response, name: str) -> str | None:
    for header, value in resp.headers:
        if header.lower() == name:
            return value
    return None
