"""STS's input constraints, checked as AWS checks them and worded as AWS words them:
"1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint:
Member must have length greater than or equal to 2" (every violation, in one message)."""

from __future__ import annotations

import re

from ownstack.core.errors import ServiceError

NAME_PATTERN = r"[\w+=,.@-]*"
EXTERNAL_ID_PATTERN = r"[\w+=,.@:\/-]*"
POLICY_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"
TAG_KEY_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
TAG_VALUE_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
_TAG_KEY_RE = re.compile(r"^[\w\s.:/=+\-@]+$")
_TAG_VALUE_RE = re.compile(r"^[\w\s.:/=+\-@]*$")


class Violations:
    """The constraint violations of one request, raised together as one ValidationError."""

    def __init__(self) -> None:
        self._found: list[str] = []

    def add(self, value: object, member: str, constraint: str) -> None:
        shown = value if isinstance(value, str | int) else str(value)
        self._found.append(
            f"Value '{shown}' at '{member}' failed to satisfy constraint: Member must {constraint}"
        )

    def length(self, value: str | None, member: str, low: int, high: int | None) -> None:
        if value is None:
            return
        if len(value) < low:
            self.add(value, member, f"have length greater than or equal to {low}")
        elif high is not None and len(value) > high:
            self.add(value, member, f"have length less than or equal to {high}")

    def pattern(self, value: str | None, member: str, regex: str, shown: str = "") -> None:
        if value is not None and re.fullmatch(regex, value) is None:
            self.add(value, member, f"satisfy regular expression pattern: {shown or regex}")

    def between(self, value: int | None, member: str, low: int, high: int) -> None:
        if value is None:
            return
        if value < low:
            self.add(value, member, f"have value greater than or equal to {low}")
        elif value > high:
            self.add(value, member, f"have value less than or equal to {high}")

    def count(self, items: list[object] | None, member: str, high: int) -> None:
        if items is not None and len(items) > high:
            self.add(items, member, f"have length less than or equal to {high}")

    def name(self, value: str | None, member: str, low: int, high: int) -> None:
        self.length(value, member, low, high)
        self.pattern(value, member, NAME_PATTERN)

    def tags(self, tags: list[dict[str, str]] | None) -> None:
        if tags is None:
            return
        self.count(list(tags), "tags", 50)
        for index, tag in enumerate(tags, start=1):
            key, value = tag.get("Key", ""), tag.get("Value", "")
            self.length(key, f"tags.{index}.member.key", 1, 128)
            if key and _TAG_KEY_RE.match(key) is None:
                shown = TAG_KEY_PATTERN
                self.add(
                    key, f"tags.{index}.member.key", f"satisfy regular expression pattern: {shown}"
                )
            self.length(value, f"tags.{index}.member.value", 0, 256)
            if _TAG_VALUE_RE.match(value) is None:
                shown = TAG_VALUE_PATTERN
                self.add(
                    value,
                    f"tags.{index}.member.value",
                    f"satisfy regular expression pattern: {shown}",
                )

    def raise_any(self) -> None:
        if not self._found:
            return
        count = len(self._found)
        noun = "error" if count == 1 else "errors"
        raise validation_error(f"{count} validation {noun} detected: " + "; ".join(self._found))


def validation_error(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, 400)


def access_denied(message: str) -> ServiceError:
    return ServiceError("AccessDenied", message, 403)


def not_authorized(caller_arn: str, action: str, resource: str) -> ServiceError:
    """AWS's AccessDenied for an STS call the policies refuse."""
    return access_denied(
        f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource}"
    )


def refuse_unverifiable(params: dict[str, object]) -> None:
    """ownstack has no MFA devices and no trusted identity propagation: a request that names
    an MFA code or provided contexts cannot be verified, so it is refused rather than issued
    credentials that claim a check that never happened."""
    if params.get("SerialNumber") or params.get("TokenCode"):
        raise access_denied("MultiFactorAuthentication failed, unable to validate MFA code.")
    if params.get("ProvidedContexts"):
        raise validation_error("ProvidedContexts are not supported by this server.")
