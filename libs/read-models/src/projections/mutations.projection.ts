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
import type { RecordedEvent } from '@countersign/event-store';
import type { Projection, SqlExecutor } from './projection.js';
import { RISK_ROLLUP_TABLES, RollupDeltas, rebuildRollups, writeRollups, type RollupSource } from './risk-rollups.js';

/** Every column of `mutations`, in the order the batch upsert writes them. */
const MUTATION_COLUMNS = [
  'mutation_id', 'state_type', 'state_id', 'transition', 'status', 'actor_id', 'actor_kind', 'actor_roles', 'reason', 'category',
  'risk_level', 'side_effect_severity', 'tags', 'metadata', 'estimated_blast_radius', 'payload', 'evaluation', 'requirements', 'denial',
  'diff', 'plan_hash', 'base_version', 'expected_version', 'state_version', 'idempotency_key', 'depends_on', 'not_before',
  'requested_at', 'expires_at', 'applied_at', 'finished_at', 'requested_position', 'position', 'approvals', 'approved_by',
  'current_step', 'current_step_role', 'passed_checks', 'schedule_reached', 'outcome', 'compensates', 'compensated_by', 'batch_id',
  'batch_step',
] as const;

const DECISION_COLUMNS = [
  'mutation_id', 'position', 'state_type', 'state_id', 'transition', 'requested_by', 'requested_at', 'approver_id', 'approver_kind',
  'step', 'role', 'decision', 'comment', 'decided_at',
] as const;

type MutationRow = Record<(typeof MUTATION_COLUMNS)[number], unknown>;
type DecisionRow = Record<(typeof DECISION_COLUMNS)[number], unknown>;

/**
 * One row per mutation (`mutations`), its timeline (`mutation_timeline`), every approval
 * decision (`approval_decisions`), the dependency saga's rendezvous (`mutation_dependencies`,
 * which needs each dependency's status at the same point of the log) and the daily risk rollups
 * (risk-rollups.ts).
 *
 * Set-based: a batch reads the rows it touches with one query, folds its events into them in
 * memory in log order, and writes each table with one statement, so the cost per batch does not
 * grow with the number of events (docs/benchmarks.md). Lifecycle events (accepted, started,
 * finished) go to the timeline and move only the row's position.
 */
