"""ARN templates of the Service Authorization Reference (`arn:${Partition}:s3:::${BucketName}`),
split once at start so filling one is a join, not a regex."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .model import Scope

PARTITION = "aws"
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")


class ArnTemplate:
    """One resource type's ARN template."""

    __slots__ = ("_pieces", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # Alternating literal text and variable names: [lit, var, lit, var, ..., lit].
        self._pieces: tuple[str, ...] = tuple(_VARIABLE.split(text))

    @property
    def variables(self) -> tuple[str, ...]:
        return self._pieces[1::2]

    def fill(self, values: Mapping[str, str], scope: Scope) -> str:
        """The ARN with ${Partition}, ${Region} and ${Account} from the scope unless `values`
        names them, every other variable from `values` (a missing one stays `*`)."""
        out: list[str] = []
        pieces = self._pieces
        for index, piece in enumerate(pieces):
            if not index % 2:
                out.append(piece)
            elif piece in values:
                out.append(values[piece])
            elif piece == "Account":
                out.append(scope.account)
            elif piece == "Region":
                out.append(scope.region)
            elif piece == "Partition":
                out.append(PARTITION)
            else:
                out.append("*")
        return "".join(out)

    def pattern(self) -> re.Pattern[str]:
        """Matches the ARNs this template describes: ${Account}, ${Region} and ${Partition} one
        ARN field each (no `:`), every other variable any non-empty text."""
        parts: list[str] = []
        for index, piece in enumerate(self._pieces):
            if not index % 2:
                parts.append(re.escape(piece))
            elif piece in ("Account", "Region", "Partition"):
                parts.append("[^:]*")
            else:
                parts.append(".+")
        return re.compile("".join(parts), re.DOTALL)
