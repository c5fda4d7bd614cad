import type pg from 'pg';

/** Channel the append function notifies on commit; the payload is the last appended position. */
export const APPENDED_CHANNEL = 'countersign_es_appended';

/** SQLSTATEs raised by countersign_append (class "CS" is unused by PostgreSQL). */
export const REVISION_CONFLICT_SQLSTATE = 'CS001';
export const IDEMPOTENCY_MISMATCH_SQLSTATE = 'CS002';
export const EVENT_ID_UNIQUE_CONSTRAINT = 'es_events_event_id_key';

/**
 * Appends in one autocommit round trip, assigning positions in commit order (ADR 0002):
 * the single es_log_head row is locked last and held until commit, so positions are gap-free
 * (a rollback undoes them) and become visible in position order.
 */
const APPEND_FUNCTION = `
CREATE OR REPLACE FUNCTION countersign_append(p_stream text, p_expected text, p_events jsonb)
RETURNS TABLE (next_expected_revision bigint, last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_count int := jsonb_array_length(p_events);
  v_current bigint;
  v_found int;
  v_is_retry boolean;
  v_retry_revision bigint;
  v_retry_position bigint;
  v_matches boolean;
  v_last bigint;
BEGIN
  -- The stream row lock serialises writers of one stream, retries included.
  INSERT INTO es_streams (stream_name, revision) VALUES (p_stream, -1)
    ON CONFLICT (stream_name) DO NOTHING;
  SELECT s.revision INTO v_current FROM es_streams s WHERE s.stream_name = p_stream FOR UPDATE;

  -- A retry of an acknowledged append finds all its ids in this stream, consecutive and in
  -- order; it succeeds with the original result even though its expected revision is now stale.
  SELECT count(*),
         coalesce(bool_and(e.stream_name = p_stream), false)
           AND count(DISTINCT e.stream_revision - t.ord) = 1,
         max(e.stream_revision),
         max(e.position)
    INTO v_found, v_is_retry, v_retry_revision, v_retry_position
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(event, ord)
    JOIN es_events e ON e.event_id = (t.event ->> 'id')::uuid;
  IF v_found = v_count AND v_is_retry THEN
    RETURN QUERY SELECT v_retry_revision, v_retry_position;
    RETURN;
  ELSIF v_found > 0 THEN
    RAISE EXCEPTION 'event ids reused' USING ERRCODE = '${IDEMPOTENCY_MISMATCH_SQLSTATE}',
      DETAIL = format('%s of %s event ids already exist, but not as this append to this stream', v_found, v_count);
  END IF;

  -- IF rather than CASE: a cast in a CASE branch may be evaluated early and fail.
  IF p_expected = 'any' THEN
    v_matches := true;
  ELSIF p_expected = 'no_stream' THEN
    v_matches := v_current = -1;
  ELSIF p_expected = 'stream_exists' THEN
    v_matches := v_current >= 0;
  ELSE
    v_matches := v_current = p_expected::bigint;
  END IF;
  IF NOT v_matches THEN
    RAISE EXCEPTION 'stream revision conflict' USING ERRCODE = '${REVISION_CONFLICT_SQLSTATE}',
      DETAIL = v_current::text;
  END IF;

  UPDATE es_streams SET revision = v_current + v_count WHERE stream_name = p_stream;

  -- As late as possible: from here until commit every other append waits for this one.
  UPDATE es_log_head SET position = position + v_count RETURNING position INTO v_last;
  INSERT INTO es_events (position, event_id, stream_name, stream_revision, event_type, data, metadata)
    SELECT v_last - v_count + t.ord,
           (t.event ->> 'id')::uuid,
           p_stream,
           v_current + t.ord,
           t.event ->> 'type',
           t.event -> 'data',
           coalesce(t.event -> 'metadata', '{}'::jsonb)
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(event, ord);
  PERFORM pg_notify('${APPENDED_CHANNEL}', v_last::text);
  RETURN QUERY SELECT v_current + v_count, v_last;
END
$fn$`;

