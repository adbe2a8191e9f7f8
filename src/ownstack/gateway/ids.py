"""Request ids shaped like AWS's: S3's 16 upper-case hex characters (and its x-amz-id-2),
DynamoDB's 52 upper-case letters and digits, and the UUIDs of every other service (a Lambda
function sees its invocation's as `context.aws_request_id`).

They only need to be unique (AWS's are not secrets either), so they come from the `random`
module, not `os.urandom`: a getrandom syscall measured ~37 us per call on a loaded VM against
well under 1 us here. `random` is seeded from the OS at import and reseeded in forked children.
"""

from __future__ import annotations

import binascii
import random

_bits = random.getrandbits


def new_request_id() -> str:
    return f"{_bits(64):016X}"


def new_host_id() -> str:
    """S3's extended request id (x-amz-id-2): opaque base64, as AWS sends it."""
    # 48 random bytes (random.randbytes, without its Python-level wrapper), base64-encoded.
    return binascii.b2a_base64(_bits(384).to_bytes(48, "little"), newline=False).decode()


_DYNAMODB_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUV"
_DYNAMODB_CHARS = bytes(_DYNAMODB_ALPHABET[byte & 31] for byte in range(256))
"""Each byte value's character: an id is 52 random bytes translated in one C call (0.3 us,
against 2 us for 26 lookups of two-character strings; DynamoDB requests are small, so the id
showed at 2-4% of a GetItem). 256 is a multiple of 32: every character is equally likely."""
_DYNAMODB_SERVICES = frozenset({"dynamodb", "dynamodbstreams"})


def request_id_for(service: str, s3_style: str) -> str:
    """The id a request to `service` carries; `s3_style` (made before the service was known)
    is kept for S3."""
    if service == "s3":
        return s3_style
    if service in _DYNAMODB_SERVICES:
        return _bits(416).to_bytes(52, "little").translate(_DYNAMODB_CHARS).decode()
    return _uuid4()


def _uuid4() -> str:
    """A random (version 4, RFC 9562 variant) UUID, without uuid.UUID's object and syscall."""
    bits = (_bits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
