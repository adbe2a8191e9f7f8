"""State and lookups every DynamoDB operation module shares. Operation modules are mixins over
`DynamoDbBase`; `DynamoDbService` (service.py) composes them."""

from __future__ import annotations

from ownstack.core.access import ResourceFacts
from ownstack.core.clock import Clock
from ownstack.core.context import RequestContext
from ownstack.ports.logs import LogStore
from ownstack.ports.meta import ABSENT, MetaStore, Put, Record, pages

from .errors import resource_not_found, table_not_found, validation
from .records import TABLES, TableRecord, decode_table, encode_table, table_key
from .table_constraints import Violations, valid_name

_ARN_PREFIX = "arn:aws:dynamodb:"
_DECODED_TABLES = 1024


class DynamoDbBase:
    def __init__(self, meta: MetaStore, logs: LogStore, clock: Clock, region: str) -> None:
        self.meta = meta
        self.logs = logs
        """The log port's store (ports/logs.py) holding stream records."""
        self.clock = clock
        self.region = region
        self._decoded: dict[str, tuple[int, TableRecord]] = {}
        """Table records decoded, by key, with the version decoded (every item request reads
        its table's record; decoding its JSON again each time was ~15% of a PutItem)."""
        self._facts: dict[str, tuple[TableRecord, ResourceFacts | None]] = {}
        """resource_facts' answers by ARN, each with the decoded table it was made from."""

    async def table(
        self, ctx: RequestContext, name: str, *, for_items: bool = False
    ) -> TableRecord:
        """The table `name` (a name or a table ARN) of the caller's account and region.
        Raises ResourceNotFoundException: naming the table, as the table operations do, or
        `for_items` as the item operations do ("Requested resource not found")."""
        found = await self.find_table(ctx, name)
        if found is None:
            raise resource_not_found() if for_items else table_not_found(name)
        return found[0]

    async def find_table(self, ctx: RequestContext, name: str) -> tuple[TableRecord, int] | None:
        """The table and its record's version (for compare-and-set), or None."""
        region, account_id, table_name = locate_table(ctx, name)
        record = await self.meta.get(TABLES, table_key(region, account_id, table_name))
        return None if record is None else (self._decode(record), record.version)

    def _decode(self, record: Record) -> TableRecord:
        cached = self._decoded.get(record.key)
        if cached is not None and cached[0] == record.version:
            return cached[1]
        table = decode_table(record.value)
        if len(self._decoded) >= _DECODED_TABLES:
            self._decoded.clear()
        self._decoded[record.key] = (record.version, table)
        return table

    def table_put(self, table: TableRecord, expect: int | None) -> Put:
        """The write of `table`'s record, expecting `expect` (None: it must not exist)."""
        key = table_key(table.region, table.account_id, table.name)
        return Put(TABLES, key, encode_table(table), ABSENT if expect is None else expect)

    async def all_tables(self, region: str, account_id: str) -> list[Record]:
        """Every table record of one account and region, in name order."""
        prefix = table_key(region, account_id, "")
        end = prefix[:-1] + "0"  # just after "<region>/<account>/"
        return [r async for page in pages(self.meta, TABLES, start=prefix, end=end) for r in page]


def locate_table(ctx: RequestContext, name: str) -> tuple[str, str, str]:
    """(region, account, table name) of a TableName parameter: a name in the caller's account
    and region, or a table ARN. A name AWS could never have given a table is refused as the
    model's constraint (ValidationException "... at 'tableName' failed to satisfy
    constraint: ..."), not reported as a missing table."""
    if not name.startswith(_ARN_PREFIX):
        if not valid_name(name):  # every request passes here: one match
            v = Violations()
            v.name(name, "tableName")
            v.raise_any()
        return ctx.region, ctx.account_id, name
    parts = name.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("table/"):
        raise validation(f"Invalid TableName: {name}")
    return parts[3], parts[4], parts[5][len("table/") :].split("/", 1)[0]
