"""The statements (bare table names: each connection's search_path is the store's schema).
Times are the Clock's epoch seconds, passed in: never the database's now()."""

from __future__ import annotations

SPEC = "SELECT fifo, retention, dedup_window, dedup_per_group FROM queues WHERE id = $1"
SPEC_LOCKED = SPEC + " FOR NO KEY UPDATE"
"""Serializes a FIFO queue's writers (sends, moves into it), so sequence order is commit order.
Standard sends only take the foreign key's KEY SHARE lock, which this does not block."""
CREATE = """INSERT INTO queues(id, fifo, retention, dedup_window, dedup_per_group)
    VALUES($1, $2, $3, $4, $5)
    ON CONFLICT (id) DO UPDATE SET fifo = excluded.fifo, retention = excluded.retention,
        dedup_window = excluded.dedup_window, dedup_per_group = excluded.dedup_per_group"""
DROP = "DELETE FROM queues WHERE id = $1"
PURGE = """WITH gone AS (DELETE FROM messages WHERE queue = $1)
    SELECT EXISTS(SELECT 1 FROM queues WHERE id = $1)"""
ASYNC_COMMIT = "SELECT set_config('synchronous_commit', 'off', true)"
"""For a receive's transaction only: its commit need not wait for the WAL flush (~2.5 ms here).
Losing it in a crash only makes its messages visible again early (at-least-once holds), and a
delete or visibility change with its receipt, itself durable, flushes it first (WAL order)."""
NOTIFY = """SELECT pg_notify($1, q)
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async, unnest($2::text[]) AS q"""
"""One NOTIFY per queue named, in one transaction committed without waiting for a flush."""
FIFO_LOCK = """SELECT pg_advisory_xact_lock(hashtextextended($1, 0)),
    set_config('synchronous_commit', 'off', true)"""
"""One FIFO receiver per queue at a time (group heads depend on what the others took); the
receive commits as ASYNC_COMMIT says."""
NEXT_SEQS = "SELECT nextval('message_seq') FROM generate_series(1, $1)"

SEND = """WITH sent AS (
        INSERT INTO messages(queue, seq, id, body, attributes, sent_at, visible_at, grp, dedup_id)
        SELECT $1, nextval('message_seq'), m.id, m.body, m.attributes, m.sent_at,
            m.sent_at + m.delay, m.grp, m.dedup_id
        FROM unnest($2::float8[], $3::text[], $4::bytea[], $5::bytea[], $6::float8[], $7::text[],
            $8::text[]) WITH ORDINALITY AS m(sent_at, id, body, attributes, delay, grp, dedup_id, n)
        WHERE EXISTS(SELECT 1 FROM queues WHERE id = $1 AND NOT fifo)
        ORDER BY m.n
        RETURNING 1)
    SELECT count(*) FROM sent"""
"""A standard send: one statement, so one commit, with no lock but the foreign key's. Inserts
nothing when the queue is missing or FIFO. One row per message, each with its own sent_at: the
messages of a group commit (batching.py) are those of several calls."""
INSERT = """INSERT INTO messages(queue, seq, id, body, attributes, sent_at, visible_at, grp,
        dedup_id, dead_letter_source)
    SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bytea[], $5::bytea[], $6::float8[],
        $7::float8[], $8::text[], $9::text[], $10::text[])"""
"""Rows with their sequence numbers given (FIFO sends, moves)."""

DEDUP_FIND = """SELECT scope, dedup_id, message_id, seq FROM dedup
    WHERE queue = $1 AND dedup_id = ANY($2::text[]) AND sent_at > $3"""
DEDUP_SAVE = """INSERT INTO dedup(queue, scope, dedup_id, message_id, seq, sent_at)
    SELECT $1, s.*, $6 FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS s
    ON CONFLICT (queue, scope, dedup_id) DO UPDATE SET message_id = excluded.message_id,
        seq = excluded.seq, sent_at = excluded.sent_at"""

