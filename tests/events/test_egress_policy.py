"""The egress policy as pure logic (CIDRs v4/v6, names, wildcard names, precedence, the
link-local default) and `check`, which resolves only literal addresses and `localhost` here
(no test contacts or resolves any other host)."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from ownstack.events.egress import EgressConfigError, EgressDenied, EgressPolicy


def allows(policy: EgressPolicy, host: str, address: str | None = None) -> bool:
    return policy.allows(host, ipaddress.ip_address(address or host))


def test_the_default_denies_link_local_and_allows_the_rest() -> None:
    policy = EgressPolicy.parse(None)
    assert not allows(policy, "169.254.169.254")
    assert not allows(policy, "169.254.0.1")
    assert not allows(policy, "fe80::1")
    assert not allows(policy, "::ffff:169.254.169.254")  # IPv4-mapped: the same host
    assert not allows(policy, "metadata.example", "169.254.169.254")  # judged after DNS
    assert allows(policy, "127.0.0.1")
    assert allows(policy, "10.1.2.3")
    assert allows(policy, "::1")
    assert allows(policy, "hooks.example.com", "203.0.113.7")
    assert policy == EgressPolicy.parse({})


def test_deny_cidrs_v4_and_v6() -> None:
    policy = EgressPolicy.parse({"deny": ["10.0.0.0/8", "fd00::/8", "192.0.2.7"]})
    assert not allows(policy, "10.255.0.1")
    assert allows(policy, "11.0.0.1")
    assert not allows(policy, "fd12:3456::1")
    assert allows(policy, "fe00::1") is True
    assert not allows(policy, "192.0.2.7")
    assert allows(policy, "192.0.2.8")
    assert not allows(policy, "169.254.1.1")  # the built-in deny stays


def test_names_exact_and_wildcard() -> None:
    policy = EgressPolicy.parse({"deny": ["Internal.Example.", "*.corp.example"]})
    assert not allows(policy, "internal.example", "203.0.113.1")
    assert not allows(policy, "INTERNAL.example.", "203.0.113.1")
    assert allows(policy, "api.internal.example", "203.0.113.1")  # exact: no subdomains
    assert not allows(policy, "a.corp.example", "203.0.113.1")
    assert not allows(policy, "a.b.corp.example", "203.0.113.1")
    assert allows(policy, "corp.example", "203.0.113.1")  # *.x matches below x only
    assert allows(policy, "notcorp.example", "203.0.113.1")


def test_an_allow_list_admits_only_what_it_names() -> None:
    policy = EgressPolicy.parse({"allow": ["*.hooks.example", "203.0.113.0/24"]})
    assert allows(policy, "a.hooks.example", "198.51.100.1")
    assert allows(policy, "anything.example", "203.0.113.9")
    assert not allows(policy, "anything.example", "198.51.100.1")
    assert not allows(policy, "a.hooks.example", "169.254.169.254")  # a name never lifts it


def test_deny_wins_over_allow_and_an_allow_cidr_lifts_the_built_in_deny() -> None:
    policy = EgressPolicy.parse(
        {"allow": ["10.0.0.0/8", "169.254.10.0/24", "*.example"], "deny": ["10.9.0.0/16"]}
    )
    assert allows(policy, "10.1.0.1")
    assert not allows(policy, "10.9.0.1")
    assert not allows(
        EgressPolicy.parse({"allow": ["a.example"], "deny": ["a.example"]}), "a.example", "10.0.0.1"
    )
    assert allows(policy, "169.254.10.5")
    assert not allows(policy, "169.254.11.5")


def test_refuses_name_is_what_subscribe_can_tell_without_dns() -> None:
    default = EgressPolicy()
    assert default.refuses_name("169.254.169.254")
    assert default.refuses_name("[fe80::1]")
    assert not default.refuses_name("127.0.0.1")
    assert not default.refuses_name("metadata.example")  # only DNS can tell
    names = EgressPolicy.parse({"deny": ["*.internal"], "allow": ["*.example"]})
    assert names.refuses_name("db.internal")
    assert names.refuses_name("other.test")  # nothing but names may be allowed
    assert not names.refuses_name("a.example")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("deny-all", "egress must be a mapping with 'allow' and/or 'deny' lists"),
        ({"block": []}, "egress must be a mapping with 'allow' and/or 'deny' lists"),
        ({"deny": "10.0.0.0/8"}, "egress.deny must be a list of CIDRs and host names"),
        ({"allow": [1]}, "egress.allow must be a list of CIDRs and host names"),
        ({"deny": ["10.0.0.0/33"]}, "egress.deny: '10.0.0.0/33' is not a valid CIDR"),
        ({"deny": ["fe80::/129"]}, "egress.deny: 'fe80::/129' is not a valid CIDR"),
        (
            {"deny": ["10.0.0.1/8"]},
            "egress.deny: '10.0.0.1/8' is not a valid CIDR (it has host bits set)",
        ),
        ({"deny": ["300.1.1.1"]}, "egress.deny: '300.1.1.1' is not a valid CIDR"),
        (
            {"allow": ["bad host!"]},
            "egress.allow: 'bad host!' is neither a CIDR nor a host name (or *.domain)",
        ),
    ],
)
def test_malformed_settings_are_refused(raw: object, message: str) -> None:
    with pytest.raises(EgressConfigError) as info:
        EgressPolicy.parse(raw)
    assert str(info.value) == message


def test_check_returns_the_allowed_addresses_and_refuses_the_rest() -> None:
    async def scenario() -> None:
        assert await EgressPolicy().check("127.0.0.1", 80) == ["127.0.0.1"]
        assert await EgressPolicy().check("[::1]", 80) == ["::1"]
        with pytest.raises(EgressDenied) as info:
            await EgressPolicy().check("169.254.169.254", 80)
        assert str(info.value) == "the egress policy refuses 169.254.169.254 (resolved to it)"
        local = await EgressPolicy().check("localhost", 80)
        assert local and set(local) <= {"127.0.0.1", "::1"}
        v4_only = EgressPolicy.parse({"deny": ["::1/128"]})
        if "127.0.0.1" in local:
            assert await v4_only.check("localhost", 80) == ["127.0.0.1"]
        refused = EgressPolicy.parse({"deny": ["127.0.0.0/8", "::1/128"]})
        with pytest.raises(EgressDenied) as info:
            await refused.check("LocalHost.", 80)
        assert str(info.value).startswith("the egress policy refuses localhost (resolved to ")

    asyncio.run(scenario())
