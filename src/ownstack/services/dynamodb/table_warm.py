"""A table's warm throughput (WarmThroughput): the read and write units per second it can
serve at once. ownstack throttles nothing, so every table can serve any of it at once; what it
keeps is what DynamoDB reports and enforces about the number, in DynamoDB's words:

- every on-demand table starts warm at 12000 reads / 4000 writes a second, a provisioned one at
  its provisioned capacity, and a table stays at the highest it ever had (raising provisioned
  capacity, or switching to on-demand, raises it; lowering does not);
- CreateTable may ask for more, never less than that start; UpdateTable may raise it, never
  lower it (the same value again is accepted); a unit not asked for keeps its value;
- the change takes effect at once (DynamoDB pre-warms for minutes, reporting UPDATING).

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html
"""

from __future__ import annotations

from typing import Any

from .errors import INVALID, validation
from .records import TableRecord
from .table_constraints import PAY_PER_REQUEST

READ = "ReadUnitsPerSecond"
WRITE = "WriteUnitsPerSecond"
ON_DEMAND_START = {READ: 12000, WRITE: 4000}
_CAPACITY = {READ: "ReadCapacityUnits", WRITE: "WriteCapacityUnits"}
_ON_DEMAND_DOC = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
    "on-demand-capacity-mode.html#on-demand-capacity-mode-initial"
)


def start(billing_mode: str, throughput: dict[str, int]) -> dict[str, int]:
    """The warm throughput a table of this billing mode and capacity has without asking."""
    if billing_mode == PAY_PER_REQUEST:
        return dict(ON_DEMAND_START)
    return {unit: int(throughput.get(_CAPACITY[unit], 0)) for unit in (READ, WRITE)}


def level(table: TableRecord) -> dict[str, int]:
    """The table's warm throughput now: the highest it was given or had."""
    return highest(table.warm_throughput, start(table.billing_mode, table.throughput))


def highest(*levels: dict[str, int]) -> dict[str, int]:
    return {unit: max(level.get(unit, 0) for level in levels) for unit in (READ, WRITE)}


def at_create(
    requested: dict[str, Any] | None, billing_mode: str, throughput: dict[str, int]
) -> dict[str, int]:
    """A new table's warm throughput; ValidationException when it asks for less than start."""
    initial = start(billing_mode, throughput)
    asked = _asked(requested)
    for unit, value in asked.items():
        if value < initial[unit]:
            raise validation(INVALID + _below_start(unit, billing_mode))
    return highest(initial, asked)


def at_update(
    current: dict[str, int], requested: dict[str, Any] | None, after: dict[str, int]
) -> dict[str, int]:
    """The warm throughput after an UpdateTable: `current` (the table's now), raised to what
    is asked and to `after` (the start of the table as updated)."""
    asked = _asked(requested)
    for unit, value in asked.items():
        if value < current[unit]:
            raise validation(
                INVALID + f"Requested {unit} for WarmThroughput for table is lower than current"
                " WarmThroughput, decreasing WarmThroughput is not supported"
            )
    return highest(current, asked, after)


def describe(level: dict[str, int]) -> dict[str, Any]:
    return {READ: level[READ], WRITE: level[WRITE], "Status": "ACTIVE"}


def _asked(requested: dict[str, Any] | None) -> dict[str, int]:
    given = requested or {}
    return {unit: int(given[unit]) for unit in (READ, WRITE) if given.get(unit) is not None}


def _below_start(unit: str, billing_mode: str) -> str:
    if billing_mode == PAY_PER_REQUEST:
        return (
            f"Requested {unit} for WarmThroughput for table is lower than initial throughput"
            f" for OnDemand. See: {_ON_DEMAND_DOC}"
        )
    return (
        f"Requested {unit} for WarmThroughput for table is lower than {_CAPACITY[unit]} of"
        " ProvisionedThroughput"
    )
