"""The log store's schema (as migrations of component "logs") and statements (bare names: each
connection's search_path is the store's schema).

- `log_shards(log, shard, last_offset)`: one row per shard ever appended to. Its row lock is
  what serialises the appends of one shard across processes, and `last_offset` (not
  max(seq)) is where the next append goes on, so trimmed or deleted offsets never come back.
- `log_records(log, shard, seq, id, appended, data)`: primary key (log, shard, seq) for reads
  in offset order; unique (log, shard, id) for dedup; (log, appended) for trims by age.
  Names are text COLLATE "C": byte order, what `shards` promises, with no locale cost.
- `log_append(...)`: a whole append in one statement, so one round trip and one transaction,
  durable at its COMMIT (synchronous_commit on). It locks the shard's row (FOR UPDATE, after
  creating it if new), then, each statement seeing what committed before the lock was granted
  (READ COMMITTED, a fresh snapshot per statement), looks each id up and numbers the new ones
  from last_offset. The lock is released only at COMMIT, after the commit is visible: the next
  append of the shard numbers after it and commits after it, so offsets are gap-free per shard
  and increase in commit order, and a reader never sees a lower offset appear after a higher.
- Migration 2: records carry a `key`; shards count their records and data bytes and keep the
  time of their last append (`records`, `data_bytes`, `last_appended`), changed in the statement
  that changes the records (log_append takes the keys; trims and deletes update the counters
  they take records off). (log, key, shard, seq) serves keyed scans of a log and trims by key,
  (log, shard, key, seq) scans of one shard and its lowest and highest key. The five-argument
  log_append of migration 1 stays, as a call of the new one with keys 0, for processes of the
  release before that still run against an upgraded schema.
"""

from __future__ import annotations

from collections.abc import Sequence

from ownstack.backends.postgres.migrations import Migration

COMPONENT = "logs"

_APPEND = """CREATE OR REPLACE FUNCTION log_append(
        p_log text, p_shard text, p_ids text[], p_data bytea[], p_now float8)
    RETURNS bigint[]
    LANGUAGE plpgsql AS $fn$
DECLARE
    v_last bigint;
    v_offset bigint;
    v_offsets bigint[] := '{}';
    v_i integer;
BEGIN
    LOOP  -- again if a concurrent delete_log removed the row while we waited for its lock
        INSERT INTO log_shards(log, shard, last_offset) VALUES (p_log, p_shard, 0)
            ON CONFLICT (log, shard) DO NOTHING;
        SELECT s.last_offset INTO v_last FROM log_shards s
            WHERE s.log = p_log AND s.shard = p_shard FOR UPDATE;
        EXIT WHEN v_last IS NOT NULL;
    END LOOP;
    FOR v_i IN 1 .. coalesce(cardinality(p_ids), 0) LOOP
        SELECT r.seq INTO v_offset FROM log_records r
            WHERE r.log = p_log AND r.shard = p_shard AND r.id = p_ids[v_i];
        IF v_offset IS NULL THEN
            v_last := v_last + 1;
            INSERT INTO log_records(log, shard, seq, id, appended, data)
                VALUES (p_log, p_shard, v_last, p_ids[v_i], p_now, p_data[v_i]);
            v_offset := v_last;
        END IF;
        v_offsets := v_offsets || v_offset;
    END LOOP;
    UPDATE log_shards s SET last_offset = v_last WHERE s.log = p_log AND s.shard = p_shard;
    RETURN v_offsets;
END
$fn$"""

