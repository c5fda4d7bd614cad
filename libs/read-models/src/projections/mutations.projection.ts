import {
  LIFECYCLE_EVENT_TYPES,
  currentApprovalStep,
  eventTime,
  isMutationEvent,
  parseLaneStreamName,
  statusAfter,
  type ApprovalRecord,
  type MutationEvent,
  type Requirement,
} from '@countersign/domain';
import type { Projection, SqlExecutor } from './projection.js';

/**
 * One row per mutation (`mutations`), its timeline (`mutation_timeline`), every approval
 * decision (`approval_decisions`, which needs the mutation row, hence the same projection) and
 * the dependency saga's rendezvous (`mutation_dependencies`, which needs each dependency's
 * status at the same point of the log). Lifecycle events (accepted, started, finished) go to
 * the timeline only.
 */
export const mutationsProjection: Projection = {
  name: 'mutations',
  tables: ['mutations', 'mutation_timeline', 'approval_decisions', 'mutation_dependencies'],
  async apply(events, sql) {
    const timeline: { mutationId: string; position: number; type: string; at: string; data: string }[] = [];
    const ended: { mutationId: string; status: string }[] = [];
    const lifecycle = new Map<string, number>();
    for (const recorded of events) {
      if (!isMutationEvent(recorded)) continue;
      const event = recorded as unknown as MutationEvent;
      if (LIFECYCLE_EVENT_TYPES.includes(event.type)) lifecycle.set(event.data.mutationId, recorded.position);
      else await applyToMutations(event, recorded.position, recorded.streamName, sql);
      timeline.push({ mutationId: event.data.mutationId, position: recorded.position, type: event.type, at: eventTime(event), data: JSON.stringify(event.data) });
      const status = statusAfter(event);
      if (status !== undefined && status !== 'pending') ended.push({ mutationId: event.data.mutationId, status });
    }
    if (lifecycle.size > 0) {
      // Lifecycle events only move the row's position (the last event about the mutation): one statement per batch.
      await sql.query(
        `UPDATE mutations m SET position = GREATEST(m.position, u.position) FROM unnest($1::uuid[], $2::bigint[]) AS u(mutation_id, position)
         WHERE m.mutation_id = u.mutation_id`,
        [[...lifecycle.keys()], [...lifecycle.values()]],
      );
    }
    if (ended.length > 0) {
      // Dependents waiting on a mutation that ended learn its outcome; an ended dependent waits for nothing.
      await sql.query(
        `UPDATE mutation_dependencies d SET outcome = e.status FROM unnest($1::uuid[], $2::text[]) AS e(mutation_id, status)
         WHERE d.dependency_id = e.mutation_id AND d.outcome IS NULL`,
        [ended.map((row) => row.mutationId), ended.map((row) => row.status)],
      );
      await sql.query('DELETE FROM mutation_dependencies WHERE dependent_id = ANY($1::uuid[])', [ended.map((row) => row.mutationId)]);
    }
    if (timeline.length === 0) return;
    // One statement for the batch's timeline rows.
    await sql.query(
      `INSERT INTO mutation_timeline (mutation_id, position, event_type, occurred_at, data)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[], $5::jsonb[]) ON CONFLICT DO NOTHING`,
      [timeline.map((row) => row.mutationId), timeline.map((row) => row.position), timeline.map((row) => row.type), timeline.map((row) => row.at), timeline.map((row) => row.data)],
    );
  },
};

