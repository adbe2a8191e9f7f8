"""The one-pass path for the usual non-S3 request (SigV4Verifier._verify_usual): it accepts
exactly the well-formed requests the full path accepts, and hands every other request to the
full path, which then answers with AWS's error. Requests are signed by botocore itself."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_sigv4_support import ACCESS_KEY, REGION, client_request, error_of, run, verifier_at

from ownstack.core.http import BytesBody, Request
from ownstack.wire.body import BufferedBody
from ownstack.wire.sigv4 import SigningScope, SigV4Verifier

ITEM = {"pk": {"S": "k"}, "data": {"S": "x" * 1000}}


def put_item() -> Request:
    return client_request("dynamodb", lambda c: c.put_item(TableName="t", Item=ITEM))


def usual(req: Request, verifier: SigV4Verifier, scope_service: str = "") -> SigningScope | None:
    return verifier._verify_usual(req, verifier._secrets, scope_service)


def test_a_botocore_request_passes_in_one_pass_and_keeps_its_body() -> None:
    req = put_item()
    scope = usual(req, verifier_at(req))
    assert scope is not None
    assert (scope.access_key, scope.region, scope.service) == (ACCESS_KEY, REGION, "dynamodb")
    assert isinstance(req.body, BufferedBody)  # read once, kept for the codec
    assert b'"TableName": "t"' in req.body.data


def _tampered_signature(req: Request) -> None:
    auth = req.headers["authorization"]
    req.headers["authorization"] = auth[:-1] + ("0" if auth[-1] != "0" else "1")


def _tampered_body(req: Request) -> None:
    req.body = BytesBody(b'{"TableName": "u"}')


def _unsigned_amz_header(req: Request) -> None:
    req.headers.add("x-amz-meta-extra", "1")


def _claimed_payload_hash(req: Request) -> None:
    req.headers.add("x-amz-content-sha256", "UNSIGNED-PAYLOAD")


def _no_amz_date(req: Request) -> None:
    del req.headers["x-amz-date"]


def _query(req: Request) -> None:
    req.query = "a=1"


REFUSED: dict[str, tuple[Callable[[Request], None], str]] = {
    "signature": (_tampered_signature, "InvalidSignatureException"),
    "body": (_tampered_body, "InvalidSignatureException"),
    "unsigned x-amz header": (_unsigned_amz_header, "InvalidSignatureException"),
    "payload hash header": (_claimed_payload_hash, "InvalidSignatureException"),
    "no X-Amz-Date": (_no_amz_date, "IncompleteSignatureException"),
    "query": (_query, "InvalidSignatureException"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_anything_else_goes_to_the_full_path_which_refuses_it(case: str) -> None:
    change, code = REFUSED[case]
    req = put_item()
    verifier = verifier_at(req)
    change(req)
    assert usual(req, verifier) is None
    assert error_of(verifier.verify(req, s3=False, service="dynamodb")).code == code


@pytest.mark.parametrize("offset", [-901.0, 901.0])
def test_a_request_outside_the_clock_window_is_left_to_the_full_path(offset: float) -> None:
    req = put_item()
    verifier = verifier_at(req, offset)
    assert usual(req, verifier) is None
    err = error_of(verifier.verify(req, s3=False, service="dynamodb"))
    assert err.message.startswith(("Signature expired: ", "Signature not yet current: "))


def test_an_unknown_key_and_a_foreign_scope_are_left_to_the_full_path() -> None:
    req = put_item()
    knows_none = SigV4Verifier(lambda key: None, verifier_at(req)._clock)
    assert usual(req, knows_none) is None
    assert error_of(knows_none.verify(req, s3=False)).code == "UnrecognizedClientException"
    verifier = verifier_at(req)
    assert usual(req, verifier, scope_service="sqs") is None
    refused = error_of(verifier.verify(req, s3=False, service="sqs", scope_service="sqs"))
    assert refused.message == "Credential should be scoped to correct service: 'sqs'. "


def test_a_body_still_arriving_is_read_by_the_full_path() -> None:
    req = put_item()
    verifier = verifier_at(req)
    data = run(req.body.read())

    class Arriving(BytesBody):
        """A body whose reader has no bytes in hand yet (as a StreamBody mid-upload)."""

        def take_buffered(self) -> bytes | None:  # type: ignore[override]
            return None

    req.body = Arriving(data)
    assert usual(req, verifier) is None
    assert run(verifier.verify(req, s3=False)).service == "dynamodb"
