"""Expression text -> AST (ast.py): a hand-written recursive-descent parser over DynamoDB's
grammar, with its reserved words and AWS's error messages.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html

How errors come out, as AWS (and dynalite, which was checked against it) shows:
- a syntax error stops the parse at once: "Syntax error; token: \"<t>\", near: \"<p t n>\"",
  where `near` is the source text from the token before the offending one to the token after
  it (EOF has no text: `contains(a, :v` -> token "<EOF>", near ":v");
- every other error (reserved word, undefined placeholder, bad function, ...) is noted while
  the parse goes on, and the one of the highest category wins once the text is known to be
  well formed (a reserved word is reported before an undefined placeholder, ...).
"""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from ..errors import DynamoError, validation
from ..sizes import check_name
from .ast import (
    Add,
    And,
    Arithmetic,
    AttributeValue,
    Between,
    Compare,
    Condition,
    Delete,
    Function,
    IfNotExists,
    In,
    ListAppend,
    Literal,
    Not,
    Operand,
    Or,
    Path,
    PathRef,
    Projection,
    Remove,
    Set,
    Size,
    Update,
)
from .lexer import ATTR_NAME, ATTR_VALUE, EOF, NAME, NUMBER, SYMBOL, Token, tokenize
from .reserved import is_reserved

# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
# ("The maximum length of any expression string is 4 KB"), counted in UTF-8 bytes.
MAX_EXPRESSION_BYTES = 4096

MAX_PLACEHOLDER_BYTES = 255
"""A #name or :value placeholder's length, its # or : included."""
MAX_PATH_STEPS = 32
"""Names and indexes a document path may have ("a.b[0]" has 3), as items nest 32 deep."""
MAX_OPERATORS = 300
"""Comparisons, AND, OR, NOT, BETWEEN and IN a condition may hold (AWS: "The expression
contains too many operators; operator count: 301"; parentheses and calls do not count)."""

# Not AWS's figure (AWS bounds nesting by MAX_OPERATORS; parentheses around nothing new are
# "redundant"): room for MAX_OPERATORS NOTs or 150 parenthesised ORs (two levels each), and a
# syntax error past it rather than an exhausted stack.
_MAX_NESTING = 2 * MAX_OPERATORS + 10

# The parser recurses: each nesting level costs up to ~5 Python frames (measured on
# "((((a<b))))" and "a < f(f(f(b)))"), so the deepest parse AWS's limits allow needs ~3000
# frames above the caller's, past Python's default limit of 1000. Python 3.11+ keeps
# Python-to-Python calls off the C stack, so a higher limit costs only heap.
_PARSER_FRAMES = 6 * _MAX_NESTING + 2000
if sys.getrecursionlimit() < _PARSER_FRAMES:
    sys.setrecursionlimit(_PARSER_FRAMES)

_NAME_KEY = re.compile(r"#[A-Za-z0-9_]+")
_VALUE_KEY = re.compile(r":[A-Za-z0-9_]+")

_COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
_CONDITION_KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN"})
_OPERATOR_WORDS = _CONDITION_KEYWORDS
_UPDATE_KEYWORDS = frozenset({"SET", "REMOVE", "ADD", "DELETE"})
_BOOLEAN_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
_UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
_ATTRIBUTE_TYPES = ("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M")
# What AWS lists when attribute_type's second operand is not a value at all.
_ATTRIBUTE_TYPE_OPERAND = (
    "{S,SS,N,NS,B,BS,BOOL,NULL,L,M,HD,DOUBLE,FLOAT,HDS,FS,DOUBLESET,DICT,DECIMAL,INT,"
    "DECIMALSET,INTSET}"
)
# ADD / DELETE name the operand's type in words ("operand type: STRING").
_TYPE_WORDS = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "BOOL": "BOOLEAN",
    "NULL": "NULL",
    "L": "LIST",
    "M": "MAP",
    "SS": "STRING_SET",
    "NS": "NUMBER_SET",
    "BS": "BINARY_SET",
}
_ADD_TYPES = frozenset({"N", "SS", "NS", "BS"})
_ORDERED_TYPES = frozenset({"S", "N", "B"})
_MAX_IN_OPTIONS = 100
"""The values an IN may list (its left operand not counted)."""
_DELETE_TYPES = frozenset({"SS", "NS", "BS"})

