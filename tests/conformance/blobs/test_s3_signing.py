"""The s3 engine's own SigV4 signer gives exactly botocore's signatures for the requests the
engine sends (pure logic: no upstream)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ownstack.backends.s3.signing import Signer

ACCESS, SECRET, REGION = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "eu-west-3"
WHEN = datetime(2026, 3, 1, 23, 59, 58, tzinfo=UTC)


class _Unsigned(S3SigV4Auth):  # type: ignore[misc]
    def _should_sha256_sign_payload(self, request: object) -> bool:
        return False


def botocore_headers(
    method: str, host: str, target: str, headers: dict[str, str], when: datetime = WHEN
) -> dict[str, str]:
    request = AWSRequest(method=method, url=f"http://{host}{target}", headers=dict(headers))
    auth = _Unsigned(Credentials(ACCESS, SECRET), "s3", REGION)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.auth, "get_current_datetime", lambda: when)
        auth.add_auth(request)
    return {k: str(v) for k, v in request.headers.items()}


@pytest.mark.parametrize(
    ("method", "target", "headers"),
    [
        ("PUT", "/bucket/blobs/0123456789abcdef0123456789abcdef", {"Content-MD5": "1B2M2Y8A=="}),
        ("POST", "/bucket/p%20x/%C3%BC%7E/k?uploads=", {}),
        ("PUT", "/b/k?partNumber=12&uploadId=a%2Fb%2Bc%3D", {"Content-MD5": "x"}),
        ("GET", "/b/k", {"Range": "bytes=5-1048580"}),
        ("GET", "/b?list-type=2&prefix=t-ab%2F", {}),
        ("GET", "/b?continuation-token=x%2By&list-type=2&prefix=", {}),
        ("HEAD", "/b", {}),
        ("POST", "/b/k?uploadId=u1", {"Content-MD5": "y", "Content-Type": "application/xml"}),
    ],
)
def test_signatures_match_botocore(method: str, target: str, headers: dict[str, str]) -> None:
    host = "127.0.0.1:9000"
    ours = dict(Signer(ACCESS, SECRET, REGION).headers(method, host, target, headers, WHEN))
    theirs = botocore_headers(method, host, target, headers)
    assert ours["Authorization"] == theirs["Authorization"]
    assert ours["X-Amz-Date"] == theirs["X-Amz-Date"] == "20260301T235958Z"
    assert ours["X-Amz-Content-SHA256"] == theirs["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"


def test_the_signing_key_follows_the_day() -> None:
    signer = Signer(ACCESS, SECRET, REGION)
    target = "/b/k"
    for when in (WHEN, WHEN + timedelta(seconds=3)):  # across midnight: a new scope and key
        ours = dict(signer.headers("GET", "h", target, {}, when))
        assert (
            ours["Authorization"] == botocore_headers("GET", "h", target, {}, when)["Authorization"]
        )
        assert f"/{when:%Y%m%d}/{REGION}/s3/aws4_request" in ours["Authorization"]
