import { isMutationEvent, type MutationEvent } from '@countersign/domain';
import type { RecordedEvent } from '@countersign/event-store';
import type { Projection, SqlExecutor } from './projection.js';

/** One row per mutation (`mutations`) plus its timeline (`mutation_timeline`). */
export const mutationsProjection: Projection = {
  name: 'mutations',
  tables: ['mutations', 'mutation_timeline'],
  async apply(events, sql) {
    for (const recorded of events) {
      if (!isMutationEvent(recorded)) continue;
      const event = recorded as unknown as MutationEvent & RecordedEvent;
      await applyToMutations(event, recorded.position, sql);
      await sql.query(
        `INSERT INTO mutation_timeline (mutation_id, position, event_type, occurred_at, data)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [event.data.mutationId, recorded.position, event.type, occurredAt(event), JSON.stringify(event.data)],
      );
    }
  },
};

function occurredAt(event: MutationEvent): string {
  switch (event.type) {
    case 'MutationRequested':
      return event.data.requestedAt;
    case 'MutationDenied':
      return event.data.deniedAt;
    case 'MutationPending':
      return event.data.pendingAt;
    case 'MutationApplied':
      return event.data.appliedAt;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

async function applyToMutations(event: MutationEvent, position: number, sql: SqlExecutor): Promise<void> {
  switch (event.type) {
    case 'MutationRequested': {
      const d = event.data;
      await sql.query(
        `INSERT INTO mutations (
           mutation_id, state_type, state_id, transition, status, actor_id, actor_kind, actor_roles, reason,
           category, risk_level, side_effect_severity, tags, metadata, estimated_blast_radius, payload,
           evaluation, plan_hash, base_version, expected_version, idempotency_key, depends_on, not_before,
           requested_at, requested_position, position)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $24)
         ON CONFLICT (mutation_id) DO NOTHING`,
        [
          d.mutationId, d.stateType, d.stateId, d.transition, d.actor.id, d.actor.kind, d.actor.roles, d.reason,
          d.classification.category, d.classification.riskLevel, d.classification.sideEffectSeverity, d.classification.tags,
          JSON.stringify(d.classification.metadata), d.classification.estimatedBlastRadius, JSON.stringify(d.payload),
          JSON.stringify(d.evaluation), d.planHash, d.baseVersion, d.expectedVersion, d.idempotencyKey, d.dependsOn, d.notBefore,
          d.requestedAt, position,
        ],
      );
      return;
    }
    case 'MutationDenied': {
      const d = event.data;
      await sql.query(
        `UPDATE mutations SET status = 'denied', denial = $2, finished_at = $3, position = $4 WHERE mutation_id = $1`,
        [d.mutationId, JSON.stringify({ deniedBy: d.deniedBy, code: d.code, reason: d.reason, policy: d.policy, suggestions: d.suggestions }), d.deniedAt, position],
      );
      return;
    }
    case 'MutationPending': {
      const d = event.data;
      await sql.query(
        `UPDATE mutations SET status = 'pending', requirements = $2, expires_at = $3, position = $4 WHERE mutation_id = $1`,
        [d.mutationId, JSON.stringify(d.requirements), d.expiresAt, position],
      );
      return;
    }
    case 'MutationApplied': {
      const d = event.data;
      await sql.query(
        `UPDATE mutations SET status = 'applied', state_version = $2, diff = $3, applied_at = $4, finished_at = $4, position = $5
         WHERE mutation_id = $1`,
        [d.mutationId, d.version, JSON.stringify(d.diff), d.appliedAt, position],
      );
      return;
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}