/**
 * Application-level group commit (ADR 0002, "Group commit"): several appends in ONE transaction,
 * so they share a WAL flush. `p_appends` is `[{ stream, expected, events: [...] }, ...]`; one row
 * comes back per append, in array order, with the outcome countersign_append would have given had
 * the appends run one after another in that order ('ok', 'conflict' with the actual revision,
 * 'id_reused' with a detail). Conditions are checked, not raised: an EXCEPTION block per append
 * would be a subtransaction each, and more than 64 overflow the subxid cache of every snapshot.
 *
 * Locks, in this order, so batches and single appends cannot deadlock: the stream rows in
 * byte-wise name order (created first if missing, also in that order), then es_log_head once for
 * the whole batch, as late as possible. An error aborts the whole batch (for example a unique
 * violation when another stream committed one of the ids after the check); the caller then
 * appends each member alone with countersign_append.
 */
const APPEND_BATCH_FUNCTION = `
CREATE OR REPLACE FUNCTION countersign_append_batch(p_appends jsonb)
RETURNS TABLE (ordinality int, outcome text, next_expected_revision bigint, last_position bigint,
               actual_revision bigint, detail text)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_appends int;
  v_streams text[];
  v_created text[];            -- stream rows this batch inserted
  v_revisions bigint[];        -- per locked stream: its revision as the appends so far left it
  v_locked_revisions bigint[]; -- per locked stream: its revision when locked
  v_ids uuid[];
  -- Event ids an append could collide with: those already stored and, when some id occurs twice
  -- in the batch, those accepted earlier in it (position NULL, seq set until the head is known).
  v_track boolean;
  k_ids uuid[];
  k_streams text[];
  k_revisions bigint[];
  k_positions bigint[];
  k_seqs bigint[];
  v_append jsonb;
  v_stream text;
  v_expected text;
  v_events jsonb;
  v_count int;
  v_slot int;
  v_current bigint;
  v_matches boolean;
  v_found int;
  v_is_retry boolean;
  v_retry_revision bigint;
  v_retry_position bigint;
  v_retry_seq bigint;
  v_seq bigint := 0;           -- events accepted so far; accepted event k gets position head + k
  a_ordinals int[] := '{}';    -- accepted appends, with their stream revision and seq before them
  a_revisions bigint[] := '{}';
  a_seqs bigint[] := '{}';
  r_outcomes text[];           -- one entry per append
  r_revisions bigint[];
  r_positions bigint[];
  r_seqs bigint[];
  r_actuals bigint[];
  r_details text[];
  v_head bigint;
BEGIN
  IF jsonb_typeof(p_appends) IS DISTINCT FROM 'array' OR p_appends = '[]'::jsonb OR EXISTS (
       SELECT FROM jsonb_array_elements(p_appends) a
        WHERE jsonb_typeof(a -> 'stream') IS DISTINCT FROM 'string'
           OR jsonb_typeof(a -> 'expected') IS DISTINCT FROM 'string'
           OR jsonb_typeof(a -> 'events') IS DISTINCT FROM 'array' OR a -> 'events' = '[]'::jsonb) THEN
    RAISE EXCEPTION 'countersign_append_batch expects a non-empty array of {stream, expected, events}'
      USING ERRCODE = '22023';
  END IF;
  v_appends := jsonb_array_length(p_appends);
  -- Filled with NULLs up front so every result array keeps the same length and bounds.
  r_outcomes := array_fill(NULL::text, ARRAY[v_appends]);
  r_revisions := array_fill(NULL::bigint, ARRAY[v_appends]);
  r_positions := r_revisions;
  r_seqs := r_revisions;
  r_actuals := r_revisions;
  r_details := r_outcomes;

  -- 1. Stream rows: create the missing ones, then lock them all, in one global order.
  v_streams := ARRAY(SELECT DISTINCT a ->> 'stream' COLLATE "C" AS name FROM jsonb_array_elements(p_appends) a
                      ORDER BY name);
  WITH created AS (
    INSERT INTO es_streams (stream_name, revision)
      SELECT name, -1 FROM unnest(v_streams) AS name ORDER BY name COLLATE "C"
      ON CONFLICT (stream_name) DO NOTHING
      RETURNING stream_name)
  SELECT coalesce(array_agg(stream_name), '{}') INTO v_created FROM created;
  SELECT array_agg(l.stream_name ORDER BY l.stream_name COLLATE "C"),
         array_agg(l.revision ORDER BY l.stream_name COLLATE "C")
    INTO v_streams, v_revisions
    FROM (SELECT s.stream_name, s.revision FROM es_streams s WHERE s.stream_name = ANY (v_streams)
           ORDER BY s.stream_name COLLATE "C" FOR UPDATE) l;
  v_locked_revisions := v_revisions;

  -- 2. Ids that already exist. Those of locked streams cannot change under us any more.
  v_ids := ARRAY(SELECT (e ->> 'id')::uuid FROM jsonb_array_elements(p_appends) a,
                        jsonb_array_elements(a -> 'events') e);
  SELECT coalesce(array_agg(e.event_id), '{}'), coalesce(array_agg(e.stream_name), '{}'),
         coalesce(array_agg(e.stream_revision), '{}'), coalesce(array_agg(e.position), '{}'),
         coalesce(array_agg(NULL::bigint), '{}')
    INTO k_ids, k_streams, k_revisions, k_positions, k_seqs
    FROM es_events e WHERE e.event_id = ANY (v_ids);
  v_track := cardinality(k_ids) > 0
             OR cardinality(v_ids) <> (SELECT count(DISTINCT i) FROM unnest(v_ids) AS i);

  -- 3. Each append, in array order, against the state the previous ones left.
  FOR i IN 1 .. v_appends LOOP
    v_append := p_appends -> (i - 1);
    v_stream := v_append ->> 'stream';
    v_expected := v_append ->> 'expected';
    v_events := v_append -> 'events';
    v_count := jsonb_array_length(v_events);
    v_slot := array_position(v_streams, v_stream);
    v_current := v_revisions[v_slot];

    v_found := 0;
    IF v_track THEN
      -- As in countersign_append: a retry finds all its ids in this stream, consecutive and in order.
      SELECT count(*),
             coalesce(bool_and(k.stream_name = v_stream), false) AND count(DISTINCT k.revision - t.n) = 1,
             max(k.revision),
             (array_agg(k.position ORDER BY t.n DESC))[1],
             (array_agg(k.seq ORDER BY t.n DESC))[1]
        INTO v_found, v_is_retry, v_retry_revision, v_retry_position, v_retry_seq
        FROM jsonb_array_elements(v_events) WITH ORDINALITY AS t(event, n)
        JOIN unnest(k_ids, k_streams, k_revisions, k_positions, k_seqs) AS k(id, stream_name, revision, position, seq)
          ON k.id = (t.event ->> 'id')::uuid;
    END IF;

    IF v_found = v_count AND v_is_retry THEN
      r_outcomes[i] := 'ok';
      r_revisions[i] := v_retry_revision;
      r_positions[i] := v_retry_position;
      r_seqs[i] := v_retry_seq;
      CONTINUE;
    ELSIF v_found > 0 THEN
      r_outcomes[i] := 'id_reused';
      r_details[i] := format('%s of %s event ids already exist, but not as this append to this stream',
                             v_found, v_count);
      CONTINUE;
    END IF;

    IF v_expected = 'any' THEN
      v_matches := true;
    ELSIF v_expected = 'no_stream' THEN
      v_matches := v_current = -1;
    ELSIF v_expected = 'stream_exists' THEN
      v_matches := v_current >= 0;
    ELSE
      v_matches := v_current = v_expected::bigint;
    END IF;
    IF NOT v_matches THEN
      r_outcomes[i] := 'conflict';
      r_actuals[i] := v_current;
      CONTINUE;
    END IF;

    a_ordinals := a_ordinals || i;
    a_revisions := a_revisions || v_current;
    a_seqs := a_seqs || v_seq;
    IF v_track THEN
      k_ids := k_ids || ARRAY(SELECT (e ->> 'id')::uuid FROM jsonb_array_elements(v_events) e);
      k_streams := k_streams || array_fill(v_stream, ARRAY[v_count]);
      k_revisions := k_revisions || ARRAY(SELECT v_current + n FROM generate_series(1, v_count) n);
      k_positions := k_positions || array_fill(NULL::bigint, ARRAY[v_count]);
      k_seqs := k_seqs || ARRAY(SELECT v_seq + n FROM generate_series(1, v_count) n);
    END IF;
    v_revisions[v_slot] := v_current + v_count;
    v_seq := v_seq + v_count;
    r_outcomes[i] := 'ok';
    r_revisions[i] := v_current + v_count;
    r_seqs[i] := v_seq;
  END LOOP;

  UPDATE es_streams s SET revision = u.revision
    FROM unnest(v_streams, v_revisions, v_locked_revisions) AS u(stream_name, revision, locked_revision)
   WHERE u.revision <> u.locked_revision AND s.stream_name = u.stream_name;
  -- A rejected append must not leave a stream behind (countersign_append's rollback would not).
  -- Nobody else has seen these rows: a concurrent creator waits for our commit, then inserts.
  IF cardinality(v_created) > 0 THEN
    DELETE FROM es_streams s
     USING unnest(v_streams, v_revisions) AS u(stream_name, revision)
     WHERE u.revision = -1 AND u.stream_name = ANY (v_created) AND s.stream_name = u.stream_name;
  END IF;

  -- 4. Last and once: from here until commit every other append waits for this batch.
  IF v_seq > 0 THEN
    UPDATE es_log_head SET position = position + v_seq RETURNING position - v_seq INTO v_head;
    INSERT INTO es_events (position, event_id, stream_name, stream_revision, event_type, data, metadata)
      SELECT v_head + a.seq + t.n,
             (t.event ->> 'id')::uuid,
             p_appends -> (a.ordinal - 1) ->> 'stream',
             a.revision + t.n,
             t.event ->> 'type',
             t.event -> 'data',
             coalesce(t.event -> 'metadata', '{}'::jsonb)
        FROM unnest(a_ordinals, a_revisions, a_seqs) AS a(ordinal, revision, seq)
        CROSS JOIN LATERAL jsonb_array_elements(p_appends -> (a.ordinal - 1) -> 'events') WITH ORDINALITY AS t(event, n)
       ORDER BY a.seq, t.n;
    PERFORM pg_notify('${APPENDED_CHANNEL}', (v_head + v_seq)::text);
  END IF;

  RETURN QUERY
    SELECT r.n::int, r.outcome, r.revision, coalesce(r.position, v_head + r.seq), r.actual, r.detail
      FROM unnest(r_outcomes, r_revisions, r_positions, r_seqs, r_actuals, r_details)
           WITH ORDINALITY AS r(outcome, revision, position, seq, actual, detail, n)
     ORDER BY r.n;
END
$fn$`;