_APPEND_KEYED = """CREATE FUNCTION log_append(
        p_log text, p_shard text, p_ids text[], p_data bytea[], p_keys bigint[], p_now float8)
    RETURNS bigint[]
    LANGUAGE plpgsql AS $fn$
DECLARE
    v_first bigint;
    v_last bigint;
    v_offset bigint;
    v_offsets bigint[] := '{}';
    v_bytes bigint := 0;
    v_i integer;
BEGIN
    LOOP  -- again if a concurrent delete removed the row while we waited for its lock
        INSERT INTO log_shards(log, shard, last_offset) VALUES (p_log, p_shard, 0)
            ON CONFLICT (log, shard) DO NOTHING;
        SELECT s.last_offset INTO v_last FROM log_shards s
            WHERE s.log = p_log AND s.shard = p_shard FOR UPDATE;
        EXIT WHEN v_last IS NOT NULL;
    END LOOP;
    v_first := v_last;
    FOR v_i IN 1 .. coalesce(cardinality(p_ids), 0) LOOP
        SELECT r.seq INTO v_offset FROM log_records r
            WHERE r.log = p_log AND r.shard = p_shard AND r.id = p_ids[v_i];
        IF v_offset IS NULL THEN
            v_last := v_last + 1;
            INSERT INTO log_records(log, shard, seq, id, appended, data, key)
                VALUES (p_log, p_shard, v_last, p_ids[v_i], p_now, p_data[v_i], p_keys[v_i]);
            v_bytes := v_bytes + length(p_data[v_i]);
            v_offset := v_last;
        END IF;
        v_offsets := v_offsets || v_offset;
    END LOOP;
    IF v_last <> v_first THEN
        UPDATE log_shards s SET last_offset = v_last, records = s.records + (v_last - v_first),
            data_bytes = s.data_bytes + v_bytes, last_appended = p_now
            WHERE s.log = p_log AND s.shard = p_shard;
    END IF;
    RETURN v_offsets;
END
$fn$"""

_APPEND_UNKEYED = """CREATE OR REPLACE FUNCTION log_append(
        p_log text, p_shard text, p_ids text[], p_data bytea[], p_now float8)
    RETURNS bigint[]
    LANGUAGE sql AS $fn$
    SELECT log_append(p_log, p_shard, p_ids, p_data,
        array_fill(0::bigint, ARRAY[coalesce(cardinality(p_ids), 0)]), p_now)
$fn$"""

_COUNT_FROM_RECORDS = """UPDATE log_shards s SET
    records = c.records, data_bytes = c.data_bytes, last_appended = c.last_appended
    FROM (SELECT log, shard, count(*) AS records, sum(length(data)) AS data_bytes,
            max(appended) AS last_appended
        FROM log_records GROUP BY log, shard) c
    WHERE s.log = c.log AND s.shard = c.shard"""

MIGRATIONS = (
    Migration(
        1,
        "shards, records and log_append",
        (
            """CREATE TABLE log_shards(
                log text COLLATE "C" NOT NULL,
                shard text COLLATE "C" NOT NULL,
                last_offset bigint NOT NULL,
                PRIMARY KEY (log, shard))""",
            """CREATE TABLE log_records(
                log text COLLATE "C" NOT NULL,
                shard text COLLATE "C" NOT NULL,
                seq bigint NOT NULL,
                id text COLLATE "C" NOT NULL,
                appended float8 NOT NULL,
                data bytea NOT NULL,
                PRIMARY KEY (log, shard, seq),
                UNIQUE (log, shard, id))""",
            "CREATE INDEX log_records_age ON log_records(log, appended)",
            _APPEND,
        ),
    ),
    Migration(
        2,
        "keys and shard counters",
        (
            "ALTER TABLE log_records ADD COLUMN key bigint NOT NULL DEFAULT 0",
            """ALTER TABLE log_shards ADD COLUMN records bigint NOT NULL DEFAULT 0,
                ADD COLUMN data_bytes bigint NOT NULL DEFAULT 0,
                ADD COLUMN last_appended float8 NOT NULL DEFAULT 0""",
            _COUNT_FROM_RECORDS,
            "CREATE INDEX log_records_key ON log_records(log, key, shard, seq)",
            "CREATE INDEX log_records_shard_key ON log_records(log, shard, key, seq)",
            _APPEND_KEYED,
            _APPEND_UNKEYED,
        ),
    ),
)

