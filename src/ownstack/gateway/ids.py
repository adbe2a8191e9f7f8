"""Request ids shaped like AWS's: 16 upper-case hex characters, plus S3's x-amz-id-2."""

from __future__ import annotations

import base64
import os


def new_request_id() -> str:
    return os.urandom(8).hex().upper()


def new_host_id() -> str:
    """S3's extended request id (x-amz-id-2): opaque base64, as AWS sends it."""
    return base64.b64encode(os.urandom(48)).decode()
