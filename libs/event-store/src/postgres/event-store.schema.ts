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

/** Creates the event store tables and append function if missing (for tools and tests without TypeORM). */
export async function ensureEventStoreSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // CREATE ... IF NOT EXISTS is not safe against a concurrent CREATE of the same table.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['countersign_event_store_schema']);
    for (const statement of EVENT_STORE_SCHEMA_UP) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
