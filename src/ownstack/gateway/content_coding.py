"""DynamoDB's HTTP content codings, both ways.

Requests: an SDK with request compression on (botocore's `request_min_compression_size_bytes`,
the SDKs' "requestcompression" feature) sends the JSON body gzipped, with
`Content-Encoding: gzip`; the signature covers the compressed bytes, so the body is inflated
after authentication and before parsing. Gzip members may follow each other (RFC 1952 2.2).
DynamoDB answers a body it cannot inflate, or a coding it does not know, with a 500
InternalServerError, and so does ownstack.

Answers: a client that sends `Accept-Encoding` gets a body of 4 KB or more compressed with
gzip or deflate (zlib), whichever its header prefers, as DynamoDB does; x-amz-crc32 is then
the CRC32 of the compressed bytes, which is what DynamoDB sends. The header is read the way
DynamoDB reads it: q-values (the first one of an entry counts, anything above 1 is 1, a value
that is not a number leaves the default 1, zero or less refuses), `*` standing for the codings
the header does not name, an equal preference going to the entry listed first (and to gzip
over deflate when only `*` names them), `identity` and unknown codings ignored.
https://docs.aws.amazon.com/sdkref/latest/guide/feature-compression.html
"""

from __future__ import annotations

import gzip
import math
import zlib
from dataclasses import replace

from ownstack.core.errors import ServiceError
from ownstack.core.http import Request, Response
from ownstack.wire.body import BufferedBody

CODED_SERVICES = frozenset({"dynamodb"})
"""Services whose requests and answers carry content codings this way."""
MIN_COMPRESSED = 4096
"""Answers shorter than this go out as they are (DynamoDB's threshold)."""
CODINGS = ("gzip", "deflate")
"""What an answer can be compressed with, in the order `*` prefers them."""
_GZIP_MAGIC = b"\x1f\x8b"


def inflate_request(req: Request, limit: int) -> Request:
    """`req` with its body inflated when its Content-Encoding says gzip (the body must be
    buffered already). InternalServerError for a coding DynamoDB does not know or a body that
    is not valid gzip; 413 RequestEntityTooLarge when it inflates past `limit` bytes (the
    limit an uncompressed body has: DynamoDB takes more, but a server must not inflate a
    small request into unbounded memory)."""
    coding = (req.headers.get("content-encoding") or "").strip().lower()
    if coding in ("", "identity"):
        return req
    body = req.body
    if coding != "gzip" or not isinstance(body, BufferedBody):
        raise _cannot_decode()
    return replace(req, body=BufferedBody(_gunzip(body.data, limit)))


def _gunzip(data: bytes, limit: int) -> bytes:
    """Every gzip member in `data`, inflated, at most `limit` bytes in all."""
    out: list[bytes] = []
    size = 0
    rest = data
    while True:
        if not rest.startswith(_GZIP_MAGIC):
            raise _cannot_decode()  # empty, or not (or no longer) gzip
        member = zlib.decompressobj(wbits=31)
        try:
            chunk = member.decompress(rest, limit - size + 1)
        except zlib.error:
            raise _cannot_decode() from None
        size += len(chunk)
        if size > limit or member.unconsumed_tail:
            raise ServiceError("RequestEntityTooLarge", "Request is too large.", 413)
        if not member.eof:
            raise _cannot_decode()  # truncated
        out.append(chunk)
        rest = member.unused_data
        if not rest:
            return b"".join(out)


def _cannot_decode() -> ServiceError:
    return ServiceError("InternalServerError", "Internal server error", 500, sender_fault=False)


def compress_answer(accept_encoding: str | None, resp: Response) -> Response:
    """`resp` compressed with the coding `accept_encoding` prefers, when its body is long
    enough; x-amz-crc32 (when the answer has one) made that of the compressed bytes."""
    body = resp.body
    if not accept_encoding or not isinstance(body, bytes) or len(body) < MIN_COMPRESSED:
        return resp
    if any(name.lower() == "content-encoding" for name, _ in resp.headers):
        return resp
    coding = preferred_coding(accept_encoding)
    if coding is None:
        return resp
    packed = gzip.compress(body, mtime=0) if coding == "gzip" else zlib.compress(body)
    had_crc = any(name.lower() == "x-amz-crc32" for name, _ in resp.headers)
    headers = [(n, v) for n, v in resp.headers if n.lower() != "x-amz-crc32"]
    headers.append(("Content-Encoding", coding))
    if had_crc:  # of the bytes sent, as DynamoDB computes it
        headers.append(("x-amz-crc32", str(zlib.crc32(packed))))
    return replace(resp, headers=headers, body=packed)


def preferred_coding(accept_encoding: str) -> str | None:
    """The coding of CODINGS an Accept-Encoding header prefers, or None for none of them."""
    named: list[tuple[float, int, str]] = []  # (q, place, coding) of each entry naming one
    wildcard: float | None = None
    for place, entry in enumerate(accept_encoding.split(",")):
        name, _, params = entry.partition(";")
        name = name.strip().lower()
        q = _quality(params)
        if name in CODINGS:
            named.append((q, place, name))
        elif name == "*" and wildcard is None:
            wildcard = q
    candidates = list(named)
    if wildcard is not None:
        listed = {coding for _, _, coding in named}
        after = len(accept_encoding)  # `*` loses a tie to any entry naming its coding
        candidates += [
            (wildcard, after + i, coding)
            for i, coding in enumerate(CODINGS)
            if coding not in listed
        ]
    best = max(candidates, key=lambda c: (c[0], -c[1]), default=None)
    if best is None or best[0] <= 0:
        return None
    return best[2]


def _quality(params: str) -> float:
    """An entry's q-value: its first `q=` parameter, 1 when it has none or one that is not a
    number, at most 1."""
    for param in params.split(";"):
        key, eq, value = param.partition("=")
        if eq and key.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 1.0
            return 1.0 if math.isnan(q) else min(q, 1.0)
    return 1.0
