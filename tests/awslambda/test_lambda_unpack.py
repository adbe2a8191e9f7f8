"""Unpacking packages safely (services/awslambda/unpack.py): nothing escapes the target, no
entry is written through a link, sizes are counted on what is written."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from ownstack.core.errors import ServiceError
from ownstack.services.awslambda.unpack import unpack

BAD = "Could not unzip uploaded file. Please check your file, then try to upload again."


def _zip(*entries: tuple[str, bytes, int]) -> io.BytesIO:
    """Entries as (name, content, unix mode incl. file type)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, content, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, content)
    buf.seek(0)
    return buf


def _refused(source: io.BytesIO, target: Path) -> str:
    with pytest.raises(ServiceError) as exc:
        unpack(source, target)
    assert not target.exists()
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".unpack-")]
    return exc.value.message


def test_files_directories_and_modes(tmp_path: Path) -> None:
    target = tmp_path / "code"
    source = _zip(
        ("bin/", b"", stat.S_IFDIR | 0o755),
        ("bin/run", b"#!/bin/sh\n", stat.S_IFREG | 0o4777),
        ("lib/data.txt", b"data", stat.S_IFREG | 0o600),
        ("plain.txt", b"x", 0),
    )
    assert unpack(source, target) == 15
    assert (target / "bin" / "run").read_bytes() == b"#!/bin/sh\n"
    assert stat.S_IMODE(os.stat(target / "bin" / "run").st_mode) == 0o755  # no set-uid
    assert stat.S_IMODE(os.stat(target / "lib" / "data.txt").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(target / "plain.txt").st_mode) == 0o644


def test_names_that_escape_are_refused(tmp_path: Path) -> None:
    for name in ("../evil.py", "a/../../evil.py", "/etc/evil.py"):
        assert _refused(_zip((name, b"x", stat.S_IFREG | 0o644)), tmp_path / "t") == BAD
    assert not (tmp_path / "evil.py").exists()


def test_links_are_kept_and_never_followed(tmp_path: Path) -> None:
    target = tmp_path / "code"
    outside = tmp_path / "outside"
    outside.mkdir()
    source = _zip(
        ("lib", str(outside).encode(), stat.S_IFLNK | 0o777),
        ("current", b"lib", stat.S_IFLNK | 0o777),
    )
    unpack(source, target)
    assert os.readlink(target / "lib") == str(outside)
    through = _zip(
        ("lib", str(outside).encode(), stat.S_IFLNK | 0o777),
        ("lib/planted.py", b"x", stat.S_IFREG | 0o644),
    )
    assert _refused(through, tmp_path / "other") == BAD
    assert list(outside.iterdir()) == []


def test_sizes_are_counted(tmp_path: Path) -> None:
    source = _zip(("big.bin", bytes(1000), stat.S_IFREG | 0o644))
    with pytest.raises(ServiceError) as exc:
        unpack(source, tmp_path / "code", limit=999)
    assert exc.value.message == "Unzipped size must be smaller than 999 bytes"


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_later_entry_replaces_an_earlier_one(tmp_path: Path) -> None:
    target = tmp_path / "code"
    unpack(_zip(("a.py", b"1", 0o100644), ("a.py", b"2", 0o100644)), target)
    assert (target / "a.py").read_bytes() == b"2"


def test_an_existing_target_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "code"
    unpack(_zip(("a.py", b"1", 0o100644)), target)
    unpack(_zip(("a.py", b"2", 0o100644)), target)  # another unpack got there first
    assert (target / "a.py").read_bytes() == b"1"
