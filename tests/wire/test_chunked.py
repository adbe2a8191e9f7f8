"""aws-chunked bodies: AWS's own published example, botocore's real trailer uploads, and streams
generated here (signed with an independent implementation of the chunk-signing rules)."""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import zlib
from collections.abc import AsyncIterator
from typing import Any

import botocore.auth
import pytest
from test_sigv4_support import (
    CREDS,
    REGION,
    SECRET,
    client_request,
    drain,
    error_of,
    run,
    sign_with,
    verifier_at,
)

from ownstack.core.clock import ManualClock
from ownstack.core.http import BytesBody, Headers, Request
from ownstack.wire.chunked import ChunkedDecoder
from ownstack.wire.sigv4 import SigV4Verifier

EMPTY = hashlib.sha256(b"").hexdigest()

# -- AWS's example: "Signature Calculations for the Authorization Header: Transferring Payload
# in Multiple Chunks (Chunked Upload)", Example: PUT Object. -----------------------------------

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
AWS_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
AWS_CHUNK_SIGS = [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
]
AWS_TIME = float(calendar.timegm((2013, 5, 24, 0, 0, 0)))


def aws_example_body() -> bytes:
    def frame(size: int, sig: str) -> bytes:
        return f"{size:x};chunk-signature={sig}\r\n".encode() + b"a" * size + b"\r\n"

    return (
        frame(65536, AWS_CHUNK_SIGS[0])
        + frame(1024, AWS_CHUNK_SIGS[1])
        + frame(0, AWS_CHUNK_SIGS[2])
    )


def aws_example_request(body: bytes) -> Request:
    signed = (
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class"
    )
    headers = Headers(
        [
            ("Host", "s3.amazonaws.com"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            (
                "Authorization",
                f"AWS4-HMAC-SHA256 Credential={AWS_KEY}/20130524/us-east-1/s3/aws4_request,"
                f"SignedHeaders={signed},Signature={AWS_SEED}",
            ),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"),
            ("Content-Length", "66824"),
        ]
    )
    return Request("PUT", "/examplebucket/chunkObject.txt", "", headers, BytesBody(body))


def aws_verifier() -> SigV4Verifier:
    return SigV4Verifier(lambda k: AWS_SECRET if k == AWS_KEY else None, ManualClock(AWS_TIME))


def test_aws_published_example_verifies_and_decodes() -> None:
    body = aws_example_body()
    assert len(body) == 66824
    req = aws_example_request(body)
    scope = run(aws_verifier().verify(req, s3=True))
    assert (scope.access_key, scope.date, scope.region) == (AWS_KEY, "20130524", "us-east-1")
    assert isinstance(req.body, ChunkedDecoder)
    assert req.body.content_length == 66560
    assert "content-encoding" not in req.headers
    assert run(drain(req.body, 1000)) == b"a" * 66560


def test_aws_example_decodes_via_iteration_and_read_all() -> None:
    req = aws_example_request(aws_example_body())
    run(aws_verifier().verify(req, s3=True))

    async def collect() -> bytes:
        return b"".join([piece async for piece in req.body])

    assert run(collect()) == b"a" * 66560
    req2 = aws_example_request(aws_example_body())
    run(aws_verifier().verify(req2, s3=True))
    assert run(req2.body.read()) == b"a" * 66560


def test_aws_example_tampered_chunk_data_fails_signature() -> None:
    body = bytearray(aws_example_body())
    body[1000] = ord("b")
    req = aws_example_request(bytes(body))
    run(aws_verifier().verify(req, s3=True))
    err = error_of(drain(req.body))
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)


def test_aws_example_swapped_chunk_signature_fails() -> None:
    body = aws_example_body().replace(AWS_CHUNK_SIGS[1].encode(), AWS_CHUNK_SIGS[2].encode(), 1)
    req = aws_example_request(body)
    run(aws_verifier().verify(req, s3=True))
    assert error_of(drain(req.body)).code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("cut", [10, 65000, 65700, 66700, 66820])
