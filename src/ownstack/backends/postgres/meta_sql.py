"""The meta store's schema (as migrations) and statements (bare names: each connection's
search_path is the store's schema).

- `meta_records(ns, key, value, version)`, primary key (ns, key). `key` is the key's UTF-8
  bytes (bytea): bytea compares byte by byte, the order the port promises, and unlike text it
  holds NUL, which keys may contain. `ns` is text COLLATE "C" (byte order, no locale cost).
- `meta_version`: one sequence value per commit; every Put of the commit carries it.
- `meta_commit(...)`: a whole commit in one statement, so one round trip and one transaction,
  durable at its COMMIT. It first takes a transaction-scoped advisory lock for every key the
  commit touches (conditions too: a guard must conflict with the write it guards against,
  which a row lock cannot do for a row that does not exist yet), in ascending order so two
  commits never deadlock; then, each statement seeing what committed before its lock was
  granted (READ COMMITTED, a fresh snapshot per statement), it checks the expectations,
  takes the version and writes. The version is taken while every lock is held, so of two
  commits that share a key the later one has the higher version, as a single writer gives.
- `meta_commit_many(...)`: several independent commits (concurrent callers') in one statement
  and one transaction, so one WAL flush for all (group commit, as the sqlite engine does). It
  takes the advisory locks of every commit first, all in one ascending order, then applies the
  commits one after another in the order given, each with its own version and its own outcome:
  a failed expectation skips that commit only. Applied in order, each sees the ones before it,
  so the outcome is the outcome of running them one by one.
"""

from __future__ import annotations

from ownstack.backends.postgres.migrations import Migration

COMPONENT = "meta"

PUT, DELETE, CHECK = 0, 1, 2
"""Op kinds as meta_commit takes them."""

_FUNCTION = """CREATE OR REPLACE FUNCTION meta_commit(
        p_kinds smallint[], p_nss text[], p_keys bytea[], p_values bytea[],
        p_expects bigint[], p_absents boolean[], p_locks bigint[], p_conditional boolean,
        p_want_prev boolean,
        OUT committed bigint, OUT failed integer, OUT prev_value bytea, OUT prev_version bigint)
    LANGUAGE plpgsql AS $fn$
DECLARE
    lock_id bigint;
BEGIN
    -- Ascending and distinct (the caller sorts them): commits never wait on each other in a
    -- cycle.
    FOREACH lock_id IN ARRAY p_locks LOOP
        PERFORM pg_advisory_xact_lock(lock_id);
    END LOOP;
    IF p_conditional THEN
        -- Every condition against the state before this commit; the first failing one wins.
        SELECT min(o.i) - 1 INTO failed
        FROM unnest(p_nss, p_keys, p_expects, p_absents) WITH ORDINALITY
            AS o(ns, key, expect, absent, i)
        LEFT JOIN meta_records r ON r.ns = o.ns AND r.key = o.key
        WHERE (o.absent AND r.version IS NOT NULL)
            OR (o.expect IS NOT NULL AND r.version IS DISTINCT FROM o.expect);
        IF failed IS NOT NULL THEN
            RETURN;
        END IF;
    END IF;
    committed := nextval('meta_version');
    IF p_want_prev THEN
        SELECT r.value, r.version INTO prev_value, prev_version
        FROM meta_records r WHERE r.ns = p_nss[1] AND r.key = p_keys[1];
    END IF;
    IF cardinality(p_kinds) = 1 THEN  -- most commits: one statement, no set logic
        IF p_kinds[1] = 0 THEN
            INSERT INTO meta_records(ns, key, value, version)
            VALUES (p_nss[1], p_keys[1], p_values[1], committed)
            ON CONFLICT (ns, key)
                DO UPDATE SET value = excluded.value, version = excluded.version;
        ELSIF p_kinds[1] = 1 THEN
            DELETE FROM meta_records r WHERE r.ns = p_nss[1] AND r.key = p_keys[1];
        END IF;
        RETURN;
    END IF;
    -- Only the last write to each key counts (a later Put wins, a Delete after a Put removes).
    WITH last AS (
        SELECT DISTINCT ON (o.ns, o.key) o.ns, o.key, o.kind, o.value
        FROM unnest(p_kinds, p_nss, p_keys, p_values) WITH ORDINALITY AS o(kind, ns, key, value, i)
        WHERE o.kind <> 2
        ORDER BY o.ns, o.key, o.i DESC),
    gone AS (
        DELETE FROM meta_records r USING last l
        WHERE l.kind = 1 AND r.ns = l.ns AND r.key = l.key)
    INSERT INTO meta_records(ns, key, value, version)
    SELECT l.ns, l.key, l.value, committed FROM last l WHERE l.kind = 0
    ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, version = excluded.version;
END
$fn$"""

