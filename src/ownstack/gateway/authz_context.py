"""The condition context of one authorisation: AWS's global condition keys, computed only
when a policy asks for them (most policies have no conditions, and building every key for
every request would cost more than evaluating the policies). The keys that follow from the
principal alone (aws:PrincipalArn, aws:username, aws:userid...) the evaluator derives itself."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime

from ownstack.core.access import ResourceFacts
from ownstack.core.context import (
    ANONYMOUS,
    SERVICE,
    RequestContext,
)
from ownstack.core.http import Request

Values = tuple[str, ...]
POST_SIGNATURE = "s3_post_signature"
"""RequestContext.extra key a signed browser upload (POST Object) sets to its signature's
version as S3 names it ("AWS4-HMAC-SHA256", or "AWS" for Signature Version 2): its
s3:authType is then POST and its s3:signatureversion that value."""


class RequestFacts:
    """What every requirement of one request shares: who, from where, when."""

    __slots__ = ("ctx", "now", "principal_tags", "req")

    def __init__(
        self, ctx: RequestContext, req: Request, now: float, principal_tags: Mapping[str, str]
    ) -> None:
        self.ctx = ctx
        self.req = req
        self.now = now
        self.principal_tags = principal_tags

    def value(self, key: str) -> Values | None:
        """The global key `key` (lower-cased), or None when the request has no such value."""
        if key.startswith("aws:principaltag/"):
            return self._tag(self.principal_tags, key[len("aws:principaltag/") :])
        getter = _GLOBAL.get(key)
        return getter(self) if getter is not None else None

    @staticmethod
    def _tag(tags: Mapping[str, str], name: str) -> Values | None:
        # Tag keys in condition keys are case-insensitive, as AWS matches them.
        for tag, value in tags.items():
            if tag.lower() == name:
                return (value,)
        return None


def _source_ip(f: RequestFacts) -> Values | None:
    remote = f.req.remote or f.ctx.source_ip
    return (remote,) if remote else None


def _session_value(f: RequestFacts, pick: Callable[[RequestContext], str]) -> Values | None:
    value = pick(f.ctx)
    return (value,) if value else None


def _token_issue_time(ctx: RequestContext) -> str:
    session = ctx.principal.session
    return _iso(session.issued) if session is not None and session.issued else ""


def _source_identity(ctx: RequestContext) -> str:
    session = ctx.principal.session
    return session.source_identity if session is not None else ""


def _mfa(f: RequestFacts) -> Values | None:
    session = f.ctx.principal.session
    if session is None:
        return None  # long-term keys: the key is absent, as AWS documents
    return ("true" if session.mfa else "false",)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _content_sha256(f: RequestFacts) -> Values | None:
    value = f.req.headers.get("x-amz-content-sha256")
    return (value,) if value else None


def _header(name: str) -> Callable[[RequestFacts], Values | None]:
    """A key that is the request's header `name` as the caller sent it (aws:Referer,
    aws:UserAgent): present whenever the header is, absent otherwise. Caller-supplied, so
    AWS warns they are no security boundary; the Referer is what a website policy reads."""

    def value(f: RequestFacts) -> Values | None:
        found = f.req.headers.get(name)
        return (found,) if found is not None else None

    return value


def _s3_auth_type(f: RequestFacts) -> Values | None:
    if f.ctx.principal.kind == ANONYMOUS:
        return None  # S3 sets the authentication keys for authenticated requests only
    if POST_SIGNATURE in f.ctx.extra:
        return ("POST",)
    return ("REST-HEADER" if "authorization" in f.req.headers else "REST-QUERY-STRING",)


def _s3_signature_version(f: RequestFacts) -> Values | None:
    if f.ctx.principal.kind == ANONYMOUS:
        return None
    posted = f.ctx.extra.get(POST_SIGNATURE)
    if posted is not None:
        return (posted,)
    header = f.req.headers.get("authorization") or ""
    v4 = header.startswith("AWS4-") or "X-Amz-Credential=" in f.req.query
    return ("AWS4-HMAC-SHA256" if v4 else "AWS",)


_GLOBAL: dict[str, Callable[[RequestFacts], Values | None]] = {
    "aws:currenttime": lambda f: (_iso(f.now),),
    "aws:epochtime": lambda f: (str(int(f.now)),),
    "aws:sourceip": _source_ip,
    "aws:securetransport": lambda f: ("true" if f.ctx.scheme == "https" else "false",),
    "aws:principalisawsservice": lambda f: (
        "true" if f.ctx.principal.kind == SERVICE else "false",
    ),
    "aws:requestedregion": lambda f: (f.ctx.region,),
    "aws:viaawsservice": lambda f: ("false",),
    "aws:multifactorauthpresent": _mfa,
    "aws:tokenissuetime": lambda f: _session_value(f, _token_issue_time),
    "aws:sourceidentity": lambda f: _session_value(f, _source_identity),
    "aws:sourcearn": lambda f: _session_value(f, lambda c: c.extra.get("source_arn", "")),
    "aws:sourceaccount": lambda f: _session_value(f, lambda c: c.extra.get("source_account", "")),
    "aws:referer": _header("referer"),
    "aws:useragent": _header("user-agent"),
    "s3:x-amz-content-sha256": _content_sha256,
    "s3:authtype": _s3_auth_type,
    "s3:signatureversion": _s3_signature_version,
}


class ResourceBound(Mapping[str, Values]):
    """A requirement's own condition keys when some follow from facts about its resource as
    well as from the request (dynamodb:LeadingKeys: the request's values of the table's
    partition key, whose name only the table knows). The authorizer binds it to the resource's
    facts, fetched anyway, before evaluating; as a mapping it holds the request's keys alone."""

    __slots__ = ()

    @abstractmethod
    def bind(self, resource: ResourceFacts | None) -> Mapping[str, Values]:
        """Every key, those that need `resource` (None: it does not exist) computed on lookup."""


class ConditionContext(Mapping[str, Sequence[str]]):
    """One requirement's condition keys: its own (from the request's parameters), the
    resource's tags and account, then the request's global keys, each computed on lookup."""

    __slots__ = ("_facts", "_own", "_resource_account", "_resource_tags")

    def __init__(
        self,
        facts: RequestFacts,
        own: Mapping[str, tuple[str, ...]],
        resource_tags: Mapping[str, str],
        resource_account: str | None,
    ) -> None:
        self._facts = facts
        self._own = own
        self._resource_tags = resource_tags
        self._resource_account = resource_account

    def __getitem__(self, key: str) -> Sequence[str]:
        value = self._lookup(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        value = self._lookup(key)
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not None

    def _lookup(self, key: str) -> Values | None:
        own = self._own.get(key)
        if own is not None:
            return own
        if key.startswith("aws:resourcetag/"):
            return RequestFacts._tag(self._resource_tags, key[len("aws:resourcetag/") :])
        if key in ("aws:resourceaccount", "s3:resourceaccount"):
            return (self._resource_account,) if self._resource_account else None
        return self._facts.value(key)

    def __iter__(self) -> Iterator[str]:
        # Only what is known without computing: enumerating every possible key is not needed
        # by the evaluator, which looks keys up by name.
        return iter(self._own)

    def __len__(self) -> int:
        return len(self._own)