# Error categories, highest first, per kind of expression (dynalite's orders).
_CONDITION_ORDER = (
    "parens",
    "function_name",
    "misused",
    "reserved",
    "undefined",
    "nesting",
    "operands",
    "distinct",
    "function",
)
_UPDATE_ORDER = (
    "reserved",
    "function_name",
    "misused",
    "section",
    "undefined_name",
    "nesting",
    "undefined_value",
    "operand",
    "operands",
    "function",
)
_PROJECTION_ORDER = ("reserved", "undefined", "nesting")

_BROKEN = Literal({})
"""Stands in for an operand whose error is already noted (the AST is never returned)."""


def check_keys(names: Mapping[str, object] | None, values: Mapping[str, object] | None) -> None:
    """The placeholders of ExpressionAttributeNames and ExpressionAttributeValues: neither map
    empty, every key well formed."""
    _check_keys("ExpressionAttributeNames", names, _NAME_KEY)
    _check_keys("ExpressionAttributeValues", values, _VALUE_KEY)


class Substitutions:
    """ExpressionAttributeNames / ExpressionAttributeValues of one request, shared by all of
    its expressions; records which were used so `check_unused` can refuse the rest, as AWS
    does ("Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}")."""

    def __init__(
        self,
        names: Mapping[str, str] | None,
        values: Mapping[str, AttributeValue] | None,
    ) -> None:
        _check_keys("ExpressionAttributeNames", names, _NAME_KEY)
        for key, name in (names or {}).items():
            if name == "":
                raise validation(
                    "ExpressionAttributeNames contains invalid value: "
                    f"Empty attribute name for key {key}"
                )
            check_name(name)
        _check_keys("ExpressionAttributeValues", values, _VALUE_KEY)
        self.names: dict[str, str] = dict(names or {})
        self.values: dict[str, AttributeValue] = dict(values or {})
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()

    def name(self, placeholder: str) -> str | None:
        """The attribute name `#placeholder` stands for (None: not defined)."""
        if placeholder not in self.names:
            return None
        self.used_names.add(placeholder)
        return self.names[placeholder]

    def value(self, placeholder: str) -> AttributeValue | None:
        """The value `:placeholder` stands for (None: not defined)."""
        if placeholder not in self.values:
            return None
        self.used_values.add(placeholder)
        return self.values[placeholder]

    def check_unused(self) -> None:
        """ValidationException naming unused names (checked first) or values."""
        for parameter, keys, used in (
            ("ExpressionAttributeNames", self.names, self.used_names),
            ("ExpressionAttributeValues", self.values, self.used_values),
        ):
            unused = [key for key in keys if key not in used]
            if unused:
                raise validation(
                    f"Value provided in {parameter} unused in expressions: "
                    f"keys: {{{', '.join(unused)}}}"
                )


def _check_keys(
    parameter: str, keys: Mapping[str, object] | None, pattern: re.Pattern[str]
) -> None:
    if keys is None:
        return
    if not keys:
        raise validation(f"{parameter} must not be empty")
    for key in keys:
        size = len(key.encode("utf-8"))
        if size > MAX_PLACEHOLDER_BYTES:
            raise validation(
                f"{parameter} contains invalid key: The expression attribute map contains a key"
                f" that is too long; size of key: {size}"
            )
        if not pattern.fullmatch(key):
            raise validation(f'{parameter} contains invalid key: Syntax error; key: "{key}"')


