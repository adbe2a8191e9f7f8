"""The RSA key and self-signed certificate SNS signs its messages with, kept in the metadata
port so every process sharing it (and every restart) signs with the same key.

SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA (PKCS#1 v1.5), over the canonical string
envelope.py builds; the signature is base64, as AWS sends it.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import TYPE_CHECKING

from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, MetaStore, Put

from .records import SIGNING, SigningKeyRecord

if TYPE_CHECKING:
    from .rsa_keys import PrivateKey

_KEY = "rsa"


class Signer:
    def __init__(self, meta: MetaStore) -> None:
        self._meta = meta
        self._key: PrivateKey | None = None
        self._record: SigningKeyRecord | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> SigningKeyRecord:
        """The stored key, made (once, by whichever process gets there first) on first use."""
        if self._record is not None:
            return self._record
        async with self._lock:
            if self._record is None:
                from . import rsa_keys  # cryptography: imported at first use (rsa_keys.py)

                self._record = await self._load_or_create()
                self._key = rsa_keys.load_key(self._record.key_pem)
        return self._record

    async def _load_or_create(self) -> SigningKeyRecord:
        raw = await self._meta.get(SIGNING, _KEY)
        if raw is not None:
            return SigningKeyRecord.decode(raw.value)
        # RSA key generation takes tens of milliseconds: off the event loop.
        record = await asyncio.to_thread(_new_key)
        try:
            await self._meta.commit([Put(SIGNING, _KEY, record.encode(), expect=ABSENT)])
        except ConditionFailed:  # another process made one first: use that one
            raw = await self._meta.get(SIGNING, _KEY)
            assert raw is not None
            return SigningKeyRecord.decode(raw.value)
        return record

    async def sign(self, canonical: str, version: str) -> str:
        await self.load()
        assert self._key is not None
        from . import rsa_keys

        return base64.b64encode(rsa_keys.sign(self._key, canonical, version)).decode()

    async def cert_name(self) -> str:
        """The certificate's file name, as in SigningCertURL."""
        return f"SimpleNotificationService-{(await self.load()).key_id}.pem"

    async def cert_pem(self, name: str) -> bytes | None:
        """The PEM certificate named `name` (None: no such certificate)."""
        return (await self.load()).cert_pem.encode() if name == await self.cert_name() else None


def _new_key() -> SigningKeyRecord:
    from . import rsa_keys

    key_pem, cert_pem = rsa_keys.new_key()
    return SigningKeyRecord(key_pem=key_pem, cert_pem=cert_pem, key_id=uuid.uuid4().hex)