PICK_READY = """SELECT seq, receive_count FROM messages
    WHERE queue = $1 AND visible_at <= $2 AND sent_at > $3
    ORDER BY visible_at, seq LIMIT $4 FOR UPDATE SKIP LOCKED"""
"""Standard: any visible messages, the longest visible first, none another receive holds.

Statements given seqs name no queue: a seq is unique across queues and never reused (a moved
message gets a new one), a receipt's MAC binds its seq to the queue it was issued for, and the
primary key on seq alone is then the only index the planner can pick for them (with the queue
as well it may pick the queue's index and walk the whole queue when its statistics are off)."""
PICK_HEADS = """WITH hold AS MATERIALIZED (
        SELECT grp, bool_or(receive_count > 0) AS in_flight, min(seq) AS from_seq
        FROM messages WHERE queue = $1 AND visible_at > $2 AND sent_at > $3 GROUP BY grp)
    SELECT m.seq, m.receive_count FROM messages m
    WHERE m.queue = $1 AND m.visible_at <= $2 AND m.sent_at > $3
        AND NOT EXISTS (SELECT 1 FROM hold h
            WHERE h.grp = m.grp AND (h.in_flight OR h.from_seq < m.seq))
    ORDER BY m.seq LIMIT $4"""
"""FIFO: visible messages in send order, but none of a group with a message in flight, nor one
behind a delayed message of its group. `hold` (the groups with a message not visible) comes
from the short in-flight/delayed range of messages_ready; the main scan walks the primary key
in order and stops at the limit."""
PICK_OLDEST = """SELECT seq FROM messages
    WHERE queue = $1 AND visible_at <= $2 AND sent_at > $3
    ORDER BY sent_at, seq LIMIT $4 FOR UPDATE SKIP LOCKED"""
TAKE = """UPDATE messages m SET visible_at = $2, receive_count = m.receive_count + 1,
        first_received_at = coalesce(m.first_received_at, $1), receipt = gen_random_uuid()
    WHERE m.seq = ANY($3::bigint[]) AND m.visible_at <= $1
    RETURNING m.seq, m.id, m.body, m.attributes, m.sent_at, m.visible_at, m.receive_count,
    m.first_received_at, m.receipt, m.grp, m.dedup_id, m.dead_letter_source"""
TAKE_READY = """UPDATE messages m SET visible_at = $5, receive_count = m.receive_count + 1,
        first_received_at = coalesce(m.first_received_at, $2), receipt = gen_random_uuid()
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async
    WHERE m.seq = ANY(ARRAY(SELECT seq FROM messages
        WHERE queue = $1 AND visible_at <= $2 AND sent_at > $3
        ORDER BY visible_at, seq LIMIT $4 FOR UPDATE SKIP LOCKED))
    RETURNING m.seq, m.id, m.body, m.attributes, m.sent_at, m.visible_at, m.receive_count,
    m.first_received_at, m.receipt, m.grp, m.dedup_id, m.dead_letter_source"""
"""A standard receive without redrive: pick and take in one statement (one commit, as
ASYNC_COMMIT says)."""
RECEIVE = """WITH q AS (SELECT fifo, $2 - retention AS cutoff FROM queues WHERE id = $1),
    taken AS (
        UPDATE messages m SET visible_at = $4, receive_count = m.receive_count + 1,
            first_received_at = coalesce(m.first_received_at, $2), receipt = gen_random_uuid()
        FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async
        WHERE m.seq = ANY(ARRAY(SELECT seq FROM messages
            WHERE queue = $1 AND visible_at <= $2 AND sent_at > (SELECT cutoff FROM q)
                AND NOT (SELECT fifo FROM q)
            ORDER BY visible_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED))
        RETURNING m.seq, m.id, m.body, m.attributes, m.sent_at, m.visible_at, m.receive_count,
            m.first_received_at, m.receipt, m.grp, m.dedup_id, m.dead_letter_source)
    SELECT q.fifo, t.*, CASE WHEN t.seq IS NULL AND NOT q.fifo THEN (SELECT min(visible_at)
            FROM messages WHERE queue = $1 AND visible_at > $2 AND sent_at > q.cutoff) END
        AS wake_at
    FROM q LEFT JOIN taken t ON true"""