export const mutationsProjection: Projection = {
  name: 'mutations',
  tables: ['mutations', 'mutation_timeline', 'approval_decisions', 'mutation_dependencies', ...RISK_ROLLUP_TABLES],
  async apply(events, sql, context) {
    const batch = events.filter(isMutationEvent) as unknown as (MutationEvent & RecordedEvent)[];
    if (batch.length === 0) return;
    const rows = await loadRows(sql, batch);
    // A rebuild derives the rollups once at the end (afterRebuild): in its single transaction, the
    // same few rollup rows updated batch after batch would pile up row versions nobody can prune.
    const rollups = context?.rebuilding !== true;
    // The rollups' view of each row as loaded, before the batch changes it in place.
    const before = rollups ? new Map<string, RollupSource>([...rows].map(([id, row]) => [id, rollupSource(row)])) : undefined;
    const touched = new Set<string>();
    const decisions: DecisionRow[] = [];
    const dependencies: { dependentId: string; dependencyId: string; stateType: string; stateId: string; outcome: string | null }[] = [];
    const ended: { mutationId: string; status: string }[] = [];

    for (const event of batch) {
      const { mutationId } = event.data;
      const position = event.position;
      const row = rows.get(mutationId);
      const lane = parseLaneStreamName(event.streamName);
      if (LIFECYCLE_EVENT_TYPES.includes(event.type)) {
        if (row) {
          row.position = Math.max(Number(row.position), position);
          touched.add(mutationId);
        }
        continue;
      }
      const status = statusAfter(event);
      if (status !== undefined && status !== 'pending') ended.push({ mutationId, status });
      if (event.type === 'MutationRequested') {
        if (!row) rows.set(mutationId, requestedRow(event, position));
        touched.add(mutationId);
        continue;
      }
      if (event.type === 'ApprovalGranted' || event.type === 'ApprovalRejected') {
        const decidedAt = eventTime(event);
        const d = event.data;
        decisions.push({
          mutation_id: mutationId,
          position,
          state_type: row?.state_type ?? lane?.stateType ?? '',
          state_id: row?.state_id ?? lane?.stateId ?? '',
          transition: row?.transition ?? '',
          requested_by: row?.actor_id ?? '',
          requested_at: row?.requested_at ?? decidedAt,
          approver_id: d.approver.id,
          approver_kind: d.approver.kind,
          step: d.step,
          role: d.role,
          decision: event.type === 'ApprovalGranted' ? 'approve' : 'reject',
          comment: d.comment,
          decided_at: decidedAt,
        });
      }
      if (event.type === 'MutationPending') {
        const required = event.data.requirements.flatMap((requirement) => (requirement.kind === 'dependency' ? requirement.mutationIds : []));
        if (lane && required.length > 0) {
          for (const dependencyId of required) {
            // A dependency that already ended (earlier in the log) is ready to signal at once.
            const dependencyStatus = rows.get(dependencyId)?.status;
            dependencies.push({
              dependentId: mutationId,
              dependencyId,
              stateType: lane.stateType,
              stateId: lane.stateId,
              outcome: typeof dependencyStatus === 'string' && dependencyStatus !== 'pending' ? dependencyStatus : null,
            });
          }
        }
      }
      if (!row) continue;
      foldIntoRow(row, event, position);
      touched.add(mutationId);
    }

    const written = [...touched].map((id) => rows.get(id) as MutationRow);
    await writeRows(sql, written);
    if (before) {
      const deltas = new RollupDeltas();
      for (const row of written) {
        const loaded = before.get(String(row.mutation_id));
        if (loaded) deltas.add(loaded, -1);
        deltas.add(row, 1);
      }
      await writeRollups(sql, deltas);
    }
    await writeDecisions(sql, decisions);
    await writeTimeline(sql, batch);
    await writeDependencies(sql, dependencies, ended);
  },
  afterRebuild: rebuildRollups,
};

/**
 * The rows the batch touches, and those of the dependencies its pending mutations name (their
 * status decides whether a dependency is already resolved), in one query.
 */
async function loadRows(sql: SqlExecutor, batch: readonly (MutationEvent & RecordedEvent)[]): Promise<Map<string, MutationRow>> {
  const ids = new Set<string>();
  for (const event of batch) {
    if (event.type !== 'MutationRequested') ids.add(event.data.mutationId);
    if (event.type === 'MutationPending') {
      for (const requirement of event.data.requirements) if (requirement.kind === 'dependency') for (const id of requirement.mutationIds) ids.add(id);
    }
  }
  // Requests in this batch may also be rows already projected (a replayed batch): their insert is then skipped.
  for (const event of batch) if (event.type === 'MutationRequested') ids.add(event.data.mutationId);
  const rows = new Map<string, MutationRow>();
  if (ids.size === 0) return rows;
  const loaded = (await sql.query(`SELECT ${MUTATION_COLUMNS.join(', ')} FROM mutations WHERE mutation_id = ANY($1::uuid[])`, [[...ids]])) as MutationRow[];
  for (const row of loaded) rows.set(String(row.mutation_id), row);
  return rows;
}

function requestedRow(event: Extract<MutationEvent, { type: 'MutationRequested' }>, position: number): MutationRow {
  const d = event.data;
  return {
    mutation_id: d.mutationId,
    state_type: d.stateType,
    state_id: d.stateId,
    transition: d.transition,
    status: 'pending',
    actor_id: d.actor.id,
    actor_kind: d.actor.kind,
    actor_roles: d.actor.roles,
    reason: d.reason,
    category: d.classification.category,
    risk_level: d.classification.riskLevel,
    side_effect_severity: d.classification.sideEffectSeverity,
    tags: d.classification.tags,
    metadata: d.classification.metadata,
    estimated_blast_radius: d.classification.estimatedBlastRadius,
    payload: d.payload,
    evaluation: d.evaluation,
    requirements: null,
    denial: null,
    diff: null,
    plan_hash: d.planHash,
    base_version: d.baseVersion,
    expected_version: d.expectedVersion,
    state_version: null,
    idempotency_key: d.idempotencyKey,
    depends_on: d.dependsOn,
    not_before: d.notBefore,
    requested_at: d.requestedAt,
    expires_at: null,
    applied_at: null,
    finished_at: null,
    requested_position: position,
    position,
    approvals: [],
    approved_by: [],
    current_step: null,
    current_step_role: null,
    passed_checks: [],
    schedule_reached: false,
    outcome: null,
    compensates: d.compensates ?? null,
    compensated_by: null,
    batch_id: d.batch?.batchId ?? null,
    batch_step: d.batch?.step ?? null,
  };
}

