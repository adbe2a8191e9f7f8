"""How an invocation ended, as the Runtime API learns it, and the documents Lambda words."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from dataclasses import dataclass

from ownstack.ports.runtime import Invocation, Outcome

MAX_PAYLOAD = 6 * 1024 * 1024 + 100
"""Lambda's bound on a buffered response (6 MiB, plus 100 bytes of slack as Lambda allows)."""
MAX_STREAMED = 200 * 1024 * 1024
"""Lambda's bound on a streamed response (200 MiB)."""


@dataclass(slots=True)
class Completion:
    outcome: Outcome
    payload: bytes = b""
    error_type: str | None = None
    streamed: bool = False


class Delivery:
    """One invocation handed to the sandbox; `done` resolves once, with how it ended."""

    __slots__ = ("deadline_ms", "done", "invocation")

    def __init__(self, invocation: Invocation, deadline_ms: int, done: asyncio.Future[Completion]):
        self.invocation = invocation
        self.deadline_ms = deadline_ms
        self.done = done

    def finish(self, completion: Completion) -> None:
        if not self.done.done():
            self.done.set_result(completion)


def too_large_for_caller(limit: int = MAX_PAYLOAD) -> bytes:
    message = f"Response payload size exceeded maximum allowed payload size ({limit} bytes)."
    doc = {
        "errorMessage": message,
        "errorType": "Function.ResponseSizeTooLarge",
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def error_type_of(document: bytes) -> str | None:
    """The errorType of an error document, when it is one."""
    try:
        doc = json.loads(document)
    except ValueError:
        return None
    value = doc.get("errorType") if isinstance(doc, dict) else None
    return value if isinstance(value, str) and value else None


def decode_error_body(value: str) -> bytes:
    """A streamed response's Lambda-Runtime-Function-Error-Body trailer (base64)."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value.encode()
