"""STS temporary credentials: sealed, self-contained session tokens.

A session token is the whole session, encrypted and authenticated with AES-256-GCM: the
temporary access key id and its secret, the principal (account, ARN, unique id, kind, name,
source ARN) and the `Session` (expiry, session policies, tags, source identity, chaining).

Why sealed rather than a table of issued sessions:
- no lookup per request: the gateway verifies a temporary credential with one AES-GCM open
  (cached per token), in memory, like a root key;
- N ownstack processes sharing one meta store agree with nothing to replicate: they share the
  sealing key (created once in the meta port with an ABSENT expectation, so racing processes
  converge on the first one written), and any of them can verify what another issued;
- AssumeRole writes nothing, so issuing credentials costs no durable write.

What it costs: an issued credential cannot be revoked before it expires, except by removing
what it stands on — deleting the role or user behind it, whose policy lookup then refuses
every request (`IdentityPolicies.exists` is False). Rotating the key would revoke everything
at once; the key id in each token leaves room for rotation without that.

Token layout (base64url, no padding): b"S1" + key id (4 ASCII chars) + 12-byte nonce +
ciphertext. The first six bytes are the AAD together with a purpose label, so a session token
can never be opened as an authorization message (DecodeAuthorizationMessage) or vice versa.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import string
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ownstack.core.clock import Clock
from ownstack.core.context import Principal, Session
from ownstack.ports.meta import MetaStore
from ownstack.ports.sealing_keys import FIRST_KEY_ID, load_keys

from .model import CredentialError, KeyGrant

KEYS_NS = "sts:keys"
_VERSION = b"S1"
_HEADER_LEN = len(_VERSION) + len(FIRST_KEY_ID)
_NONCE_LEN = 12
_TOKEN_PURPOSE = b"session-token"
_MESSAGE_PURPOSE = b"authorization-message"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "/+"
_CACHE_SIZE = 4096

# AWS's messages (not secrets).
INVALID_CLIENT_TOKEN = "The security token included in the request is invalid."  # noqa: S105
MALFORMED_TOKEN = "The provided token is malformed or otherwise invalid."  # noqa: S105
EXPIRED_TOKEN = "The security token included in the request is expired"  # noqa: S105


@dataclass(frozen=True, slots=True)
class TemporaryCredential:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: float


def access_key_id(prefix: str, account_id: str) -> str:
    """A new key id (AKIA/ASIA + 16 base32 characters) that encodes its account as AWS's do:
    bits 7..46 of the first six decoded bytes are the account number (GetAccessKeyInfo)."""
    head = (int(account_id) << 7) | secrets.randbits(7)
    raw = head.to_bytes(6, "big") + secrets.token_bytes(4)
    return prefix + base64.b32encode(raw).decode()


def account_of_access_key(key_id: str) -> str | None:
    """The account a key id made by `access_key_id` (or by AWS) encodes; None if it cannot."""
    if len(key_id) != 20:
        return None
    try:
        raw = base64.b32decode(key_id[4:])
    except (binascii.Error, ValueError):
        return None
    return f"{(int.from_bytes(raw[:6], 'big') & 0x7FFFFFFFFF80) >> 7:012d}"


def new_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


class SessionSealer:
    def __init__(self, meta: MetaStore, clock: Clock) -> None:
        self.meta = meta
        self.clock = clock
        self._keys: dict[str, AESGCM] = {}
        self._current = ""
        self._grants: OrderedDict[str, KeyGrant] = OrderedDict()

    async def open(self) -> None:
        """Load (or create, once) the sealing key kept in the meta port."""
        keys = await load_keys(self.meta, KEYS_NS)
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = max(self._keys)

    def issue(self, principal: Principal) -> TemporaryCredential:
        """New temporary keys for `principal` (whose `session` says until when and with what
        session policies and tags), sealed into a self-contained session token."""
        session = principal.session
        if session is None:
            raise ValueError("a temporary credential needs a session")
        key_id = access_key_id("ASIA", principal.account_id)
        secret = new_secret()
        payload = _payload(principal, key_id, secret)
        token = self._seal(json.dumps(payload, separators=(",", ":")).encode(), _TOKEN_PURPOSE)
        return TemporaryCredential(key_id, secret, token, session.expires)

    def credential(self, access_key: str, token: str | None) -> KeyGrant | None:
        """The grant a temporary key stands for; raises CredentialError for an expired or
        tampered token, or one that does not belong to `access_key`."""
        if not token:
            raise CredentialError("InvalidClientTokenId", INVALID_CLIENT_TOKEN)
        grant = self._grants.get(token)
        if grant is None:
            grant = self._open_grant(token)
        if not secrets.compare_digest(grant.principal.access_key, access_key):
            raise CredentialError("InvalidClientTokenId", INVALID_CLIENT_TOKEN)
        session = grant.principal.session
        if session is None or self.clock.now() >= session.expires:
            raise CredentialError("ExpiredToken", EXPIRED_TOKEN)
        return grant

    def encode_authorization_message(self, document: Mapping[str, Any]) -> str:
        """An encoded authorization failure message (the gateway's AccessDenied detail), which
        only DecodeAuthorizationMessage can read."""
        return self._seal(json.dumps(document, separators=(",", ":")).encode(), _MESSAGE_PURPOSE)

    def decode_authorization_message(self, message: str) -> str | None:
        """The JSON text of a message `encode_authorization_message` made; None otherwise."""
        plain = self._unseal(message, _MESSAGE_PURPOSE)
        return None if plain is None else plain.decode()

    def _open_grant(self, token: str) -> KeyGrant:
        plain = self._unseal(token, _TOKEN_PURPOSE)
        if plain is None:
            raise CredentialError("InvalidToken", MALFORMED_TOKEN)
        try:
            grant = _grant(json.loads(plain))
        except (ValueError, KeyError, TypeError) as exc:
            raise CredentialError("InvalidToken", MALFORMED_TOKEN) from exc
        self._grants[token] = grant
        if len(self._grants) > _CACHE_SIZE:
            self._grants.popitem(last=False)
        return grant

    def _seal(self, plain: bytes, purpose: bytes) -> str:
        header = _VERSION + self._current.encode()
        nonce = os.urandom(_NONCE_LEN)
        sealed = self._keys[self._current].encrypt(nonce, plain, header + purpose)
        return base64.urlsafe_b64encode(header + nonce + sealed).rstrip(b"=").decode()

    def _unseal(self, text: str, purpose: bytes) -> bytes | None:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return None
        header, nonce = raw[:_HEADER_LEN], raw[_HEADER_LEN : _HEADER_LEN + _NONCE_LEN]
        if len(raw) <= _HEADER_LEN + _NONCE_LEN or not header.startswith(_VERSION):
            return None
        key = self._keys.get(header[len(_VERSION) :].decode("ascii", "replace"))
        if key is None:
            return None
        try:
            return key.decrypt(nonce, raw[_HEADER_LEN + _NONCE_LEN :], header + purpose)
        except InvalidTag:
            return None


def _payload(principal: Principal, key_id: str, secret: str) -> dict[str, Any]:
    session = principal.session
    assert session is not None
    return {
        "k": key_id,
        "s": secret,
        "a": principal.account_id,
        "r": principal.arn,
        "u": principal.user_id,
        "t": principal.kind,
        "n": principal.name,
        "o": principal.source_arn,
        "e": session.expires,
        "i": session.issued,
        "p": session.policy,
        "pa": list(session.policy_arns),
        "tg": dict(session.tags),
        "tt": list(session.transitive_tag_keys),
        "si": session.source_identity,
        "c": session.chained,
        "m": session.mfa,
        "tk": session.token_kind,
    }


def _grant(doc: dict[str, Any]) -> KeyGrant:
    session = Session(
        expires=float(doc["e"]),
        issued=float(doc["i"]),
        policy=str(doc["p"]),
        policy_arns=tuple(str(a) for a in doc["pa"]),
        tags={str(k): str(v) for k, v in doc["tg"].items()},
        transitive_tag_keys=tuple(str(k) for k in doc["tt"]),
        source_identity=str(doc["si"]),
        chained=bool(doc["c"]),
        mfa=bool(doc["m"]),
        token_kind=str(doc["tk"]),
    )
    principal = Principal(
        account_id=str(doc["a"]),
        arn=str(doc["r"]),
        user_id=str(doc["u"]),
        access_key=str(doc["k"]),
        kind=str(doc["t"]),
        name=str(doc["n"]),
        source_arn=str(doc["o"]),
        session=session,
    )
    return KeyGrant(str(doc["s"]), principal)
