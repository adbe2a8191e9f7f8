"""DecodedMemo reuses a decode only for the identical Record, so a write is never masked."""

from __future__ import annotations

from ownstack.ports.meta import Record
from ownstack.services.s3.memo import DecodedMemo


def test_reuse_only_for_the_same_record_object() -> None:
    calls: list[bytes] = []

    def decode(raw: bytes) -> str:
        calls.append(raw)
        return raw.decode()

    memo = DecodedMemo(decode, max_entries=2, max_value=8)
    first = Record("k", b"one", 1)
    assert memo.decoded("k", first) == "one"
    assert memo.decoded("k", first) == "one"
    assert calls == [b"one"]
    # An equal-looking but different Record (a rewrite with the same bytes) decodes again.
    assert memo.decoded("k", Record("k", b"one", 1)) == "one"
    assert memo.decoded("k", Record("k", b"two", 2)) == "two"
    assert calls == [b"one", b"one", b"two"]


def test_bounded_in_entries_and_value_size() -> None:
    memo = DecodedMemo(bytes.decode, max_entries=2, max_value=8)
    records = {k: Record(k, k.encode(), 1) for k in ("a", "b", "c")}
    for key, rec in records.items():
        memo.decoded(key, rec)
    assert len(memo._entries) == 2 and "a" not in memo._entries
    memo.decoded("big", Record("big", b"x" * 9, 1))
    assert "big" not in memo._entries
