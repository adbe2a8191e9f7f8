"""The StringToSign of S3's Signature Version 2 (AWS's "Signing and authenticating REST
requests"), built from what the server received:

    VERB \n Content-MD5 \n Content-Type \n Date-or-Expires \n CanonicalizedAmzHeaders
    CanonicalizedResource

Clients disagree on which query parameters are sub-resources (botocore signs more than the
documented list), so the resource comes in a few candidate spellings; the verifier accepts a
signature that matches any of them. All of them cover the same path and bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from ownstack.core.http import Headers

# The sub-resources AWS's documentation lists for the CanonicalizedResource.
DOCUMENTED_SUBRESOURCES = frozenset(
    {
        "acl",
        "delete",
        "lifecycle",
        "location",
        "logging",
        "notification",
        "partNumber",
        "policy",
        "requestPayment",
        "tagging",
        "torrent",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
        "response-content-type",
        "response-content-language",
        "response-expires",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
    }
)
# What botocore's HmacV1Auth (QSAOfInterest) and the JS SDK v2 sign on top of the documented set.
CLIENT_SUBRESOURCES = DOCUMENTED_SUBRESOURCES | {
    "accelerate",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "inventory",
    "metrics",
    "object-lock",
    "replication",
    "restore",
    "select",
    "select-type",
    "storageClass",
}

QueryPairs = list[tuple[str, str | None]]
"""The raw query as (name, value) pairs, both still percent-encoded; value None: no `=`."""


@dataclass(frozen=True, slots=True)
class SignedParts:
    """Everything of a request that goes into its StringToSign except the date line."""

    method: str
    content_md5: str
    content_type: str
    amz_headers: str
    """CanonicalizedAmzHeaders: `name:value\\n` per header, or empty."""


def split_query(query: str) -> QueryPairs:
    pairs: QueryPairs = []
    for item in query.split("&"):
        if not item:
            continue
        name, eq, value = item.partition("=")
        pairs.append((name, value if eq else None))
    return pairs


def query_value(pairs: QueryPairs, name: str) -> str | None:
    """The first decoded value of `name` ("" for a bare name); None when absent."""
    for key, value in pairs:
        if key == name:
            return unquote(value) if value is not None else ""
    return None


def signed_parts(
    method: str, headers: Headers, pairs: QueryPairs, *, presigned: bool
) -> SignedParts:
    """A presigned URL carries the signer's x-amz-*, Content-Type and Content-MD5 headers as
    query parameters (botocore's HmacV1QueryAuth puts them there), so those count too."""
    from_query = _header_params(pairs) if presigned else {}
    return SignedParts(
        method=method,
        content_md5=_positional(headers, from_query, "content-md5"),
        content_type=_positional(headers, from_query, "content-type"),
        amz_headers=canonical_amz_headers(headers, from_query),
    )


def _header_params(pairs: QueryPairs) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in pairs:
        lower = unquote(name).lower()
        if lower.startswith("x-amz-") or lower in ("content-type", "content-md5"):
            found.setdefault(lower, unquote(value or ""))
    return found


def _positional(headers: Headers, from_query: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = from_query.get(name, "")
    return value.strip()


def canonical_amz_headers(headers: Headers, from_query: Mapping[str, str]) -> str:
    """Lower-cased x-amz-* names, sorted, `name:value` with the value trimmed (the HTTP parser
    has unfolded lines already, and Headers joined repeated headers with ',')."""
    merged = {name: value for name, value in from_query.items() if name.startswith("x-amz-")}
    for name, value in headers.items():
        if name.startswith("x-amz-"):
            merged[name] = value
    return "".join(f"{name}:{merged[name].strip()}\n" for name in sorted(merged))


def resource_candidates(path: str, pairs: QueryPairs, vhost_bucket: str | None) -> list[str]:
    """CanonicalizedResource spellings, most common first: the client set with sub-resources as
    sent (`acl`, `uploadId=...`), then the documented set, each also with bare `name` for an
    empty `name=`."""
    found: list[str] = []
    for base in _resource_paths(path, vhost_bucket):
        for names in (CLIENT_SUBRESOURCES, DOCUMENTED_SUBRESOURCES):
            for bare_empty in (False, True):
                candidate = base + _subresources(pairs, names, bare_empty=bare_empty)
                if candidate not in found:
                    found.append(candidate)
    return found


def _resource_paths(path: str, vhost_bucket: str | None) -> list[str]:
    """The raw path as sent; a virtual-hosted request's bucket comes first (`/bucket/` for
    the bucket itself, as AWS's examples have it). botocore signs a path-style bucket-only
    request (`/bucket`) as `/bucket/` too, and AWS accepts that, so both spellings count."""
    raw = path or "/"
    if vhost_bucket is not None:
        return [f"/{vhost_bucket}{raw if raw.startswith('/') else '/' + raw}"]
    if raw != "/" and raw.count("/") == 1 and raw.startswith("/"):
        return [raw, raw + "/"]
    return [raw]


def _subresources(pairs: QueryPairs, names: frozenset[str], *, bare_empty: bool) -> str:
    picked = [(name, value) for name, value in pairs if name in names]
    if not picked:
        return ""
    picked.sort(key=lambda pair: pair[0])  # stable: repeated names keep their order
    parts = []
    for name, value in picked:
        if value is None or (bare_empty and value == ""):
            parts.append(name)
        else:
            parts.append(f"{name}={unquote(value)}")
    return "?" + "&".join(parts)


def string_to_sign(parts: SignedParts, date_line: str, resource: str) -> str:
    return (
        f"{parts.method}\n{parts.content_md5}\n{parts.content_type}\n{date_line}\n"
        f"{parts.amz_headers}{resource}"
    )
