"""A bucket's CORS configuration: how PutBucketCors checks the document (S3's errors), its stored
form, and how a request (a preflight, or an actual request carrying an Origin) is matched
against its rules.

Stored as JSON text in the bucket record's `cors` member ("" for none): the rules exactly as
given, members in the model's order, so GetBucketCors answers what was put. A request is
matched against a compiled form (`compiled`), built once per stored text.

Matching, as S3 does it (user guide "How does Amazon S3 evaluate the CORS configuration on a
bucket?"): the FIRST rule whose AllowedOrigin matches the Origin (case-sensitive, at most one
`*` standing for any run of characters, anchored at both ends), whose AllowedMethod holds the
method (Access-Control-Request-Method when sent, else the request's own), and whose
AllowedHeader patterns (case-insensitive, one `*` each) cover every name of
Access-Control-Request-Headers, when that header is sent.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from ownstack.core.errors import ServiceError

from .errors import invalid_request, malformed_xml

METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")
MAX_RULES = 100
MAX_ID_CHARS = 255
MAX_DOCUMENT_BYTES = 64 * 1024
"""S3: "The document is limited to 64 KB in size" (measured here as the document GetBucketCors
would answer)."""
_INT_MAX = 2**31 - 1
_MEMBERS = (
    "ID",
    "AllowedHeaders",
    "AllowedMethods",
    "AllowedOrigins",
    "ExposeHeaders",
    "MaxAgeSeconds",
)
_LISTS = {
    "AllowedHeaders": "AllowedHeader",
    "AllowedMethods": "AllowedMethod",
    "AllowedOrigins": "AllowedOrigin",
    "ExposeHeaders": "ExposeHeader",
}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
"""An HTTP field name (RFC 9110 token)."""
_VISIBLE = re.compile(r"[\x21-\x7e]+")
"""What an Origin may hold to be echoed back: visible ASCII, no space, no control character."""

VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


def no_such_cors(bucket: str) -> ServiceError:
    return ServiceError(
        "NoSuchCORSConfiguration",
        "The CORS configuration does not exist",
        404,
        fields={"BucketName": bucket},
    )


# --- the document --------------------------------------------------------------------------


def parse_configuration(value: Any) -> list[dict[str, Any]]:
    """The rules of a PutBucketCors CORSConfiguration, checked as S3 checks them, in the form
    they are stored (each rule's members in the model's order, absent ones left out)."""
    rules = value.get("CORSRules") if isinstance(value, dict) else None
    if not isinstance(rules, list) or not rules:
        raise malformed_xml()
    if len(rules) > MAX_RULES:
        raise invalid_request(
            f"The number of CORS rules should not exceed allowed limit of {MAX_RULES} rules."
        )
    checked = [_rule(rule) for rule in rules]
    if len(document_xml(checked).encode()) > MAX_DOCUMENT_BYTES:
        raise ServiceError("MaxMessageLengthExceeded", "Your request was too big.")
    return checked


def _rule(rule: Any) -> dict[str, Any]:
    if not isinstance(rule, dict):
        raise malformed_xml()
    lists = {member: _strings(rule.get(member)) for member in _LISTS}
    methods, origins = lists["AllowedMethods"], lists["AllowedOrigins"]
    if not methods or not origins:
        raise malformed_xml()  # each rule names at least one origin and one method
    for method in methods:
        if method not in METHODS:
            raise invalid_request(
                f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            )
    _one_wildcard("AllowedOrigin", origins)
    _one_wildcard("AllowedHeader", lists["AllowedHeaders"])
    for header in lists["ExposeHeaders"]:
        if "*" in header:
            raise invalid_request(
                f'ExposeHeader "{header}" contains wildcard. We currently do not support'
                " wildcard for ExposeHeader."
            )
        if not _TOKEN.fullmatch(header):
            raise invalid_request(f'ExposeHeader "{header}" contains invalid character.')
    rule_id = rule.get("ID")
    if rule_id is not None and not isinstance(rule_id, str):
        raise malformed_xml()
    if rule_id is not None and len(rule_id) > MAX_ID_CHARS:
        raise ServiceError(
            "InvalidArgument", f"ID length should not exceed allowed limit of {MAX_ID_CHARS}"
        )
    max_age = rule.get("MaxAgeSeconds")
    if max_age is not None and (type(max_age) is not int or not 0 <= max_age <= _INT_MAX):
        raise ServiceError("MalformedXML", f'MaxAgeSeconds "{max_age}" is not a valid value.')
    stored: dict[str, Any] = {}
    for member in _MEMBERS:
        found = lists.get(member) if member in _LISTS else rule.get(member)
        if found is not None and found != []:
            stored[member] = found
    return stored


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise malformed_xml()
    return value


def _one_wildcard(element: str, values: list[str]) -> None:
    for value in values:
        if value.count("*") > 1:
            raise invalid_request(f'{element} "{value}" can not have more than one wildcard.')


def stored_text(rules: list[dict[str, Any]]) -> str:
    return json.dumps(rules, separators=(",", ":"), ensure_ascii=False)


def wire_configuration(text: str) -> dict[str, Any]:
    """GetBucketCors' answer for a stored configuration."""
    return {"CORSRules": json.loads(text)}


