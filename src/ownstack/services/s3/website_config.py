"""A bucket's website configuration: how PutBucketWebsite checks it (S3's errors), and what the
website endpoint does with it (`Site`: which key a path reads, which redirect applies). The
HTTP side of the website endpoint is gateway/website.py.

Checks, in S3's order and words (S3 API Reference, PutBucketWebsite and WebsiteConfiguration;
the messages are those S3 answers):
- RedirectAllRequestsTo excludes every other element; it needs a HostName;
- otherwise an IndexDocument whose Suffix is not empty and has no slash is required;
- an ErrorDocument needs a non-empty Key;
- at most 50 RoutingRules; a Condition, when present, is not empty; a Redirect replaces the
  key or its prefix, not both; redirect codes are 3XX (not 300), error codes 4XX or 5XX;
  Protocol is http or https.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from ownstack.core.errors import ServiceError

from .errors import malformed_xml
from .subresource_schema import check_document

MAX_ROUTING_RULES = 50
PROTOCOLS = ("http", "https")
_PROTOCOL_MESSAGE = (
    "Invalid protocol, protocol can be http or https. If not defined the protocol will be"
    " selected automatically."
)
DEFAULT_REDIRECT_CODE = 301


def _invalid_argument(message: str, name: str, value: str | None) -> ServiceError:
    fields = {"ArgumentName": name}
    if value is not None:
        fields["ArgumentValue"] = value
    return ServiceError("InvalidArgument", message, fields=fields)


def _invalid_request(message: str) -> ServiceError:
    return ServiceError("InvalidRequest", message)


def check_website(config: Any) -> dict[str, Any]:
    """The configuration PutBucketWebsite was given, checked; raises S3's error."""
    if not isinstance(config, dict):
        raise malformed_xml()
    redirect_all = config.get("RedirectAllRequestsTo")
    if redirect_all is not None:
        _check_redirect_all(config, redirect_all)
    else:
        _check_site(config)
    check_document(
        "PutBucketWebsite", "WebsiteConfiguration", config, skip_enums=frozenset({"Protocol"})
    )
    return config


def _check_redirect_all(config: dict[str, Any], redirect_all: Any) -> None:
    if len([k for k, v in config.items() if v is not None]) > 1:
        raise _invalid_argument(
            "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
            "RedirectAllRequestsTo",
            "not null",
        )
    if not isinstance(redirect_all, dict) or redirect_all.get("HostName") is None:
        raise malformed_xml()
    if not redirect_all["HostName"]:
        raise _invalid_request(
            'A host name must be provided to redirect all requests (e.g. "example.com").'
        )
    _check_protocol(redirect_all.get("Protocol"))


def _check_site(config: dict[str, Any]) -> None:
    index = config.get("IndexDocument")
    if index is None:
        raise _invalid_argument(
            "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
            "IndexDocument",
            "null",
        )
    suffix = index.get("Suffix") if isinstance(index, dict) else None
    if not suffix or "/" in suffix:
        raise _invalid_argument(
            "The IndexDocument Suffix is not well formed", "IndexDocument", suffix or None
        )
    error_document = config.get("ErrorDocument")
    if error_document is not None:
        if not isinstance(error_document, dict) or error_document.get("Key") is None:
            raise malformed_xml()
        if not error_document["Key"]:
            raise _invalid_argument("The ErrorDocument Key is not well formed", "ErrorDocument", "")
    rules = config.get("RoutingRules")
    if rules is not None:
        _check_rules(rules)


def _check_rules(rules: Any) -> None:
    if not isinstance(rules, list) or not rules:
        raise malformed_xml()
    if len(rules) > MAX_ROUTING_RULES:
        raise _invalid_request(f"The number of routing rules must not exceed {MAX_ROUTING_RULES}.")
    for rule in rules:
        if not isinstance(rule, dict) or not isinstance(rule.get("Redirect"), dict):
            raise malformed_xml()
        condition = rule.get("Condition")
        if condition is not None:
            _check_condition(condition)
        _check_redirect(rule["Redirect"])


def _check_condition(condition: Any) -> None:
    if not isinstance(condition, dict) or not any(v is not None for v in condition.values()):
        raise _invalid_request(
            "Condition cannot be empty. To redirect all requests without a condition, the"
            " condition element shouldn't be present."
        )
    code = condition.get("HttpErrorCodeReturnedEquals")
    if code is not None:
        _check_code(code, redirect=False)