/** Idempotent DDL shared by the TypeORM migration and ensureEventStoreSchema. */
export const EVENT_STORE_SCHEMA_UP: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS es_log_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position bigint NOT NULL
  )`,
  `INSERT INTO es_log_head (singleton, position) VALUES (true, 0) ON CONFLICT DO NOTHING`,
  `CREATE TABLE IF NOT EXISTS es_streams (
    stream_name text PRIMARY KEY,
    revision bigint NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS es_events (
    position bigint PRIMARY KEY,
    event_id uuid NOT NULL,
    stream_name text NOT NULL,
    stream_revision bigint NOT NULL,
    event_type text NOT NULL,
    data jsonb NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT ${EVENT_ID_UNIQUE_CONSTRAINT} UNIQUE (event_id),
    CONSTRAINT es_events_stream_revision_key UNIQUE (stream_name, stream_revision)
  )`,
  APPEND_FUNCTION,
];

export const EVENT_STORE_SCHEMA_DOWN: readonly string[] = [
  `DROP FUNCTION IF EXISTS countersign_append(text, text, jsonb)`,
  `DROP TABLE IF EXISTS es_events`,
  `DROP TABLE IF EXISTS es_streams`,
  `DROP TABLE IF EXISTS es_log_head`,
];

/** Idempotent DDL of group commit (a later migration, so databases migrated before it get it too). */
export const APPEND_BATCH_SCHEMA_UP: readonly string[] = [APPEND_BATCH_FUNCTION];

export const APPEND_BATCH_SCHEMA_DOWN: readonly string[] = [`DROP FUNCTION IF EXISTS countersign_append_batch(jsonb)`];

/** Creates the event store tables and append function if missing (for tools and tests without TypeORM). */
export async function ensureEventStoreSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // CREATE ... IF NOT EXISTS is not safe against a concurrent CREATE of the same table.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['countersign_event_store_schema']);
    for (const statement of [...EVENT_STORE_SCHEMA_UP, ...APPEND_BATCH_SCHEMA_UP]) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