def document_xml(rules: list[dict[str, Any]]) -> str:
    """The document as GetBucketCors answers it (without the XML declaration): what the 64 KB
    limit is measured on."""
    parts = ["<CORSConfiguration>"]
    for rule in rules:
        parts.append("<CORSRule>")
        for member, value in rule.items():
            element = _LISTS.get(member, member)
            for item in value if isinstance(value, list) else [value]:
                parts.append(f"<{element}>{escape(str(item))}</{element}>")
        parts.append("</CORSRule>")
    parts.append("</CORSConfiguration>")
    return "".join(parts)


# --- matching ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pattern:
    """A value with at most one `*`: exact (`suffix` None), or prefix + anything + suffix."""

    prefix: str
    suffix: str | None

    @staticmethod
    def of(text: str) -> Pattern:
        head, star, tail = text.partition("*")
        return Pattern(head, tail if star else None)

    def matches(self, text: str) -> bool:
        if self.suffix is None:
            return text == self.prefix
        return (
            len(text) >= len(self.prefix) + len(self.suffix)
            and text.startswith(self.prefix)
            and text.endswith(self.suffix)
        )


@dataclass(frozen=True, slots=True)
class CorsRule:
    origins: tuple[tuple[str, Pattern], ...]
    """(as configured, compiled), in order."""
    methods: frozenset[str]
    headers: tuple[Pattern, ...]
    """AllowedHeader patterns, lower-cased."""
    allow_methods: str
    """Access-Control-Allow-Methods: the rule's methods, as S3 answers them."""
    expose: str
    """Access-Control-Expose-Headers, "" for none."""
    max_age: str
    """Access-Control-Max-Age, "" when the rule sets none."""

    def origin_match(self, origin: str) -> str | None:
        """The AllowedOrigin that admits `origin` (the first), or None."""
        for configured, pattern in self.origins:
            if pattern.matches(origin):
                return configured
        return None

    def allows_headers(self, names: Sequence[str]) -> bool:
        return all(any(p.matches(name) for p in self.headers) for name in names)


@dataclass(frozen=True, slots=True)
class CorsMatch:
    rule: CorsRule
    any_origin: bool
    """Admitted by an AllowedOrigin of exactly `*`: S3 then answers `*`, without credentials."""
    headers: tuple[str, ...]
    """The requested header names (lower-cased), all allowed."""


@dataclass(frozen=True, slots=True)
class CorsConfig:
    rules: tuple[CorsRule, ...]

    def match(self, origin: str, method: str, request_headers: str | None) -> CorsMatch | None:
        """The first rule admitting this origin, method and requested headers (the text of
        Access-Control-Request-Headers, None when not sent), or None."""
        if not _VISIBLE.fullmatch(origin):
            return None  # never echoed, never matched: not an origin a browser sends
        names = requested_headers(request_headers)
        if names is None:
            return None
        for rule in self.rules:
            if method not in rule.methods:
                continue
            configured = rule.origin_match(origin)
            if configured is None or not rule.allows_headers(names):
                continue
            return CorsMatch(rule, configured == "*", names)
        return None


def requested_headers(text: str | None) -> tuple[str, ...] | None:
    """The names Access-Control-Request-Headers lists, lower-cased, in order (empty items
    skipped); None when one is not a field name (no rule can allow it)."""
    if not text:
        return ()
    names = []
    for item in text.split(","):
        name = item.strip(" \t")
        if not name:
            continue
        if not _TOKEN.fullmatch(name):
            return None
        names.append(name.lower())
    return tuple(names)


def response_headers(found: CorsMatch, origin: str) -> list[tuple[str, str]]:
    """The Access-Control-* headers (and Vary) S3 answers for a matched request."""
    rule = found.rule
    out = [("Access-Control-Allow-Origin", "*" if found.any_origin else origin)]
    if found.headers:
        out.append(("Access-Control-Allow-Headers", ", ".join(found.headers)))
    out.append(("Access-Control-Allow-Methods", rule.allow_methods))
    if rule.expose:
        out.append(("Access-Control-Expose-Headers", rule.expose))
    if rule.max_age:
        out.append(("Access-Control-Max-Age", rule.max_age))
    if not found.any_origin:
        out.append(("Access-Control-Allow-Credentials", "true"))
    out.append(("Vary", VARY))
    return out


@functools.lru_cache(maxsize=1024)
def compiled(text: str) -> CorsConfig:
    """The matching form of a stored configuration; a pure function of the text, so shared
    between requests (and buckets) holding the same text."""
    rules = []
    for rule in json.loads(text):
        max_age = rule.get("MaxAgeSeconds")
        rules.append(
            CorsRule(
                origins=tuple((o, Pattern.of(o)) for o in rule.get("AllowedOrigins", ())),
                methods=frozenset(rule.get("AllowedMethods", ())),
                headers=tuple(Pattern.of(h.lower()) for h in rule.get("AllowedHeaders", ())),
                allow_methods=", ".join(rule.get("AllowedMethods", ())),
                expose=", ".join(rule.get("ExposeHeaders", ())),
                max_age="" if max_age is None else str(max_age),
            )
        )
    return CorsConfig(tuple(rules))
