"""What the S3 access-control tests share (test_acl, test_ownership, test_public_access_block):
a module's server holding three accounts, a client per account and an unsigned one, buckets
with ACLs enabled, raw signed requests for documents boto3 will not send, and error details."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import botocore
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from accountskit import (
    ALT_ACCESS_KEY,
    ALT_SECRET_KEY,
    THIRD_ACCESS_KEY,
    THIRD_SECRET_KEY,
    server_with_accounts,
)

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
EC2_READER = "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c"


@dataclass
class Actors:
    """The module's server and a client for each kind of caller."""

    server: Any
    owner: Any
    alt: Any
    third: Any
    anonymous: Any
    owner_id: str
    alt_id: str
    third_id: str


def actors_of(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any], label: str
) -> Iterator[Actors]:
    """For a module-scoped fixture to `yield from`."""
    for server in server_with_accounts(tmp_path_factory, launch_server, label):
        owner = server.client("s3")
        alt = server.client(
            "s3", aws_access_key_id=ALT_ACCESS_KEY, aws_secret_access_key=ALT_SECRET_KEY
        )
        third = server.client(
            "s3", aws_access_key_id=THIRD_ACCESS_KEY, aws_secret_access_key=THIRD_SECRET_KEY
        )
        anonymous = server.client("s3", config=Config(signature_version=botocore.UNSIGNED))
        yield Actors(
            server,
            owner,
            alt,
            third,
            anonymous,
            # Each account's canonical user id, as S3 shows it (ListBuckets' Owner).
            owner.list_buckets()["Owner"]["ID"],
            alt.list_buckets()["Owner"]["ID"],
            third.list_buckets()["Owner"]["ID"],
        )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def acls_enabled_bucket(s3: Any, ownership: str = "ObjectWriter", *, block: bool = False) -> str:
    """A new bucket with ACLs enabled and (unless `block`) no Block Public Access."""
    name = unique("acl")
    s3.create_bucket(Bucket=name, ObjectOwnership=ownership)
    if not block:
        s3.delete_public_access_block(Bucket=name)
    return name


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response
    message = err["Error"].get("Message") or ""  # boto3 reads <Message></Message> as None
    return err["Error"]["Code"], message, err["ResponseMetadata"]["HTTPStatusCode"]


def fails(call: Callable[[], Any]) -> ClientError:
    with pytest.raises(ClientError) as exc:
        call()
    return exc.value


def code(err: ClientError) -> tuple[str, int]:
    return err.response["Error"]["Code"], err.response["ResponseMetadata"]["HTTPStatusCode"]


def grants(answer: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Grants of a Get*Acl answer as (type, id or uri, permission)."""
    found = set()
    for grant in answer["Grants"]:
        grantee = grant["Grantee"]
        who = grantee.get("ID") or grantee.get("URI")
        found.add((grantee["Type"], who, grant["Permission"]))
    return found


def user(canonical: str, permission: str) -> tuple[str, str, str]:
    return ("CanonicalUser", canonical, permission)


def group(uri: str, permission: str) -> tuple[str, str, str]:
    return ("Group", uri, permission)


def public_read_policy(bucket: str, **extra: Any) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        **extra,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def signed(
    server: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """A request signed as the server's default account, sent as it is (Content-MD5 set)."""
    sent = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(), **(headers or {})}
    req = AWSRequest(method, server.endpoint + path, data=body, headers=sent)
    creds = Credentials(server.access_key, server.secret_key)
    S3SigV4Auth(creds, "s3", server.region).add_auth(req)
    prepared = req.prepare()
    request = urllib.request.Request(
        prepared.url, data=body or None, headers=dict(prepared.headers), method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def unsigned(url: str, method: str = "GET") -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
