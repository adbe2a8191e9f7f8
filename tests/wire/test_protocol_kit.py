"""Round-trip helpers: botocore's own client code builds requests and parses responses, our wire
layer sits in between. (Named test_protocol_* to live in this directory; it holds no tests.)"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSRequest, HeadersDict, prepare_request_dict
from botocore.config import Config
from botocore.httpchecksum import apply_request_checksum, resolve_request_checksum_algorithm
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody, Headers, Request, Response
from ownstack.wire.body import BufferedBody
from ownstack.wire.codec import Codec
from ownstack.wire.services import ModelWire, load_wire

ENDPOINT = "http://localhost:4566"
REQUEST_ID = "4442587FB7D0A2F9"


def ctx() -> RequestContext:
    principal = Principal("123456789012", "arn:aws:iam::123456789012:root", "123456789012", "AK")
    return RequestContext(REQUEST_ID, "123456789012", "us-east-1", principal)


def botocore_request(
    wire: ModelWire, op_name: str, params: dict[str, Any], protocol: str | None = None
) -> Request:
    """The request botocore's client would send for `params`, as our core Request."""
    model = wire.model
    op = model.operation_model(op_name)
    serializer = create_serializer(protocol or model.metadata["protocol"], include_validation=True)
    serialized = serializer.serialize_to_request(params, op)
    prepare_request_dict(serialized, endpoint_url=ENDPOINT)
    _add_required_checksum(serialized, op, params)
    prepared = AWSRequest(
        method=serialized["method"],
        url=serialized["url"],
        data=serialized["body"],
        headers=serialized["headers"],
    ).prepare()
    split = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    headers = Headers(
        [(k, v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()]
    )
    return Request(prepared.method, split.path, split.query, headers, BufferedBody(body))


def _add_required_checksum(serialized: dict[str, Any], op: Any, params: dict[str, Any]) -> None:
    """The digest header botocore's client adds where the model requires one (S3 refuses such a
    request without it): x-amz-checksum-crc32 and x-amz-sdk-checksum-algorithm by default."""
    config = Config(request_checksum_calculation="when_required")
    serialized["context"] = {"client_config": config, "checksum": {}}
    resolve_request_checksum_algorithm(serialized, op, params)
    apply_request_checksum(serialized)


def raw_request(
    method: str,
    path: str,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Request:
    pairs = list((headers or {}).items())
    if method in ("PUT", "POST") and not any(k.lower() == "content-length" for k, _ in pairs):
        pairs.append(("Content-Length", str(len(body))))  # as every HTTP client sends it
    return Request(method, path, query, Headers(pairs), BytesBody(body))


def match_and_parse(codec: Codec, req: Request) -> tuple[str, dict[str, Any]]:
    op = codec.match(req)
    return op.name, asyncio.run(codec.parse(op, req))


def roundtrip_request(
    service: str, op_name: str, params: dict[str, Any], protocol: str | None = None
) -> tuple[str, dict[str, Any]]:
    wire = load_wire(service)
    req = botocore_request(wire, op_name, params, protocol)
    return match_and_parse(wire.codec_for(req), req)


def body_bytes(resp: Response) -> bytes:
    assert isinstance(resp.body, bytes)
    return resp.body


def botocore_parse(protocol: str, wire: ModelWire, op_name: str, resp: Response) -> dict[str, Any]:
    op = wire.model.operation_model(op_name)
    parser = create_parser(protocol)
    headers = HeadersDict()
    for name, value in resp.headers:
        headers[name] = value
    parsed: dict[str, Any] = parser.parse(
        {"status_code": resp.status, "headers": headers, "body": body_bytes(resp)}, op.output_shape
    )
    return parsed


def roundtrip_response(
    service: str, protocol: str, op_name: str, result: dict[str, Any]
) -> tuple[Response, dict[str, Any]]:
    wire = load_wire(service)
    codec = wire.codecs[protocol]
    resp = codec.serialize(wire.model.operation_model(op_name), result, ctx())
    parsed = botocore_parse(protocol, wire, op_name, resp)
    parsed.pop("ResponseMetadata", None)
    return resp, parsed


def roundtrip_error(
    service: str, protocol: str, op_name: str, err: ServiceError
) -> tuple[Response, dict[str, Any]]:
    wire = load_wire(service)
    codec = wire.codecs[protocol]
    op = wire.model.operation_model(op_name)
    resp = codec.serialize_error(err, ctx(), op)
    return resp, botocore_parse(protocol, wire, op_name, resp)


def parse_error(codec: Codec, req: Request) -> ServiceError:
    try:
        op = codec.match(req)
        asyncio.run(codec.parse(op, req))
    except ServiceError as err:
        return err
    raise AssertionError("expected a ServiceError")
