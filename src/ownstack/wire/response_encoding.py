"""Compressed DynamoDB responses. A client that sends `Accept-Encoding: gzip` (or `deflate`)
gets an answer of 4 KiB or more compressed, as DynamoDB does; smaller ones go as they are. The
`x-amz-crc32` header then covers the compressed bytes, as DynamoDB's does: the SDKs check it
against the body as received (and so must not let their HTTP client decode it first).

How DynamoDB reads Accept-Encoding, recorded against the service (some of it is looser than RFC
9110): the elements are comma-separated and trimmed, matched case-insensitively; an element's
quality is the number after the first `q=` in its parameters (an unparsable one counts as 1,
above 1 as 1, 0 or below refuses the coding); `*` stands for every coding not named; of the
acceptable codings the highest quality wins, a named one before one `*` admits, then the one
named first, then gzip; `identity` never stops compression.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from ownstack.core.http import Response

COMPRESSION_THRESHOLD = 4096
_CODINGS = ("gzip", "deflate")
_GZIP_WBITS = 16 + zlib.MAX_WBITS


@dataclass(frozen=True, slots=True)
class _Offer:
    quality: float
    named: bool
    position: int


def choose_coding(accept_encoding: str | None) -> str | None:
    """The coding DynamoDB answers with for this Accept-Encoding (None: uncompressed)."""
    if not accept_encoding:
        return None
    named: dict[str, _Offer] = {}
    wildcard: _Offer | None = None
    for position, element in enumerate(accept_encoding.split(",")):
        token, _, params = element.partition(";")
        coding = token.strip().lower()
        offer = _Offer(_quality(params), coding != "*", position)
        if coding == "*":
            wildcard = _better(wildcard, offer)
        elif coding in _CODINGS:
            named[coding] = _better(named.get(coding), offer)
    best: tuple[tuple[float, bool, int, int], str] | None = None
    for rank, coding in enumerate(_CODINGS):
        admitted = named.get(coding, wildcard)
        if admitted is None or admitted.quality <= 0:
            continue
        key = (-admitted.quality, not admitted.named, admitted.position, rank)
        if best is None or key < best[0]:
            best = (key, coding)
    return best[1] if best else None


def _better(held: _Offer | None, offer: _Offer) -> _Offer:
    """Of two elements naming one coding, the one of higher quality (the first on a tie)."""
    return offer if held is None or offer.quality > held.quality else held


def _quality(params: str) -> float:
    start = params.lower().find("q=")
    if start < 0:
        return 1.0
    raw = params[start + 2 :].partition(";")[0]
    try:
        value = float(raw)
    except ValueError:
        return 1.0
    if value != value:  # NaN
        return 1.0
    return min(value, 1.0)


def compress_response(
    resp: Response, accept_encoding: str | None, *, checksummed: bool
) -> Response:
    """`resp` compressed as `accept_encoding` asks when its body is big enough; `resp` itself
    otherwise. `checksummed`: the response carries x-amz-crc32, recomputed over the new body."""
    body = resp.body
    if not isinstance(body, bytes) or len(body) < COMPRESSION_THRESHOLD:
        return resp
    coding = choose_coding(accept_encoding)
    if coding is None:
        return resp
    wbits = _GZIP_WBITS if coding == "gzip" else zlib.MAX_WBITS
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    packed = compressor.compress(body) + compressor.flush()
    headers = [
        (k, v) for k, v in resp.headers if k.lower() not in ("x-amz-crc32", "content-length")
    ]
    headers.append(("Content-Encoding", coding))
    if checksummed:
        headers.append(("x-amz-crc32", str(zlib.crc32(packed))))
    return Response(resp.status, headers, packed)
