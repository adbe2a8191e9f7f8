"""HTTP/S delivery policies: the retry schedule (immediate, pre-backoff, backoff, post-backoff
phases) and request content type, from the subscription's DeliveryPolicy, else the topic's
(http.defaultHealthyRetryPolicy), else SNS's defaults (3 retries, 20 seconds apart)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import invalid_parameter

MAX_RETRIES = 100
MAX_DELAY = 3600
BACKOFF_FUNCTIONS = ("arithmetic", "exponential", "geometric", "linear")
DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8"
_FIELDS = {
    "numRetries": "num_retries",
    "numNoDelayRetries": "no_delay",
    "numMinDelayRetries": "min_delay_retries",
    "numMaxDelayRetries": "max_delay_retries",
    "minDelayTarget": "min_delay",
    "maxDelayTarget": "max_delay",
}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    num_retries: int = 3
    no_delay: int = 0
    min_delay_retries: int = 0
    max_delay_retries: int = 0
    min_delay: int = 20
    max_delay: int = 20
    backoff: str = "linear"
    content_type: str = DEFAULT_CONTENT_TYPE

    def delays(self) -> list[float]:
        """The wait before each retry, in order (len == num_retries)."""
        backoff_count = self.num_retries - self.no_delay - self.min_delay_retries
        backoff_count -= self.max_delay_retries
        out = [0.0] * self.no_delay + [float(self.min_delay)] * self.min_delay_retries
        out += [self._backoff(i, backoff_count) for i in range(1, backoff_count + 1)]
        return out + [float(self.max_delay)] * self.max_delay_retries

    def _backoff(self, i: int, n: int) -> float:
        """The i-th of n backoff delays, rising from min_delay to max_delay."""
        low, high = float(self.min_delay), float(self.max_delay)
        if n <= 1 or high == low:
            return high if n == 1 else low
        share = (i - 1) / (n - 1)
        if self.backoff == "linear":
            return low + (high - low) * share
        if self.backoff == "arithmetic":
            return low + (high - low) * share * share
        return float(low * (high / low) ** share)  # geometric, exponential


def parse_retry_policy(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The RetryPolicy fields of a healthyRetryPolicy object; InvalidParameter."""
    fields: dict[str, Any] = {}
    for name, attr in _FIELDS.items():
        if name not in raw:
            continue
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _bad(f"{name} must be a non-negative integer")
        fields[attr] = value
    backoff = raw.get("backoffFunction", "linear")
    if backoff not in BACKOFF_FUNCTIONS:
        raise _bad(f"backoffFunction must be one of {', '.join(BACKOFF_FUNCTIONS)}")
    policy = RetryPolicy(**fields, backoff=backoff)
    _check_bounds(policy)
    return {**fields, "backoff": backoff}


def _check_bounds(p: RetryPolicy) -> None:
    if p.num_retries > MAX_RETRIES:
        raise _bad(f"numRetries must be at most {MAX_RETRIES}")
    if not 1 <= p.min_delay <= p.max_delay <= MAX_DELAY:
        raise _bad("minDelayTarget must be at least 1 and at most maxDelayTarget (<= 3600)")
    if p.no_delay + p.min_delay_retries + p.max_delay_retries > p.num_retries:
        raise _bad(
            "numRetries must be at least numNoDelayRetries + numMinDelayRetries + "
            "numMaxDelayRetries"
        )
    if sum(p.delays()) > MAX_DELAY:
        raise _bad("The total retry time of the policy must not exceed 3600 seconds")


def _bad(detail: str) -> Exception:
    return invalid_parameter(f"Invalid parameter: DeliveryPolicy: {detail}")


def _load(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError:
        raise _bad("failed to parse JSON") from None
    if not isinstance(doc, dict):
        raise _bad("must be a JSON object")
    return doc


def check_subscription_policy(text: str) -> None:
    doc = _load(text)
    retry = doc.get("healthyRetryPolicy")
    if retry is not None:
        if not isinstance(retry, dict):
            raise _bad("healthyRetryPolicy must be an object")
        parse_retry_policy(retry)
    _content_type(doc)


def check_topic_policy(text: str) -> None:
    """A topic's DeliveryPolicy: {"http": {"defaultHealthyRetryPolicy": ..., ...}}."""
    http = _load(text).get("http")
    if http is None:
        return
    if not isinstance(http, dict):
        raise _bad("http must be an object")
    retry = http.get("defaultHealthyRetryPolicy")
    if retry is not None:
        if not isinstance(retry, dict):
            raise _bad("defaultHealthyRetryPolicy must be an object")
        parse_retry_policy(retry)
    _content_type(http)


def _content_type(section: Mapping[str, Any]) -> str | None:
    request = section.get("requestPolicy") or section.get("defaultRequestPolicy") or {}
    content_type = request.get("headerContentType") if isinstance(request, dict) else None
    if content_type is not None and not isinstance(content_type, str):
        raise _bad("headerContentType must be a string")
    return content_type


def effective_policy(topic_attrs: Mapping[str, str], sub_attrs: Mapping[str, str]) -> RetryPolicy:
    """What an HTTP/S delivery uses. Stored policies were validated when set."""
    fields: dict[str, Any] = {}
    content_type: str | None = None
    topic_text = topic_attrs.get("DeliveryPolicy")
    overrides = True
    if topic_text:
        http = json.loads(topic_text).get("http") or {}
        fields.update(parse_retry_policy(http.get("defaultHealthyRetryPolicy") or {}))
        content_type = _content_type(http)
        overrides = not http.get("disableSubscriptionOverrides", False)
    sub_text = sub_attrs.get("DeliveryPolicy")
    if sub_text and overrides:
        doc = json.loads(sub_text)
        fields.update(parse_retry_policy(doc.get("healthyRetryPolicy") or {}))
        content_type = _content_type(doc) or content_type
    return RetryPolicy(**fields, content_type=content_type or DEFAULT_CONTENT_TYPE)
