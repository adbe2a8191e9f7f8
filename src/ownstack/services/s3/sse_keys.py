"""SSE-S3's key-encryption keys (KEKs): the keys that wrap every object's data key.

Where they live: one file in the data dir (`<data>/keys/s3-sse.kek`, made by `open_file`), not
in the meta port beside the records it protects. Inline object bytes are kept in the metadata
records themselves, so a KEK stored there too (as ports/sealing_keys.py does for STS tokens and
SQS bodies, whose threat model is different) would sit in the same file as the ciphertext it
opens: a copy of the meta database alone would reveal every object. A separate file can be left
out of backups, kept on another volume, or held by another user.

The file: created once (a temp file written with mode 0600, fsynced, then hard-linked into place,
so concurrent `serve --workers` processes agree on the first one linked and nobody ever reads a
half-written file), never rewritten. Lines after the header are `<id> <base64 key>`; the greatest
id is the one new objects are wrapped with (room for rotation: append a greater id, keep the old
ones for the objects they wrapped). A file readable by group or others is refused, as ssh refuses
a private key with loose permissions. Processes on several hosts sharing one meta store and blob
store must share this file (copy it before they start).

Without `open_file` (tests driving the service directly over memory stores) the ring makes an
in-memory key on first use: such stores do not outlive the process either.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE = Path("keys") / "s3-sse.kek"
"""The key file, relative to the data dir."""
_HEADER = "ownstack-s3-sse-kek v1"
_FIRST_ID = "0001"
_NONCE = 12
_MAX_CACHED = 4096


class KeyFileError(Exception):
    """The key file cannot be used (unreadable, malformed, or open to other users)."""


class KeyUnavailable(Exception):
    """A wrapped key names a KEK this process does not have, or does not open with it."""


class KeyRing:
    """Wraps and unwraps data keys with the KEKs of the key file."""

    def __init__(self) -> None:
        self._keys: dict[str, AESGCM] = {}
        self._current = ""
        self._unwrapped: dict[str, bytes] = {}
        """Data keys already unwrapped, by wrapped form: a GET of an SSE-S3 object pays one
        AES-GCM open per object, not per request. Bounded; cleared when full."""
        self.path: Path | None = None

    def open_file(self, path: Path) -> None:
        """Use the KEKs of `path`, creating it (with one new key) if it does not exist."""
        keys = load_or_create(path)
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self._current = max(keys)
        self._unwrapped.clear()
        self.path = path

    def wrap(self, data_key: bytes, aad: bytes) -> str:
        """`<kek id>:<base64 nonce + sealed key>`."""
        if not self._current:
            self._keys = {_FIRST_ID: AESGCM(os.urandom(32))}
            self._current = _FIRST_ID
        nonce = os.urandom(_NONCE)
        sealed = self._keys[self._current].encrypt(nonce, data_key, aad)
        return f"{self._current}:{base64.b64encode(nonce + sealed).decode()}"

    def unwrap(self, wrapped: str, aad: bytes) -> bytes:
        cached = self._unwrapped.get(wrapped)
        if cached is not None:
            return cached
        kid, _, body = wrapped.partition(":")
        kek = self._keys.get(kid)
        if kek is None:
            raise KeyUnavailable(f"no key-encryption key {kid!r} in {self.path}")
        raw = base64.b64decode(body)
        try:
            data_key = kek.decrypt(raw[:_NONCE], raw[_NONCE:], aad)
        except InvalidTag as exc:
            raise KeyUnavailable(f"a data key does not open with key {kid!r}") from exc
        if len(self._unwrapped) >= _MAX_CACHED:
            self._unwrapped.clear()
        self._unwrapped[wrapped] = data_key
        return data_key


def load_or_create(path: Path) -> dict[str, bytes]:
    """The keys of the key file at `path`, by id; the file is created first if missing."""
    if not path.exists():
        try:
            _create(path)
        except OSError as exc:
            raise KeyFileError(f"cannot create the S3 encryption key file {path}: {exc}") from exc
    return _load(path)


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = base64.b64encode(os.urandom(32)).decode()
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, f"{_HEADER}\n{_FIRST_ID} {key}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process made it first: theirs stands
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _load(path: Path) -> dict[str, bytes]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise KeyFileError(f"cannot open the S3 encryption key file {path}: {exc}") from exc
    try:
        mode = os.fstat(fd).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(
                f"the S3 encryption key file {path} is accessible by other users"
                f" (mode {stat.S_IMODE(mode):o}); make it 0600"
            )
        with os.fdopen(os.dup(fd), "rb") as fh:
            text = fh.read().decode()
    finally:
        os.close(fd)
    lines = text.splitlines()
    if not lines or lines[0] != _HEADER:
        raise KeyFileError(f"{path} is not an ownstack S3 key file")
    keys: dict[str, bytes] = {}
    for line in lines[1:]:
        if not line.strip():
            continue
        kid, _, value = line.partition(" ")
        try:
            key = base64.b64decode(value, validate=True)
        except ValueError as exc:
            raise KeyFileError(f"{path}: key {kid!r} is not base64") from exc
        if len(key) != 32 or not kid or ":" in kid:
            raise KeyFileError(f"{path}: key {kid!r} is not a 256-bit key")
        keys[kid] = key
    if not keys:
        raise KeyFileError(f"{path} holds no key")
    return keys
