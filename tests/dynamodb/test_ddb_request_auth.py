"""How DynamoDB's endpoint answers requests it cannot authenticate: always in DynamoDB's own
error dialect (`...Exception` codes), whatever the request's credential scope claims, and the
signing time judged before the key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rawreq import post, signed

_TARGET = "DynamoDB_20120810.ListTables"
_MISSING = "Request is missing Authentication Token"


def _error(resp: Any) -> tuple[int, str, str]:
    doc = json.loads(resp.text)
    return resp.status_code, doc["__type"].rpartition("#")[2], doc.get("message", "")


def test_unsigned_request_is_missing_a_token_in_dynamodb_words(server: Any) -> None:
    headers = {"X-Amz-Target": _TARGET, "Content-Type": "application/x-amz-json-1.0"}
    resp = post(server.endpoint + "/", headers, b"{}")
    assert _error(resp) == (
        400,
        "MissingAuthenticationTokenException",
        "Request is missing Authentication Token",
    )


def _forged(amz_date: str) -> dict[str, str]:
    """Headers of a request signed at `amz_date` by an unknown key, with a scope naming no
    real date, region or service, its components separated by spaces only."""
    return {
        "X-Amz-Target": _TARGET,
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Date": amz_date,
        "Authorization": "AWS4-HMAC-SHA256 Credential=nobody/2/3/4/aws4_request "
        "SignedHeaders=x-amz-date;host Signature=123",
    }


def test_old_signature_is_expired_before_its_key_or_scope_is_judged(server: Any) -> None:
    # Unknown key, a scope naming no real date, region or service, components separated by
    # spaces only: the signing time is what is wrong first.
    status, code, message = _error(post(server.endpoint + "/", _forged("20170101T010101Z"), b"{}"))
    assert (status, code) == (400, "InvalidSignatureException")
    assert message.startswith("Signature expired: 20170101T010101Z is now earlier than ")


def test_future_signature_is_not_yet_current(server: Any) -> None:
    status, code, message = _error(post(server.endpoint + "/", _forged("30200101T010101Z"), b"{}"))
    assert (status, code) == (400, "InvalidSignatureException")
    assert message.startswith("Signature not yet current: 30200101T010101Z is still later than ")


def test_authorization_components_may_be_separated_by_commas_alone(server: Any) -> None:
    url, headers = signed(server, "ListTables", b"{}")
    algorithm, *rest = headers["Authorization"].split()
    headers["Authorization"] = algorithm + " " + "".join(rest)
    resp = post(url, headers, b"{}")
    assert resp.status_code == 200, resp.text
    assert "TableNames" in resp.json()


def test_scope_of_an_unknown_service_is_refused_by_dynamodb(server: Any) -> None:
    # Correctly signed, but for a service that does not exist: the request reaches DynamoDB
    # by its X-Amz-Target, which refuses the scope.
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="POST",
        url=server.endpoint + "/",
        data=b"{}",
        headers={"X-Amz-Target": _TARGET, "Content-Type": "application/x-amz-json-1.0"},
    )
    credentials = Credentials(server.access_key, server.secret_key)
    SigV4Auth(credentials, "nosuchservice", server.region).add_auth(request)
    resp = post(server.endpoint + "/", dict(request.headers.items()), b"{}")
    assert _error(resp) == (
        400,
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'dynamodb'. ",
    )


def _unsigned(server: Any, path: str, authorization: str | None, **more: str) -> Any:
    headers = {"X-Amz-Target": _TARGET, "Content-Type": "application/x-amz-json-1.0", **more}
    if authorization is not None:
        headers["Authorization"] = authorization
    return _error(post(server.endpoint + path, headers, b"{}"))


_INCOMPLETE = "IncompleteSignatureException"


@pytest.mark.parametrize(
    ("path", "authorization", "more", "expected"),
    [
        ("/", "AWS4", {}, (400, "MissingAuthenticationTokenException", _MISSING)),
        ("/?X-Amz-Algorith", "X", {}, (400, "MissingAuthenticationTokenException", _MISSING)),
        (
            "/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d",
            None,
            {},
            (400, "MissingAuthenticationTokenException", _MISSING),
        ),
        (
            "/?X-Amz-Algorithm",
            "X",
            {},
            (
                400,
                "InvalidSignatureException",
                "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as "
                "HTTP header.",
            ),
        ),
        (
            "/",
            "AWS4-",
            {},
            (
                400,
                _INCOMPLETE,
                "Authorization header requires 'Credential' parameter. Authorization header "
                "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
                "parameter. Authorization header requires existence of either a 'X-Amz-Date' or "
                "a 'Date' header. Authorization=AWS4-",
            ),
        ),
        (
            "/",
            "AWS4- Signature=b, Credential=a",
            {"Date": "a"},
            (
                400,
                _INCOMPLETE,
                "Authorization header requires 'SignedHeaders' parameter. "
                "Authorization=AWS4- Signature=b, Credential=a",
            ),
        ),
        (
            "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d",
            None,
            {},
            (
                400,
                _INCOMPLETE,
                "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
                "Re-examine the query-string parameters.",
            ),
        ),
    ],
)
def test_the_form_of_a_signature_is_judged_in_corals_words(
    server: Any,
    path: str,
    authorization: str | None,
    more: dict[str, str],
    expected: tuple[int, str, str],
) -> None:
    assert _unsigned(server, path, authorization, **more) == expected


def test_an_unknown_operation_is_refused_before_the_missing_signature(server: Any) -> None:
    headers = {"X-Amz-Target": "DynamoDB_20120810.ListTable"}
    resp = post(server.endpoint + "/", headers, b"{}")
    assert resp.status_code == 400
    assert resp.json() == {"__type": "com.amazon.coral.service#UnknownOperationException"}
