"""The queue tables, as versioned migrations (migrations.py) applied when the store opens, also
by several processes at once.

Every connection's search_path is the store's schema, so the statements name bare tables and
tests isolate themselves in a fresh schema each.

- `messages`: one row per message. `seq` (one sequence for all queues, never reused: a moved
  message gets a new one) is its key, orders a queue's messages, and is a FIFO message's
  sequence number. `visible_at` is when it can next be
  received (sent_at + delay, then now + visibility); in flight = received and visible_at in
  the future, delayed = never received and visible_at in the future. `receipt` is the nonce of
  the latest receive: only a receipt carrying it may delete or change the message.
- `dedup`: FIFO deduplication ids, kept past their message's delete for the window.
- `attempts`: FIFO receive-request attempts, so a retry returns the same messages.
- `settings`: the key receipts are signed with, shared by every process.

Step 1 is the schema releases before the ledger created (with CREATE ... IF NOT EXISTS, kept as
it was): a schema they made, with its tables and no ledger row, is adopted as version 1.
"""

from __future__ import annotations

import os

from ownstack.backends.postgres.driver import Connection
from ownstack.backends.postgres.migrations import Migration, check_schema_name, migrate

__all__ = ["COMPONENT", "MIGRATIONS", "check_schema_name", "open_schema"]

COMPONENT = "queue"
_TABLES = (
    "CREATE SEQUENCE IF NOT EXISTS message_seq",
    """CREATE TABLE IF NOT EXISTS settings(
        name text PRIMARY KEY,
        value bytea NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS queues(
        id text PRIMARY KEY,
        fifo boolean NOT NULL,
        retention float8 NOT NULL,
        dedup_window float8 NOT NULL,
        dedup_per_group boolean NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS messages(
        queue text NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        id text NOT NULL,
        body bytea NOT NULL,
        attributes bytea NOT NULL,
        sent_at float8 NOT NULL,
        visible_at float8 NOT NULL,
        receive_count integer NOT NULL DEFAULT 0,
        first_received_at float8,
        receipt uuid,
        grp text,
        dedup_id text,
        dead_letter_source text,
        PRIMARY KEY (seq))""",
    # Standard receives walk this in order and stop at the first row they can take; FIFO ones
    # find what is in flight or delayed here, then walk messages_order.
    "CREATE INDEX IF NOT EXISTS messages_ready ON messages(queue, visible_at, seq)",
    "CREATE INDEX IF NOT EXISTS messages_order ON messages(queue, seq)",
    """CREATE TABLE IF NOT EXISTS dedup(
        queue text NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
        scope text NOT NULL,
        dedup_id text NOT NULL,
        message_id text NOT NULL,
        seq bigint NOT NULL,
        sent_at float8 NOT NULL,
        PRIMARY KEY (queue, scope, dedup_id))""",
    """CREATE TABLE IF NOT EXISTS attempts(
        queue text NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
        attempt_id text NOT NULL,
        made_at float8 NOT NULL,
        seqs bigint[] NOT NULL,
        receipts uuid[] NOT NULL,
        visible_ats float8[] NOT NULL,
        PRIMARY KEY (queue, attempt_id))""",
)
MIGRATIONS = (Migration(1, "queues, messages, dedup, attempts, settings", _TABLES),)
_ADOPTED_TABLE = "messages"
"""Created last but for its indexes by step 1, in the same transaction: its presence means the
whole step was applied by a release before the ledger."""
_KEY_NAME = "receipt_key"
_GET_KEY = "SELECT value FROM settings WHERE name = $1"
_ADD_KEY = "INSERT INTO settings(name, value) VALUES($1, $2) ON CONFLICT (name) DO NOTHING"


async def open_schema(conn: Connection, schema: str) -> bytes:
    """Migrates the queue tables; returns the receipt-signing key (made by the first opener:
    of several racing, the first insert wins and every one reads it back)."""
    await migrate(conn, schema, COMPONENT, MIGRATIONS, adopt=_ADOPTED_TABLE)
    key: bytes | None = await conn.fetchval(_GET_KEY, _KEY_NAME)
    if key is None:
        await conn.execute(_ADD_KEY, _KEY_NAME, os.urandom(32))
        key = await conn.fetchval(_GET_KEY, _KEY_NAME)
    assert key is not None  # inserted above, and never deleted
    return key
