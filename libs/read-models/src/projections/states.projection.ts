import { applyOps, type JsonValue, type MutationApplied } from '@countersign/domain';
import type { Projection, SqlExecutor } from './projection.js';

/** Current document and version of every state (`states`). */
export const statesProjection: Projection = {
  name: 'states',
  tables: ['states'],
  async apply(events, sql) {
    // Several changes to one state can share a batch: keep the latest document in memory.
    const documents = new Map<string, JsonValue | null>();
    for (const recorded of events) {
      if (recorded.type !== 'MutationApplied') continue;
      const { data } = recorded as unknown as MutationApplied;
      const key = `${data.stateType}\u0000${data.stateId}`;
      const before = documents.has(key) ? (documents.get(key) ?? null) : await loadDocument(sql, data.stateType, data.stateId);
      const after = applyOps(before, data.ops);
      documents.set(key, after);
      await sql.query(
        `INSERT INTO states (state_type, state_id, document, version, last_mutation_id, updated_at, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (state_type, state_id) DO UPDATE SET
           document = EXCLUDED.document, version = EXCLUDED.version, last_mutation_id = EXCLUDED.last_mutation_id,
           updated_at = EXCLUDED.updated_at, position = EXCLUDED.position`,
        [data.stateType, data.stateId, JSON.stringify(after), data.version, data.mutationId, data.appliedAt, recorded.position],
      );
    }
  },
};

async function loadDocument(sql: SqlExecutor, stateType: string, stateId: string): Promise<JsonValue | null> {
  const rows = (await sql.query('SELECT document FROM states WHERE state_type = $1 AND state_id = $2', [stateType, stateId])) as { document: JsonValue }[];
  return rows[0]?.document ?? null;
}

/** One row per applied version of every state (`state_history`). */
export const stateHistoryProjection: Projection = {
  name: 'state_history',
  tables: ['state_history'],
  async apply(events, sql) {
    for (const recorded of events) {
      if (recorded.type !== 'MutationApplied') continue;
      const { data } = recorded as unknown as MutationApplied;
      await sql.query(
        `INSERT INTO state_history (state_type, state_id, version, mutation_id, transition, diff, actor_id, actor_kind, applied_at, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
        [data.stateType, data.stateId, data.version, data.mutationId, data.transition, JSON.stringify(data.diff), data.actor.id, data.actor.kind, data.appliedAt, recorded.position],
      );
    }
  },
};
