"""The cryptography calls behind signing.py: a new RSA key with its self-signed certificate,
loading a stored key, and one signature.

Kept apart because importing cryptography takes ~30 ms: signing.py imports this module at the
first signature or certificate request, not at every server start.
"""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

PrivateKey = rsa.RSAPrivateKey
_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
_VALID_FOR = datetime.timedelta(days=3650)


def new_key() -> tuple[str, str]:
    """(private key PEM, certificate PEM) of a new RSA-2048 key."""
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
    return key_pem.decode(), cert.public_bytes(serialization.Encoding.PEM).decode()


def load_key(key_pem: str) -> PrivateKey:
    loaded = serialization.load_pem_private_key(key_pem.encode(), None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError("the stored SNS signing key is not an RSA key")
    return loaded


def sign(key: PrivateKey, canonical: str, version: str) -> bytes:
    """SignatureVersion 1: SHA1withRSA; 2: SHA256withRSA (PKCS#1 v1.5)."""
    algorithm = _HASHES.get(version, hashes.SHA1)()
    return key.sign(canonical.encode(), padding.PKCS1v15(), algorithm)