def _check_redirect(redirect: dict[str, Any]) -> None:
    if (
        redirect.get("ReplaceKeyPrefixWith") is not None
        and redirect.get("ReplaceKeyWith") is not None
    ):
        raise _invalid_request("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
    _check_protocol(redirect.get("Protocol"))
    code = redirect.get("HttpRedirectCode")
    if code is not None:
        _check_code(code, redirect=True)


def _check_protocol(protocol: Any) -> None:
    if protocol is not None and protocol not in PROTOCOLS:
        raise _invalid_request(_PROTOCOL_MESSAGE)


def _check_code(text: str, *, redirect: bool) -> None:
    if not text.isdigit():
        raise malformed_xml()
    code = int(text)
    if redirect:
        valid, kind, allowed = 300 < code < 400, "redirect", "3XX except 300"
    else:
        valid, kind, allowed = 400 <= code < 600, "error", "4XX or 5XX"
    if not valid or code not in _KNOWN_CODES:
        raise _invalid_request(
            f"The provided HTTP {kind} code ({text}) is not valid. Valid codes are {allowed}."
        )


_KNOWN_CODES = frozenset(int(s) for s in HTTPStatus)


# --- what the website endpoint does with a configuration --------------------------------------


@dataclass(frozen=True, slots=True)
class Redirect:
    """Where a request goes instead: `host` and `protocol` empty mean the request's own."""

    status: int
    protocol: str
    host: str
    key: str
    """The key the new location names (without its leading slash)."""


@dataclass(frozen=True, slots=True)
class Rule:
    prefix: str | None
    error_code: int | None
    protocol: str
    host: str
    replace_key: str | None
    replace_prefix: str | None
    status: int

    def applies_before_read(self, key: str) -> bool:
        """A rule with no error-code condition redirects on the key alone."""
        return self.error_code is None and (self.prefix is None or key.startswith(self.prefix))

    def applies_after_error(self, key: str, status: int) -> bool:
        if self.error_code != status:
            return False
        return self.prefix is None or key.startswith(self.prefix)

    def redirect(self, key: str) -> Redirect:
        if self.replace_key is not None:
            target = self.replace_key
        elif self.replace_prefix is not None:
            rest = key[len(self.prefix) :] if self.prefix and key.startswith(self.prefix) else key
            target = self.replace_prefix + rest
        else:
            target = key
        return Redirect(self.status, self.protocol, self.host, target)


@dataclass(frozen=True, slots=True)
class Site:
    """A stored website configuration, ready for serving."""

    index_suffix: str = ""
    error_key: str = ""
    redirect_all: Redirect | None = None
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def object_key(self, key: str) -> str:
        """The key a request path (without its leading slash) reads: the index document for
        the root and for a "folder" (a key ending in a slash)."""
        return key + self.index_suffix if key == "" or key.endswith("/") else key

    def rule_before_read(self, key: str) -> Redirect | None:
        for rule in self.rules:
            if rule.applies_before_read(key):
                return rule.redirect(key)
        return None

    def rule_after_error(self, key: str, status: int) -> Redirect | None:
        for rule in self.rules:
            if rule.applies_after_error(key, status):
                return rule.redirect(key)
        return None


def site_of(config: dict[str, Any]) -> Site:
    """The Site a stored (checked) configuration describes."""
    redirect_all = config.get("RedirectAllRequestsTo")
    if redirect_all is not None:
        return Site(
            redirect_all=Redirect(
                DEFAULT_REDIRECT_CODE,
                redirect_all.get("Protocol") or "",
                redirect_all["HostName"],
                "",
            )
        )
    return Site(
        index_suffix=config["IndexDocument"]["Suffix"],
        error_key=(config.get("ErrorDocument") or {}).get("Key") or "",
        rules=tuple(_rule(r) for r in config.get("RoutingRules") or ()),
    )


def _rule(raw: dict[str, Any]) -> Rule:
    condition = raw.get("Condition") or {}
    redirect = raw["Redirect"]
    code = condition.get("HttpErrorCodeReturnedEquals")
    return Rule(
        prefix=condition.get("KeyPrefixEquals"),
        error_code=int(code) if code is not None else None,
        protocol=redirect.get("Protocol") or "",
        host=redirect.get("HostName") or "",
        replace_key=redirect.get("ReplaceKeyWith"),
        replace_prefix=redirect.get("ReplaceKeyPrefixWith"),
        status=int(redirect.get("HttpRedirectCode") or DEFAULT_REDIRECT_CODE),
    )
