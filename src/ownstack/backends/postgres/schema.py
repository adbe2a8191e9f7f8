"""The queue tables, created on open (idempotently, by any number of processes at once).

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
"""

from __future__ import annotations

import os
import re

from ownstack.backends.postgres.driver import Connection

SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

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
_SCHEMA_LOCK = 0x6F776E737461636B
"""Advisory lock key ("ownstack"): concurrent CREATE ... IF NOT EXISTS can still collide."""
_KEY_NAME = "receipt_key"


def check_schema_name(name: str) -> str:
    if not SCHEMA_RE.match(name):
        raise ValueError(f"schema {name!r}: lower-case letters, digits and _ (at most 63)")
    return name


async def create_schema(conn: Connection, schema: str) -> bytes:
    """Creates what is missing; returns the receipt-signing key (made by the first opener)."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _SCHEMA_LOCK)
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{check_schema_name(schema)}"')
        for statement in _TABLES:
            await conn.execute(statement)
        await conn.execute(
            "INSERT INTO settings(name, value) VALUES($1, $2) ON CONFLICT (name) DO NOTHING",
            _KEY_NAME,
            os.urandom(32),
        )
        key: bytes = await conn.fetchval("SELECT value FROM settings WHERE name = $1", _KEY_NAME)
    return key