_INDEXED = """CREATE OR REPLACE FUNCTION meta_commit(
        p_kinds smallint[], p_nss text[], p_keys bytea[], p_values bytea[],
        p_expects bigint[], p_absents boolean[], p_locks bigint[], p_conditional boolean,
        p_want_prev boolean,
        OUT committed bigint, OUT failed integer, OUT prev_value bytea, OUT prev_version bigint)
    LANGUAGE plpgsql AS $fn$
DECLARE
    lock_id bigint;
    found_version bigint;
BEGIN
    FOREACH lock_id IN ARRAY p_locks LOOP
        PERFORM pg_advisory_xact_lock(lock_id);
    END LOOP;
    -- Op by op, each a primary-key lookup or write. (Version 2 joined the ops' arrays with the
    -- table: PL/pgSQL plans that join once per session, and a plan made while the table was
    -- small kept a sequential scan of it for the life of the connection.)
    IF p_conditional THEN
        -- Every condition against the state before this commit; the first failing one wins.
        FOR i IN 1 .. cardinality(p_kinds) LOOP
            CONTINUE WHEN NOT p_absents[i] AND p_expects[i] IS NULL;
            SELECT r.version INTO found_version
            FROM meta_records r WHERE r.ns = p_nss[i] AND r.key = p_keys[i];
            IF (p_absents[i] AND found_version IS NOT NULL)
                    OR (p_expects[i] IS NOT NULL AND found_version IS DISTINCT FROM p_expects[i])
            THEN
                failed := i - 1;
                RETURN;
            END IF;
        END LOOP;
    END IF;
    committed := nextval('meta_version');
    IF p_want_prev THEN
        SELECT r.value, r.version INTO prev_value, prev_version
        FROM meta_records r WHERE r.ns = p_nss[1] AND r.key = p_keys[1];
    END IF;
    -- In order, so the last write to a key is what stays (a Delete after a Put removes).
    FOR i IN 1 .. cardinality(p_kinds) LOOP
        IF p_kinds[i] = 0 THEN
            INSERT INTO meta_records(ns, key, value, version)
            VALUES (p_nss[i], p_keys[i], p_values[i], committed)
            ON CONFLICT (ns, key)
                DO UPDATE SET value = excluded.value, version = excluded.version;
        ELSIF p_kinds[i] = 1 THEN
            DELETE FROM meta_records r WHERE r.ns = p_nss[i] AND r.key = p_keys[i];
        END IF;
    END LOOP;
END
$fn$"""

_MANY = """CREATE OR REPLACE FUNCTION meta_commit_many(
        p_ends integer[], p_kinds smallint[], p_nss text[], p_keys bytea[], p_values bytea[],
        p_expects bigint[], p_absents boolean[], p_locks bigint[], p_conditional boolean[],
        p_want_prev boolean[])
    RETURNS TABLE(committed bigint, failed integer, prev_value bytea, prev_version bigint)
    LANGUAGE plpgsql AS $fn$
DECLARE
    lock_id bigint;
    first integer := 1;
    last integer;
    outcome record;
BEGIN
    -- Every commit's locks, ascending and distinct (the caller sorts them), before any write:
    -- a batch never waits on another in a cycle, nor on itself.
    FOREACH lock_id IN ARRAY p_locks LOOP
        PERFORM pg_advisory_xact_lock(lock_id);
    END LOOP;
    FOR i IN 1 .. cardinality(p_ends) LOOP
        last := p_ends[i];
        -- Its locks are held already: meta_commit is given none to take.
        SELECT * INTO outcome FROM meta_commit(
            p_kinds[first:last], p_nss[first:last], p_keys[first:last], p_values[first:last],
            p_expects[first:last], p_absents[first:last], '{}'::bigint[], p_conditional[i],
            p_want_prev[i]);
        committed := outcome.committed;
        failed := outcome.failed;
        prev_value := outcome.prev_value;
        prev_version := outcome.prev_version;
        RETURN NEXT;
        first := last + 1;
    END LOOP;
END
$fn$"""

MIGRATIONS = (
    Migration(
        1,
        "records and the version sequence",
        (
            """CREATE TABLE meta_records(
                ns text COLLATE "C" NOT NULL,
                key bytea NOT NULL,
                value bytea NOT NULL,
                version bigint NOT NULL,
                PRIMARY KEY (ns, key))""",
            "CREATE SEQUENCE meta_version",
        ),
    ),
    Migration(2, "meta_commit: a commit in one statement", (_FUNCTION,)),
    Migration(
        3,
        "meta_commit by primary-key lookups; meta_commit_many: concurrent commits at once",
        (_INDEXED, _MANY),
    ),
)

GET = "SELECT value, version FROM meta_records WHERE ns = $1 AND key = $2"
COMMIT = """SELECT committed, failed, prev_value, prev_version
    FROM meta_commit($1, $2, $3, $4, $5, $6, $7, $8, $9)"""

COMMIT_MANY = """SELECT committed, failed, prev_value, prev_version
    FROM meta_commit_many($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"""

_SCAN = "SELECT key, value, version FROM meta_records WHERE ns = $1 AND key >= $2"
SCANS = {
    (False, False): _SCAN + " ORDER BY key LIMIT $3",
    (True, False): _SCAN + " AND key < $3 ORDER BY key LIMIT $4",
    (False, True): _SCAN + " ORDER BY key DESC LIMIT $3",
    (True, True): _SCAN + " AND key < $3 ORDER BY key DESC LIMIT $4",
}
"""By (bounded above, reverse): one plan each, prepared once per connection."""
