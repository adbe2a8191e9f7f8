"""The pieces of a SigV4 canonical request, rebuilt from the raw request as received.

Clients disagree in small ways about encoding (botocore signs non-S3 paths encoded once where
the spec and the JS SDK double-encode; a few clients sign a query '+' as a space), so the
builders here return candidates, the documented form first. The verifier tries the next
candidate only when the first fails to match, so a well-behaved client costs one HMAC.
"""

from __future__ import annotations

import calendar
import functools
import re
import time
from collections.abc import Iterator
from email.utils import mktime_tz, parsedate_tz
from urllib.parse import quote, unquote, unquote_plus, unquote_to_bytes

from ownstack.core.http import Headers

# Fast paths for input already in canonical form, where re-encoding is the identity (measured:
# re-encoding a presigned URL's query cost ~10 us a request; these checks cost ~1 us).
# An escape here is upper-case %XX of a byte outside the unreserved set (A-Z a-z 0-9 - . _ ~):
# decoding gives that byte back and quote() re-escapes exactly it, upper-case, while unreserved
# characters pass both ways untouched. So a string of unreserved characters and such escapes
# re-encodes to itself. The query form admits ASCII bytes only: unquote() decodes UTF-8 and
# would turn an invalid sequence into U+FFFD; the path works on bytes, so any byte qualifies.
# (Both escape sets were checked against quote/unquote for all 256 bytes.)
_QUERY_ESCAPE = r"%(?:[01][0-9A-F]|2[0-9A-CF]|3[A-F]|40|5[B-E]|60|7[B-DF])"
_PATH_ESCAPE = r"%(?:[0189A-F][0-9A-F]|2[0-9A-CF]|3[A-F]|40|5[B-E]|60|7[B-DF])"
_CANONICAL_QUERY_PART = re.compile(rf"[A-Za-z0-9\-._~]*(?:{_QUERY_ESCAPE}[A-Za-z0-9\-._~]*)*")
_CANONICAL_PATH = re.compile(rf"[A-Za-z0-9\-._~/]*(?:{_PATH_ESCAPE}[A-Za-z0-9\-._~/]*)*")
_SPACES = re.compile(r"\s+")


def _encode_segment(raw: str) -> str:
    """One path segment decoded once and re-encoded with the AWS unreserved set (so `%2F`
    inside a segment stays `%2F` and lower-case escapes become upper-case)."""
    return quote(unquote_to_bytes(raw), safe="")


def _reencode_path(path: str) -> str:
    if _CANONICAL_PATH.fullmatch(path):
        return path
    return "/".join(_encode_segment(seg) for seg in path.split("/"))


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, plus collapsing '//' as AWS's non-S3 services do."""
    if not path:
        return "/"
    out: list[str] = []
    for seg in path.split("/"):
        if not seg or seg == ".":
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    trailing = "/" if path.endswith("/") and out else ""
    return "/" + "/".join(out) + trailing


def uri_candidates(path: str, *, s3: bool) -> list[str]:
    """Canonical URIs to try, the documented one first."""
    raw = path or "/"
    if s3:
        # S3 signs the path encoded once and never normalised ('//' and '..' are key bytes).
        return _unique([_reencode_path(raw), raw])
    if len(raw) <= _CACHED_PATH_MAX:
        return list(_cached_service_uris(raw))
    return list(_service_uris(raw))


_CACHED_PATH_MAX = 512
"""Longest path whose candidates are cached (the cache's memory stays small)."""


@functools.lru_cache(maxsize=256)
def _cached_service_uris(raw: str) -> tuple[str, ...]:
    """Cached: these services' paths are few (`/` for every JSON and query call, a handful of
    REST routes), and normalising one cost ~2 us a request."""
    return _service_uris(raw)


def _service_uris(raw: str) -> tuple[str, ...]:
    """uri_candidates of a non-S3 path."""
    normal = _reencode_path(remove_dot_segments(raw))
    double = "/".join(quote(seg, safe="") for seg in normal.split("/"))
    # botocore signs non-S3 paths encoded once; the spec and other SDKs double-encode.
    return tuple(_unique([double, normal]))


