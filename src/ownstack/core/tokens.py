"""Opaque tokens (pagination tokens, task handles): a key, base64url-encoded.

Clients must treat them as opaque; each service still checks that a decoded key lies where its
listing may resume, and answers a bad token with its own error.
"""

from __future__ import annotations

import base64
import binascii


def opaque_token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def token_text(token: str) -> str | None:
    """The text an opaque_token carries; None when `token` is not one (not base64, not UTF-8)."""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
