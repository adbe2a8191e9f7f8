"""ProjectionExpression (and AttributesToGet) applied to an item, and the document-path
overlap/conflict rule that projections and updates share.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html
As AWS answers (Alternator's test_projection_expression.py): a path into a list returns the
selected elements compacted in index order (`a.b[2]` -> {"a": {"b": [third]}}), paths that
reach nothing are left out, and several paths merge into one document.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TypeAlias

from ..errors import validation
from .ast import AttributeValue, Item, Path, Projection
from .evaluate import path_list_text

# A tree of requested steps; None marks a path's end (the whole value there is wanted).
_Tree: TypeAlias = "dict[str | int, _Tree | None]"


def path_clash(paths: Iterable[Path]) -> str | None:
    """AWS's complaint about a list of document paths, checked on the paths alone: one path
    equal to or a prefix of another overlaps; two that use the same step as a map key in one
    and a list index in the other conflict. Each path is compared with the ones before it
    (dynalite's order, recorded from AWS); an overlap is reported before any conflict."""
    seen: list[Path] = []
    conflict: str | None = None
    for path in paths:
        for earlier in seen:
            relation = _relation(earlier, path)
            if relation == "overlap":
                return _clash_message("overlap", earlier, path)
            if relation == "conflict" and conflict is None:
                conflict = _clash_message("conflict", earlier, path)
        seen.append(path)
    return conflict


def _relation(one: Path, two: Path) -> str | None:
    for left, right in zip(one, two, strict=False):
        if isinstance(left, int) != isinstance(right, int):
            return "conflict"
        if left != right:
            return None
    return "overlap"


def _clash_message(relation: str, one: Path, two: Path) -> str:
    return (
        f"Two document paths {relation} with each other; must remove or rewrite one of these"
        f" paths; path one: {path_list_text(one)}, path two: {path_list_text(two)}"
    )


def check_projection(projection: Projection) -> None:
    """Overlapping/conflicting paths refused as AWS does. Raises ValidationException."""
    clash = path_clash(projection.paths)
    if clash:
        raise validation(f"Invalid ProjectionExpression: {clash}")


def project(item: Item, projection: Projection) -> Item:
    """The parts of `item` the paths name (nested maps/lists rebuilt; list elements keep
    their order, compacted, as AWS returns them)."""
    return project_paths(item, projection.paths)


def project_paths(item: Item, paths: tuple[Path, ...]) -> Item:
    """The same for bare paths (ReturnValues UPDATED_OLD / UPDATED_NEW)."""
    picked = _pick({"M": item}, _tree(paths))
    return picked["M"] if picked is not None else {}


def _tree(paths: Iterable[Path]) -> _Tree:
    root: _Tree = {}
    for path in paths:
        node: _Tree | None = root
        for step in path[:-1]:
            if node is None:
                break
            node = node.setdefault(step, {})
        if node is not None:
            node[path[-1]] = None  # the whole value: covers anything asked below it
    return root


def _pick(value: AttributeValue, wanted: _Tree | None) -> AttributeValue | None:
    if wanted is None:
        return copy.deepcopy(value)
    if "M" in value:
        members = value["M"]
        found = {
            key: picked
            for key, below in wanted.items()
            if isinstance(key, str) and key in members
            if (picked := _pick(members[key], below)) is not None
        }
        return {"M": found} if found else None
    if "L" in value:
        elements = value["L"]
        indexes = sorted(k for k in wanted if isinstance(k, int) and k < len(elements))
        kept = [picked for i in indexes if (picked := _pick(elements[i], wanted[i])) is not None]
        return {"L": kept} if kept else None
    return None
