"""How the JSON services (DynamoDB's Coral framework) judge the form of a request's signature
before checking it, in their words (recorded from DynamoDB by dynalite's suite):

- an Authorization header and an `X-Amz-Algorithm` query parameter together:
  InvalidSignatureException "Found both 'X-Amz-Algorithm' as a query-string param and
  'Authorization' as HTTP header.";
- an Authorization header that is not `AWS4-...`, or a query with other `X-Amz-*` parameters
  but no `X-Amz-Algorithm`: no signature at all, MissingAuthenticationTokenException;
- an `AWS4-` header without Credential, Signature or SignedHeaders, or a request with neither
  X-Amz-Date nor Date: IncompleteSignatureException naming each thing missing, then the header;
- a presigning query without one of its five parameters (an empty one counts as absent):
  IncompleteSignatureException naming each.
"""

from __future__ import annotations

from ownstack.core.errors import ServiceError
from ownstack.core.http import Request

from . import sigv4_errors as errs

INCOMPLETE = "IncompleteSignatureException"
_WELL_FORMED = "AWS4-HMAC-SHA256 Credential="
_HEADER_PARTS = ("Credential", "Signature", "SignedHeaders")
_QUERY_PARTS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)


def form_error(
    req: Request, header: str | None, pairs: list[tuple[str, str]], dialect: errs.AuthDialect
) -> ServiceError | None:
    """What is wrong with the form of the request's signature, or None (then the ordinary
    checks follow). `pairs`: the query's decoded name/value pairs."""
    query = {name: value for name, value in reversed(pairs)}  # the first of each name
    if header is not None:
        if "X-Amz-Algorithm" in query:
            return ServiceError(
                dialect.signature_code,
                "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as "
                "HTTP header.",
                dialect.status,
            )
        if not header.startswith("AWS4-"):
            return errs.missing_auth(dialect)
        return _header_incomplete(req, header)
    if "X-Amz-Algorithm" not in query:
        if any(name.startswith("X-Amz-") for name in query):
            return errs.missing_auth(dialect)
        return None
    absent = [name for name in _QUERY_PARTS if not query.get(name)]
    if not absent:
        return None
    named = " ".join(f"AWS query-string parameters must include '{name}'." for name in absent)
    return ServiceError(INCOMPLETE, f"{named} Re-examine the query-string parameters.", 400)


def _has_names(header: str) -> bool:
    return "SignedHeaders=" in header and "Signature=" in header


def _header_incomplete(req: Request, header: str) -> ServiceError | None:
    dated = "x-amz-date" in req.headers or "date" in req.headers
    if dated and header.startswith(_WELL_FORMED) and _has_names(header):
        return None  # what every SDK sends: nothing to split
    # Components are separated by spaces, commas or both (no regex: a scan per request).
    tokens = header.partition(" ")[2].replace(",", " ").split()
    found = {token.partition("=")[0] for token in tokens if "=" in token}
    problems = [
        f"Authorization header requires '{part}' parameter." for part in _HEADER_PARTS
        if part not in found
    ]  # fmt: skip
    if not dated:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if not problems:
        return None
    return ServiceError(INCOMPLETE, f"{' '.join(problems)} Authorization={header}", 400)
