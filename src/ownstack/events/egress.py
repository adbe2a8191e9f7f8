"""The egress policy: which hosts the server itself may connect to when it delivers outside
(SNS HTTP/S subscriptions today; EventBridge API destinations and webhooks later). Every such
connection asks `check` first and then connects to one of the addresses it returned, never to
the name again: the address checked is the address used, so a name whose DNS answer changes
between check and connect (DNS rebinding) cannot slip through.

ownstack.yaml: `egress: {allow: [...], deny: [...]}`; entries are CIDRs (`10.0.0.0/8`,
`fd00::/8`, a bare address is its /32 or /128) or host names (`hooks.example.com` matches that
host exactly, `*.example.com` any host below example.com). Precedence, strongest first:
1. `deny`: a destination whose host name or resolved address matches is refused;
2. `allow`: when given, only destinations whose name or address matches are allowed; an allow
   CIDR also lifts the built-in deny for the addresses it covers;
3. built-in deny: link-local addresses (169.254.0.0/16, fe80::/10: cloud metadata services);
4. everything else is allowed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

BUILT_IN_DENY: tuple[IpNetwork, ...] = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
)
_NAME = re.compile(r"(\*\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?")
_NUMERIC = re.compile(r"[0-9.]+")


class EgressConfigError(ValueError):
    """A malformed `egress` setting (the config layer reports it as a ConfigError)."""


class EgressDenied(Exception):
    """The policy refuses every address of the destination; the message says which rule."""


@dataclass(frozen=True, slots=True)
class Rules:
    """One list of the policy (allow or deny): networks and host-name patterns."""

    networks: tuple[IpNetwork, ...] = ()
    names: tuple[str, ...] = ()
    """Lowercase; "*.example.com" entries are kept as ".example.com" (a suffix)."""

    @property
    def empty(self) -> bool:
        return not self.networks and not self.names

    def covers_address(self, address: IpAddress) -> bool:
        return any(address in network for network in self.networks)

    def covers_name(self, host: str) -> bool:
        return any(host.endswith(n) if n.startswith(".") else host == n for n in self.names)


@dataclass(frozen=True, slots=True)
class EgressPolicy:
    allow: Rules = Rules()
    deny: Rules = Rules()

    @classmethod
    def parse(cls, raw: object) -> EgressPolicy:
        """The policy of an `egress` setting (None: the defaults); EgressConfigError."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping) or not set(raw) <= {"allow", "deny"}:
            raise EgressConfigError("egress must be a mapping with 'allow' and/or 'deny' lists")
        return cls(_rules(raw.get("allow"), "allow"), _rules(raw.get("deny"), "deny"))

    def refuses_name(self, host: str) -> bool:
        """Whether `host` is refused whatever it resolves to: a denied literal address or a
        denied name (what Subscribe can tell without DNS)."""
        host = normal_host(host)
        address = literal_address(host)
        if address is not None:
            return not self.allows(host, address)
        if self.deny.covers_name(host):
            return True
        if self.allow.empty or self.allow.networks:
            return False  # some address of it may still be allowed: only DNS can tell
        return not self.allow.covers_name(host)

    def allows(self, host: str, address: IpAddress) -> bool:
        """Whether a connection to `address`, reached through the name `host`, is allowed."""
        host, address = normal_host(host), _unmapped(address)
        if self.deny.covers_name(host) or self.deny.covers_address(address):
            return False
        by_network = self.allow.covers_address(address)
        if not by_network and any(address in network for network in BUILT_IN_DENY):
            return False
        return self.allow.empty or by_network or self.allow.covers_name(host)

    async def check(self, host: str, port: int) -> list[str]:
        """The addresses of `host` a connection may go to (in resolver order); connect to one
        of these, not to `host`. Raises EgressDenied when none is allowed, OSError when `host`
        does not resolve."""
        host = normal_host(host)
        resolved = await _resolve(host, port)
        allowed = [a for a in resolved if self.allows(host, ipaddress.ip_address(a))]
        if not allowed:
            shown = ", ".join(resolved) if resolved != [host] else "it"
            raise EgressDenied(f"the egress policy refuses {host} (resolved to {shown})")
        return allowed


def normal_host(host: str) -> str:
    return host.strip("[]").lower().rstrip(".")


def literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _unmapped(address: IpAddress) -> IpAddress:
    """::ffff:169.254.169.254 reaches 169.254.169.254: judged as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


async def _resolve(host: str, port: int) -> list[str]:
    literal = literal_address(host)
    if literal is not None:
        return [str(literal)]
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    addresses: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]  # a zone id names an interface, not a host
        if address not in addresses:
            addresses.append(address)
    return addresses


def _rules(raw: object, which: str) -> Rules:
    if raw is None:
        return Rules()
    if not isinstance(raw, list) or not all(isinstance(e, str) and e for e in raw):
        raise EgressConfigError(f"egress.{which} must be a list of CIDRs and host names")
    networks = [_network(e, which) for e in raw if _looks_numeric(e)]
    names = [_name(e, which) for e in raw if not _looks_numeric(e)]
    return Rules(tuple(networks), tuple(names))


def _looks_numeric(entry: str) -> bool:
    return ":" in entry or "/" in entry or _NUMERIC.fullmatch(entry) is not None


def _network(entry: str, which: str) -> IpNetwork:
    try:
        return ipaddress.ip_network(entry.strip(), strict=True)
    except ValueError as exc:
        why = " (it has host bits set)" if "host bits" in str(exc) else ""
        raise EgressConfigError(f"egress.{which}: {entry!r} is not a valid CIDR{why}") from None


def _name(entry: str, which: str) -> str:
    name = entry.strip().lower().rstrip(".")
    if not _NAME.fullmatch(name):
        raise EgressConfigError(
            f"egress.{which}: {entry!r} is neither a CIDR nor a host name (or *.domain)"
        )
    return name[1:] if name.startswith("*.") else name
