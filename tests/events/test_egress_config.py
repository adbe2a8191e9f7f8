"""`egress` in ownstack.yaml: parsed into the policy the services get, ConfigError (naming the
entry) for a malformed one."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from ownstack.config import ConfigError
from ownstack.config.settings import load_config
from ownstack.events.egress import EgressPolicy, Rules


def config_with(tmp_path: Path, yaml_text: str) -> EgressPolicy:
    (tmp_path / "ownstack.yaml").write_text(yaml_text)
    return load_config(data=str(tmp_path), env={}).egress


def test_egress_is_read_from_ownstack_yaml(tmp_path: Path) -> None:
    policy = config_with(
        tmp_path, "egress:\n  allow: ['*.hooks.example', 10.0.0.0/8]\n  deny: ['fd00::/8']\n"
    )
    assert policy == EgressPolicy(
        allow=Rules((ipaddress.ip_network("10.0.0.0/8"),), (".hooks.example",)),
        deny=Rules((ipaddress.ip_network("fd00::/8"),), ()),
    )


def test_no_egress_setting_is_the_default_policy(tmp_path: Path) -> None:
    assert config_with(tmp_path, "region: us-east-1\n") == EgressPolicy()


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "egress: {deny: [10.0.0.0/33]}\n",
            "ownstack.yaml: egress.deny: '10.0.0.0/33' is not a valid CIDR",
        ),
        (
            "egress: {allow: [192.168.1.1/16]}\n",
            "ownstack.yaml: egress.allow: '192.168.1.1/16' is not a valid CIDR (it has host "
            "bits set)",
        ),
        (
            "egress: [10.0.0.0/8]\n",
            "ownstack.yaml: egress must be a mapping with 'allow' and/or 'deny' lists",
        ),
    ],
)
def test_a_malformed_egress_setting_is_a_config_error(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        config_with(tmp_path, yaml_text)
    assert str(info.value) == message
