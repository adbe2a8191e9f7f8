"""Which AWS service a request is for, cheapest signal first:

1. the SigV4 credential scope's service (header or presigned query),
2. X-Amz-Target's prefix (`AmazonSQS.SendMessage` -> sqs), from the models' targetPrefix,
3. a form-encoded query-protocol `Action` naming an operation of a loaded query service,
4. otherwise S3, which owns every path and virtual host (and is the only service that speaks
   Signature Version 2, so a V2-signed request is S3's without looking further).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs

from ownstack.core.http import BytesBody, Request, read_all
from ownstack.wire.codec import ServiceWire
from ownstack.wire.sigv2 import is_sigv2

DEFAULT_SERVICE = "s3"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_PEEK = 64 * 1024

# The scope names some SDKs sign with, mapped to the botocore model that serves them.
_SCOPE_ALIASES = {"s3-object-lambda": "s3", "s3express": "s3"}


class ServiceDetector:
    def __init__(self, wires: Mapping[str, ServiceWire]) -> None:
        self._targets = dict(_target_prefixes(wires.values()))
        self._query_actions = _query_actions(wires.values())
        self._signing_names = {w.name: _signing_name(w) for w in wires.values()}
        # Asked up to twice a request: one set lookup, not a scan of the signing names.
        self._known_scopes = frozenset(
            {*self._signing_names, *_SCOPE_ALIASES, *self._signing_names.values()}
        )

    def knows_scope(self, scope_service: str) -> bool:
        """Whether a SigV4 scope's service names a service we serve (or sign for)."""
        return scope_service in self._known_scopes

    def signing_name(self, service: str) -> str:
        return self._signing_names.get(service, service)

    def from_scope(self, scope_service: str, target: str | None = None) -> str:
        """The service a SigV4 scope names; a JSON request's X-Amz-Target decides between
        services that sign with one name (DynamoDB Streams signs as `dynamodb`). A scope
        naming no service at all goes by its X-Amz-Target, as it would at that service's AWS
        endpoint, which then refuses the scope in its own error dialect."""
        if target:
            service = self._targets.get(target.partition(".")[0])
            if service is not None and not self.knows_scope(scope_service):
                return service
            # Only a service that signs with this scope's name: a request scoped to one
            # service never reaches another (AWS refuses a credential scoped elsewhere).
            if service is not None and self._signing_names.get(service) == scope_service:
                return service
        return _SCOPE_ALIASES.get(scope_service, scope_service)

    async def from_request(self, req: Request) -> str:
        """The service of a request without a SigV4 scope (SigV4 ones go by their scope)."""
        if is_sigv2(req):
            return DEFAULT_SERVICE
        target = req.headers.get("x-amz-target")
        if target:
            prefix = target.partition(".")[0]
            service = self._targets.get(prefix)
            if service:
                return service
        action = _query_action(req) or await _form_action(req)
        if action:
            service = self._query_actions.get(action)
            if service:
                return service
        return DEFAULT_SERVICE


def _target_prefixes(wires: Iterable[ServiceWire]) -> Iterable[tuple[str, str]]:
    for wire in wires:
        metadata = _metadata(wire)
        prefix = metadata.get("targetPrefix")
        if isinstance(prefix, str) and prefix:
            yield prefix, wire.name


def _signing_name(wire: ServiceWire) -> str:
    """The service name SigV4 scopes of `wire`'s requests carry."""
    metadata = _metadata(wire)
    name = metadata.get("signingName") or metadata.get("endpointPrefix") or wire.name
    return str(name)


def _query_actions(wires: Iterable[ServiceWire]) -> dict[str, str]:
    """Action name -> service for services that speak the query protocol. S3 is excluded: it
    is the default and its operation names are never sent as an Action."""
    actions: dict[str, str] = {}
    for wire in wires:
        if wire.name == DEFAULT_SERVICE:
            continue
        protocols = _protocols(_metadata(wire))
        if "query" not in protocols:
            continue
        for name in wire.operation_names:
            actions.setdefault(name, wire.name)
    return actions


def _metadata(wire: ServiceWire) -> Mapping[str, object]:
    # ServiceWire does not promise its model; codecs built on botocore expose it as `model`.
    model = getattr(wire, "model", None)
    metadata = getattr(model, "metadata", None)
    return metadata if isinstance(metadata, Mapping) else {}


def _protocols(metadata: Mapping[str, object]) -> set[str]:
    found: set[str] = set()
    protocol = metadata.get("protocol")
    if isinstance(protocol, str):
        found.add(protocol)
    listed = metadata.get("protocols")
    if isinstance(listed, list):
        found.update(p for p in listed if isinstance(p, str))
    return found


def _query_action(req: Request) -> str | None:
    if not req.query or "Action=" not in req.query:
        return None
    values = parse_qs(req.query).get("Action")
    return values[0] if values else None


async def _form_action(req: Request) -> str | None:
    """`Action` from a small form-encoded POST body. The body is read into memory and put back
    as a BytesBody, so the verifier and codec still see all of it."""
    if req.method != "POST":
        return None
    content_type = req.headers.get("content-type", "") or ""
    if not content_type.lower().startswith(FORM_CONTENT_TYPE):
        return None
    declared = req.body.content_length
    # Only a declared, small length is read: an unknown-length body could be consumed halfway.
    if declared is None or declared > MAX_FORM_PEEK:
        return None
    data = await read_all(req.body, MAX_FORM_PEEK)
    if data is None:
        return None
    req.body = BytesBody(data)
    values = parse_qs(data.decode("utf-8", "replace")).get("Action")
    return values[0] if values else None
