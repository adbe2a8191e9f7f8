"""LiveAccountBook against a real accounts.json: an account `ownstack account create` writes is
served at once, however soon after the book last looked at the file."""

from __future__ import annotations

from pathlib import Path

from ownstack.identity.accounts import AccountsFile, LiveAccountBook
from ownstack.identity.model import Account

DEFAULT = Account("default", "123456789012", "AKIAIOSFODNN7EXAMPLE", "s" * 40)


def test_an_account_created_right_after_a_miss_is_found(tmp_path: Path) -> None:
    file = AccountsFile(tmp_path)
    book = LiveAccountBook([DEFAULT], file)
    assert book.by_access_key("AKIANOSUCHKEY0000001") is None  # looks at the file
    made, created = file.create("late", None, [DEFAULT])
    assert created
    assert book.by_access_key(made.root_access_key) == made
    assert book.by_id(made.id) == made


def test_an_account_created_right_after_a_listing_is_found(tmp_path: Path) -> None:
    file = AccountsFile(tmp_path)
    book = LiveAccountBook([DEFAULT], file)
    first, _ = file.create("first", None, [DEFAULT])
    assert book.all() == [DEFAULT, first]  # the watcher's call: looks at the file
    second, _ = file.create("second", None, [DEFAULT])
    assert book.by_access_key(second.root_access_key) == second
    assert book.all() == [DEFAULT, first, second]


def test_a_known_key_does_not_read_the_file(tmp_path: Path) -> None:
    file = AccountsFile(tmp_path)
    book = LiveAccountBook([DEFAULT], file)
    (tmp_path / "accounts.json").write_text("not json")  # would fail a read
    assert book.by_access_key(DEFAULT.root_access_key) == DEFAULT
    assert book.by_access_key("AKIANOSUCHKEY0000001") is None  # a damaged file: kept as was
