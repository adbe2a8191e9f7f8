"""Service models: botocore's pinned model plus our reviewed patches, and one codec per protocol
the service has ever spoken on the wire, chosen per request.

Patches are JSON files under `patches/` named after the service (`sqs.json`), deep-merged into
botocore's model dict before it is loaded; each carries a `_comment` saying why (keys starting
with `_` are not merged). A patch may list extra protocols in `metadata.protocols`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from botocore.loaders import Loader
from botocore.model import ServiceModel

from ownstack.core.http import Request

from .codec import Codec
from .jsonproto import JsonCodec, RestJsonCodec
from .query import QueryCodec
from .rest import DEFAULT_MAX_BODY
from .restxml import RestXmlCodec

CODECS: dict[str, Callable[[ServiceModel, int], Codec]] = {
    "rest-xml": RestXmlCodec,
    "query": QueryCodec,
    "json": JsonCodec,
    "rest-json": RestJsonCodec,
}


def deep_merge(base: dict[str, Any], patch: Mapping[str, Any]) -> None:
    """Merge `patch` into `base` in place: dicts recursively, anything else replaced."""
    for key, value in patch.items():
        if key.startswith("_"):
            continue
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            deep_merge(current, value)
        else:
            base[key] = value


def load_patch(name: str) -> dict[str, Any] | None:
    resource = resources.files("ownstack.wire").joinpath("patches", f"{name}.json")
    if not resource.is_file():
        return None
    patch: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return patch


@cache
def _botocore_loader() -> Loader:
    """One Loader per process: each new one lists botocore's data directories again (~10 ms a
    model). Only `load_model` reads through it, once per name, so the dicts it caches (which
    our patches are merged into) are never handed out twice."""
    return Loader()


@cache
def load_model(name: str) -> ServiceModel:
    """botocore's model for `name` with our patch (if any) applied, loaded once per process (the
    wires and the authorization map of a server read the same models)."""
    data: dict[str, Any] = _botocore_loader().load_service_model(name, "service-2")
    patch = load_patch(name)
    if patch is not None:
        deep_merge(data, patch)
    return ServiceModel(data, service_name=name)


def protocols_of(model: ServiceModel) -> list[str]:
    listed = model.metadata.get("protocols") or [model.metadata["protocol"]]
    return [p for p in listed if p in CODECS]


class ModelWire:
    """The ServiceWire of one service model."""

    def __init__(self, model: ServiceModel, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.name: str = model.service_name
        self.model = model
        self.codecs: dict[str, Codec] = {p: CODECS[p](model, max_body) for p in protocols_of(model)}
        if not self.codecs:
            raise ValueError(f"{self.name}: no supported protocol in {model.metadata}")
        self.default = self.codecs[protocols_of(model)[0]]

    def codec_for(self, req: Request) -> Codec:
        if len(self.codecs) == 1:
            only = self.default
            return only.answering(req) if isinstance(only, JsonCodec) else only
        json_codec = self.codecs.get("json")
        if isinstance(json_codec, JsonCodec) and _speaks_json(req):
            return json_codec.answering(req)
        # A service that also speaks JSON but got neither X-Amz-Target nor a JSON content type
        # is being spoken to in its older protocol (SQS: query).
        return self.codecs.get("query", self.default)

    @property
    def operation_names(self) -> list[str]:
        names: list[str] = self.model.operation_names
        return names


def _speaks_json(req: Request) -> bool:
    if "x-amz-target" in req.headers:
        return True
    content_type = (req.headers.get("content-type") or "").lower()
    return content_type.startswith("application/x-amz-json")


SQS_MAX_BODY = 4 * 1024 * 1024
"""SQS's request cap. A message may be 1,048,576 bytes (body plus attributes, since 2025-08-04),
and a batch as much in total; on the wire each byte may take up to three (query: `%XX`; JSON:
a non-ASCII character as `\\uXXXX` escapes), plus the other members. So a request of any
message SQS would take fits, and SQS's own size check answers (400 InvalidParameterValue), not
this cap (413)."""


DYNAMODB_MAX_BODY = 16 * 1024 * 1024
"""DynamoDB's request cap: BatchWriteItem takes up to 16 MB (25 items of 400 KB, as JSON with
B values in base64), so DynamoDB's own limits answer with its ValidationException first."""

LAMBDA_MAX_BODY = 70 * 1024 * 1024
"""Lambda's request cap: a 50 MB zip inline (CreateFunction, UpdateFunctionCode,
PublishLayerVersion) is 69,905,067 bytes of base64 in the JSON body, plus the other members;
a larger zip gets Lambda's own 413 (RequestEntityTooLargeException naming the operation)."""

LOGS_MAX_BODY = 8 * 1024 * 1024
"""CloudWatch Logs' request cap: a PutLogEvents batch may carry 1,048,576 bytes (messages'
UTF-8 bytes plus 26 per event, up to 10,000 events); as JSON a byte may take up to six
(`\\u0000`), plus each event's members. So any batch AWS would weigh is read whole, and
PutLogEvents' own check answers (400 InvalidParameterException "Upload too large"), not 413."""

_MAX_BODIES = {
    "sqs": SQS_MAX_BODY,
    "dynamodb": DYNAMODB_MAX_BODY,
    "lambda": LAMBDA_MAX_BODY,
    "logs": LOGS_MAX_BODY,
}


def max_body_of(name: str) -> int:
    """The largest request body the codecs of service `name` buffer."""
    return _MAX_BODIES.get(name, DEFAULT_MAX_BODY)


@cache
def load_wire(name: str) -> ModelWire:
    """The (process-wide cached) wire of service `name` ("s3", "sts", "sqs", ...)."""
    return ModelWire(load_model(name), max_body_of(name))
