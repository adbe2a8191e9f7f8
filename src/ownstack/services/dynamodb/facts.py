"""What the gateway learns about a DynamoDB resource before authorising a request on it
(`resource_facts`, core/access.py): the owning account, the table's tags (aws:ResourceTag/<key>)
and, for a table or an index, its key schema, from which the authorisation spec computes
dynamodb:LeadingKeys (the request's values of the partition key).

Table, index and stream ARNs all come here: the gateway finds the service by the ARN's
`dynamodb` segment, and DynamoDB Streams' ARNs are table ARNs with `/stream/<label>` after."""

from __future__ import annotations

from ownstack.core.access import ResourceFacts
from ownstack.core.context import RequestContext

from .base import DynamoDbBase
from .records import TABLES, TableRecord, table_key

_CACHED_FACTS = 4096


class FactsOps(DynamoDbBase):
    async def resource_facts(self, ctx: RequestContext, arn: str) -> ResourceFacts | None:
        """Facts of the table, index or stream `arn` names; None when there is no such table
        (or index)."""
        parsed = parse_resource_arn(arn)
        if parsed is None:
            return None
        region, account, name, rest = parsed
        record = await self.meta.get(TABLES, table_key(region, account, name))
        if record is None:
            return None
        table = self._decode(record)
        # Every request asks this of its table: the answer is kept with the decoded record it
        # came from, and stays good while _decode hands back that same record.
        cached = self._facts.get(arn)
        if cached is not None and cached[0] is table:
            return cached[1]
        facts = _facts_of(table, rest)
        if len(self._facts) >= _CACHED_FACTS:
            self._facts.clear()
        self._facts[arn] = (table, facts)
        return facts


def _facts_of(table: TableRecord, rest: str) -> ResourceFacts | None:
    """The facts of the table, or of what `rest` names in it (index/<i>, stream/<l>)."""
    kind, _, sub = rest.partition("/")
    schema: tuple[str, ...] = ()  # a stream of the table: its owner and tags alone
    if not rest:
        schema = table.schema.names
    elif kind == "index":
        index = table.index(sub)
        if index is None:
            return None
        schema = index.schema.names
    return ResourceFacts(owner=table.account_id, tags=dict(table.tags), key_schema=schema)


def parse_resource_arn(arn: str) -> tuple[str, str, str, str] | None:
    """(region, account, table name, what follows the table: "" | index/<i> | stream/<l>) of a
    DynamoDB table, index or stream ARN; None for any other string."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "dynamodb" or not parts[5].startswith("table/"):
        return None
    name, _, rest = parts[5][len("table/") :].partition("/")
    if not name:
        return None
    return parts[3], parts[4], name, rest
