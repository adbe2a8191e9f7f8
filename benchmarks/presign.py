"""SigV4 presigned URLs (query auth, UNSIGNED-PAYLOAD), fast enough to make 100,000 of them.

botocore's presigner costs ~100 us a URL; the load generators need one URL per key ahead of
time, so this signs with a precomputed signing key instead. `check_against_botocore` proves
the output is byte-identical to botocore's for the same instant before any number is trusted.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

ALGORITHM = "AWS4-HMAC-SHA256"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _quote(value: str, safe: str = "-_.~") -> str:
    return urllib.parse.quote(value, safe=safe)


@dataclass
class Presigner:
    access_key: str
    secret_key: str
    region: str
    host: str  # "127.0.0.1:PORT", exactly the Host header the client will send
    expires_s: int = 3600
    amz_date: str = field(default_factory=lambda: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))

    def __post_init__(self) -> None:
        day = self.amz_date[:8]
        self.scope = f"{day}/{self.region}/s3/aws4_request"
        key = _hmac(f"AWS4{self.secret_key}".encode(), day)
        for part in (self.region, "s3", "aws4_request"):
            key = _hmac(key, part)
        self.signing_key = key

    def path(self, method: str, bucket: str, key: str) -> str:
        """The request target (path + query) of a presigned request for bucket/key."""
        uri = "/" + _quote(bucket) + "/" + _quote(key, safe="-_.~/")
        query = (
            f"X-Amz-Algorithm={ALGORITHM}"
            f"&X-Amz-Credential={_quote(self.access_key + '/' + self.scope)}"
            f"&X-Amz-Date={self.amz_date}"
            f"&X-Amz-Expires={self.expires_s}"
            "&X-Amz-SignedHeaders=host"
        )
        canonical = f"{method}\n{uri}\n{query}\nhost:{self.host}\n\nhost\nUNSIGNED-PAYLOAD"
        to_sign = "\n".join(
            (ALGORITHM, self.amz_date, self.scope, hashlib.sha256(canonical.encode()).hexdigest())
        )
        signature = hmac.new(self.signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        return f"{uri}?{query}&X-Amz-Signature={signature}"

    def url(self, method: str, bucket: str, key: str) -> str:
        return f"http://{self.host}{self.path(method, bucket, key)}"


def botocore_client(endpoint: str, access_key: str, secret_key: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"total_max_attempts": 1},
        ),
    )


def _parts(url: str) -> tuple[str, list[tuple[str, str]]]:
    split = urllib.parse.urlsplit(url)
    return split.path, sorted(urllib.parse.parse_qsl(split.query))


def check_against_botocore(client: Any, signer: Presigner, bucket: str) -> None:
    """Raise unless our URL equals botocore's (same path and query parameters, so the same
    signature), signed at the same instant, for plain and awkward keys."""
    for method, op in (("GET", "get_object"), ("PUT", "put_object")):
        for key in ("bench/obj-000001", "dir/with space+plus~é"):
            theirs = client.generate_presigned_url(
                op, Params={"Bucket": bucket, "Key": key}, ExpiresIn=signer.expires_s
            )
            stamp = urllib.parse.parse_qs(urllib.parse.urlsplit(theirs).query)["X-Amz-Date"][0]
            ours = Presigner(
                signer.access_key,
                signer.secret_key,
                signer.region,
                signer.host,
                signer.expires_s,
                stamp,
            ).url(method, bucket, key)
            if _parts(ours) != _parts(theirs):
                raise AssertionError(f"presigner differs from botocore:\n{ours}\n{theirs}")
