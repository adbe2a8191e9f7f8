"""STS through a real server: GetCallerIdentity for each kind of principal, GetSessionToken,
GetFederationToken, GetAccessKeyInfo, DecodeAuthorizationMessage, and how a temporary
credential's token is checked on later requests (query and S3 protocols, presigned URLs)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from stskit import (
    ALT_ACCESS_KEY,
    ALT_ACCOUNT,
    ALT_SECRET_KEY,
    aws_cli,
    client,
    error_of,
    keys,
    unique,
    unvalidated,
)

ROOT_ARN = "arn:aws:iam::{}:root"


def expires_in(creds: dict[str, Any]) -> float:
    expiration: datetime = creds["Expiration"]
    return expiration.timestamp() - time.time()


def test_caller_identity_of_the_default_root(sts_server: Any, sts: Any) -> None:
    found = sts.get_caller_identity()
    account = sts_server.account_id
    assert (found["UserId"], found["Account"], found["Arn"]) == (
        account,
        account,
        ROOT_ARN.format(account),
    )


def test_caller_identity_of_a_declared_account_root(sts_server: Any) -> None:
    alt = client(sts_server, "sts", keys(ALT_ACCESS_KEY, ALT_SECRET_KEY))
    found = alt.get_caller_identity()
    assert (found["UserId"], found["Account"], found["Arn"]) == (
        ALT_ACCOUNT,
        ALT_ACCOUNT,
        ROOT_ARN.format(ALT_ACCOUNT),
    )


def test_session_token_of_root_is_cut_to_one_hour_and_acts_as_root(
    sts_server: Any, sts: Any
) -> None:
    creds = sts.get_session_token(DurationSeconds=7200)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert 3590 < expires_in(creds) <= 3601
    found = client(sts_server, "sts", creds).get_caller_identity()
    account = sts_server.account_id
    assert (found["UserId"], found["Account"], found["Arn"]) == (
        account,
        account,
        ROOT_ARN.format(account),
    )


def test_session_token_default_and_bounds(sts: Any) -> None:
    alt_default = sts.get_session_token()["Credentials"]  # root: 43200 is cut to 3600
    assert 3590 < expires_in(alt_default) <= 3601
    with pytest.raises(ClientError) as info:
        sts.get_session_token(DurationSeconds=129601)
    assert error_of(info) == (
        "ValidationError",
        "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy"
        " constraint: Member must have value less than or equal to 129600",
    )


def test_get_session_token_refuses_session_credentials(sts_server: Any, sts: Any) -> None:
    creds = sts.get_session_token()["Credentials"]
    with pytest.raises(ClientError) as info:
        client(sts_server, "sts", creds).get_session_token()
    assert error_of(info) == (
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_federation_token_identity(sts_server: Any, sts: Any) -> None:
    answer = sts.get_federation_token(Name="bob", DurationSeconds=900)
    account = sts_server.account_id
    assert answer["FederatedUser"] == {
        "FederatedUserId": f"{account}:bob",
        "Arn": f"arn:aws:sts::{account}:federated-user/bob",
    }
    assert "PackedPolicySize" not in answer
    assert 890 < expires_in(answer["Credentials"]) <= 901
    found = client(sts_server, "sts", answer["Credentials"]).get_caller_identity()
    assert (found["UserId"], found["Account"], found["Arn"]) == (
        f"{account}:bob",
        account,
        f"arn:aws:sts::{account}:federated-user/bob",
    )


def test_federation_token_name_is_validated(sts_server: Any) -> None:
    sts = unvalidated(sts_server, "sts")
    with pytest.raises(ClientError) as info:
        sts.get_federation_token(Name="b")
    assert error_of(info) == (
        "ValidationError",
        "1 validation error detected: Value 'b' at 'name' failed to satisfy constraint:"
        " Member must have length greater than or equal to 2",
    )
    with pytest.raises(ClientError) as info:
        sts.get_federation_token(Name="has space")
    assert error_of(info) == (
        "ValidationError",
        "1 validation error detected: Value 'has space' at 'name' failed to satisfy"
        " constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    )


def test_federation_token_refuses_session_credentials(sts_server: Any, sts: Any) -> None:
    creds = sts.get_session_token()["Credentials"]
    with pytest.raises(ClientError) as info:
        client(sts_server, "sts", creds).get_federation_token(Name="carol")
    assert error_of(info) == (
        "AccessDenied",
        "Cannot call GetFederationToken with session credentials",
    )


def tampered(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


def test_a_tampered_token_is_refused_in_each_protocol(sts_server: Any, sts: Any) -> None:
    creds = dict(sts.get_session_token()["Credentials"])
    creds["SessionToken"] = tampered(creds["SessionToken"])
    with pytest.raises(ClientError) as info:
        client(sts_server, "sts", creds).get_caller_identity()
    assert error_of(info) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as info:
        client(sts_server, "s3", creds).list_buckets()
    assert error_of(info) == (
        "InvalidToken",
        "The provided token is malformed or otherwise invalid.",
    )


def test_a_temporary_key_without_its_token_is_refused(sts_server: Any, sts: Any) -> None:
    creds = sts.get_session_token()["Credentials"]
    bare = keys(creds["AccessKeyId"], creds["SecretAccessKey"])
    with pytest.raises(ClientError) as info:
        client(sts_server, "sts", bare).get_caller_identity()
    assert error_of(info)[0] == "InvalidClientTokenId"


def test_a_token_presented_with_another_key_is_refused(sts_server: Any, sts: Any) -> None:
    one = sts.get_session_token()["Credentials"]
    two = dict(sts.get_session_token()["Credentials"])
    two["SessionToken"] = one["SessionToken"]
    with pytest.raises(ClientError) as info:
        client(sts_server, "sts", two).get_caller_identity()
    assert error_of(info)[0] == "InvalidClientTokenId"


@pytest.mark.parametrize("signature", ["s3v4", "s3"])
def test_presigned_url_carries_the_security_token(
    sts_server: Any, sts: Any, signature: str
) -> None:
    s3 = sts_server.client("s3")
    bucket = unique("sts-presign")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"sealed")
    creds = sts.get_session_token()["Credentials"]
    temp = sts_server.client(
        "s3",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        config=Config(signature_version=signature),
    )
    url = temp.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    assert ("X-Amz-Security-Token=" if signature == "s3v4" else "x-amz-security-token=") in url
    with urllib.request.urlopen(url, timeout=5) as resp:
        assert resp.status == 200 and resp.read() == b"sealed"
    token = creds["SessionToken"]
    broken = url.replace(token[:40], tampered(token[:40]), 1)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(broken, timeout=5)
    assert info.value.code == 400
    assert b"<Code>InvalidToken</Code>" in info.value.read()


def test_access_key_info(sts_server: Any, sts: Any) -> None:
    assert sts.get_access_key_info(AccessKeyId=sts_server.access_key)["Account"] == (
        sts_server.account_id
    )
    assert sts.get_access_key_info(AccessKeyId=ALT_ACCESS_KEY)["Account"] == ALT_ACCOUNT
    creds = sts.get_session_token()["Credentials"]
    found = sts.get_access_key_info(AccessKeyId=creds["AccessKeyId"])
    assert found["Account"] == sts_server.account_id
    # A key this server never issued: the account its id encodes, as AWS answers.
    assert sts.get_access_key_info(AccessKeyId="ASIAY34FZKBOKMUTVV7A")["Account"] == (
        "609629065308"
    )


def test_decode_authorization_message_refuses_what_it_did_not_encode(sts: Any) -> None:
    with pytest.raises(ClientError) as info:
        sts.decode_authorization_message(EncodedMessage="not-a-message")
    assert error_of(info) == (
        "InvalidAuthorizationMessageException",
        "Invalid Authorization Message",
    )


@pytest.mark.clients
def test_aws_cli_uses_session_credentials(sts_server: Any, sts: Any, tmp_path: Path) -> None:
    creds = sts.get_federation_token(Name="cli-user")["Credentials"]
    out = json.loads(aws_cli(sts_server, tmp_path / "aws", creds, "sts", "get-caller-identity"))
    account = sts_server.account_id
    assert out == {
        "UserId": f"{account}:cli-user",
        "Account": account,
        "Arn": f"arn:aws:sts::{account}:federated-user/cli-user",
    }


def test_an_expired_token_gets_expired_token(fresh_server: Any, tmp_path: Path) -> None:
    """A token sealed (with the data dir's own key) to expire in the past, while the server is
    stopped; the restarted server must answer ExpiredToken in each protocol."""
    data = tmp_path / "expiry"
    first = fresh_server(data)
    first.stop()
    creds = asyncio.run(_seal_expired(data, first.account_id))
    handle = fresh_server(data)
    with pytest.raises(ClientError) as info:
        client(handle, "sts", creds).get_caller_identity()
    assert error_of(info) == (
        "ExpiredToken",
        "The security token included in the request is expired",
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as info:
        client(handle, "s3", creds).list_buckets()
    assert error_of(info) == ("ExpiredToken", "The provided token has expired.")


async def _seal_expired(data: Path, account: str) -> dict[str, str]:
    from ownstack.config.engines import engine_for_port
    from ownstack.core.clock import SystemClock
    from ownstack.core.context import ROOT, Principal, Session
    from ownstack.identity.sessions import SessionSealer
    from ownstack.ports.engine import EngineContext

    clock = SystemClock()
    context = EngineContext(data_dir=data, options={}, clock=clock)
    meta = engine_for_port("sqlite", "meta").factories["meta"](context)
    opener = getattr(meta, "open", None)
    if opener is not None:
        result = opener()
        if asyncio.iscoroutine(result):
            await result
    try:
        sealer = SessionSealer(meta, clock)
        await sealer.open()
        now = datetime.now(UTC).timestamp()
        session = Session(expires=now - 60, issued=now - 960, token_kind="GetSessionToken")
        root_arn = f"arn:aws:iam::{account}:root"
        principal = Principal(account, root_arn, account, "", ROOT, session=session)
        cred = sealer.issue(principal)
    finally:
        await meta.close()
    return {
        "AccessKeyId": cred.access_key_id,
        "SecretAccessKey": cred.secret_access_key,
        "SessionToken": cred.session_token,
    }
