"""Meta conformance, property-based: random programs of commits and scans behave exactly like a
dict + sorted() reference model."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.kit import run
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Delete, Expect, MetaStore, Op, Put, Record

SPICY = st.sampled_from(["a", "b", "/", "é", "中", "😀", "\x00", "\uffff", "\U0010ffff"])
KEYS = st.text(SPICY, max_size=3) | st.text(st.characters(exclude_categories=["Cs"]), max_size=4)
# Weighted towards unconditional puts, so namespaces grow past the scan limits.
TXN = st.lists(
    st.tuples(
        st.sampled_from(["put"] * 4 + ["delete", "check"]),
        KEYS,
        st.binary(max_size=6),
        st.sampled_from(["none"] * 6 + ["absent", "current", "current", "stale"]),
    ),
    min_size=1,
    max_size=6,
)
SCAN = st.tuples(KEYS, st.none() | KEYS, st.integers(0, 8), st.booleans())
PROGRAM = st.lists(
    st.one_of(TXN.map(lambda t: ("commit", t)), SCAN.map(lambda s: ("scan", s))), max_size=20
)

Model = dict[str, Record]


def build_ops(ns: str, model: Model, txn: list[tuple[str, str, bytes, str]]) -> list[Op]:
    ops: list[Op] = []
    for kind, key, value, how in txn:
        current = model.get(key)
        expect: Expect = {
            "none": None,
            "absent": ABSENT,
            "current": -1 if current is None else current.version,
            "stale": -1,
        }[how]
        if kind == "put":
            ops.append(Put(ns, key, value, expect))
        elif kind == "delete":
            ops.append(Delete(ns, key, expect))
        else:
            ops.append(Check(ns, key, expect))
    return ops


def first_failure(model: Model, ops: list[Op]) -> int | None:
    for index, op in enumerate(ops):
        current = model.get(op.key)
        if op.expect is None:
            continue
        if op.expect is ABSENT and current is None:
            continue
        if current is not None and current.version == op.expect:
            continue
        return index
    return None


def model_scan(model: Model, start: str, end: str | None, limit: int, rev: bool) -> list[Record]:
    chosen = sorted(k for k in model if k >= start and (end is None or k < end))
    if rev:
        chosen.reverse()
    return [model[k] for k in chosen[:limit]]


async def check_program(store: MetaStore, ns: str, program: list[tuple[str, Any]]) -> None:
    model: Model = {}
    last = 0
    for step, arg in program:
        if step == "scan":
            start, end, limit, rev = arg
            got = await store.scan(ns, start=start, end=end, limit=limit, reverse=rev)
            assert got == model_scan(model, start, end, limit, rev)
            continue
        ops = build_ops(ns, model, arg)
        failing = first_failure(model, ops)
        if failing is not None:
            with pytest.raises(ConditionFailed) as failed:
                await store.commit(ops)
            assert (failed.value.index, failed.value.key) == (failing, ops[failing].key)
            continue
        version = await store.commit(ops)
        assert version > last
        last = version
        for op in ops:
            if isinstance(op, Put):
                model[op.key] = Record(op.key, op.value, version)
            elif isinstance(op, Delete):
                model.pop(op.key, None)
    await check_final_state(store, ns, model)


async def check_final_state(store: MetaStore, ns: str, model: Model) -> None:
    """Every key read back, and scans bounded at every key, limited below the namespace size
    (random scans alone rarely land on the edges)."""
    assert await store.scan(ns, limit=10_000) == model_scan(model, "", None, 10_000, False)
    for key, record in model.items():
        assert await store.get(ns, key) == record
    for bound in ["", *model]:
        for limit in (1, 2):
            for rev in (False, True):
                got = await store.scan(ns, start=bound, limit=limit, reverse=rev)
                assert got == model_scan(model, bound, None, limit, rev)
                got = await store.scan(ns, end=bound, limit=limit, reverse=rev)
                assert got == model_scan(model, "", bound, limit, rev)


_namespaces = count()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(program=PROGRAM)
def test_matches_reference_model(store: MetaStore, program: list[tuple[str, Any]]) -> None:
    # One store for all examples, a fresh namespace for each (opening a store per example
    # would dominate the run time); namespace isolation is tested above.
    run(check_program(store, f"model-{next(_namespaces)}", program))
