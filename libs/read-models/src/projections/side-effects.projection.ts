import type { MutationApplied } from '@countersign/domain';
import type { Projection } from './projection.js';

/**
 * The outbox's delivery queue (`side_effects`): one row per side effect recorded on a
 * MutationApplied, due at once. Rows are only ever inserted (`ON CONFLICT DO NOTHING` on the
 * delivery id), and the table is not the projection's to empty: a rebuild or a replayed batch
 * finds the rows there and leaves their delivery state alone, so nothing is delivered again
 * because the read models were rebuilt.
 */
export const sideEffectsProjection: Projection = {
  name: 'side_effects',
  tables: [],
  async apply(events, sql) {
    const rows = events.flatMap((event) => {
      if (event.type !== 'MutationApplied') return [];
      const { data } = event as unknown as MutationApplied;
      return (data.sideEffects ?? []).map((effect) => ({
        delivery_id: effect.deliveryId,
        type: effect.type,
        data: effect.data,
        mutation_id: data.mutationId,
        state_type: data.stateType,
        state_id: data.stateId,
        compensates: effect.compensates ?? null,
        emitted_at: data.appliedAt,
        position: event.position,
        next_attempt_at: data.appliedAt,
      }));
    });
    if (rows.length === 0) return;
    await sql.query(
      `INSERT INTO side_effects (delivery_id, type, data, mutation_id, state_type, state_id, compensates, emitted_at, position, next_attempt_at)
       SELECT delivery_id, type, data, mutation_id, state_type, state_id, compensates, emitted_at, position, next_attempt_at
       FROM jsonb_to_recordset($1::jsonb) AS r(delivery_id uuid, type text, data jsonb, mutation_id uuid, state_type text, state_id text, compensates uuid, emitted_at timestamptz, position bigint, next_attempt_at timestamptz)
       ON CONFLICT (delivery_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  },
};
