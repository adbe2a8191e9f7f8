"""The session sealer directly (pure logic over a memory meta store and a manual clock):
sealing, every refusal and its CredentialError code, the shared key, key ids in ASIA keys."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from ownstack.backends.memory.meta import MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import ASSUMED_ROLE, Principal, Session
from ownstack.identity.model import CredentialError
from ownstack.identity.sessions import (
    KEYS_NS,
    SessionSealer,
    access_key_id,
    account_of_access_key,
)

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app/deployer"


def opened(meta: MemoryMeta, clock: ManualClock) -> SessionSealer:
    sealer = SessionSealer(meta, clock)
    asyncio.run(sealer.open())
    return sealer


def role_session(clock: ManualClock, seconds: float = 900) -> Principal:
    session = Session(
        expires=clock.now() + seconds,
        issued=clock.now(),
        policy='{"Version":"2012-10-17","Statement":[]}',
        policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
        tags={"team": "blue", "cost": "42"},
        transitive_tag_keys=("team",),
        source_identity="alice",
        chained=True,
        token_kind="AssumeRole",
    )
    return Principal(
        account_id=ACCOUNT,
        arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/build-7",
        user_id="AROAEXAMPLEID0000001:build-7",
        access_key="",
        kind=ASSUMED_ROLE,
        name="build-7",
        source_arn=ROLE_ARN,
        session=session,
    )


def expect_error(code: str, sealer: SessionSealer, key: str, token: str | None) -> str:
    with pytest.raises(CredentialError) as info:
        sealer.credential(key, token)
    assert info.value.code == code
    return info.value.message


def test_issue_then_verify_round_trips_the_whole_principal() -> None:
    clock = ManualClock()
    sealer = opened(MemoryMeta(), clock)
    principal = role_session(clock)
    cred = sealer.issue(principal)
    assert cred.access_key_id.startswith("ASIA") and len(cred.access_key_id) == 20
    assert set(cred.access_key_id[4:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert len(cred.secret_access_key) == 40
    assert cred.expiration == principal.session.expires  # type: ignore[union-attr]
    grant = sealer.credential(cred.access_key_id, cred.session_token)
    assert grant is not None
    assert grant.secret == cred.secret_access_key
    assert grant.principal == Principal(
        account_id=principal.account_id,
        arn=principal.arn,
        user_id=principal.user_id,
        access_key=cred.access_key_id,
        kind=principal.kind,
        name=principal.name,
        source_arn=principal.source_arn,
        session=principal.session,
    )


def test_a_second_process_sharing_the_meta_store_verifies_the_token() -> None:
    meta, clock = MemoryMeta(), ManualClock()
    first, second = opened(meta, clock), opened(meta, clock)
    cred = first.issue(role_session(clock))
    grant = second.credential(cred.access_key_id, cred.session_token)
    assert grant is not None and grant.secret == cred.secret_access_key
    assert len(asyncio.run(meta.scan(KEYS_NS))) == 1


def test_another_meta_store_means_another_key_and_a_malformed_token() -> None:
    clock = ManualClock()
    cred = opened(MemoryMeta(), clock).issue(role_session(clock))
    other = opened(MemoryMeta(), clock)
    message = expect_error("InvalidToken", other, cred.access_key_id, cred.session_token)
    assert message == "The provided token is malformed or otherwise invalid."


def test_missing_token_for_a_temporary_key_is_an_invalid_client_token_id() -> None:
    clock = ManualClock()
    sealer = opened(MemoryMeta(), clock)
    cred = sealer.issue(role_session(clock))
    message = expect_error("InvalidClientTokenId", sealer, cred.access_key_id, None)
    assert message == "The security token included in the request is invalid."
    expect_error("InvalidClientTokenId", sealer, cred.access_key_id, "")


@pytest.mark.parametrize("position", [0, 3, 10, 30, -5, -1])
def test_any_changed_byte_makes_the_token_invalid(position: int) -> None:
    clock = ManualClock()
    sealer = opened(MemoryMeta(), clock)
    cred = sealer.issue(role_session(clock))
    raw = bytearray(base64.urlsafe_b64decode(cred.session_token + "=" * 3))
    raw[position] ^= 0x01
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    expect_error("InvalidToken", sealer, cred.access_key_id, tampered)


@pytest.mark.parametrize("token", ["x", "not base64 !!", "S1", "A" * 400])
def test_undecodable_tokens_are_malformed(token: str) -> None:
    sealer = opened(MemoryMeta(), ManualClock())
    expect_error("InvalidToken", sealer, "ASIAAAAAAAAAAAAAAAAA", token)


def test_a_token_presented_with_another_key_id_is_refused() -> None:
    clock = ManualClock()
    sealer = opened(MemoryMeta(), clock)
    one = sealer.issue(role_session(clock))
    two = sealer.issue(role_session(clock))
    expect_error("InvalidClientTokenId", sealer, two.access_key_id, one.session_token)


def test_expiry_is_exact() -> None:
    clock = ManualClock()
    sealer = opened(MemoryMeta(), clock)
    cred = sealer.issue(role_session(clock, seconds=900))
    clock.advance(899.999)
    assert sealer.credential(cred.access_key_id, cred.session_token) is not None
    clock.advance(0.001)
    message = expect_error("ExpiredToken", sealer, cred.access_key_id, cred.session_token)
    assert message == "The security token included in the request is expired"


def test_a_session_token_is_not_an_authorization_message_and_back() -> None:
    clock = ManualClock()
    sealer = opened(MemoryMeta(), clock)
    cred = sealer.issue(role_session(clock))
    assert sealer.decode_authorization_message(cred.session_token) is None
    document = {"allowed": False, "explicitDeny": False, "context": {"action": "s3:GetObject"}}
    encoded = sealer.encode_authorization_message(document)
    assert json.loads(sealer.decode_authorization_message(encoded) or "") == document
    expect_error("InvalidToken", sealer, cred.access_key_id, encoded)


def test_issuing_needs_a_session() -> None:
    clock = ManualClock()
    sealer = opened(MemoryMeta(), clock)
    bare = Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIA")
    with pytest.raises(ValueError):
        sealer.issue(bare)


@pytest.mark.parametrize("account", ["123456789012", "000000000001", "999999999999"])
def test_key_ids_encode_their_account_as_aws_key_ids_do(account: str) -> None:
    for prefix in ("AKIA", "ASIA"):
        key = access_key_id(prefix, account)
        assert key.startswith(prefix) and len(key) == 20
        assert account_of_access_key(key) == account


def test_aws_documented_key_decodes_to_its_account() -> None:
    # The example key of AWS's GetAccessKeyInfo research: ASIAY34FZKBOKMUTVV7A -> 609629065308.
    assert account_of_access_key("ASIAY34FZKBOKMUTVV7A") == "609629065308"
    assert account_of_access_key("AKIA-short") is None
