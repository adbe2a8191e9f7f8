"""How the suite is marked and ordered for `make test` and `make test-quick` (docs/testing.md).

- A test that starts servers of its own (the `fresh_server` or `launch_server` fixture) is
  marked `own_server`: each start costs a second or more of CPU, so `make test-quick` leaves
  these out, as it does `slow`, `clients` and `engine_matrix` tests.
- Files with a `slow` or a `clients` test run first, then those with an `own_server` test,
  then the rest. `make test` hands whole files to its workers (pytest-xdist, --dist loadfile,
  --no-loadscope-reorder: in collection order, where xdist would otherwise start with the files
  of most tests and end with single long tests): starting the long files first keeps the run
  from ending on one worker still busy with one of them while the others are idle.
- Among the first, `slow` and `clients` files take turns. Slow files mostly wait (on clocks,
  restarts, deliveries), clients files keep the CPU busy (each aws CLI call is ~0.5 s of it):
  four workers all on slow files left the two cores half idle for a stretch of the run.
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
    in their order, files of one rank in collection order; the slow and the clients files
    alternate (`_taking_turns`)."""
    first_seen: dict[Path, int] = {}
    rank: dict[Path, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(item.path, index)
        marks = [i for i, name in enumerate(LONG_MARKS) if item.get_closest_marker(name)]
        rank[item.path] = min([rank.get(item.path, len(LONG_MARKS)), *marks])
    files = sorted(first_seen, key=lambda path: (rank[path], first_seen[path]))
    place = {path: index for index, path in enumerate(_taking_turns(files, rank))}
    items.sort(key=lambda item: place[item.path])


def _taking_turns(files: list[Path], rank: dict[Path, int]) -> list[Path]:
    """`files` (in rank order) with those of rank 0 (slow) and 1 (clients) spread evenly among
    each other (each list keeps its order; with twice as many slow files: slow, clients, slow,
    slow, clients, ...), then the other ranks."""
    slow = [path for path in files if rank[path] == 0]
    clients = [path for path in files if rank[path] == 1]
    spread = sorted(
        [((index + 0.5) / len(slow), path) for index, path in enumerate(slow)]
        + [((index + 0.5) / len(clients), path) for index, path in enumerate(clients)],
        key=lambda pair: pair[0],
    )
    return [path for _, path in spread] + [path for path in files if rank[path] > 1]
