"""The signing key and envelope signatures, called directly (the certificate is not served
over HTTP until the gateway routes it): each document verifies with the stored certificate
over the canonical string AWS documents, built here independently."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ownstack.backends.memory import MemoryMeta
from ownstack.services.sns.envelope import CONFIRMATION_FIELDS, NOTIFICATION_FIELDS, sign_document
from ownstack.services.sns.signing import Signer


def _verify(doc: dict[str, Any], names: list[str], cert_pem: bytes) -> None:
    canonical = "".join(f"{k}\n{doc[k]}\n" for k in names if k in doc)
    key = x509.load_pem_x509_certificate(cert_pem).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    algorithm = hashes.SHA1() if doc["SignatureVersion"] == "1" else hashes.SHA256()
    key.verify(
        base64.b64decode(doc["Signature"]), canonical.encode(), padding.PKCS1v15(), algorithm
    )


def test_notification_and_confirmation_signatures_verify() -> None:
    async def scenario() -> None:
        meta = MemoryMeta()
        signer = Signer(meta)
        note = {
            "Type": "Notification",
            "MessageId": "m-1",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
            "Subject": "s",
            "Message": "body\nwith lines",
            "Timestamp": "2026-01-01T00:00:00.000Z",
        }
        await sign_document(note, NOTIFICATION_FIELDS, signer, "1", "http://h:1")
        name = note["SigningCertURL"].rsplit("/", 1)[1]
        assert note["SigningCertURL"] == f"http://h:1/_ownstack/sns/{name}"
        cert = await signer.cert_pem(name)
        assert cert is not None and await signer.cert_pem("other.pem") is None
        _verify(
            note, sorted(["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]), cert
        )
        confirm = {
            "Type": "SubscriptionConfirmation",
            "MessageId": "m-2",
            "Token": "abc",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
            "Message": "confirm",
            "SubscribeURL": "http://h:1/?Action=ConfirmSubscription",
            "Timestamp": "2026-01-01T00:00:00.000Z",
        }
        await sign_document(confirm, CONFIRMATION_FIELDS, signer, "2", "http://h:1")
        _verify(
            confirm,
            sorted(confirm.keys() - {"SignatureVersion", "Signature", "SigningCertURL"}),
            cert,
        )
        # A second signer over the same store (another process, a restart) uses the same key.
        again = Signer(meta)
        assert await again.cert_name() == name

    asyncio.run(scenario())
