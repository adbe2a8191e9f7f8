"""KMS's words for a key that does not exist, which SQS and SNS pass on when a queue or topic
names one (ownstack has no KMS: only each service's AWS managed key is honoured)."""

from __future__ import annotations

import re

_KEY_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def missing_key_message(key: str, region: str, account_id: str) -> str:
    """Alias, key id and key ARN each have their own wording; anything else is no key id."""
    arn_base = f"arn:aws:kms:{region}:{account_id}"
    if key.startswith("alias/"):
        return f"Alias {arn_base}:{key} is not found."
    if key.startswith("arn:aws:kms:") and ":alias/" in key:
        return f"Alias {key} is not found."
    if _KEY_UUID.fullmatch(key):
        return f"Key '{arn_base}:key/{key}' does not exist"
    if key.startswith("arn:aws:kms:") and ":key/" in key:
        return f"Key '{key}' does not exist"
    return f"Invalid keyId {key}"