/** What one event changes on its mutation's row (the requested row exists). */
function foldIntoRow(row: MutationRow, event: MutationEvent, position: number): void {
  row.position = position;
  switch (event.type) {
    case 'MutationPending': {
      const step = currentApprovalStep(event.data.requirements, []);
      Object.assign(row, {
        status: 'pending',
        requirements: event.data.requirements,
        expires_at: event.data.expiresAt,
        diff: event.data.diff ?? [],
        approvals: [],
        approved_by: [],
        passed_checks: [],
        current_step: step?.index ?? null,
        current_step_role: step?.role ?? null,
      });
      return;
    }
    case 'MutationPlanned': {
      // Planned when its last dependency applied: the classification and plan it was admitted without (the rollups follow the row).
      const { classification, evaluation, planHash, baseVersion, diff } = event.data;
      Object.assign(row, {
        category: classification.category,
        risk_level: classification.riskLevel,
        side_effect_severity: classification.sideEffectSeverity,
        tags: classification.tags,
        metadata: classification.metadata,
        estimated_blast_radius: classification.estimatedBlastRadius,
        evaluation,
        plan_hash: planHash,
        base_version: baseVersion,
        diff,
      });
      return;
    }
    case 'ApprovalGranted': {
      const d = event.data;
      const approvals: ApprovalRecord[] = [...((row.approvals as ApprovalRecord[] | null) ?? []), { approverId: d.approver.id, step: d.step, role: d.role, approvedAt: d.approvedAt }];
      const step = currentApprovalStep((row.requirements as Requirement[] | null) ?? [], approvals);
      Object.assign(row, { approvals, approved_by: [...((row.approved_by as string[] | null) ?? []), d.approver.id], current_step: step?.index ?? null, current_step_role: step?.role ?? null });
      return;
    }
    case 'ApprovalRejected':
    case 'DependencyResolved':
      return;
    case 'ApprovalsDismissed': {
      // With its approvals gone the mutation waits for the first step of its requirements again (until a MutationPending replaces them).
      const step = currentApprovalStep((row.requirements as Requirement[] | null) ?? [], []);
      Object.assign(row, { approvals: [], approved_by: [], passed_checks: [], current_step: step?.index ?? null, current_step_role: step?.role ?? null });
      return;
    }
    case 'CheckResolved': {
      const passed = (row.passed_checks as string[] | null) ?? [];
      if (event.data.outcome === 'pass' && !passed.includes(event.data.name)) row.passed_checks = [...passed, event.data.name];
      return;
    }
    case 'ScheduleReached':
      row.schedule_reached = true;
      return;
    case 'MutationApplied':
      Object.assign(row, {
        status: 'applied',
        state_version: event.data.version,
        diff: event.data.diff,
        applied_at: event.data.appliedAt,
        finished_at: event.data.appliedAt,
        current_step: null,
        current_step_role: null,
      });
      return;
    case 'MutationDenied': {
      const { deniedBy, code, reason, policy, suggestions } = event.data;
      const denial = { deniedBy, code, reason, policy, suggestions };
      finish(row, event, denial);
      row.denial = denial;
      return;
    }
    case 'MutationRejected':
      finish(row, event, { reason: event.data.reason, by: event.data.rejectedBy.id });
      return;
    case 'MutationExpired':
      finish(row, event, { reason: `expired at ${event.data.expiresAt}` });
      return;
    case 'MutationCancelled':
      finish(row, event, { reason: event.data.reason, by: event.data.cancelledBy.id });
      return;
    case 'MutationConflicted':
      finish(row, event, {
        reason: `expected version ${event.data.expectedVersion}, state was at ${event.data.currentVersion}`,
        expectedVersion: event.data.expectedVersion,
        currentVersion: event.data.currentVersion,
      });
      return;
    case 'MutationFailed':
      finish(row, event, { code: event.data.code, reason: event.data.reason });
      return;
    case 'MutationCompensated':
      // It had finished when it applied; being undone later changes its status, not when it finished.
      Object.assign(row, { status: 'compensated', compensated_by: event.data.compensatedBy });
      return;
    case 'MutationRequested':
    case 'MutationAccepted':
    case 'MutationStarted':
    case 'MutationFinished':
      return;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

function rollupSource(row: MutationRow): RollupSource {
  const { requested_at, risk_level, category, status, actor_id, actor_kind, state_type, state_id, estimated_blast_radius } = row;
  return { requested_at, risk_level, category, status, actor_id, actor_kind, state_type, state_id, estimated_blast_radius };
}

/** A terminal status: the outcome (why) is kept in `outcome`, denials also in `denial`. */
function finish(row: MutationRow, event: MutationEvent, outcome: Record<string, unknown>): void {
  Object.assign(row, { status: statusAfter(event), outcome, finished_at: eventTime(event), current_step: null, current_step_role: null });
}

/** One upsert for every touched row: the rows are complete images (loaded or new), so every column is written. */
async function writeRows(sql: SqlExecutor, rows: readonly MutationRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = MUTATION_COLUMNS.join(', ');
  const updates = MUTATION_COLUMNS.filter((column) => column !== 'mutation_id').map((column) => `${column} = EXCLUDED.${column}`);
  await sql.query(
    `INSERT INTO mutations (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::mutations, $1::jsonb)
     ON CONFLICT (mutation_id) DO UPDATE SET ${updates.join(', ')}`,
    [JSON.stringify(rows)],
  );
}

async function writeDecisions(sql: SqlExecutor, decisions: readonly DecisionRow[]): Promise<void> {
  if (decisions.length === 0) return;
  const columns = DECISION_COLUMNS.join(', ');
  await sql.query(
    `INSERT INTO approval_decisions (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::approval_decisions, $1::jsonb) ON CONFLICT DO NOTHING`,
    [JSON.stringify(decisions)],
  );
}

async function writeTimeline(sql: SqlExecutor, batch: readonly (MutationEvent & RecordedEvent)[]): Promise<void> {
  await sql.query(
    `INSERT INTO mutation_timeline (mutation_id, position, event_type, occurred_at, data)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[], $5::jsonb[]) ON CONFLICT DO NOTHING`,
    [batch.map((event) => event.data.mutationId), batch.map((event) => event.position), batch.map((event) => event.type), batch.map((event) => eventTime(event)), batch.map((event) => JSON.stringify(event.data))],
  );
}

async function writeDependencies(
  sql: SqlExecutor,
  dependencies: readonly { dependentId: string; dependencyId: string; stateType: string; stateId: string; outcome: string | null }[],
  ended: readonly { mutationId: string; status: string }[],
): Promise<void> {
  if (dependencies.length > 0) {
    await sql.query(
      `INSERT INTO mutation_dependencies (dependent_id, dependency_id, state_type, state_id, outcome)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[]) ON CONFLICT (dependent_id, dependency_id) DO NOTHING`,
      [dependencies.map((row) => row.dependentId), dependencies.map((row) => row.dependencyId), dependencies.map((row) => row.stateType), dependencies.map((row) => row.stateId), dependencies.map((row) => row.outcome)],
    );
  }
  if (ended.length === 0) return;
  // Dependents waiting on a mutation that ended learn its outcome; an ended dependent waits for nothing.
  await sql.query(
    `UPDATE mutation_dependencies d SET outcome = e.status FROM unnest($1::uuid[], $2::text[]) AS e(mutation_id, status)
     WHERE d.dependency_id = e.mutation_id AND d.outcome IS NULL`,
    [ended.map((row) => row.mutationId), ended.map((row) => row.status)],
  );
  await sql.query('DELETE FROM mutation_dependencies WHERE dependent_id = ANY($1::uuid[])', [ended.map((row) => row.mutationId)]);
}
