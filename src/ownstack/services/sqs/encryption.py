"""Server-side encryption of messages at rest (SSE-SQS, and SSE-KMS with the AWS managed key).

A queue encrypts when SqsManagedSseEnabled is true (the default for new queues, as on AWS) or
its KmsMasterKeyId is the AWS managed key `alias/aws/sqs`, which always exists on AWS. ownstack
has no KMS, so any other key id behaves as a key that does not exist: SQS accepts it on the
queue and then fails SendMessage with KMS.NotFoundException (`kms_key_error`).

The service encrypts a message's body and its encoded attributes before they reach the queue
engine and decrypts them after a receive, with AES-256-GCM under one key kept in the meta port
(namespace KEYS_NS, created once with an ABSENT expectation so N processes sharing the store
converge on the first one written, as STS's sealing key does).

Stored forms, told apart from plain ones without asking the queue, so that messages written
before a queue's SSE was switched on still read, and redrive and move tasks (which copy bodies
and attributes verbatim, possibly to a queue with other settings) keep working:
- body: "\\x00" + "E1" + key id (4 chars) + base64(nonce + ciphertext). An SQS body can never
  contain U+0000 (messages.py refuses it), so a leading NUL is unambiguous.
- attributes: b"\\x00E1" + key id + nonce + ciphertext. The plain encoding is a msgpack array,
  whose first byte is never 0x00.
The purpose label (body / attributes) is part of the AAD, so one can never be opened as the
other. The queue is not: a moved message keeps its ciphertext in its new queue.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ownstack.core.errors import ServiceError
from ownstack.core.kms import missing_key_message
from ownstack.ports.meta import MetaStore
from ownstack.ports.sealing_keys import FIRST_KEY_ID, load_keys

KEYS_NS = "sqs:keys"
MANAGED_KEY_ALIAS = "alias/aws/sqs"
_MARK = "\x00E1"
_MARK_BYTES = _MARK.encode()
_KEY_ID_LEN = len(FIRST_KEY_ID)
_HEADER_LEN = len(_MARK) + _KEY_ID_LEN
_NONCE_LEN = 12
_BODY = b"sqs-body"
_ATTRIBUTES = b"sqs-attributes"


def encrypts(attributes: Mapping[str, str], region: str, account_id: str) -> bool:
    """Whether a queue with these stored attributes encrypts what is sent to it. Raises
    KMS.NotFoundException (KmsNotFound) when its KMS key is one ownstack cannot honour."""
    key = attributes.get("KmsMasterKeyId", "")
    if key:
        if key not in (MANAGED_KEY_ALIAS, f"arn:aws:kms:{region}:{account_id}:{MANAGED_KEY_ALIAS}"):
            raise kms_key_error(key, region, account_id)
        return True
    return attributes.get("SqsManagedSseEnabled", "true") == "true"


def kms_key_error(key: str, region: str, account_id: str) -> ServiceError:
    """SQS's error for a KMS key that does not exist; the message is KMS's, which SQS passes on
    (alias, key id and key ARN each have their own wording; anything else is not a key id)."""
    return ServiceError("KmsNotFound", missing_key_message(key, region, account_id), 400)


def is_sealed_body(stored: str) -> bool:
    return stored.startswith(_MARK)


class MessageSealer:
    """Encrypts and decrypts message bodies and attributes; `open` loads the key first."""

    def __init__(self, meta: MetaStore) -> None:
        self.meta = meta
        self._keys: dict[str, AESGCM] = {}
        self._current = ""

    @property
    def ready(self) -> bool:
        return bool(self._current)

    async def open(self) -> None:
        """Load (or create, once) the key kept in the meta port."""
        keys = await load_keys(self.meta, KEYS_NS)
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = max(self._keys)

    def seal_body(self, body: str) -> str:
        header = _MARK + self._current
        sealed = self._seal(header.encode(), _BODY, body.encode())
        return header + base64.b64encode(sealed).decode("ascii")

    def open_body(self, stored: str) -> str:
        """The plain body (a body stored plain is returned as it is)."""
        if not stored.startswith(_MARK):
            return stored
        header = stored[:_HEADER_LEN]
        sealed = base64.b64decode(stored[_HEADER_LEN:])
        return self._open(header.encode(), _BODY, sealed).decode()

    def seal_attributes(self, encoded: bytes) -> bytes:
        header = _MARK_BYTES + self._current.encode()
        return header + self._seal(header, _ATTRIBUTES, encoded)

    def open_attributes(self, stored: bytes) -> bytes:
        """The plain encoding (attributes stored plain are returned as they are)."""
        if not stored.startswith(_MARK_BYTES):
            return stored
        return self._open(stored[:_HEADER_LEN], _ATTRIBUTES, stored[_HEADER_LEN:])

    def _seal(self, header: bytes, purpose: bytes, plain: bytes) -> bytes:
        nonce = os.urandom(_NONCE_LEN)
        return nonce + self._keys[self._current].encrypt(nonce, plain, header + purpose)

    def _open(self, header: bytes, purpose: bytes, sealed: bytes) -> bytes:
        """Raises KeyError (unknown key id) or cryptography's InvalidTag (tampered data): both
        mean the store holds what this service did not write."""
        key = self._keys[header[len(_MARK_BYTES) :].decode()]
        nonce, ciphertext = sealed[:_NONCE_LEN], sealed[_NONCE_LEN:]
        return key.decrypt(nonce, ciphertext, header + purpose)