def parse_condition(text: str, subs: Substitutions, *, parameter: str) -> Condition:
    """`parameter`: "ConditionExpression", "FilterExpression" or "KeyConditionExpression"
    (named in AWS's messages: "Invalid ConditionExpression: Syntax error; token: ...").
    Raises ValidationException."""
    parser = _Parser(text, subs, parameter, _CONDITION_KEYWORDS, _CONDITION_ORDER)
    parser.max_operators = MAX_OPERATORS
    return parser.run(parser.whole_condition)


def parse_projection(text: str, subs: Substitutions) -> Projection:
    parser = _Parser(text, subs, "ProjectionExpression", frozenset(), _PROJECTION_ORDER)
    return parser.run(parser.projection)


def parse_update(text: str, subs: Substitutions) -> Update:
    parser = _Parser(text, subs, "UpdateExpression", _UPDATE_KEYWORDS, _UPDATE_ORDER)
    return parser.run(parser.update)


class _SyntaxFailure(Exception):
    """The parse cannot go on at token `index` (alternatives compare how far they got)."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


@dataclass(frozen=True, slots=True)
class _Call:
    """A function call as written, before the context says what it may be."""

    name: str
    args: tuple[Operand | _Call, ...]


_Raw = Operand | _Call
_T = TypeVar("_T")


class _Parser:
    def __init__(
        self,
        text: str,
        subs: Substitutions,
        parameter: str,
        keywords: frozenset[str],
        order: tuple[str, ...],
    ) -> None:
        self.text = text
        self.subs = subs
        self.parameter = parameter
        self.keywords = keywords
        self.order = order
        self.tokens: list[Token] = []
        self.index = 0
        self.errors: dict[str, str] = {}
        self.sections: set[str] = set()
        self.depth = 0
        self.max_operators: int | None = None
        """Conditions only: refuse more operators than this before parsing."""

    # -- driving ------------------------------------------------------------------------------

    def run(self, grammar: Callable[[], _T]) -> _T:
        if not self.text.strip():
            raise self.invalid("The expression can not be empty;")
        size = len(self.text.encode("utf-8"))
        if size > MAX_EXPRESSION_BYTES:
            raise self.invalid(
                f"Expression size has exceeded the maximum allowed size; expression size: {size}"
            )
        self.tokens = tokenize(self.text)
        if self.max_operators is not None:
            self.check_operator_count(self.max_operators)
        try:
            result = grammar()
            self.expect_kind(EOF)
        except _SyntaxFailure as failure:
            raise self.syntax_error(failure.index) from None
        for category in self.order:
            if category in self.errors:
                raise self.invalid(self.errors[category])
        return result

    def check_operator_count(self, limit: int) -> None:
        """Counted on the tokens, before the (recursive) parse: the comparators and the
        AND / OR / NOT / BETWEEN / IN keywords. BETWEEN's own AND is taken as part of the
        BETWEEN (not verified against AWS; it errs towards accepting). AWS reports the count
        at which it stopped, limit + 1."""
        count = 0
        between_and = 0
        for token in self.tokens:
            word = token.text.upper() if token.kind == NAME else None
            if word == "BETWEEN":
                between_and += 1
            elif word == "AND" and between_and:
                between_and -= 1
                continue
            if (token.kind == SYMBOL and token.text in _COMPARATORS) or word in _OPERATOR_WORDS:
                count += 1
                if count > limit:
                    raise self.invalid(
                        f"The expression contains too many operators; operator count: {count}"
                    )

    def invalid(self, message: str) -> DynamoError:
        return validation(f"Invalid {self.parameter}: {message}")

    def syntax_error(self, index: int) -> DynamoError:
        token = self.tokens[index]
        around = self.tokens[max(index - 1, 0) : index + 2]
        # EOF adds no text, not even trailing blanks ("SET a = " -> near "=").
        last_end = max(t.end for t in around if t.kind != EOF)
        near = self.text[around[0].start : last_end]
        return self.invalid(f'Syntax error; token: "{token.text}", near: "{near}"')

    def note(self, category: str, message: str) -> None:
        """Remember the first error of a category; raised after a clean parse."""
        self.errors.setdefault(category, message)

    def attempt(self, *alternatives: Callable[[], _T]) -> _T:
        """The first alternative that parses; else the failure that got furthest (PEG-like:
        notes and used placeholders of a failed alternative are forgotten)."""
        start = self.index
        furthest: _SyntaxFailure | None = None
        for alternative in alternatives:
            saved = (dict(self.errors), set(self.subs.used_names), set(self.subs.used_values))
            try:
                return alternative()
            except _SyntaxFailure as failure:
                self.index = start
                self.errors, self.subs.used_names, self.subs.used_values = saved
                if furthest is None or failure.index >= furthest.index:
                    furthest = failure
        assert furthest is not None
        raise furthest

    def nested(self, grammar: Callable[[], _T]) -> _T:
        """Parentheses, NOT and calls nest; past _MAX_NESTING levels the parse stops with a
        syntax error at the current token rather than exhaust Python's stack."""
        if self.depth >= _MAX_NESTING:
            raise self.fail()
        self.depth += 1
        try:
            return grammar()
        finally:
            self.depth -= 1

    # -- tokens -------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def fail(self) -> _SyntaxFailure:
        return _SyntaxFailure(self.index)

    def at_symbol(self, *texts: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == SYMBOL and token.text in texts

    def at_keyword(self, word: str) -> bool:
        token = self.peek()
        return token.kind == NAME and token.text.upper() == word

    def expect_symbol(self, text: str) -> Token:
        if not self.at_symbol(text):
            raise self.fail()
        return self.advance()

    def expect_kind(self, kind: str) -> Token:
        if self.peek().kind != kind:
            raise self.fail()
        return self.advance()

    def expect_keyword(self, word: str) -> None:
        if not self.at_keyword(word):
            raise self.fail()
        self.advance()

    def at_plain_name(self, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == NAME and token.text.upper() not in self.keywords

    def at_call(self) -> bool:
        return self.at_plain_name() and self.at_symbol("(", ahead=1)

    def check_wrapping(self, open_index: int) -> None:
        """After `( inner )`: AWS refuses `((inner))` as redundant parentheses."""
        close_index = self.index - 1
        inner = self.tokens[open_index + 1]
        if self.order is not _CONDITION_ORDER or (inner.kind, inner.text) != (SYMBOL, "("):
            return
        depth = 0
        for position in range(open_index + 1, close_index):
            text = self.tokens[position].text
            if self.tokens[position].kind != SYMBOL:
                continue
            depth += {"(": 1, ")": -1}.get(text, 0)
            if depth == 0:
                if position == close_index - 1:
                    self.note("parens", "The expression has redundant parentheses;")
                return

    # -- paths and placeholders -----------------------------------------------------------------

    def path(self) -> Path:
        steps: list[str | int] = [self.path_name()]
        while True:
            if self.at_symbol("."):
                self.advance()
                steps.append(self.path_name())
            elif self.at_symbol("["):
                self.advance()
                steps.append(int(self.expect_kind(NUMBER).text))
                self.expect_symbol("]")
            else:
                break
        if len(steps) > MAX_PATH_STEPS:
            self.note(
                "nesting",
                f"The document path has too many nesting levels; nesting levels: {len(steps)}",
            )
        return tuple(steps)

    def path_name(self) -> str:
        token = self.peek()
        if token.kind == ATTR_NAME:
            self.advance()
            return self.resolve_name(token.text)
        if not self.at_plain_name():
            raise self.fail()
        self.advance()
        if is_reserved(token.text):
            self.note(
                "reserved", f"Attribute name is a reserved keyword; reserved keyword: {token.text}"
            )
        return token.text

    def resolve_name(self, placeholder: str) -> str:
        name = self.subs.name(placeholder)
        if name is None:
            category = "undefined_name" if "undefined_name" in self.order else "undefined"
            self.note(
                category,
                "An expression attribute name used in the document path is not defined; "
                f"attribute name: {placeholder}",
            )
            return placeholder
        return name

    def value(self) -> Literal:
        placeholder = self.expect_kind(ATTR_VALUE).text
        value = self.subs.value(placeholder)
        if value is None:
            category = "undefined_value" if "undefined_value" in self.order else "undefined"
            self.note(
                category,
                "An expression attribute value used in expression is not defined; "
                f"attribute value: {placeholder}",
            )
            return _BROKEN
        return Literal(value)

    # -- operands (shared) ----------------------------------------------------------------------

    def operand(self) -> _Raw:
        """A path, a :value or a function call (what it may be is checked by the caller)."""
        if self.peek().kind == ATTR_VALUE:
            return self.value()
        if self.at_call():
            return self.call()
        return PathRef(self.path())

    def call(self) -> _Call:
        return self.nested(self.call_unguarded)

    def call_unguarded(self) -> _Call:
        name = self.advance().text
        self.expect_symbol("(")
        args = [self.parenthesized_operand()]
        while self.at_symbol(","):
            self.advance()
            args.append(self.parenthesized_operand())
        self.expect_symbol(")")
        return _Call(name, tuple(args))

    def parenthesized_operand(self) -> _Raw:
        return self.nested(self.parenthesized_operand_unguarded)

    def parenthesized_operand_unguarded(self) -> _Raw:
        if not self.at_symbol("("):
            return self.operand()
        open_index = self.index
        self.advance()
        inner = self.parenthesized_operand()
        self.expect_symbol(")")
        self.check_wrapping(open_index)
        return inner

    def count_operands(self, call: _Call, expected: int) -> bool:
        if len(call.args) == expected:
            return True
        self.note(
            "operands",
            "Incorrect number of operands for operator or function; "
            f"operator or function: {call.name}, number of operands: {len(call.args)}",
        )
        return False

    def require_path(self, name: str, operand: Operand) -> Path | None:
        if isinstance(operand, PathRef):
            return operand.path
        self.note(
            "function",
            f"Operator or function requires a document path; operator or function: {name}",
        )
        return None

    def operand_type_error(self, name: str, type_name: str) -> None:
        self.note(
            "function",
            "Incorrect operand type for operator or function; "
            f"operator or function: {name}, operand type: {type_name}",
        )

    # -- conditions -----------------------------------------------------------------------------

    def whole_condition(self) -> Condition:
        return self.or_condition()

    def or_condition(self) -> Condition:
        left = self.and_condition()
        while self.at_keyword("OR"):
            self.advance()
            left = Or(left, self.and_condition())
        return left

    def and_condition(self) -> Condition:
        left = self.not_condition()
        while self.at_keyword("AND"):
            self.advance()
            left = And(left, self.not_condition())
        return left

    def not_condition(self) -> Condition:
        return self.nested(self.not_condition_unguarded)

    def not_condition_unguarded(self) -> Condition:
        if self.at_keyword("NOT"):
            self.advance()
            return Not(self.not_condition())
        return self.primary_condition()

    def primary_condition(self) -> Condition:
        if self.at_symbol("("):
            return self.attempt(self.comparison, self.parenthesized_condition)
        if self.at_call():
            call = self.call()
            if self.at_comparison():
                return self.comparison_rest(call)
            return self.call_condition(call)
        return self.comparison()

    def parenthesized_condition(self) -> Condition:
        return self.nested(self.parenthesized_condition_unguarded)

    def parenthesized_condition_unguarded(self) -> Condition:
        open_index = self.index
        self.expect_symbol("(")
        inner = self.or_condition()
        self.expect_symbol(")")
        self.check_wrapping(open_index)
        return inner

    def at_comparison(self) -> bool:
        return self.at_symbol(*_COMPARATORS) or self.at_keyword("BETWEEN") or self.at_keyword("IN")

    def comparison(self) -> Condition:
        return self.comparison_rest(self.parenthesized_operand())

    def comparison_rest(self, first: _Raw) -> Condition:
        if self.at_symbol(*_COMPARATORS):
            op = self.advance().text
            second = self.parenthesized_operand()
            left, right = self.condition_operand(first), self.condition_operand(second)
            self.check_distinct(op, left, right)
            if op not in ("=", "<>"):
                self.check_ordered(op, left, right)
            return Compare(op, left, right)
        if self.at_keyword("BETWEEN"):
            self.advance()
            low = self.parenthesized_operand()
            self.expect_keyword("AND")
            high = self.parenthesized_operand()
            operand = self.condition_operand(first)
            bounds = self.condition_operand(low), self.condition_operand(high)
            self.check_distinct_from("BETWEEN", operand, bounds)
            self.check_ordered("BETWEEN", operand, *bounds)
            self.check_between(*bounds)
            return Between(operand, *bounds)
        if self.at_keyword("IN"):
            self.advance()
            self.expect_symbol("(")
            options = [self.parenthesized_operand()]
            while self.at_symbol(","):
                self.advance()
                options.append(self.parenthesized_operand())
            self.expect_symbol(")")
            if len(options) > _MAX_IN_OPTIONS:
                self.note(
                    "function",
                    "The IN operator is provided with too many operands; "
                    f"number of operands: {len(options)}",
                )
            operand = self.condition_operand(first)
            choices = tuple(self.condition_operand(option) for option in options)
            self.check_distinct_from("IN", operand, choices)
            return In(operand, choices)
        raise self.fail()

    def condition_operand(self, raw: _Raw) -> Operand:
        """An operand of a comparison or a function in a condition: size() is the only
        function allowed there."""
        if not isinstance(raw, _Call):
            return raw
        args = tuple(self.condition_operand(arg) for arg in raw.args)
        if raw.name == "size":
            if not self.count_operands(raw, 1):
                return _BROKEN
            path = self.require_path("size", args[0])
            return _BROKEN if path is None else Size(path)
        if not self.known_condition_function(raw.name):
            return _BROKEN
        self.note_misused(raw.name)
        return _BROKEN

    def note_misused(self, name: str) -> None:
        self.note(
            "misused",
            f"The function is not allowed to be used this way in an expression; function: {name}",
        )

    def known_condition_function(self, name: str) -> bool:
        if name in _BOOLEAN_FUNCTIONS:
            return True
        if name in _UPDATE_FUNCTIONS:
            self.note(
                "function_name",
                f"The function is not allowed in a condition expression; function: {name}",
            )
        else:
            self.note("function_name", f"Invalid function name; function: {name}")
        return False

    def call_condition(self, call: _Call) -> Condition:
        """A function call standing as a condition: one of the boolean functions."""
        args = tuple(self.condition_operand(arg) for arg in call.args)
        if call.name == "size":
            self.note_misused("size")
            return Function(call.name, args)
        known = self.known_condition_function(call.name)
        if known and self.count_operands(call, _BOOLEAN_FUNCTIONS[call.name]):
            self.check_function(call.name, args)
        return Function(call.name, args)

    def check_function(self, name: str, args: tuple[Operand, ...]) -> None:
        if len(args) == 2:
            self.check_distinct(name, args[0], args[1])
        if name in ("attribute_exists", "attribute_not_exists"):
            self.require_path(name, args[0])
        elif name == "begins_with":
            for arg in args:
                type_name = _static_type(arg)
                if type_name is not None and type_name not in ("S", "B"):
                    self.operand_type_error(name, type_name)
        elif name == "attribute_type":
            self.check_attribute_type(args[1])

    def check_attribute_type(self, operand: Operand) -> None:
        type_name = _static_type(operand)
        if type_name != "S" or not isinstance(operand, Literal):
            self.operand_type_error("attribute_type", type_name or _ATTRIBUTE_TYPE_OPERAND)
            return
        if operand.value["S"] not in _ATTRIBUTE_TYPES:
            self.note(
                "function",
                f"Invalid attribute type name found; type: {operand.value['S']}, "
                f"valid types: {{{','.join(_ATTRIBUTE_TYPES)}}}",
            )

    def check_distinct(self, name: str, first: Operand, second: Operand) -> None:
        if isinstance(first, PathRef) and isinstance(second, PathRef) and first == second:
            steps = ", ".join(f"[{s}]" if isinstance(s, int) else s for s in first.path)
            self.note(
                "distinct",
                "The first operand must be distinct from the remaining operands for this "
                f"operator or function; operator: {name}, first operand: [{steps}]",
            )

    def check_ordered(self, op: str, *operands: Operand) -> None:
        """An ordering (<, <=, >, >=, BETWEEN) only compares strings, numbers and binaries. A
        value of another type written into the expression is a ValidationException on AWS;
        one read from the item only makes the comparison false (evaluate)."""
        for operand in operands:
            type_name = _static_type(operand)
            if type_name is not None and type_name not in _ORDERED_TYPES:
                # Worded as for + and - ("operator or function: <, operand type: L"),
                # not as ADD's "operator: ADD, operand type: LIST, typeSet: ...".
                self.operand_type_error(op, type_name)
                return

    def check_distinct_from(self, name: str, first: Operand, others: tuple[Operand, ...]) -> None:
        """BETWEEN and IN, like the two-operand functions, refuse their first operand's path
        among the others ("a BETWEEN a AND :hi")."""
        for other in others:
            self.check_distinct(name, first, other)

    def check_between(self, low: Operand, high: Operand) -> None:
        if not (isinstance(low, Literal) and isinstance(high, Literal)):
            return
        low_type, high_type = _static_type(low), _static_type(high)
        if low_type is None or high_type is None:
            return
        bounds = (
            f"lower bound operand: AttributeValue: {{{_value_text(low.value)}}}, "
            f"upper bound operand: AttributeValue: {{{_value_text(high.value)}}}"
        )
        if low_type != high_type:
            self.note(
                "function",
                "The BETWEEN operator requires same data type for lower and upper bounds; "
                + bounds,
            )
        elif _greater(low.value, high.value):
            self.note(
                "function",
                "The BETWEEN operator requires upper bound to be greater than or equal to "
                f"lower bound; {bounds}",
            )

    # -- projections ----------------------------------------------------------------------------

    def projection(self) -> Projection:
        paths = [self.path()]
        while self.at_symbol(","):
            self.advance()
            paths.append(self.path())
        return Projection(tuple(paths))

    # -- updates --------------------------------------------------------------------------------

    def update(self) -> Update:
        actions: list[Set | Remove | Add | Delete] = []
        actions.extend(self.section())
        while self.peek().kind != EOF:
            actions.extend(self.section())
        return Update(tuple(actions))

    def section(self) -> list[Set | Remove | Add | Delete]:
        token = self.peek()
        word = token.text.upper() if token.kind == NAME else ""
        if word not in _UPDATE_KEYWORDS:
            raise self.fail()
        self.advance()
        actions_of: dict[str, Callable[[], Set | Remove | Add | Delete]] = {
            "SET": self.set_action,
            "REMOVE": self.remove_action,
            "ADD": self.add_action,
            "DELETE": self.delete_action,
        }
        item = actions_of[word]
        actions = [item()]
        while self.at_symbol(","):
            self.advance()
            actions.append(item())
        if word in self.sections:
            self.note(
                "section", f'The "{word}" section can only be used once in an update expression;'
            )
        self.sections.add(word)
        return actions

    def set_action(self) -> Set:
        path = self.path()
        self.expect_symbol("=")
        return Set(path, self.set_value())

    def remove_action(self) -> Remove:
        return Remove(self.path())

    def add_action(self) -> Add:
        path = self.path()
        value = self.value()
        self.check_set_operand("ADD", value, _ADD_TYPES)
        return Add(path, value)

    def delete_action(self) -> Delete:
        path = self.path()
        value = self.value()
        self.check_set_operand("DELETE", value, _DELETE_TYPES)
        return Delete(path, value)

    def check_set_operand(self, action: str, value: Literal, allowed: frozenset[str]) -> None:
        type_name = _static_type(value)
        if type_name is not None and type_name not in allowed:
            self.note(
                "operand",
                "Incorrect operand type for operator or function; "
                f"operator: {action}, operand type: {_TYPE_WORDS[type_name]}, "
                f"typeSet: ALLOWED_FOR_{action}_OPERAND",
            )

    def set_value(self) -> Operand:
        """operand, or operand + operand, or operand - operand; parentheses around either."""
        left = self.set_term()
        if not self.at_symbol("+", "-"):
            return left
        op = self.advance().text
        right = self.set_term()
        for operand in (left, right):
            type_name = _static_type(operand) if isinstance(operand, Literal) else None
            if type_name is not None and type_name != "N":
                self.operand_type_error(op, type_name)
        return Arithmetic(op, left, right)

    def set_term(self) -> Operand:
        if self.at_symbol("("):
            self.advance()
            inner = self.set_value()
            self.expect_symbol(")")
            return inner
        return self.update_operand(self.operand(), nested=False)

    def update_operand(self, raw: _Raw, *, nested: bool) -> Operand:
        """An operand of SET: if_not_exists() and list_append() are the functions allowed."""
        if not isinstance(raw, _Call):
            return raw
        args = tuple(self.update_operand(arg, nested=True) for arg in raw.args)
        if raw.name not in _UPDATE_FUNCTIONS:
            if raw.name in _BOOLEAN_FUNCTIONS or raw.name == "size":
                message = (
                    f"The function is not allowed in an update expression; function: {raw.name}"
                )
            else:
                message = f"Invalid function name; function: {raw.name}"
            self.note("function_name", message)
            return _BROKEN
        if not self.count_operands(raw, 2):
            return _BROKEN
        if raw.name == "if_not_exists":
            path = self.require_path(raw.name, args[0])
            return _BROKEN if path is None else IfNotExists(path, args[1])
        if nested:
            # AWS refuses list_append(list_append(...), ...) with no reason given.
            self.note_misused(raw.name)
        for arg in args:
            type_name = _static_type(arg) if isinstance(arg, Literal) else None
            if type_name is not None and type_name != "L":
                self.operand_type_error(raw.name, type_name)
        return ListAppend(args[0], args[1])


def _static_type(operand: Operand) -> str | None:
    """The type an operand is known to have before any item is read (None: unknown)."""
    if isinstance(operand, Size):
        return "N"
    if isinstance(operand, Literal) and len(operand.value) == 1:
        return next(iter(operand.value))
    return None


def _value_text(value: AttributeValue) -> str:
    """A value as AWS prints it in BETWEEN's messages: `N:5`, `S:z`, `B:eg==`."""
    type_name, content = next(iter(value.items()))
    if isinstance(content, bytes | bytearray):
        content = base64.b64encode(content).decode("ascii")
    return f"{type_name}:{content}"


def _greater(low: AttributeValue, high: AttributeValue) -> bool:
    """low > high for two scalars of one type (S by UTF-8 bytes, as DynamoDB orders them)."""
    type_name = next(iter(low))
    first, second = low[type_name], high[type_name]
    if type_name == "N":
        try:
            return Decimal(first) > Decimal(second)
        except (InvalidOperation, TypeError):
            return False
    if type_name == "S" and isinstance(first, str) and isinstance(second, str):
        return first.encode("utf-8") > second.encode("utf-8")
    if (
        type_name == "B"
        and isinstance(first, bytes | bytearray)
        and isinstance(second, bytes | bytearray)
    ):
        return bytes(first) > bytes(second)
    return False