APPEND = "SELECT log_append($1, $2, $3, $4, $5::bigint[], $6)"
READ = """SELECT seq, id, data, appended, key FROM log_records
    WHERE log = $1 AND shard = $2 AND seq > $3 ORDER BY seq LIMIT $4"""
SHARDS = """SELECT s.shard,
        coalesce((SELECT min(r.seq) FROM log_records r WHERE r.log = s.log AND r.shard = s.shard),
            s.last_offset + 1),
        s.last_offset
    FROM log_shards s WHERE s.log = $1 ORDER BY s.shard"""


def _removal(condition: str) -> str:
    """Delete the records of log $1 that `condition` picks, taking them off their shards'
    counters, in one statement (PostgreSQL runs a data-modifying WITH to completion whether
    or not the query reads it); answers how many went."""
    # `condition` is one of this module's; the values are parameters ($2).
    return f"""WITH gone AS (
        DELETE FROM log_records WHERE log = $1 AND {condition}
        RETURNING shard, length(data) AS size),
    counted AS (SELECT shard, count(*) AS n, sum(size) AS size FROM gone GROUP BY shard),
    uncounted AS (
        UPDATE log_shards s SET records = s.records - c.n, data_bytes = s.data_bytes - c.size
        FROM counted c WHERE s.log = $1 AND s.shard = c.shard)
    SELECT coalesce(sum(n), 0)::bigint FROM counted"""  # noqa: S608


TRIM = _removal("appended < $2")
TRIM_KEYS = _removal("key < $2")
DELETE_SHARD_RECORDS = "DELETE FROM log_records WHERE log = $1 AND shard = $2"
DELETE_SHARD = "DELETE FROM log_shards WHERE log = $1 AND shard = $2"
STATS = """SELECT s.shard, s.records, s.data_bytes,
        (SELECT min(r.key) FROM log_records r WHERE r.log = s.log AND r.shard = s.shard),
        (SELECT max(r.key) FROM log_records r WHERE r.log = s.log AND r.shard = s.shard),
        s.last_appended, s.last_offset
    FROM log_shards s WHERE s.log = $1 AND ($2::text[] IS NULL OR s.shard = ANY($2::text[]))
    ORDER BY s.shard"""


def scan_statement(
    log: str,
    shards: Sequence[str] | None,
    shard_prefix: str,
    key_from: int | None,
    key_to: int | None,
    after: tuple[int, str, int] | None,
    descending: bool,
    limit: int,
) -> tuple[str, list[object]]:
    """The SELECT of a keyed scan (ports/logs.py `scan`) and its parameters."""
    params: list[object] = [log]

    def arg(value: object) -> str:
        params.append(value)
        return f"${len(params)}"

    sql = ["SELECT shard, seq, id, data, appended, key FROM log_records WHERE log = $1"]
    if shards is not None:
        sql.append(f" AND shard = ANY({arg(list(shards))}::text[])")
    elif shard_prefix:
        sql.append(f" AND starts_with(shard, {arg(shard_prefix)})")
    if key_from is not None:
        sql.append(f" AND key >= {arg(key_from)}")
    if key_to is not None:
        sql.append(f" AND key < {arg(key_to)}")
    if after is not None:
        # The key bound on its own too, for the index scan to start at it.
        sql.append(f" AND key {'<=' if descending else '>='} {arg(after[0])}")
        where = f"({arg(after[0])}::bigint, {arg(after[1])}::text, {arg(after[2])}::bigint)"
        sql.append(f" AND (key, shard, seq) {'<' if descending else '>'} {where}")
    order = " DESC" if descending else ""
    sql.append(f" ORDER BY key{order}, shard{order}, seq{order} LIMIT {arg(limit)}")
    return "".join(sql), params


DELETE_RECORDS = "DELETE FROM log_records WHERE log = $1"
DELETE_SHARDS = "DELETE FROM log_shards WHERE log = $1"
