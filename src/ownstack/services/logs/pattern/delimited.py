"""Space-delimited patterns: `[ip, user, ..., status = 4* || status = 5*, bytes > 1000]`.

The message is split into fields at spaces; a field that starts with `"` runs to the next `"`,
one that starts with `[` to the next `]` (those marks are not part of it). The pattern names
each field by position; `...` stands for any number of fields (none included), so without
one the message must have exactly as many fields as the pattern names. A field may carry
conditions (on any field's name); the event matches when some way of lining the fields up
satisfies them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .conditions import ConditionParser, Node, evaluate
from .lexer import COMMA, ELLIPSIS, WORD, Cursor, Token, tokenize
from .values import ABSENT, PatternError


@dataclass(frozen=True, slots=True)
class _Field:
    name: str | None
    """None: `...`."""


def compile_delimited(text: str) -> Callable[[str], bool]:
    if not text.endswith("]"):
        raise PatternError("a space-delimited pattern must end with ]")
    cursor = Cursor(tokenize(text[1:-1]))
    fields, conditions = _parse(cursor)
    names = [f.name for f in fields if f.name is not None]
    if len(set(names)) != len(names):
        raise PatternError("a space-delimited pattern names a field twice")
    known = set(names)
    for condition in conditions:
        _check_names(condition, known)

    def matches(message: str) -> bool:
        values = split_fields(message)
        return any(_holds(conditions, bound) for bound in _alignments(fields, values, 0, 0, {}))

    return matches


def _holds(conditions: list[Node], bound: dict[str, str]) -> bool:
    return all(evaluate(c, lambda name: bound.get(name, ABSENT)) for c in conditions)


def _parse(cursor: Cursor) -> tuple[list[_Field], list[Node]]:
    fields: list[_Field] = []
    conditions: list[Node] = []
    parser = ConditionParser(cursor, _field_name)
    while True:
        if cursor.accept(ELLIPSIS):
            fields.append(_Field(None))
        else:
            first = cursor.peek()
            if first is None:
                raise PatternError("a space-delimited pattern has an empty field")
            fields.append(_Field(_field_name(first)))
            following = cursor.peek(1)
            if following is None or following.kind == COMMA:
                cursor.take("a field")
            else:  # the field's condition, starting with its name
                conditions.append(parser.expression())
        if cursor.done:
            return fields, conditions
        if not cursor.accept(COMMA):
            raise PatternError(f"expected a comma, not {cursor.take('').text!r}")


def _field_name(token: Token) -> str:
    if token.kind != WORD:
        raise PatternError(f"expected a field name, not {token.text!r}")
    return token.text


def _check_names(node: Node, known: set[str]) -> None:
    subject = getattr(node, "subject", None)
    if subject is not None and subject not in known:
        raise PatternError(f"the condition names a field the pattern does not: {subject}")
    for part in getattr(node, "parts", ()):
        _check_names(part, known)


def _alignments(
    fields: list[_Field], values: list[str], at: int, used: int, bound: dict[str, str]
) -> Iterator[dict[str, str]]:
    """Every way of giving fields[at:] the values[used:], as name -> value."""
    if at == len(fields):
        if used == len(values):
            yield bound
        return
    field = fields[at]
    if field.name is not None:
        if used < len(values):
            more = {**bound, field.name: values[used]}
            yield from _alignments(fields, values, at + 1, used + 1, more)
        return
    for skip in range(len(values) - used + 1):
        yield from _alignments(fields, values, at + 1, used + skip, bound)


def split_fields(message: str) -> list[str]:
    fields: list[str] = []
    index, end = 0, len(message)
    while index < end:
        char = message[index]
        if char.isspace():
            index += 1
            continue
        closer = '"' if char == '"' else "]" if char == "[" else None
        if closer is not None:
            stop = message.find(closer, index + 1)
            stop = end if stop < 0 else stop
            fields.append(message[index + 1 : stop])
            index = stop + 1
            continue
        stop = index
        while stop < end and not message[stop].isspace():
            stop += 1
        fields.append(message[index:stop])
        index = stop
    return fields
