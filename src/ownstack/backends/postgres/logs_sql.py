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
"""

from __future__ import annotations

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
)

APPEND = "SELECT log_append($1, $2, $3, $4, $5)"
READ = """SELECT seq, id, data, appended FROM log_records
    WHERE log = $1 AND shard = $2 AND seq > $3 ORDER BY seq LIMIT $4"""
SHARDS = """SELECT s.shard,
        coalesce((SELECT min(r.seq) FROM log_records r WHERE r.log = s.log AND r.shard = s.shard),
            s.last_offset + 1),
        s.last_offset
    FROM log_shards s WHERE s.log = $1 ORDER BY s.shard"""
TRIM = "DELETE FROM log_records WHERE log = $1 AND appended < $2"
DELETE_RECORDS = "DELETE FROM log_records WHERE log = $1"
DELETE_SHARDS = "DELETE FROM log_shards WHERE log = $1"
