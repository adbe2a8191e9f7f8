"""IAM's identifiers and secrets: access key ids, secret keys, unique ids."""

from __future__ import annotations

import secrets
import string

_BASE32 = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"

USER_ID = "AIDA"
ROLE_ID = "AROA"
POLICY_ID = "ANPA"
GROUP_ID = "AGPA"
PROFILE_ID = "AIPA"


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def access_key_id() -> str:
    """AKIA + 16 characters of A-Z2-7, as AWS's long-term keys look."""
    return "AKIA" + _random(_BASE32, 16)


def secret_access_key() -> str:
    return _random(_SECRET_ALPHABET, 40)


def unique_id(prefix: str) -> str:
    """A unique id of the kind `prefix` names (AIDA user, AROA role...): 21 characters."""
    return prefix + _random(_BASE32, 17)
