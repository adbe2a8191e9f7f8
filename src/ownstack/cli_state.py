"""The record a running server keeps of itself: `<data>/server.json`, read by `ownstack env`,
`ownstack aws` and `ownstack status` to find the server a data dir belongs to and the address
it really listens on.

A server writes the file once it listens (with `--workers N`, the supervisor writes it once for
all its workers) and removes it when it stops cleanly. While the server runs it holds an
exclusive flock on the file, as the sqlite engine holds its database's lock
(backends/sqlite/lock.py): the kernel drops the lock when the process dies, SIGKILL included,
so a reader tells a live server from a file left by a crash by trying the lock, not by
trusting a pid that may have been reused.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ownstack.core.processes import pid_alive

STATE_FILE = "server.json"


def package_version() -> str:
    """The installed distribution's version; the source tree's when running uninstalled."""
    from importlib import metadata  # only when asked: it costs every command's start otherwise

    try:
        return metadata.version("ownstack")
    except metadata.PackageNotFoundError:
        from ownstack import __version__

        return __version__


@dataclass(frozen=True, slots=True)
class ServerState:
    pid: int
    host: str
    """The address bound (0.0.0.0 for all); `endpoint` is where a local client connects."""
    port: int
    endpoint: str
    https_port: int | None
    https_endpoint: str | None
    ca_bundle: str | None
    """The generated certificate clients must trust (None: plain HTTP or the user's own)."""
    region: str
    access_key_id: str
    """The root access key the server accepts (never its secret): a client command that read
    other keys than the server's (set in the server's environment only) says so."""
    started: float
    """Seconds since the epoch."""
    version: str
    workers: int

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ServerState:
        """ValueError for a file that is not a state record (truncated, older, hand-edited)."""
        try:
            doc = json.loads(text)
            return cls(**doc)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a server record: {exc}") from None


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a data dir says about its server."""

    state: ServerState
    live: bool
    """Its lock is held: the server that wrote the file is running."""


class StateRecord:
    """A running server's record: the file and the locked descriptor that keeps it live."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def write(cls, data_dir: Path, state: ServerState) -> StateRecord | None:
        """Write and lock the record; None (nothing written) when a live record is there
        already: another server shares this data dir (shared engines), and it stays the one
        the client commands find."""
        path = data_dir / STATE_FILE
        found = probe(data_dir)
        if found is not None and found.live:
            return None
        tmp = path.with_name(f".{STATE_FILE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            # Locked before it is visible under its name: no reader ever sees it unlocked.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(fd, state.to_json().encode())
            os.replace(tmp, path)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        return cls(path, fd)

    def remove(self) -> None:
        """Remove the file (if it is still ours) and release the lock."""
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        try:
            ours = os.fstat(fd)
            with contextlib.suppress(FileNotFoundError):
                now = os.stat(self.path)
                if (now.st_dev, now.st_ino) == (ours.st_dev, ours.st_ino):
                    self.path.unlink()
        finally:
            os.close(fd)


def probe(data_dir: Path) -> Recorded | None:
    """The data dir's record and whether its server is running; None when there is no record
    (or an unreadable one: nothing can be said about it)."""
    try:
        fd = os.open(data_dir / STATE_FILE, os.O_RDONLY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        with os.fdopen(os.dup(fd), encoding="utf-8") as file:
            text = file.read()
        locked = _locked_by_another(fd)
    finally:
        os.close(fd)
    try:
        state = ServerState.from_json(text)
    except ValueError:
        return None
    return Recorded(state, pid_alive(state.pid) if locked is None else locked)


def _locked_by_another(fd: int) -> bool | None:
    """None when the file system cannot tell (no flock on some network file systems)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


def client_host(host: str) -> str:
    """Where a client on this machine reaches a server bound to `host`."""
    if host in ("0.0.0.0", "", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
