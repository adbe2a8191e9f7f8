"""Unpacking a deployment package or layer zip into a directory, safely (run in a thread).

Entries never escape the target: absolute names, `..` components and NUL bytes are refused,
and no entry is written through a symbolic link (every parent is created here and checked
with lstat; files are opened O_NOFOLLOW|O_EXCL). Symbolic links in the zip (Unix mode
S_IFLNK, as `zip -y` stores them) are recreated as links and never followed by ownstack: they
resolve inside the sandbox, where the directory is mounted read-only. Sizes are counted on the
bytes actually written, not on what the zip's headers claim (zip bombs), against AWS's 250 MB.
"""

from __future__ import annotations

import os
import shutil
import stat
import uuid
import zipfile
from pathlib import Path
from typing import IO

from .errors import invalid

UNZIPPED_LIMIT = 262_144_000
"""AWS's limit on a deployment package's (and layers') size once extracted."""
MAX_ENTRIES = 100_000
"""Not an AWS limit: bounds the inodes one package can take."""
MAX_LINK_TARGET = 4096
_CHUNK = 1 << 20


class BadPackage(Exception):
    """The zip cannot be unpacked: AWS's InvalidParameterValueException follows."""


def bad_zip() -> Exception:
    return invalid(
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    )


def too_big_unzipped(limit: int = UNZIPPED_LIMIT) -> Exception:
    return invalid(f"Unzipped size must be smaller than {limit} bytes")


def unpack(source: IO[bytes], target: Path, limit: int = UNZIPPED_LIMIT) -> int:
    """Extract the zip in `source` to the directory `target` (created whole or not at all: a
    temporary sibling renamed into place; kept if another unpack got there first). Returns
    the bytes extracted. Raises InvalidParameterValueException (AWS's words)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".unpack-{uuid.uuid4().hex}"
    staging.mkdir(mode=0o755)
    try:
        total = _extract(source, staging, limit)
        _publish(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return total


def _publish(staging: Path, target: Path) -> None:
    try:
        os.rename(staging, target)
    except OSError:
        if not target.is_dir():
            raise
        shutil.rmtree(staging, ignore_errors=True)  # unpacked meanwhile by another unpack


def _extract(source: IO[bytes], root: Path, limit: int) -> int:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise bad_zip() from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise bad_zip()
        if sum(e.file_size for e in entries) > limit:
            raise too_big_unzipped(limit)
        total = 0
        directories: list[tuple[Path, int]] = []
        try:
            for entry in entries:
                total += _entry(archive, entry, root, limit - total, directories)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            NotImplementedError,
            RuntimeError,
            EOFError,
            OSError,
            UnicodeError,
        ) as exc:
            raise bad_zip() from exc
        except BadPackage as exc:
            raise bad_zip() from exc
    for path, mode in reversed(directories):  # writable until every file is in
        os.chmod(path, mode, follow_symlinks=False)
    return total


def _entry(
    archive: zipfile.ZipFile,
    entry: zipfile.ZipInfo,
    root: Path,
    room: int,
    directories: list[tuple[Path, int]],
) -> int:
    parts = _parts(entry.filename)
    if not parts:
        return 0
    mode = entry.external_attr >> 16
    parent = _directory(root, parts[:-1])
    path = parent / parts[-1]
    if entry.is_dir():
        directory = _directory(root, parts)
        directories.append((directory, _dir_mode(mode)))
        return 0
    if stat.S_ISLNK(mode):
        _symlink(archive, entry, path)
        return 0
    return _file(archive, entry, path, _file_mode(mode), room)


def _parts(name: str) -> list[str]:
    if "\x00" in name or name.startswith("/"):
        raise BadPackage(name)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise BadPackage(name)
    return parts


def _directory(root: Path, parts: list[str]) -> Path:
    """root/parts..., each level created here or found to be a real directory (never a
    link a previous entry made)."""
    current = root
    for part in parts:
        current = current / part
        try:
            os.mkdir(current, 0o755)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                raise BadPackage(str(current)) from None
    return current


def _symlink(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, path: Path) -> None:
    if entry.file_size > MAX_LINK_TARGET:
        raise BadPackage(entry.filename)
    target = archive.read(entry).decode("utf-8")
    if not target or "\x00" in target:
        raise BadPackage(entry.filename)
    _clear(path)
    os.symlink(target, path)


def _file(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, path: Path, mode: int, room: int
) -> int:
    _clear(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    written = 0
    with os.fdopen(fd, "wb") as out, archive.open(entry) as data:
        while chunk := data.read(_CHUNK):
            written += len(chunk)
            if written > room:
                raise too_big_unzipped()
            out.write(chunk)
        os.fchmod(out.fileno(), mode)
    return written


def _clear(path: Path) -> None:
    """A later entry of the same name replaces a file or link; never a directory."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(found.st_mode):
        raise BadPackage(str(path))
    os.unlink(path)


def _file_mode(mode: int) -> int:
    """The zip's permission bits, readable by everyone (the sandbox's user is not ownstack's)
    and never set-id, sticky or writable by others."""
    bits = stat.S_IMODE(mode) & 0o755
    return (bits or 0o644) | 0o444


def _dir_mode(mode: int) -> int:
    return (stat.S_IMODE(mode) & 0o755) | 0o555


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
