"""Who is at the other end of a loopback TCP connection: the host uid owning the client's
socket, from the kernel (sock_diag over netlink, one exact lookup, ~20 us; /proc/net/tcp when
netlink is refused).

Sandboxes share the host's network, so any local process could connect to a sandbox's
Runtime API port; in root mode every sandbox runs as a host uid of its own, and its Runtime API
answers only connections made by that uid.
"""

from __future__ import annotations

import contextlib
import socket
import struct

_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 1
_NLMSG_ERROR = 2
_NO_COOKIE = 0xFFFFFFFF
_HEADER = struct.Struct("=IHHII")
_REQUEST = struct.Struct("=BBBBI2s2s16s16sIII")
_UID_OFFSET = _HEADER.size + 4 + 48 + 12
"""inet_diag_msg: family/state/timer/retrans, the socket id, expires/rqueue/wqueue, then uid."""


class PeerLookup:
    def __init__(self) -> None:
        self._netlink: socket.socket | None = None
        self._seq = 0
        with contextlib.suppress(OSError):
            self._netlink = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG)

    def uid_of(self, client: tuple[str, int], server: tuple[str, int]) -> int | None:
        """The uid owning the client end of the TCP connection client -> server (IPv4), or
        None if no such socket is found."""
        if self._netlink is not None:
            try:
                return self._ask_netlink(client, server)
            except OSError:
                self._close_netlink()
        return _from_proc_net_tcp(client, server)

    def close(self) -> None:
        self._close_netlink()

    def _ask_netlink(self, client: tuple[str, int], server: tuple[str, int]) -> int | None:
        assert self._netlink is not None
        self._seq += 1
        request = _REQUEST.pack(
            socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF,
            struct.pack("!H", client[1]), struct.pack("!H", server[1]),
            socket.inet_aton(client[0]).ljust(16, b"\0"),
            socket.inet_aton(server[0]).ljust(16, b"\0"),
            0, _NO_COOKIE, _NO_COOKIE,
        )  # fmt: skip
        header = _HEADER.pack(
            _HEADER.size + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, self._seq, 0
        )
        self._netlink.send(header + request)
        reply = self._netlink.recv(8192)
        _, kind, _, _, _ = _HEADER.unpack_from(reply)
        if kind == _NLMSG_ERROR or len(reply) < _UID_OFFSET + 4:
            return None
        uid: int = struct.unpack_from("=I", reply, _UID_OFFSET)[0]
        return uid

    def _close_netlink(self) -> None:
        if self._netlink is not None:
            self._netlink.close()
            self._netlink = None


def _from_proc_net_tcp(client: tuple[str, int], server: tuple[str, int]) -> int | None:
    local = f"{_proc_address(client[0])}:{client[1]:04X}"
    remote = f"{_proc_address(server[0])}:{server[1]:04X}"
    try:
        with open("/proc/net/tcp", encoding="ascii") as table:
            for line in table:
                fields = line.split()
                if len(fields) > 7 and fields[1] == local and fields[2] == remote:
                    return int(fields[7])
    except (OSError, ValueError):
        return None
    return None


def _proc_address(ip: str) -> str:
    # /proc/net/tcp prints the address as the host-order integer of its network-order bytes.
    return f"{struct.unpack('=I', socket.inet_aton(ip))[0]:08X}"