def test_aws_example_truncated_is_incomplete_body(cut: int) -> None:
    req = aws_example_request(aws_example_body()[:cut])
    run(aws_verifier().verify(req, s3=True))
    err = error_of(drain(req.body))
    assert (err.code, err.status) == ("IncompleteBody", 400)


# -- streams generated here -------------------------------------------------------------------


def signing_key(date: str) -> bytes:
    key = ("AWS4" + SECRET).encode()
    for part in (date, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def signed_stream(
    req: Request, data: bytes, chunk: int, trailers: dict[str, str] | None = None
) -> bytes:
    """Encode `data` as a signed aws-chunked body chained from req's seed signature."""
    amz_date = req.headers["x-amz-date"]
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    key = signing_key(amz_date[:8])
    prev = req.headers["authorization"].rsplit("Signature=", 1)[1]
    out = bytearray()
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] + [b""]
    for piece in pieces:
        sts = (
            f"AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{prev}\n{EMPTY}\n"
            f"{hashlib.sha256(piece).hexdigest()}"
        )
        prev = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        out += f"{len(piece):x};chunk-signature={prev}\r\n".encode() + piece
        out += b"\r\n" if piece or trailers is None else b""
    if trailers is None:
        return bytes(out)
    text = "".join(f"{k}:{v}\n" for k, v in trailers.items())
    sts = (
        f"AWS4-HMAC-SHA256-TRAILER\n{amz_date}\n{scope}\n{prev}\n"
        f"{hashlib.sha256(text.encode()).hexdigest()}"
    )
    trailer_sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    lines = "".join(f"{k}:{v}\r\n" for k, v in trailers.items())
    return bytes(out) + f"{lines}x-amz-trailer-signature:{trailer_sig}\r\n\r\n".encode()


def streaming_request(decoded_length: int, *, trailer: bool = False) -> Request:
    headers = {
        "X-Amz-Content-SHA256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        + ("-TRAILER" if trailer else ""),
        "Content-Encoding": "aws-chunked,gzip",
        "x-amz-decoded-content-length": str(decoded_length),
    }
    if trailer:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    # SigV4Auth (not S3SigV4Auth) keeps our x-amz-content-sha256 as the payload hash.
    return sign_with(
        botocore.auth.SigV4Auth(CREDS, "s3", REGION), "PUT", "http://h/bkt/obj", headers=headers
    )


