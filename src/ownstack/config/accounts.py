"""ownstack.yaml's `accounts`: accounts with fixed root keys, so a test set-up (a main, an
alternate and a third account) is reproducible:

    accounts:
      - {name: alt, id: "222222222222", root_access_key: AKIA..., root_secret_key: "..."}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ConfigError

_ID_RE = re.compile(r"^\d{12}$")
_NAME_RE = re.compile(r"^[\w.+=,@-]{1,50}$")
# AWS's key ids are 16-128 word characters; ASIA... is for temporary (STS) keys only.
_KEY_RE = re.compile(r"^[A-Z0-9]{16,128}$")
_FIELDS = ("name", "id", "root_access_key", "root_secret_key")
RESERVED_NAME = "default"


@dataclass(frozen=True, slots=True)
class AccountSpec:
    name: str
    id: str
    root_access_key: str
    root_secret_key: str


def parse_accounts(value: object) -> tuple[AccountSpec, ...]:
    """The declared accounts, validated: 12-digit ids, AWS-shaped keys, and every name, id and
    access key unique. Raises ConfigError naming the culprit."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError("ownstack.yaml: accounts must be a list of accounts")
    specs = tuple(_spec(i, raw) for i, raw in enumerate(value))
    for attr in ("name", "id", "root_access_key"):
        seen: set[str] = set()
        for spec in specs:
            field_value = getattr(spec, attr)
            if field_value in seen:
                raise ConfigError(f"ownstack.yaml: accounts: duplicate {attr} {field_value!r}")
            seen.add(field_value)
    return specs


def _spec(index: int, raw: object) -> AccountSpec:
    where = f"ownstack.yaml: accounts[{index}]"
    if not isinstance(raw, dict) or set(raw) != set(_FIELDS):
        raise ConfigError(f"{where} must set exactly {', '.join(_FIELDS)}")
    values = {k: raw[k] for k in _FIELDS}
    if not all(isinstance(v, str) and v for v in values.values()):
        # An unquoted id is read as an int by YAML (and loses leading zeros): ask for a string.
        raise ConfigError(f"{where}: every field must be a non-empty string (quote the id)")
    spec = AccountSpec(**values)
    if not _NAME_RE.match(spec.name) or spec.name == RESERVED_NAME:
        raise ConfigError(f"{where}: invalid account name {spec.name!r}")
    if not _ID_RE.match(spec.id):
        raise ConfigError(f"{where}: account id must be 12 digits, got {spec.id!r}")
    if not _KEY_RE.match(spec.root_access_key) or spec.root_access_key.startswith("ASIA"):
        raise ConfigError(
            f"{where}: root_access_key must be 16 to 128 upper-case letters or digits"
            " (not ASIA..., which is for temporary keys)"
        )
    return spec


def check_against_default(specs: tuple[AccountSpec, ...], account_id: str, access_key: str) -> None:
    """The declared accounts may not reuse the default account's id or root key."""
    for spec in specs:
        if spec.id == account_id:
            raise ConfigError(
                f"ownstack.yaml: accounts: {spec.name!r} has the default account's id {spec.id}"
            )
        if spec.root_access_key == access_key:
            raise ConfigError(
                f"ownstack.yaml: accounts: {spec.name!r} has the default account's access key"
            )


if TYPE_CHECKING:
    from ownstack.identity.model import Account

    from .credentials import Identity


def declared_accounts(identity: Identity, specs: tuple[AccountSpec, ...]) -> list[Account]:
    """The default account (the root credentials) then ownstack.yaml's accounts."""
    from ownstack.identity.model import Account  # lazily: `ownstack env` stays light

    check_against_default(specs, identity.account_id, identity.access_key)
    default = Account(RESERVED_NAME, identity.account_id, identity.access_key, identity.secret_key)
    declared = [Account(s.name, s.id, s.root_access_key, s.root_secret_key) for s in specs]
    return [default, *declared]
