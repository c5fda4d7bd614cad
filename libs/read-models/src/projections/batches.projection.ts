import { describeBatch, evolveBatch, initialBatchState, isBatchEvent, parseBatchStreamName, type BatchEvent, type BatchState } from '@countersign/domain';
import type { RecordedEvent } from '@countersign/event-store';
import type { Projection, SqlExecutor } from './projection.js';

const COLUMNS = [
  'batch_id', 'mode', 'status', 'actor_id', 'actor_kind', 'reason', 'revert_of', 'step_count', 'steps', 'requirements', 'approvals',
  'current_step_role', 'expires_at', 'denial', 'failed_step', 'compensation_failure', 'alerts', 'requested_at', 'finished_at',
  'updated_at', 'position', 'saga',
] as const;

/**
 * One row per batch (`batches`): the saga's state folded from its stream with the domain's own
 * `evolveBatch` (kept in `saga`), and the columns dashboards and the API read. Set-based like the
 * other projections: the batch's rows are read once, folded in memory, written with one upsert
 * that leaves the worker's columns (attempts, last_error, retry_at) alone.
 */
export const batchesProjection: Projection = {
  name: 'batches',
  tables: ['batches'],
  async apply(events, sql) {
    const batch = events.filter((event) => isBatchEvent(event) && parseBatchStreamName(event.streamName) !== undefined) as unknown as (BatchEvent & RecordedEvent)[];
    if (batch.length === 0) return;
    const states = await loadStates(sql, [...new Set(batch.map((event) => event.data.batchId))]);
    const positions = new Map<string, number>();
    for (const event of batch) {
      const { batchId } = event.data;
      const state = states.get(batchId) ?? initialBatchState(batchId);
      // A replayed batch of events (after a crash) must not fold an event twice: the saga counts the events it folded.
      if (event.streamRevision < state.sequence) continue;
      states.set(batchId, evolveBatch(state, event));
      positions.set(batchId, event.position);
    }
    const rows = [...positions.entries()].map(([batchId, position]) => toRow(states.get(batchId) as BatchState, position));
    if (rows.length === 0) return;
    const updates = COLUMNS.filter((column) => column !== 'batch_id').map((column) => `${column} = EXCLUDED.${column}`);
    await sql.query(
      `INSERT INTO batches (${COLUMNS.join(', ')}) SELECT ${COLUMNS.join(', ')} FROM jsonb_populate_recordset(NULL::batches, $1::jsonb)
       ON CONFLICT (batch_id) DO UPDATE SET ${updates.join(', ')}`,
      [JSON.stringify(rows)],
    );
  },
};

async function loadStates(sql: SqlExecutor, batchIds: string[]): Promise<Map<string, BatchState>> {
  const rows = (await sql.query('SELECT batch_id, saga FROM batches WHERE batch_id = ANY($1::uuid[])', [batchIds])) as { batch_id: string; saga: BatchState }[];
  return new Map(rows.map((row) => [String(row.batch_id), row.saga]));
}

function toRow(state: BatchState, position: number): Record<(typeof COLUMNS)[number], unknown> {
  const view = describeBatch(state);
  return {
    batch_id: state.batchId,
    mode: state.mode,
    status: state.status,
    actor_id: state.actor?.id ?? '',
    actor_kind: state.actor?.kind ?? '',
    reason: state.reason,
    revert_of: state.revertOf,
    step_count: state.steps.length,
    steps: view.steps,
    requirements: state.requirements,
    approvals: state.approvals,
    current_step_role: view.currentStep?.role ?? null,
    expires_at: state.expiresAt,
    denial: state.denial,
    failed_step: state.failedStep,
    compensation_failure: state.compensationFailure,
    alerts: state.alerts,
    requested_at: state.requestedAt,
    finished_at: state.finishedAt,
    updated_at: state.updatedAt,
    position,
    saga: state,
  };
}

