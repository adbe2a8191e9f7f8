"""Request ids shaped like AWS's: 16 upper-case hex characters, plus S3's x-amz-id-2.

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
