"""Can this host isolate a function? Found out once, by starting a real (empty) sandbox with
the very flags every sandbox gets: a missing or too old bwrap, a kernel without the namespaces,
a container that forbids them all end up as one sentence for the user."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .command import (
    Identity,
    Rlimits,
    Tools,
    bwrap_options,
    memfd_with,
    nul_separated,
    sandbox_command,
    wrapper_argv,
)
from .mounts import View, group_text, passwd_text

PROBE_TIMEOUT_S = 15.0
NEEDED_FLAGS = ("--args", "--size", "--perms", "--ro-bind-data", "--die-with-parent")
INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: apt install bubblewrap; Fedora: dnf install bubblewrap)"
)


def find_tools(bwrap_name: str, setpriv_name: str, as_root: bool) -> Tools | str:
    bwrap = shutil.which(bwrap_name)
    if bwrap is None:
        return (
            f"bubblewrap ({bwrap_name}) is not installed: the process engine runs no function "
            f"without isolating it; {INSTALL_HINT}"
        )
    usage = _run([bwrap, "--help"]).stdout
    missing = [flag for flag in NEEDED_FLAGS if flag not in usage]
    if missing:
        return (
            f"{bwrap} is too old (it lacks {', '.join(missing)}): bubblewrap 0.5 or later is needed"
        )
    setpriv = shutil.which(setpriv_name) or ""
    if as_root and not setpriv.startswith("/usr/"):
        return (
            "util-linux's setpriv is not installed under /usr: running as root, the process engine "
            "needs it to start functions as an unprivileged user"
        )
    return Tools(bwrap=bwrap, setpriv=setpriv, disable_userns="--disable-userns" in usage)


def try_sandbox(tools: Tools, identity: Identity) -> str | None:
    """None when an empty sandbox starts and exits cleanly, else why it does not."""
    with tempfile.TemporaryDirectory(prefix="ownstack-probe-") as code:
        os.chmod(code, 0o755)  # noqa: S103 (the sandbox user reads it as /var/task)
        passwd = memfd_with("passwd", passwd_text(identity.uid, identity.gid))
        group = memfd_with("group", group_text(identity.gid))
        view = View(Path(code), None, 1024 * 1024, (), passwd, group)
        args = memfd_with("args", nul_separated(bwrap_options(identity, tools, {}, view)))
        limits = Rlimits(cpu_seconds=60, file_bytes=1024 * 1024, open_files=64)
        command = sandbox_command(identity, tools, ("/bin/sh", "-c", "exit 0"))
        argv = wrapper_argv((), limits, tools, args, command)
        try:
            done = _run(argv, pass_fds=(args, passwd, group))
        finally:
            for fd in (args, passwd, group):
                os.close(fd)
    if done.returncode == 0:
        return None
    detail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
    return f"bubblewrap cannot create a sandbox on this host: {detail[0]}"


def _run(argv: list[str], pass_fds: tuple[int, ...] = ()) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            pass_fds=pass_fds,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(argv, 1, "", str(exc))
