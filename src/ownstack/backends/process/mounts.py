"""The filesystem a sandbox sees, as bwrap arguments: the host's /usr (and the /lib*, /bin
links into it) and a few files of /etc read-only, a fresh /proc and /dev, a private /tmp, the
code at /var/task, the layers at /opt. Nothing else of the host: not ownstack's data dir, not
/root, /home, /work, not another sandbox's /tmp."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

ROOT_ENTRIES = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
"""Top-level directories that are links into /usr on a merged-/usr host (else bound)."""
ETC_ENTRIES = (
    "resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf", "services", "protocols",
    "ld.so.conf", "ld.so.conf.d", "ld.so.cache", "alternatives", "ssl", "ca-certificates",
    "pki", "crypto-policies", "mime.types",
)  # fmt: skip
"""Name resolution, TLS trust, the dynamic loader's configuration: what code in a Lambda
execution environment expects of /etc. passwd and group are written for each sandbox."""


@dataclass(frozen=True, slots=True)
class View:
    code_dir: Path
    opt_dir: Path | None
    tmp_bytes: int
    binds: tuple[tuple[Path, str], ...]
    passwd_fd: int
    group_fd: int


@functools.cache
def host_system_args() -> tuple[str, ...]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ROOT_ENTRIES:
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{name}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{name}"]
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in ETC_ENTRIES:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return tuple(args)


def view_args(view: View) -> list[str]:
    args = [
        *host_system_args(),
        "--perms", "0644", "--ro-bind-data", str(view.passwd_fd), "/etc/passwd",
        "--perms", "0644", "--ro-bind-data", str(view.group_fd), "/etc/group",
        "--proc", "/proc",
        "--dev", "/dev",
        "--perms", "1777", "--size", str(view.tmp_bytes), "--tmpfs", "/tmp",  # noqa: S108 (the sandbox's own)
        "--perms", "0755", "--dir", "/var",
        "--ro-bind", str(view.code_dir), "/var/task",
        "--perms", "0755", "--dir", "/var/runtime",
    ]  # fmt: skip
    if view.opt_dir is None:
        args += ["--perms", "0755", "--dir", "/opt"]
    else:
        args += ["--ro-bind", str(view.opt_dir), "/opt"]
    for host, inside in view.binds:
        args += ["--ro-bind", str(host), inside]
    return args


def passwd_text(uid: int, gid: int) -> bytes:
    """The accounts the function sees: itself as Lambda's sbx_user1051."""
    return (
        "root:x:0:0:root:/root:/sbin/nologin\n"
        f"sbx_user1051:x:{uid}:{gid}::/home/sbx_user1051:/sbin/nologin\n"
        "nobody:x:65534:65534:nobody:/:/sbin/nologin\n"
    ).encode()


def group_text(gid: int) -> bytes:
    return f"root:x:0:\nsbx_user1051:x:{gid}:\nnobody:x:65534:\n".encode()
