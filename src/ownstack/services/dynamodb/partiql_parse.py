"""PartiQL for DynamoDB: statement text (with `?` parameters) -> statements whose WHERE clauses,
SET/REMOVE clauses and projections are the expression AST (expr/ast.py).

The subset DynamoDB accepts: SELECT paths|* FROM "t"["."index"] [WHERE c] [ORDER BY k [ASC|DESC]];
INSERT INTO "t" VALUE {...}; UPDATE "t" SET p = v [, ...] | REMOVE p [...] WHERE c
[RETURNING (ALL|MODIFIED) (OLD|NEW) *]; DELETE FROM "t" WHERE c [RETURNING ALL OLD *]; and, in
transactions, EXISTS(SELECT * FROM "t" WHERE c). Values are PartiQL literals: 'text', numbers,
TRUE/FALSE, NULL, [lists], {'maps': ...}, <<sets>>, and `?`.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.statements.html
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import validation
from .expr.ast import (
    Action,
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
    Item,
    ListAppend,
    Literal,
    Not,
    Operand,
    Or,
    Path,
    PathRef,
    Remove,
    Set,
    Size,
)

MALFORMED = "Statement wasn't well formed, can't be processed: "
PARAMETER_COUNT = "Number of parameters in request and statement don't match."

# -- statements -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Select:
    table: str
    index: str | None
    paths: tuple[Path, ...] | None
    """None: SELECT *."""
    where: Condition | None
    descending: bool | None = None
    """ORDER BY's direction (None: no ORDER BY)."""


@dataclass(frozen=True, slots=True)
class Insert:
    table: str
    item: Item


@dataclass(frozen=True, slots=True)
class UpdateStatement:
    table: str
    actions: tuple[Action, ...]
    where: Condition | None
    returning: str | None
    """ReturnValues: ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW (None: nothing returned)."""


@dataclass(frozen=True, slots=True)
class DeleteStatement:
    table: str
    where: Condition | None
    returning: str | None


@dataclass(frozen=True, slots=True)
class Exists:
    """EXISTS(SELECT * FROM t WHERE ...): a transaction's condition check."""

    table: str
    where: Condition | None


Statement = Select | Insert | UpdateStatement | DeleteStatement | Exists

# -- tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    """"word", "name" (a "quoted" identifier), "string", "number", "punct", "end"."""
    text: str


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>'(?:[^']|'')*')
    |(?P<name>"(?:[^"]|"")*")
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    |(?P<punct><<|>>|<=|>=|<>|!=|[=<>()\[\]{},.:?*+\-])
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            tokens.append(_Token("end", ""))
            return tokens
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise validation(f"{MALFORMED}Unexpected character")
        kind = match.lastgroup
        raw = match.group(kind)
        if kind == "string":
            raw = raw[1:-1].replace("''", "'")
        elif kind == "name":
            raw = raw[1:-1].replace('""', '"')
        tokens.append(_Token(kind, raw))
        position = match.end()


# -- the parser -----------------------------------------------------------------------------------

_RETURNING = {
    ("ALL", "OLD"): "ALL_OLD",
    ("MODIFIED", "OLD"): "UPDATED_OLD",
    ("ALL", "NEW"): "ALL_NEW",
    ("MODIFIED", "NEW"): "UPDATED_NEW",
}
_COMPARATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_CONDITION_FUNCTIONS = ("begins_with", "contains", "attribute_type")
_KEYWORDS = frozenset(
    [
        "ALL",
        "AND",
        "ASC",
        "BETWEEN",
        "BY",
        "DELETE",
        "DESC",
        "EXISTS",
        "FALSE",
        "FROM",
        "IN",
        "INSERT",
        "INTO",
        "IS",
        "MISSING",
        "MODIFIED",
        "NOT",
        "NULL",
        "OR",
        "ORDER",
        "REMOVE",
        "RETURNING",
        "SELECT",
        "SET",
        "TRUE",
        "UPDATE",
        "VALUE",
        "WHERE",
    ]
)
"""Words that are never a bare attribute or table name (quote them: "order")."""


