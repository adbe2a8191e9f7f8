"""Condition blocks compiled into tests over a request's context.

Within one condition a key's several policy values are ORed; the conditions of a statement
(several keys, several operators) are ANDed. `...IfExists` makes an absent key match;
`ForAllValues:` is true for an absent or empty key, `ForAnyValue:` false. A negated operator
(StringNotEquals, ArnNotLike, NotIpAddress...) matches an absent key. (IAM User Guide,
"Condition operators" and "Single-valued vs. multivalued context keys".)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .operators import BASE_OPERATORS, BaseOperator, Single, any_pattern
from .variables import GlobTemplate, Lookup, Part, parse_template, render_text
from .wildcard import Test, compile_glob

ALL_VALUES = "ForAllValues:"
ANY_VALUE = "ForAnyValue:"
IF_EXISTS = "IfExists"


@dataclass(frozen=True, slots=True)
class Operator:
    """A parsed operator name: the set prefix, the base operator (None: Null), IfExists."""

    set_op: str
    base: BaseOperator | None
    if_exists: bool


def parse_operator(name: str) -> Operator | None:
    set_op = ""
    for prefix in (ALL_VALUES, ANY_VALUE):
        if name.startswith(prefix):
            set_op, name = prefix, name[len(prefix) :]
    if name == "Null":
        return Operator(set_op, None, False)
    if_exists = name.endswith(IF_EXISTS)
    if if_exists:
        name = name[: -len(IF_EXISTS)]
    base = BASE_OPERATORS.get(name)
    return None if base is None else Operator(set_op, base, if_exists)


@dataclass(frozen=True, slots=True)
class Condition:
    operator: str
    key: str
    """Lower-cased: context keys are case-insensitive."""
    test: Callable[[Lookup], bool]


def compile_condition(name: str, key: str, values: Sequence[str], variables: bool) -> Condition:
    """`name` must have parsed (parse_operator); `variables`: substitute `${...}`."""
    op = parse_operator(name)
    assert op is not None
    key = key.lower()
    if op.base is None:
        return Condition(name, key, _null_test(key, values))
    templates = [parse_template(v) if variables else None for v in values]
    if any(t is not None for t in templates):
        single = _templated_single(op.base, values, templates)
    else:
        fixed = _build(op.base, values)
        single = lambda _lookup: fixed  # noqa: E731
    return Condition(name, key, _value_test(op, key, single))


def _null_test(key: str, values: Sequence[str]) -> Callable[[Lookup], bool]:
    wanted = {value.lower() == "true" for value in values if value.lower() in ("true", "false")}

    def test(lookup: Lookup) -> bool:
        return (not lookup(key)) in wanted

    return test


def _build(base: BaseOperator, values: Sequence[str]) -> Single:
    if base.glob is None:
        return base.build(values)
    return any_pattern([base.glob(value) for value in values])


def _templated_single(
    base: BaseOperator, values: Sequence[str], templates: Sequence[tuple[Part, ...] | None]
) -> Callable[[Lookup], Single | None]:
    """Values are filled in per request; a variable with no value makes the condition false."""
    globs = [None if t is None else GlobTemplate(t) for t in templates]

    def single(lookup: Lookup) -> Single | None:
        # Only StringLike keeps the document's own wildcards apart from substituted text.
        if base.glob is not compile_glob:
            rendered: list[str] = []
            for value, template in zip(values, templates, strict=True):
                text = value if template is None else render_text(template, lookup)
                if text is None:
                    return None
                rendered.append(text)
            return _build(base, rendered)
        tests: list[Test] = []
        for value, glob in zip(values, globs, strict=True):
            if glob is None:
                tests.append(compile_glob(value))
                continue
            body = glob.regex(lookup)
            if body is None:
                return None
            tests.append(_regex_test(body))
        return any_pattern(tests)

    return single


def _regex_test(body: str) -> Test:
    fullmatch = re.compile(body, re.DOTALL).fullmatch
    return lambda value: fullmatch(value) is not None


def _value_test(
    op: Operator, key: str, single_for: Callable[[Lookup], Single | None]
) -> Callable[[Lookup], bool]:
    negated = op.base is not None and op.base.negated
    set_op, if_exists = op.set_op, op.if_exists

    def test(lookup: Lookup) -> bool:
        got = lookup(key)
        if not got:
            if set_op == ALL_VALUES:
                return True
            if set_op == ANY_VALUE:
                return if_exists
            return if_exists or negated
        single = single_for(lookup)
        if single is None:
            return False
        results = [single(value) for value in got]
        if set_op == ALL_VALUES:
            return all(r is not None and r != negated for r in results)
        if set_op == ANY_VALUE:
            return any(r is not None and r != negated for r in results)
        if None in results:
            return False
        return any(results) != negated

    return test
