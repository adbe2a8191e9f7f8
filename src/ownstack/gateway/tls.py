"""HTTPS for the gateway (docs/tls.md): the server's `ssl.SSLContext`, and the self-signed
certificate ownstack makes for itself.

The generated certificate is an ECDSA P-256 key and a self-signed X.509 certificate, valid for
ten years, for the names a client on this machine uses (localhost, 127.0.0.1, ::1, *.localhost,
the bound host, the S3 host names and their buckets' `*.<name>`, this region's function URL
hosts) plus `tls.names`. It is kept in `<data>/tls/` (`key.pem` 0600, `cert.pem` 0644), made
once under a lock and reused by every later start and every worker; it is made anew only when
it is unreadable, its key does not match it, it expires within REGENERATE_BEFORE, or a name it
must cover is missing. `cert.pem` is also what clients trust (AWS_CA_BUNDLE, `ownstack env`).

A given certificate/key pair is checked before the server starts: a missing file, a file that
holds no PEM certificate or key, an encrypted key, or a key that does not belong to the
certificate is a TlsError that names the file.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import ipaddress
import logging
import os
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography is imported when a certificate is first needed
    from cryptography.x509 import Certificate

log = logging.getLogger("ownstack.gateway.tls")

TLS_DIR = "tls"
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
VALID_DAYS = 3650
REGENERATE_BEFORE = datetime.timedelta(days=30)
_UNSPECIFIED = {"", "0.0.0.0", "::"}
# TLS 1.2 suites (1.3's are OpenSSL's defaults, all AEAD): forward secret and AEAD only.
_TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"


class TlsError(ValueError):
    """A certificate or key that cannot be served; the message names the file and why."""


@dataclass(frozen=True, slots=True)
class CertPair:
    cert: Path
    key: Path


def self_signed_dir(data_dir: Path) -> Path:
    return data_dir / TLS_DIR


def certificate_names(
    host: str, s3_hostnames: Iterable[str], region: str, extra: Iterable[str] = ()
) -> tuple[str, ...]:
    """The DNS names and IP addresses the generated certificate must cover, in a fixed order."""
    names = ["localhost", "*.localhost", "127.0.0.1", "::1"]
    if host not in _UNSPECIFIED:
        names.append(host.strip("[]").lower())
    for name in s3_hostnames:
        names.append(name)
        if not _is_ip(name) and name.count(".") >= 1:  # bucket.s3.localhost (virtual hosts)
            names.append(f"*.{name}")
    names.append(f"*.lambda-url.{region}.localhost")  # function URLs
    names.extend(extra)
    return tuple(dict.fromkeys(_normal(n) for n in names))


def ensure_self_signed(directory: Path, names: tuple[str, ...]) -> CertPair:
    """The pair in `directory`, made now if it is missing or unfit (see the module doc)."""
    directory.mkdir(parents=True, exist_ok=True)
    pair = CertPair(directory / CERT_FILE, directory / KEY_FILE)
    with _locked(directory / ".lock"):
        why = _unfit(pair, names)
        if why is None:
            return pair
        if why != "absent":
            log.warning("making a new self-signed certificate in %s: %s", directory, why)
        _generate(pair, names)
    return pair


def server_context(pair: CertPair) -> ssl.SSLContext:
    """The context the HTTPS listener wraps connections in; TlsError for an unusable pair."""
    _check_pair(pair)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(_TLS12_CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    context.set_alpn_protocols(["http/1.1"])
    try:
        context.load_cert_chain(pair.cert, pair.key)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"cannot use certificate {pair.cert} with key {pair.key}: {exc}") from None
    return context


# -- checking a pair ---------------------------------------------------------------------------


def _check_pair(pair: CertPair) -> None:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    certs_pem = _read(pair.cert, "certificate")
    key_pem = _read(pair.key, "key")
    try:
        cert = x509.load_pem_x509_certificates(certs_pem)[0]
    except ValueError:
        raise TlsError(f"certificate file {pair.cert} holds no PEM certificate") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:
        raise TlsError(
            f"key file {pair.key} is encrypted: give the key without a passphrase"
        ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise TlsError(f"key file {pair.key} holds no usable PEM private key: {exc}") from None
    if _public_bytes(key.public_key()) != _public_bytes(cert.public_key()):
        raise TlsError(f"the key in {pair.key} does not belong to the certificate in {pair.cert}")
    now = datetime.datetime.now(datetime.UTC)
    if cert.not_valid_after_utc <= now:
        log.warning(
            "certificate %s expired on %s: clients will refuse it",
            pair.cert,
            cert.not_valid_after_utc.isoformat(),
        )


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TlsError(f"{what} file {path} does not exist") from None
    except OSError as exc:
        raise TlsError(f"cannot read {what} file {path}: {exc.strerror or exc}") from None


def _public_bytes(key: object) -> bytes:
    from cryptography.hazmat.primitives import serialization

    public_bytes = getattr(key, "public_bytes", None)
    if public_bytes is None:
        return b""
    data: bytes = public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


def _unfit(pair: CertPair, names: tuple[str, ...]) -> str | None:
    """Why the stored pair cannot be reused ("absent" when there is none), None when it can."""
    from cryptography import x509

    if not pair.cert.exists() or not pair.key.exists():
        return "absent"
    try:
        _check_pair(pair)
        cert = x509.load_pem_x509_certificate(pair.cert.read_bytes())
        covered = _covered(cert)
    except (TlsError, ValueError, OSError) as exc:
        return str(exc)
    if cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) < REGENERATE_BEFORE:
        return f"it expires on {cert.not_valid_after_utc.date()}"
    missing = [n for n in names if n not in covered]
    if missing:
        return f"it does not cover {', '.join(missing)}"
    return None


def _covered(cert: Certificate) -> set[str]:
    from cryptography import x509

    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    dns = sans.get_values_for_type(x509.DNSName)
    ips = sans.get_values_for_type(x509.IPAddress)
    return {n.lower() for n in dns} | {str(ip) for ip in ips}


# -- making one --------------------------------------------------------------------------------


def _generate(pair: CertPair, names: tuple[str, ...]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ownstack"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    alt: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address(n)) if _is_ip(n) else x509.DNSName(n) for n in names
    ]
    now = datetime.datetime.now(datetime.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # clocks a little behind
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        # Its own trust anchor: clients are given this very certificate to trust.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # The key first: a crash between the two leaves a pair that fails _unfit, made anew.
    _write_atomically(pair.key, key_pem, 0o600)
    _write_atomically(pair.cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    log.info("made a self-signed certificate %s for %s", pair.cert, ", ".join(names))


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)  # whatever the umask
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Held while a pair is checked or made: workers and `ownstack env` never race."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _normal(name: str) -> str:
    name = name.strip().strip("[]")
    return str(ipaddress.ip_address(name)) if _is_ip(name) else name.lower().rstrip(".")