class TrickleBody:
    """A raw body arriving in awkward, varying network pieces."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0
        self._step = 0

    @property
    def content_length(self) -> int | None:
        return len(self._data)

    async def read(self, n: int = -1) -> bytes:
        self._step += 1
        size = (1, 3, 17, 4099, 70001)[self._step % 5]
        size = size if n < 0 else min(size, n)
        piece = self._data[self._pos : self._pos + size]
        self._pos += len(piece)
        return piece

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while piece := await self.read(1 << 16):
            yield piece


def payload(size: int) -> bytes:
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


def test_generated_stream_in_trickled_network_reads() -> None:
    data = payload(300_000)
    req = streaming_request(len(data))
    req.body = TrickleBody(signed_stream(req, data, 8192))
    run(verifier_at(req).verify(req, s3=True))
    assert req.headers["content-encoding"] == "gzip"
    assert run(drain(req.body, 65536)) == data


def test_signed_trailer_is_verified_and_exposed() -> None:
    data = payload(20_000)
    req = streaming_request(len(data), trailer=True)
    crc = crc32_b64(data)
    req.body = BytesBody(signed_stream(req, data, 8192, {"x-amz-checksum-crc32": crc}))
    run(verifier_at(req).verify(req, s3=True))
    decoder = req.body
    assert isinstance(decoder, ChunkedDecoder)
    # A consumer that stops at content_length still gets the trailers with the last bytes.
    got = run(decoder.read(len(data)))
    got += run(drain(decoder)) if len(got) < len(data) else b""
    assert got == data
    assert decoder.trailers == {"x-amz-checksum-crc32": crc}
    assert req.headers["x-amz-checksum-crc32"] == crc


def test_signed_trailer_with_bad_signature_fails() -> None:
    data = payload(1000)
    req = streaming_request(len(data), trailer=True)
    stream = signed_stream(req, data, 8192, {"x-amz-checksum-crc32": crc32_b64(data)})
    req.body = BytesBody(stream.replace(b"x-amz-checksum-crc32:", b"x-amz-checksum-crc32:A", 1))
    run(verifier_at(req).verify(req, s3=True))
    assert error_of(drain(req.body)).code == "SignatureDoesNotMatch"


def test_decoded_length_mismatch_is_incomplete_body() -> None:
    data = payload(5000)
    req = streaming_request(len(data) + 1)
    req.body = BytesBody(signed_stream(req, data, 4096))
    run(verifier_at(req).verify(req, s3=True))
    err = error_of(drain(req.body))
    assert (err.code, err.status) == ("IncompleteBody", 400)
    over = streaming_request(len(data) - 1)
    over.body = BytesBody(signed_stream(over, data, 4096))
    run(verifier_at(over).verify(over, s3=True))
    assert error_of(drain(over.body)).code == "IncompleteBody"


@pytest.mark.parametrize("bad", [b"zz;chunk-signature=", b"10000;chunk-signature=abc\r\n"])
def test_malformed_chunk_header_is_incomplete_body(bad: bytes) -> None:
    req = streaming_request(10)
    req.body = BytesBody(bad + b"\r\n0123456789\r\n")
    run(verifier_at(req).verify(req, s3=True))
    assert error_of(drain(req.body)).code == "IncompleteBody"


def test_reordered_chunks_fail_the_chain() -> None:
    data = b"abcdefgh" * 3 * 1024  # no CR/LF inside, so splitting on CRLF finds the frames
    req = streaming_request(len(data))
    stream = signed_stream(req, data, 8192)
    frames = stream.split(b"\r\n")  # header, data, header, data, header, data, final...
    swapped = [frames[2], frames[3], frames[0], frames[1], *frames[4:]]
    req.body = BytesBody(b"\r\n".join(swapped))
    run(verifier_at(req).verify(req, s3=True))
    assert error_of(drain(req.body)).code == "SignatureDoesNotMatch"


# -- botocore's real unsigned-trailer uploads (what boto3 sends over https) -------------------


def https_put(body: bytes) -> Request:
    return client_request(
        "s3",
        lambda c: c.put_object(Bucket="bkt", Key="k", Body=body),
        endpoint="https://localhost:4566",
    )


def test_botocore_unsigned_trailer_upload_decodes_with_checksum_trailer() -> None:
    data = payload(100_000)
    req = https_put(data)
    assert req.headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    run(verifier_at(req).verify(req, s3=True))
    decoder = req.body
    assert isinstance(decoder, ChunkedDecoder)
    assert run(drain(decoder)) == data
    assert decoder.trailers == {"x-amz-checksum-crc32": crc32_b64(data)}
    assert req.headers["x-amz-checksum-crc32"] == crc32_b64(data)
    assert "content-encoding" not in req.headers


def test_unsigned_trailer_missing_declared_trailer_is_malformed() -> None:
    req = https_put(b"hello world")
    run(verifier_at(req).verify(req, s3=True))
    req.body = _rewrap(req, b"b\r\nhello world\r\n0\r\n\r\n")
    err = error_of(drain(req.body))
    assert (err.code, err.status) == ("MalformedTrailerError", 400)


def test_unsigned_trailer_undeclared_trailer_is_malformed() -> None:
    req = https_put(b"hello world")
    run(verifier_at(req).verify(req, s3=True))
    raw = b"b\r\nhello world\r\n0\r\nx-amz-checksum-sha1:AAAA\r\nx-amz-checksum-crc32:x\r\n\r\n"
    req.body = _rewrap(req, raw)
    assert error_of(drain(req.body)).code == "MalformedTrailerError"


def _rewrap(req: Request, raw: bytes) -> Any:
    return ChunkedDecoder(
        BytesBody(raw),
        req.headers,
        signer=None,
        decoded_length=11,
        trailer_names=frozenset({"x-amz-checksum-crc32"}),
    )