"""A standard receive without redrive in one statement (one round trip, one commit, as
ASYNC_COMMIT says): the queue's spec, the messages taken in flight, and when none, when the next
one becomes visible (NEXT_VISIBLE). No row: no queue. One row with a null seq: nothing taken.
On a FIFO queue it takes nothing and says `fifo` (that receive goes the FIFO way)."""
REMOVE = """DELETE FROM messages WHERE seq = ANY($1::bigint[])
    RETURNING seq, id, body, attributes, sent_at, grp, dedup_id"""
NEXT_VISIBLE = """SELECT min(visible_at) FROM messages
    WHERE queue = $1 AND visible_at > $2 AND sent_at > $3"""
ROWS = """SELECT m.seq, m.id, m.body, m.attributes, m.sent_at, m.visible_at, m.receive_count,
    m.first_received_at, m.receipt, m.grp, m.dedup_id, m.dead_letter_source
    FROM messages m WHERE m.seq = ANY($1::bigint[])"""

ATTEMPT_FIND = """SELECT seqs, receipts, visible_ats FROM attempts
    WHERE queue = $1 AND attempt_id = $2 AND made_at > $3"""
ATTEMPT_SAVE = """INSERT INTO attempts(queue, attempt_id, made_at, seqs, receipts, visible_ats)
    VALUES($1, $2, $3, $4, $5, $6)
    ON CONFLICT (queue, attempt_id) DO UPDATE SET made_at = excluded.made_at,
        seqs = excluded.seqs, receipts = excluded.receipts, visible_ats = excluded.visible_ats"""

DELETE = """WITH gone AS (
        DELETE FROM messages m USING unnest($2::bigint[], $3::uuid[]) AS d(seq, receipt)
        WHERE m.seq = d.seq AND m.receipt = d.receipt RETURNING 1)
    SELECT fifo, (SELECT count(*) FROM gone) AS deleted FROM queues WHERE id = $1"""
"""The queue's fifo flag (no row: no queue), and how many messages went."""
CHANGE = """WITH changed AS (
        UPDATE messages m SET visible_at = c.visible_at
        FROM unnest($2::bigint[], $3::uuid[], $4::float8[]) AS c(seq, receipt, visible_at),
            queues q
        WHERE q.id = $1 AND m.seq = c.seq AND m.receipt = c.receipt
            AND m.visible_at > $5 AND m.sent_at > $5 - q.retention
        RETURNING m.seq)
    SELECT EXISTS(SELECT 1 FROM queues WHERE id = $1) AS found,
        array(SELECT seq FROM changed) AS changed"""
"""Only a message in flight under this receipt (and not past retention) changes."""
COUNTS = """SELECT count(*) FILTER (WHERE m.visible_at <= $2) AS visible,
        count(*) FILTER (WHERE m.visible_at > $2 AND m.receive_count > 0) AS in_flight,
        count(*) FILTER (WHERE m.visible_at > $2 AND m.receive_count = 0) AS delayed
    FROM queues q LEFT JOIN messages m ON m.queue = q.id AND m.sent_at > $2 - q.retention
    WHERE q.id = $1 GROUP BY q.id"""
SWEEP = """WITH q AS (SELECT id, retention, dedup_window FROM queues WHERE id = $1),
    old AS (DELETE FROM messages m USING q WHERE m.queue = q.id AND m.sent_at <= $2 - q.retention),
    seen AS (DELETE FROM dedup d USING q WHERE d.queue = q.id AND d.sent_at <= $2 - q.dedup_window),
    tried AS (DELETE FROM attempts a USING q
        WHERE a.queue = q.id AND a.made_at <= $2 - q.dedup_window)
    SELECT 1"""
"""Rows past retention or the dedup window: every statement ignores them already; this only
frees their space."""