def _encode_query_part(raw: str, plus_is_space: bool) -> str:
    text = unquote_plus(raw) if plus_is_space else unquote(raw)
    return quote(text, safe="-_.~")


def query_pairs(query: str) -> list[tuple[str, str]]:
    """The raw query as (name, value) pairs, still percent-encoded; empty items dropped."""
    pairs: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((name, value))
    return pairs


def query_candidates(pairs: list[tuple[str, str]], *, exclude_signature: bool) -> list[str]:
    """Canonical query strings to try, the documented one first."""
    return list(iter_query_candidates(pairs, exclude_signature=exclude_signature))


def iter_query_candidates(
    pairs: list[tuple[str, str]], *, exclude_signature: bool
) -> Iterator[str]:
    """query_candidates, built lazily: the alternatives exist for clients that encode
    differently and are only worth building once the documented form has failed."""
    if exclude_signature:
        pairs = [(n, v) for n, v in pairs if n != "X-Amz-Signature"]
    if not pairs:
        yield ""
        return
    if _is_canonical_query(pairs):
        # Each part re-encodes to itself (see _QUERY_ESCAPE), and no '+' can be present, so
        # the documented form is the raw pairs sorted and every alternative equals it.
        yield "&".join(map("=".join, sorted(pairs)))
        return
    documented = _canonical_query(pairs, plus_is_space=False)
    yield documented
    plus = _canonical_query(pairs, plus_is_space=True)
    if plus != documented:
        yield plus
    raw = "&".join(f"{n}={v}" for n, v in sorted(pairs))
    if raw not in (documented, plus):
        yield raw


def _is_canonical_query(pairs: list[tuple[str, str]]) -> bool:
    # One regex run over every name and value joined by '-': an escape is '%' and two hex
    # digits, never '-', so each '-' matches as a literal and the whole matches iff every
    # part does.
    return _CANONICAL_QUERY_PART.fullmatch("-".join(map("-".join, pairs))) is not None


def _canonical_query(pairs: list[tuple[str, str]], *, plus_is_space: bool) -> str:
    encoded = [
        (_encode_query_part(n, plus_is_space), _encode_query_part(v, plus_is_space))
        for n, v in pairs
    ]
    encoded.sort()
    return "&".join(f"{n}={v}" for n, v in encoded)


def canonical_headers(headers: Headers, signed: list[str]) -> str:
    """`name:value\\n` for each signed header, values trimmed and inner spaces collapsed."""
    lines: list[str] = []
    for name in signed:
        value = headers.get(name, "") or ""
        if "  " in value or "\t" in value or "\n" in value:
            value = _SPACES.sub(" ", value)
        lines.append(f"{name}:{value.strip()}\n")
    return "".join(lines)


@functools.lru_cache(maxsize=256)
def parse_amz_date(value: str) -> float | None:
    """Seconds since the epoch for an ISO 8601 basic timestamp (20130524T000000Z). Cached:
    concurrent requests mostly carry the same few timestamps."""
    if len(value) != 16 or value[8] != "T" or value[15] != "Z":
        return None
    digits = value[:8] + value[9:15]
    if not digits.isdigit():
        return None
    try:
        stamp = (
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[9:11]),
            int(value[11:13]),
            int(value[13:15]),
        )
        _check_ranges(stamp)
    except ValueError:
        return None
    return float(calendar.timegm((*stamp, 0, 0, 0)))


def _check_ranges(stamp: tuple[int, int, int, int, int, int]) -> None:
    _, month, day, hour, minute, second = stamp
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        raise ValueError("timestamp out of range")


def parse_http_date(value: str) -> float | None:
    """Seconds since the epoch for an RFC 1123 Date header."""
    parsed = parsedate_tz(value)
    if parsed is None:
        return None
    return float(mktime_tz(parsed))


def format_amz_date(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def format_iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
