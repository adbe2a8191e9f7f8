"""Meta conformance: range scans (bounds, limit, reverse, unicode order, prefixes, namespaces)."""

from __future__ import annotations

from conformance.kit import run
from ownstack.ports.meta import Delete, MetaStore, Put, Record, prefix_end


def keys(records: list[Record]) -> list[str]:
    return [r.key for r in records]


async def put_all(store: MetaStore, ns: str, names: list[str]) -> int:
    return await store.commit([Put(ns, k, k.encode()) for k in names])


NAMES = ["a", "b", "c", "d", "e"]


def test_scan_start_inclusive_end_exclusive(store: MetaStore) -> None:
    async def go() -> None:
        await put_all(store, "ns", NAMES)
        assert keys(await store.scan("ns")) == NAMES
        assert keys(await store.scan("ns", start="b", end="d")) == ["b", "c"]
        assert keys(await store.scan("ns", start="bb", end="dd")) == ["c", "d"]
        assert keys(await store.scan("ns", start="e")) == ["e"]
        assert keys(await store.scan("ns", start="f")) == []
        assert keys(await store.scan("ns", start="c", end="c")) == []
        assert keys(await store.scan("ns", start="d", end="b")) == []

    run(go())


def test_scan_limit_and_reverse(store: MetaStore) -> None:
    async def go() -> None:
        await put_all(store, "ns", NAMES)
        assert keys(await store.scan("ns", limit=2)) == ["a", "b"]
        assert keys(await store.scan("ns", limit=0)) == []
        assert keys(await store.scan("ns", reverse=True)) == NAMES[::-1]
        assert keys(await store.scan("ns", reverse=True, limit=2)) == ["e", "d"]
        assert keys(await store.scan("ns", start="b", end="e", reverse=True, limit=2)) == [
            "d",
            "c",
        ]
        assert keys(await store.scan("ns", start="b", end="e", reverse=True)) == ["d", "c", "b"]

    run(go())


def test_scan_returns_full_records(store: MetaStore) -> None:
    async def go() -> None:
        v1 = await store.commit([Put("ns", "a", b"1")])
        v2 = await store.commit([Put("ns", "b", b"2")])
        assert await store.scan("ns") == [Record("a", b"1", v1), Record("b", b"2", v2)]

    run(go())


def test_scan_orders_unicode_by_code_point(store: MetaStore) -> None:
    ordered = ["A", "Z", "a", "b", "~", "\x7f", "é", "ÿ", "ā", "中", "\uffff", "😀", "\U0010ffff"]

    async def go() -> None:
        await put_all(store, "ns", list(reversed(ordered)))
        assert keys(await store.scan("ns")) == ordered
        assert keys(await store.scan("ns", reverse=True)) == ordered[::-1]
        assert keys(await store.scan("ns", start="é", end="😀")) == ["é", "ÿ", "ā", "中", "\uffff"]

    run(go())


def test_prefix_scan_with_prefix_end(store: MetaStore) -> None:
    names = ["a", "a/", "a/b", "a/b/c", "a/\U0010ffff", "a0", "a//", "b", "a.", "photos/ü"]

    async def go() -> None:
        await put_all(store, "ns", names)
        got = await store.scan("ns", start="a/", end=prefix_end("a/"))
        assert keys(got) == ["a/", "a//", "a/b", "a/b/c", "a/\U0010ffff"]
        assert keys(await store.scan("ns", start="\U0010ffff", end=prefix_end("\U0010ffff"))) == []
        assert prefix_end("\U0010ffff") is None

    run(go())


def test_long_keys_and_paging(store: MetaStore) -> None:
    names = [f"dir/{i:04d}/" + "x" * 1000 for i in range(250)]

    async def go() -> None:
        for start in range(0, 250, 50):
            await put_all(store, "ns", names[start : start + 50])
        seen: list[str] = []
        cursor = ""
        while True:
            page = await store.scan("ns", start=cursor, limit=64)
            seen += keys(page)
            if len(page) < 64:
                break
            cursor = page[-1].key + "\x00"
        assert seen == names
        assert keys(await store.scan("ns", limit=5000)) == names
        assert keys(await store.scan("ns", limit=5000, reverse=True)) == names[::-1]

    run(go())


def test_namespaces_are_isolated(store: MetaStore) -> None:
    async def go() -> None:
        v1 = await store.commit([Put("a", "k", b"in a"), Put("ab", "k2", b"in ab")])
        v2 = await store.commit([Put("b", "k", b"in b")])
        assert await store.get("a", "k") == Record("k", b"in a", v1)
        assert await store.get("b", "k") == Record("k", b"in b", v2)
        assert await store.get("a", "k2") is None
        assert keys(await store.scan("a")) == ["k"]
        assert keys(await store.scan("ab")) == ["k2"]
        await store.commit([Delete("a", "k")])
        assert await store.get("b", "k") == Record("k", b"in b", v2)
        assert await store.scan("missing") == []

    run(go())
