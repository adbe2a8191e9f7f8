"""How the suite is marked and ordered for `make test` and `make test-quick` (docs/testing.md).

- A test that starts servers of its own (the `fresh_server` or `launch_server` fixture) is
  marked `own_server`: each start costs a second or more of CPU, so `make test-quick` leaves
  these out, as it does `slow`, `clients` and `engine_matrix` tests.
- Files with a `slow` test run first, then those with a `clients` test, then those with an
  `own_server` test, then the rest. `make test` hands whole files to its workers (pytest-xdist,
  --dist loadfile, --no-loadscope-reorder: in collection order, where xdist would otherwise
  start with the files of most tests and end with single long tests): starting the long files
  first keeps the run from ending on one worker still busy with one of them while the others
  are idle.
"""

from __future__ import annotations

from pathlib import Path

import pytest

OWN_SERVER_FIXTURES = frozenset({"fresh_server", "launch_server"})
LONG_MARKS = ("slow", "clients", "own_server")
"""Longest first: a file's rank is the first of these that one of its tests has."""


def mark_own_server(item: pytest.Item) -> None:
    if OWN_SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.own_server)


def long_files_first(items: list[pytest.Item]) -> None:
    """Reorder `items` in place by file rank (LONG_MARKS), each file's tests kept together and
    in their order, files of one rank in collection order."""
    first_seen: dict[Path, int] = {}
    rank: dict[Path, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(item.path, index)
        marks = [i for i, name in enumerate(LONG_MARKS) if item.get_closest_marker(name)]
        rank[item.path] = min([rank.get(item.path, len(LONG_MARKS)), *marks])
    items.sort(key=lambda item: (rank[item.path], first_seen[item.path]))
