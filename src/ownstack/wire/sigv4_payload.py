"""The payload half of SigV4: which hash the client signed, and the body reader that holds the
client to it (a streaming sha256 check, or the aws-chunked decoder)."""

from __future__ import annotations

import re

from ownstack.core.errors import ServiceError
from ownstack.core.http import Request
from ownstack.wire import sigv4_errors as errs
from ownstack.wire.chunked import EMPTY_SHA256, ChunkedDecoder, ChunkSigner
from ownstack.wire.sigv4_body import HashCheckingBody

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_SIGV4A_STREAMING = (
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
)
_KNOWN = frozenset(
    {UNSIGNED_PAYLOAD, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER}
)
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def payload_hash(req: Request, *, s3: bool, presigned: bool) -> str | None:
    """The payload hash to put in the canonical request, as the client claims it; None when the
    caller must hash the body itself (non-S3 requests without x-amz-content-sha256)."""
    value = req.headers.get("x-amz-content-sha256")
    if value is None:
        if s3 and presigned:
            return UNSIGNED_PAYLOAD
        if s3:
            raise errs.missing_content_sha256()
        return None
    if value in _KNOWN:
        return value
    if value in _SIGV4A_STREAMING:
        raise errs.sigv4a_not_implemented()
    if not _HEX64.fullmatch(value):
        raise errs.invalid_content_sha256(value)
    return value


def attach_body(
    req: Request, claimed: str, key: bytes, amz_date: str, scope: str, seed_signature: str
) -> None:
    """Replace req.body with a reader that enforces the signed payload hash."""
    if _HEX64.fullmatch(claimed):
        _attach_hash_check(req, claimed)
    # A plain (non-STREAMING) payload is aws-chunked framed only when it says how long the
    # decoded data is; without x-amz-decoded-content-length the label alone (a client passing
    # ContentEncoding="aws-chunked" through) must not turn its raw bytes into chunk framing.
    chunked = "aws-chunked" in (req.headers.get("content-encoding") or "") and (
        req.headers.get("x-amz-decoded-content-length") is not None
    )
    if claimed in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER):
        signer = ChunkSigner(key, amz_date, scope, seed_signature)
        _attach_decoder(req, signer, signed_trailer=claimed == STREAMING_SIGNED_TRAILER)
    elif claimed == STREAMING_UNSIGNED_TRAILER or chunked:
        _attach_decoder(req, None, signed_trailer=False)


def _attach_hash_check(req: Request, claimed: str) -> None:
    if req.body.content_length == 0:
        # Nothing will be read (a GET), so check now rather than at an EOF nobody reaches.
        if claimed.lower() != EMPTY_SHA256:
            raise errs.content_sha256_mismatch(claimed.lower(), EMPTY_SHA256)
        return
    req.body = HashCheckingBody(req.body, claimed)


def _attach_decoder(req: Request, signer: ChunkSigner | None, *, signed_trailer: bool) -> None:
    trailer_header = req.headers.get("x-amz-trailer") or ""
    names = frozenset(n.strip().lower() for n in trailer_header.split(",") if n.strip())
    req.body = ChunkedDecoder(
        req.body,
        req.headers,
        signer=signer,
        decoded_length=_decoded_length(req),
        trailer_names=names,
        signed_trailer=signed_trailer,
    )


def _decoded_length(req: Request) -> int | None:
    raw = req.headers.get("x-amz-decoded-content-length")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise ServiceError(
            "InvalidArgument",
            "x-amz-decoded-content-length must be a non-negative integer",
            400,
            fields={"ArgumentName": "x-amz-decoded-content-length", "ArgumentValue": raw},
        )
    return int(raw)
