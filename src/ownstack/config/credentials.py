"""The root identity of a data dir: access key, secret key and account id.

Environment (OWNSTACK_ROOT_ACCESS_KEY / OWNSTACK_ROOT_SECRET_KEY / OWNSTACK_ACCOUNT_ID) wins,
then ownstack.yaml's `credentials`, then the values generated on first use and kept in
<data>/credentials.json (mode 0600). The file is created atomically and only if absent (a temp
file hard-linked into place), so a server and an `ownstack account` racing on a new data dir
agree. Client commands (`ownstack env`, `aws`, `status`) read with find_identity, which creates
nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

CREDENTIALS_FILE = "credentials.json"
_ACCESS_KEY_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "/+"
_ACCOUNT_RE = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class Identity:
    access_key: str
    secret_key: str
    account_id: str

    @property
    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"


def generate_identity() -> Identity:
    """AWS-shaped values: AKIA + 16 base32 characters, a 40-character secret, 12 digits."""
    access = "AKIA" + "".join(secrets.choice(_ACCESS_KEY_ALPHABET) for _ in range(16))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    # A leading zero is legal on AWS but trips tools that treat the id as a number.
    account = str(secrets.randbelow(9 * 10**11) + 10**11)
    return Identity(access, secret, account)


def load_identity(
    data_dir: Path,
    overrides: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Identity:
    """The data dir's identity (created on first use) with file/env overrides applied."""
    env = os.environ if env is None else env
    stored = _stored_identity(data_dir)
    overrides = overrides or {}
    identity = Identity(
        access_key=env.get("OWNSTACK_ROOT_ACCESS_KEY")
        or overrides.get("access_key")
        or stored.access_key,
        secret_key=env.get("OWNSTACK_ROOT_SECRET_KEY")
        or overrides.get("secret_key")
        or stored.secret_key,
        account_id=env.get("OWNSTACK_ACCOUNT_ID")
        or overrides.get("account_id")
        or stored.account_id,
    )
    return _checked(identity)


def find_identity(
    data_dir: Path,
    overrides: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Identity | None:
    """The identity load_identity would give, read without creating anything: None when the
    data dir has no credentials file and the overrides do not name all three values (a client
    command must never invent keys that no server has)."""
    env = os.environ if env is None else env
    if (data_dir / CREDENTIALS_FILE).exists():
        return load_identity(data_dir, overrides, env)
    overrides = overrides or {}
    access = env.get("OWNSTACK_ROOT_ACCESS_KEY") or overrides.get("access_key")
    secret = env.get("OWNSTACK_ROOT_SECRET_KEY") or overrides.get("secret_key")
    account = env.get("OWNSTACK_ACCOUNT_ID") or overrides.get("account_id")
    if not (access and secret and account):
        return None
    return _checked(Identity(access, secret, account))


def _checked(identity: Identity) -> Identity:
    if not _ACCOUNT_RE.match(identity.account_id):
        raise ConfigError(f"account id must be 12 digits, got {identity.account_id!r}")
    return identity


def _stored_identity(data_dir: Path) -> Identity:
    path = data_dir / CREDENTIALS_FILE
    if not path.exists():
        # A new data dir is private: it will hold the root secret and every object.
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create_if_absent(path, generate_identity())
    return _read(path)


def _read(path: Path) -> Identity:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Identity(doc["access_key"], doc["secret_key"], doc["account_id"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read credentials from {path}: {exc}") from exc


def _create_if_absent(path: Path, identity: Identity) -> None:
    body = json.dumps(
        {
            "access_key": identity.access_key,
            "secret_key": identity.secret_key,
            "account_id": identity.account_id,
        },
        indent=2,
    ).encode()
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link() fails if the file exists: the first writer wins, nobody overwrites it.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
