"""Compressed request bodies (`Content-Encoding: gzip` or `deflate`) of the JSON and query
protocols, which AWS's SDKs send when a model marks an operation `requestcompression`
(CloudWatch's PutMetricData; any operation when a client asks). The signature covers the bytes as
sent, so the gateway decodes after verifying it and before the codec parses.

What DynamoDB does, and so do we: gzip members may be concatenated (RFC 1952) and bytes after the
last member that do not start another one are ignored; a deflate body is one zlib stream (RFC
1950) and nothing after it; an unknown encoding (DynamoDB only, STRICT_SERVICES), or a body
that does not decode (empty, truncated, not compressed at all), is answered with a 500, the
request not carried out.
S3 is not decoded here: there Content-Encoding describes the object, not the request.
"""

from __future__ import annotations

import zlib
from dataclasses import replace

from ownstack.core.errors import ServiceError
from ownstack.core.http import Request

from .body import BufferedBody

_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 16 + zlib.MAX_WBITS
# `amz-1.0` is what Coral clients (older SDKs, hand-written ones) send for an uncompressed body.
_IDENTITY = frozenset({"", "identity", "amz-1.0"})
DECODED_PROTOCOLS = frozenset({"json", "query"})
_KNOWN = frozenset({"gzip", "deflate"})
STRICT_SERVICES = frozenset({"dynamodb"})
"""Services that refuse a coding they do not know with a 500, as DynamoDB was seen to. For the
others AWS's answer is not known, so a stray header (`Content-Encoding: utf-8`) keeps working
as it did before codings were decoded."""


class _TooLarge(Exception):
    pass


def decode_request(req: Request, service: str, limit: int) -> Request:
    """`req` with its (buffered) body decoded as its Content-Encoding says; `req` itself when
    it names none. The decoded body may be at most `limit` bytes (413 beyond)."""
    header = req.headers.get("content-encoding")
    if not header:
        return req
    encodings = [part.strip().lower() for part in header.split(",")]
    encodings = [e for e in encodings if e not in _IDENTITY]
    if not encodings or not isinstance(req.body, BufferedBody):
        return req
    if service not in STRICT_SERVICES and not _KNOWN.issuperset(encodings):
        return req  # as before codings were decoded: the body is parsed as it came
    data = req.body.data
    try:
        # Encodings are listed in the order they were applied: undo them last first.
        for encoding in reversed(encodings):
            data = _decode(encoding, data, limit)
    except _TooLarge:
        raise ServiceError("RequestEntityTooLarge", "Request is too large.", 413) from None
    except (zlib.error, ValueError):
        raise _undecodable(service) from None
    return replace(req, body=BufferedBody(data))


def _decode(encoding: str, data: bytes, limit: int) -> bytes:
    if encoding == "gzip":
        return _gunzip(data, limit)
    if encoding == "deflate":
        return _inflate(data, limit)
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


def _gunzip(data: bytes, limit: int) -> bytes:
    out = bytearray()
    rest = data
    while True:
        rest = _one_stream(rest, _GZIP_WBITS, out, limit)
        if not rest.startswith(_GZIP_MAGIC):
            return bytes(out)  # trailing bytes that start no member: ignored, as DynamoDB does


def _inflate(data: bytes, limit: int) -> bytes:
    out = bytearray()
    if _one_stream(data, zlib.MAX_WBITS, out, limit):
        raise ValueError("data after the end of the deflate stream")
    return bytes(out)


def _one_stream(data: bytes, wbits: int, out: bytearray, limit: int) -> bytes:
    """Decompresses one complete stream at the start of `data` into `out`; returns what follows
    it. Raises ValueError when the stream is empty or ends early, _TooLarge past `limit`."""
    stream = zlib.decompressobj(wbits)
    pending = data
    while pending and not stream.eof:
        out += stream.decompress(pending, limit + 1 - len(out))
        if len(out) > limit:
            raise _TooLarge
        pending = stream.unconsumed_tail
    if not stream.eof:
        raise ValueError("compressed stream is truncated")
    return stream.unused_data


def _undecodable(service: str) -> ServiceError:
    if service == "dynamodb":
        return ServiceError("InternalServerError", "Internal server error", 500, sender_fault=False)
    return ServiceError(
        "InternalFailure",
        "The request processing has failed because of an unknown error, exception or failure.",
        500,
        sender_fault=False,
    )