async function applyToMutations(event: MutationEvent, position: number, streamName: string, sql: SqlExecutor): Promise<void> {
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
    case 'MutationPending': {
      const d = event.data;
      const step = currentApprovalStep(d.requirements, []);
      await sql.query(
        `UPDATE mutations SET status = 'pending', requirements = $2, expires_at = $3, diff = $4, approvals = '[]', approved_by = '{}',
           passed_checks = '{}', current_step = $5, current_step_role = $6, position = $7
         WHERE mutation_id = $1`,
        [d.mutationId, JSON.stringify(d.requirements), d.expiresAt, JSON.stringify(d.diff ?? []), step?.index ?? null, step?.role ?? null, position],
      );
      const lane = parseLaneStreamName(streamName);
      const dependencies = d.requirements.flatMap((requirement) => (requirement.kind === 'dependency' ? requirement.mutationIds : []));
      if (lane && dependencies.length > 0) {
        // A dependency that already ended (earlier in the log) is ready to signal at once.
        await sql.query(
          `INSERT INTO mutation_dependencies (dependent_id, dependency_id, state_type, state_id, outcome)
           SELECT $1, dep.id, $3, $4, (SELECT m.status FROM mutations m WHERE m.mutation_id = dep.id AND m.status <> 'pending')
           FROM unnest($2::uuid[]) AS dep(id)
           ON CONFLICT (dependent_id, dependency_id) DO NOTHING`,
          [d.mutationId, dependencies, lane.stateType, lane.stateId],
        );
      }
      return;
    }
    case 'DependencyResolved':
      await sql.query('UPDATE mutations SET position = $2 WHERE mutation_id = $1', [event.data.mutationId, position]);
      return;
    case 'MutationAccepted':
    case 'MutationStarted':
    case 'MutationFinished':
      return;
    case 'ApprovalGranted':
    case 'ApprovalRejected': {
      const d = event.data;
      const decidedAt = eventTime(event);
      const rows = (await sql.query('SELECT requirements, approvals, state_type, state_id, transition, actor_id, requested_at FROM mutations WHERE mutation_id = $1', [
        d.mutationId,
      ])) as { requirements: Requirement[] | null; approvals: ApprovalRecord[]; state_type: string; state_id: string; transition: string; actor_id: string; requested_at: Date }[];
      const row = rows[0];
      const lane = parseLaneStreamName(streamName);
      await sql.query(
        `INSERT INTO approval_decisions (mutation_id, position, state_type, state_id, transition, requested_by, requested_at, approver_id, approver_kind, step, role, decision, comment, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
        [
          d.mutationId, position, row?.state_type ?? lane?.stateType ?? '', row?.state_id ?? lane?.stateId ?? '', row?.transition ?? '', row?.actor_id ?? '',
          row?.requested_at ?? decidedAt, d.approver.id, d.approver.kind, d.step, d.role, event.type === 'ApprovalGranted' ? 'approve' : 'reject', d.comment, decidedAt,
        ],
      );
      if (event.type === 'ApprovalRejected') {
        await sql.query('UPDATE mutations SET position = $2 WHERE mutation_id = $1', [d.mutationId, position]);
        return;
      }
      if (!row) return;
      const approvals = [...row.approvals, { approverId: d.approver.id, step: d.step, role: d.role, approvedAt: decidedAt }];
      const step = currentApprovalStep(row.requirements ?? [], approvals);
      await sql.query(
        `UPDATE mutations SET approvals = $2, approved_by = array_append(approved_by, $3), current_step = $4, current_step_role = $5, position = $6 WHERE mutation_id = $1`,
        [d.mutationId, JSON.stringify(approvals), d.approver.id, step?.index ?? null, step?.role ?? null, position],
      );
      return;
    }
    case 'ApprovalsDismissed': {
      // With its approvals gone the mutation waits for the first step of its requirements again (until a MutationPending replaces them).
      const rows = (await sql.query('SELECT requirements FROM mutations WHERE mutation_id = $1', [event.data.mutationId])) as { requirements: Requirement[] | null }[];
      const step = currentApprovalStep(rows[0]?.requirements ?? [], []);
      await sql.query(
        `UPDATE mutations SET approvals = '[]', approved_by = '{}', passed_checks = '{}', current_step = $3, current_step_role = $4, position = $2 WHERE mutation_id = $1`,
        [event.data.mutationId, position, step?.index ?? null, step?.role ?? null],
      );
      return;
    }
    case 'CheckResolved':
      // A failed check changes nothing but the position; the MutationRejected after it ends the mutation.
      await sql.query(
        `UPDATE mutations SET passed_checks = CASE WHEN $4 AND NOT ($2 = ANY(passed_checks)) THEN array_append(passed_checks, $2) ELSE passed_checks END, position = $3 WHERE mutation_id = $1`,
        [event.data.mutationId, event.data.name, position, event.data.outcome === 'pass'],
      );
      return;
    case 'ScheduleReached':
      await sql.query(`UPDATE mutations SET schedule_reached = true, position = $2 WHERE mutation_id = $1`, [event.data.mutationId, position]);
      return;
    case 'MutationApplied': {
      const d = event.data;
      await sql.query(
        `UPDATE mutations SET status = 'applied', state_version = $2, diff = $3, applied_at = $4, finished_at = $4, current_step = NULL, current_step_role = NULL, position = $5
         WHERE mutation_id = $1`,
        [d.mutationId, d.version, JSON.stringify(d.diff), d.appliedAt, position],
      );
      return;
    }
    case 'MutationDenied': {
      const d = event.data;
      await finishMutation(sql, event, position, { deniedBy: d.deniedBy, code: d.code, reason: d.reason, policy: d.policy, suggestions: d.suggestions }, 'denial');
      return;
    }
    case 'MutationRejected':
      await finishMutation(sql, event, position, { reason: event.data.reason, by: event.data.rejectedBy.id });
      return;
    case 'MutationExpired':
      await finishMutation(sql, event, position, { reason: `expired at ${event.data.expiresAt}` });
      return;
    case 'MutationCancelled':
      await finishMutation(sql, event, position, { reason: event.data.reason, by: event.data.cancelledBy.id });
      return;
    case 'MutationConflicted':
      await finishMutation(sql, event, position, {
        reason: `expected version ${event.data.expectedVersion}, state was at ${event.data.currentVersion}`,
        expectedVersion: event.data.expectedVersion,
        currentVersion: event.data.currentVersion,
      });
      return;
    case 'MutationFailed':
      await finishMutation(sql, event, position, { code: event.data.code, reason: event.data.reason });
      return;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

/** A terminal status: the outcome (why) is kept in `outcome`, denials also in `denial`. */
async function finishMutation(sql: SqlExecutor, event: MutationEvent, position: number, outcome: Record<string, unknown>, column: 'outcome' | 'denial' = 'outcome'): Promise<void> {
  const status = statusAfter(event);
  await sql.query(
    `UPDATE mutations SET status = $2, ${column === 'denial' ? 'denial = $3, ' : ''}outcome = $3, finished_at = $4, current_step = NULL, current_step_role = NULL, position = $5
     WHERE mutation_id = $1`,
    [event.data.mutationId, status, JSON.stringify(outcome), eventTime(event), position],
  );
}
