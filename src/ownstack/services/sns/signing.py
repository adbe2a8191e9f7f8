"""The RSA key and self-signed certificate SNS signs its messages with, kept in the metadata
port so every process sharing it (and every restart) signs with the same key.

SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA (PKCS#1 v1.5), over the canonical string
envelope.py builds; the signature is base64, as AWS sends it.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, MetaStore, Put

from .records import SIGNING, SigningKeyRecord

_KEY = "rsa"
_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
_VALID_FOR = datetime.timedelta(days=3650)


class Signer:
    def __init__(self, meta: MetaStore) -> None:
        self._meta = meta
        self._key: rsa.RSAPrivateKey | None = None
        self._record: SigningKeyRecord | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> SigningKeyRecord:
        """The stored key, made (once, by whichever process gets there first) on first use."""
        if self._record is not None:
            return self._record
        async with self._lock:
            if self._record is None:
                self._record = await self._load_or_create()
                loaded = serialization.load_pem_private_key(self._record.key_pem.encode(), None)
                assert isinstance(loaded, rsa.RSAPrivateKey)
                self._key = loaded
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
        algorithm = _HASHES.get(version, hashes.SHA1)()
        signature = self._key.sign(canonical.encode(), padding.PKCS1v15(), algorithm)
        return base64.b64encode(signature).decode()

    async def cert_name(self) -> str:
        """The certificate's file name, as in SigningCertURL."""
        return f"SimpleNotificationService-{(await self.load()).key_id}.pem"

    async def cert_pem(self, name: str) -> bytes | None:
        """The PEM certificate named `name` (None: no such certificate)."""
        return (await self.load()).cert_pem.encode() if name == await self.cert_name() else None


def _new_key() -> SigningKeyRecord:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.ownstack.local")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + _VALID_FOR)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return SigningKeyRecord(
        key_pem=key_pem.decode(),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_id=uuid.uuid4().hex,
    )