def parse_statement(text: str, parameters: Sequence[AttributeValue] | None) -> Statement:
    """One statement; ValidationException in AWS's words when it is not one DynamoDB runs, or
    when its `?` count differs from the parameters given."""
    if parameters is not None and len(parameters) == 0:
        raise validation(
            "1 validation error detected: Value '[]' at 'parameters' failed to satisfy"
            " constraint: Member must have length greater than or equal to 1"
        )
    parser = _Parser(_tokens(text), list(parameters or ()))
    statement = parser.statement()
    parser.finish()
    return statement


class _Parser:
    def __init__(self, tokens: list[_Token], parameters: list[AttributeValue]) -> None:
        self.tokens = tokens
        self.at = 0
        self.parameters = parameters
        self.used = 0

    # -- token helpers

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def next(self) -> _Token:
        token = self.peek()
        self.at += 1
        return token

    def is_word(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "word" and token.text.upper() in words

    def is_punct(self, *marks: str) -> bool:
        token = self.peek()
        return token.kind == "punct" and token.text in marks

    def take_word(self, *words: str) -> bool:
        if self.is_word(*words):
            self.at += 1
            return True
        return False

    def take_punct(self, mark: str) -> bool:
        if self.is_punct(mark):
            self.at += 1
            return True
        return False

    def expect_word(self, word: str) -> None:
        if not self.take_word(word):
            self.fail()

    def expect_punct(self, mark: str) -> None:
        if not self.take_punct(mark):
            self.fail()

    def fail(self) -> None:
        token = self.peek()
        if token.kind == "end":
            raise validation(f"{MALFORMED}Unexpected end of statement")
        if token.kind == "word":
            raise validation(f"{MALFORMED}Unexpected keyword")
        raise validation(f"{MALFORMED}Unexpected token")

    def finish(self) -> None:
        if self.peek().kind != "end":
            self.fail()
        if self.used != len(self.parameters):
            raise validation(PARAMETER_COUNT)

    # -- statements

    def statement(self) -> Statement:
        if self.take_word("SELECT"):
            return self.select()
        if self.take_word("INSERT"):
            return self.insert()
        if self.take_word("UPDATE"):
            return self.update()
        if self.take_word("DELETE"):
            return self.delete()
        if self.take_word("EXISTS"):
            return self.exists()
        raise validation(
            f"{MALFORMED}Unexpected keyword"
            if self.peek().kind == "word"
            else (f"{MALFORMED}Unexpected token")
        )

    def select(self) -> Select:
        paths: tuple[Path, ...] | None = None
        if not self.take_punct("*"):
            found = [self.path()]
            while self.take_punct(","):
                found.append(self.path())
            paths = tuple(found)
        self.expect_word("FROM")
        table = self.name()
        index = self.name() if self.take_punct(".") else None
        where = self.condition() if self.take_word("WHERE") else None
        descending = self.order_by()
        return Select(table, index, paths, where, descending)

    def order_by(self) -> bool | None:
        if not self.take_word("ORDER"):
            return None
        self.expect_word("BY")
        descending: bool | None = None
        while True:
            self.path()
            this = self.take_word("DESC")
            if not this:
                self.take_word("ASC")
            descending = this if descending is None else descending
            if not self.take_punct(","):
                return descending

    def insert(self) -> Insert:
        self.expect_word("INTO")
        table = self.name()
        self.expect_word("VALUE")
        if not self.is_punct("{"):
            raise validation(
                "Unsupported format in item expression. Please use struct format {...} to"
                " express item values for insert statement."
            )
        value = self.value()
        if self.is_word("RETURNING"):
            raise validation("RETURNING is not supported in INSERT")
        return Insert(table, value["M"])

    def update(self) -> UpdateStatement:
        table = self.name()
        actions: list[Action] = []
        while True:
            if self.take_word("SET"):
                actions.append(self.assignment())
                while self.take_punct(","):
                    actions.append(self.assignment())
            elif self.take_word("REMOVE"):
                actions.append(Remove(self.path()))
                while self.take_punct(","):
                    actions.append(Remove(self.path()))
            else:
                break
        if not actions:
            self.fail()
        where = self.condition() if self.take_word("WHERE") else None
        return UpdateStatement(table, tuple(actions), where, self.returning())

    def delete(self) -> DeleteStatement:
        self.expect_word("FROM")
        table = self.name()
        where = self.condition() if self.take_word("WHERE") else None
        returning = self.returning()
        if returning not in (None, "ALL_OLD"):
            shown = {v: f"{k[0]} {k[1]} *" for k, v in _RETURNING.items()}[returning]
            raise validation(
                f"Invalid returning clause: RETURNING {shown}. Only RETURNING ALL OLD * is allowed"
                " in DELETE statements."
            )
        return DeleteStatement(table, where, returning)

    def exists(self) -> Exists:
        self.expect_punct("(")
        self.expect_word("SELECT")
        self.expect_punct("*")
        self.expect_word("FROM")
        table = self.name()
        where = self.condition() if self.take_word("WHERE") else None
        self.expect_punct(")")
        return Exists(table, where)

    def returning(self) -> str | None:
        if not self.take_word("RETURNING"):
            return None
        first, second = self.next().text.upper(), self.next().text.upper()
        mode = _RETURNING.get((first, second))
        if mode is None:
            self.at -= 1
            self.fail()
        if not self.take_punct("*"):
            raise validation(
                "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"
            )
        return mode

    # -- UPDATE's SET clauses

    def assignment(self) -> Action:
        target = self.path()
        self.expect_punct("=")
        if self.is_word("SET_ADD", "SET_DELETE") and self.peek(1).text == "(":
            adding = self.next().text.upper() == "SET_ADD"
            self.expect_punct("(")
            source = self.path()
            self.expect_punct(",")
            value = Literal(self.value())
            self.expect_punct(")")
            if source != target:
                raise validation(f"{MALFORMED}Unexpected term")
            return Add(target, value) if adding else Delete(target, value)
        left = self.update_operand()
        if self.is_punct("+", "-"):
            sign = self.next().text
            return Set(target, Arithmetic(sign, left, self.update_operand()))
        return Set(target, left)

    def update_operand(self) -> Operand:
        if self.is_word("LIST_APPEND") and self.peek(1).text == "(":
            self.next()
            self.expect_punct("(")
            first = self.update_operand()
            self.expect_punct(",")
            second = self.update_operand()
            self.expect_punct(")")
            return ListAppend(first, second)
        if self.is_word("IF_NOT_EXISTS") and self.peek(1).text == "(":
            self.next()
            self.expect_punct("(")
            path = self.path()
            self.expect_punct(",")
            default = self.update_operand()
            self.expect_punct(")")
            return IfNotExists(path, default)
        return self.operand()

    # -- conditions

    def condition(self) -> Condition:
        left = self.conjunction()
        while self.take_word("OR"):
            left = Or(left, self.conjunction())
        return left

    def conjunction(self) -> Condition:
        left = self.negation()
        while self.take_word("AND"):
            left = And(left, self.negation())
        return left

    def negation(self) -> Condition:
        if self.take_word("NOT"):
            return Not(self.negation())
        return self.predicate()

    def predicate(self) -> Condition:
        if self.take_punct("("):
            inner = self.condition()
            self.expect_punct(")")
            return inner
        if self.peek().kind == "word" and self.peek(1).text == "(":
            name = self.peek().text.lower()
            if name in _CONDITION_FUNCTIONS:
                self.next()
                return self.function(name)
        left = self.operand()
        return self.comparison(left)

    def function(self, name: str) -> Function:
        self.expect_punct("(")
        args = [self.operand()]
        while self.take_punct(","):
            args.append(self.operand())
        self.expect_punct(")")
        if len(args) != 2:
            raise validation(f"{MALFORMED}Unexpected term")
        return Function(name, tuple(args))

    def comparison(self, left: Operand) -> Condition:
        token = self.peek()
        if token.kind == "punct" and token.text in _COMPARATORS:
            self.next()
            return Compare(_COMPARATORS[token.text], left, self.operand())
        negated = self.take_word("NOT")
        if self.take_word("BETWEEN"):
            low = self.operand()
            self.expect_word("AND")
            found: Condition = Between(left, low, self.operand())
        elif self.take_word("IN"):
            found = In(left, self.options())
        elif not negated and self.take_word("IS"):
            return self.is_test(left)
        else:
            self.fail()
            raise AssertionError  # fail() raised
        return Not(found) if negated else found

    def options(self) -> tuple[Operand, ...]:
        closing = "]" if self.take_punct("[") else ")"
        if closing == ")":
            self.expect_punct("(")
        found = [self.operand()]
        while self.take_punct(","):
            found.append(self.operand())
        self.expect_punct(closing)
        return tuple(found)

    def is_test(self, left: Operand) -> Condition:
        negated = self.take_word("NOT")
        if not isinstance(left, PathRef):
            self.fail()
        assert isinstance(left, PathRef)
        if self.take_word("MISSING"):
            missing = Function("attribute_not_exists", (left,))
            return Function("attribute_exists", (left,)) if negated else missing
        self.expect_word("NULL")
        # PartiQL: IS NULL holds for NULL values and for missing attributes.
        is_null = Or(
            Function("attribute_not_exists", (left,)),
            Function("attribute_type", (left, Literal({"S": "NULL"}))),
        )
        return Not(is_null) if negated else is_null

    # -- operands, paths and values

    def operand(self) -> Operand:
        token = self.peek()
        if token.kind in ("name", "word") and not self.is_value_word():
            if token.kind == "word" and token.text.lower() == "size" and self.peek(1).text == "(":
                self.next()
                self.expect_punct("(")
                path = self.path()
                self.expect_punct(")")
                return Size(path)
            return PathRef(self.path())
        return Literal(self.value())

    def is_value_word(self) -> bool:
        return self.is_word("TRUE", "FALSE", "NULL")

    def name(self) -> str:
        token = self.peek()
        if token.kind == "word" and token.text.upper() in _KEYWORDS:
            self.fail()
        if token.kind not in ("name", "word"):
            raise validation(f"{MALFORMED}Expected identifier for simple path")
        self.next()
        return token.text

    def path(self) -> Path:
        steps: list[str | int] = [self.name()]
        while True:
            if self.is_punct(".") and self.peek(1).kind in ("name", "word"):
                self.next()
                steps.append(self.name())
            elif self.take_punct("["):
                token = self.next()
                if token.kind == "number" and token.text.isdigit():
                    steps.append(int(token.text))
                elif token.kind == "string":
                    steps.append(token.text)
                else:
                    raise validation(f"{MALFORMED}Unexpected term")
                self.expect_punct("]")
            else:
                return tuple(steps)

    def value(self) -> AttributeValue:
        if self.peek().kind == "end":
            self.fail()
        token = self.next()
        if token.kind == "string":
            return {"S": token.text}
        if token.kind == "number":
            return {"N": token.text}
        if token.kind == "punct":
            return self.composite(token.text)
        if token.kind == "word":
            word = token.text.upper()
            if word in ("TRUE", "FALSE"):
                return {"BOOL": word == "TRUE"}
            if word == "NULL":
                return {"NULL": True}
        self.at -= 1
        raise validation(f"{MALFORMED}Unexpected term")

    def composite(self, mark: str) -> AttributeValue:
        if mark == "?":
            if self.used >= len(self.parameters):
                raise validation(PARAMETER_COUNT)
            self.used += 1
            return self.parameters[self.used - 1]
        if mark == "-" and self.peek().kind == "number":
            return {"N": "-" + self.next().text}
        if mark == "[":
            return {"L": self.elements("]")}
        if mark == "{":
            return {"M": self.members()}
        if mark == "<<":
            return _set(self.elements(">>"))
        self.at -= 1
        raise validation(f"{MALFORMED}Unexpected term")

    def elements(self, closing: str) -> list[AttributeValue]:
        found: list[AttributeValue] = []
        if self.take_punct(closing):
            return found
        found.append(self.value())
        while self.take_punct(","):
            found.append(self.value())
        self.expect_punct(closing)
        return found

    def members(self) -> dict[str, AttributeValue]:
        found: dict[str, AttributeValue] = {}
        if self.take_punct("}"):
            return found
        while True:
            key = self.value()
            if "S" not in key:
                raise validation(f"{MALFORMED}Unexpected term")
            self.expect_punct(":")
            if key["S"] in found:
                raise validation(f"Duplicate keys in tuple. Key: {key['S']}")
            found[key["S"]] = self.value()
            if not self.take_punct(","):
                break
        self.expect_punct("}")
        return found


def _set(elements: list[AttributeValue]) -> AttributeValue:
    """<<...>>: a string, number or binary set (every element of one of those types)."""
    kinds = {next(iter(element)) for element in elements}
    if len(kinds) != 1 or not kinds <= {"S", "N", "B"}:
        raise validation(f"{MALFORMED}Unexpected term")
    kind = kinds.pop()
    return {kind + "S": [element[kind] for element in elements]}
