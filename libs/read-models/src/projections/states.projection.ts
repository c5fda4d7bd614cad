import { applyOps, type JsonValue, type MutationApplied } from '@countersign/domain';
import type { RecordedEvent } from '@countersign/event-store';
import type { Projection, SqlExecutor } from './projection.js';

type Applied = MutationApplied & RecordedEvent;

function appliedIn(events: readonly RecordedEvent[]): Applied[] {
  return events.filter((event) => event.type === 'MutationApplied') as unknown as Applied[];
}

/**
 * Current document and version of every state (`states`). Set-based: the batch's states are
 * read with one query, their changes folded in memory in log order, and written with one upsert.
 */
export const statesProjection: Projection = {
  name: 'states',
  tables: ['states'],
  async apply(events, sql) {
    const applied = appliedIn(events);
    if (applied.length === 0) return;
    const key = (stateType: string, stateId: string) => `${stateType}\u0000${stateId}`;
    const documents = await loadDocuments(sql, applied);
    const latest = new Map<string, { stateType: string; stateId: string; document: JsonValue; version: number; mutationId: string; appliedAt: string; position: number }>();
    for (const event of applied) {
      const { data } = event;
      const id = key(data.stateType, data.stateId);
      const after = applyOps(documents.get(id) ?? null, data.ops);
      documents.set(id, after);
      latest.set(id, { stateType: data.stateType, stateId: data.stateId, document: after, version: data.version, mutationId: data.mutationId, appliedAt: data.appliedAt, position: event.position });
    }
    const rows = [...latest.values()];
    await sql.query(
      `INSERT INTO states (state_type, state_id, document, version, last_mutation_id, updated_at, position)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::integer[], $5::uuid[], $6::timestamptz[], $7::bigint[])
       ON CONFLICT (state_type, state_id) DO UPDATE SET
         document = EXCLUDED.document, version = EXCLUDED.version, last_mutation_id = EXCLUDED.last_mutation_id,
         updated_at = EXCLUDED.updated_at, position = EXCLUDED.position`,
      [
        rows.map((row) => row.stateType),
        rows.map((row) => row.stateId),
        rows.map((row) => JSON.stringify(row.document)),
        rows.map((row) => row.version),
        rows.map((row) => row.mutationId),
        rows.map((row) => row.appliedAt),
        rows.map((row) => row.position),
      ],
    );
  },
};

/** The current documents of the states a batch changes, in one query. */
async function loadDocuments(sql: SqlExecutor, applied: readonly Applied[]): Promise<Map<string, JsonValue | null>> {
  const types = applied.map((event) => event.data.stateType);
  const ids = applied.map((event) => event.data.stateId);
  const rows = (await sql.query(
    `SELECT s.state_type, s.state_id, s.document FROM states s JOIN unnest($1::text[], $2::text[]) AS k(state_type, state_id) USING (state_type, state_id)`,
    [types, ids],
  )) as { state_type: string; state_id: string; document: JsonValue }[];
  return new Map(rows.map((row) => [`${row.state_type}\u0000${row.state_id}`, row.document]));
}

/** One row per applied version of every state (`state_history`), one statement per batch. */
export const stateHistoryProjection: Projection = {
  name: 'state_history',
  tables: ['state_history'],
  async apply(events, sql) {
    const applied = appliedIn(events);
    if (applied.length === 0) return;
    await sql.query(
      `INSERT INTO state_history (state_type, state_id, version, mutation_id, transition, diff, actor_id, actor_kind, applied_at, position)
       SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::uuid[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::timestamptz[], $10::bigint[])
       ON CONFLICT DO NOTHING`,
      [
        applied.map((event) => event.data.stateType),
        applied.map((event) => event.data.stateId),
        applied.map((event) => event.data.version),
        applied.map((event) => event.data.mutationId),
        applied.map((event) => event.data.transition),
        applied.map((event) => JSON.stringify(event.data.diff)),
        applied.map((event) => event.data.actor.id),
        applied.map((event) => event.data.actor.kind),
        applied.map((event) => event.data.appliedAt),
        applied.map((event) => event.position),
      ],
    );
  },
};
