import {
  LIFECYCLE_EVENT_TYPES,
  parseLaneStreamName,
  currentApprovalStep,
  eventTime,
  foldLane,
  foldBatch,
  describeBatch,
  isBatchEvent,
  parseBatchStreamName,
  isMutationEvent,
  statusAfter as domainStatusAfter,
  type ApprovalRecord,
  type BatchEvent,
  type MutationEvent,
  type Requirement,
} from '@countersign/domain';
import type { RecordedEvent } from '@countersign/event-store';
import type { ReadModelRow, ReadModelTable } from './read-model-snapshot.js';

/** The status a mutation has after its last lifecycle event. */
export function statusAfter(event: MutationEvent): string {
  return domainStatusAfter(event) ?? 'pending';
}

type PositionedEvent = MutationEvent & { position: number; streamName: string };

/**
 * The rows every read model should hold after projecting `log` (the whole log, in position
 * order), derived straight from the events and the domain's own fold: a reference to compare
 * projections with, written without the projections' code.
 */
export function expectedReadModels(log: readonly RecordedEvent[]): Record<ReadModelTable, ReadModelRow[]> {
  const events: PositionedEvent[] = log
    .filter((recorded) => isMutationEvent(recorded))
    .map((recorded) => ({ type: recorded.type, data: recorded.data, position: recorded.position, streamName: recorded.streamName }) as PositionedEvent);

  const byMutation = groupBy(events, (event) => event.data.mutationId);
  const perMutation = [...byMutation.values()].map(expectedMutationRows);
  const mutations = perMutation.map(({ row }) => row);
  const timeline = events.map((event) => ({
    mutation_id: event.data.mutationId,
    position: event.position,
    event_type: event.type,
    occurred_at: iso(eventTime(event)),
    data: json(event.data),
  }));

  const applied = events.filter((event): event is Extract<PositionedEvent, { type: 'MutationApplied' }> => event.type === 'MutationApplied');
  const byStream = groupBy(events, (event) => event.streamName);
  const appliedByState = groupBy(applied, (event) => `${event.data.stateType}\u0000${event.data.stateId}`);
  const states = [...appliedByState.values()].map((changes) => {
    const last = changes[changes.length - 1]!;
    const lane = foldLane(last.data.stateType, last.data.stateId, byStream.get(last.streamName) ?? []);
    return {
      state_type: last.data.stateType,
      state_id: last.data.stateId,
      document: json(lane.document),
      version: changes.length,
      last_mutation_id: last.data.mutationId,
      updated_at: iso(last.data.appliedAt),
      position: last.position,
    };
  });
  const history = [...appliedByState.values()].flatMap((changes) =>
    changes.map((event, index) => ({
      state_type: event.data.stateType,
      state_id: event.data.stateId,
      version: index + 1,
      mutation_id: event.data.mutationId,
      transition: event.data.transition,
      diff: json(event.data.diff),
      actor_id: event.data.actor.id,
      actor_kind: event.data.actor.kind,
      applied_at: iso(event.data.appliedAt),
      position: event.position,
    })),
  );
  return {
    mutations,
    mutation_timeline: timeline,
    states,
    state_history: history,
    approval_decisions: perMutation.flatMap(({ decisions }) => decisions),
    timers: perMutation.flatMap(({ timers }) => timers),
    mutation_dependencies: expectedDependencies(events, new Map(mutations.map((row) => [row.mutation_id as string, row.status as string]))),
    batches: expectedBatches(log),
    ...expectedRollups(mutations),
  };
}

/** The daily risk rollups: the mutations rows counted per UTC day of the request and key. */
function expectedRollups(mutations: readonly ReadModelRow[]): Pick<Record<ReadModelTable, ReadModelRow[]>, 'risk_rollup_daily' | 'risk_rollup_actor_daily' | 'risk_rollup_state_daily'> {
  const rollup = (keyColumns: readonly string[], withHighOrCritical: boolean) => {
    const groups = groupBy(mutations, (row) => JSON.stringify([`${String(row.requested_at).slice(0, 10)}T00:00:00.000Z`, ...keyColumns.map((column) => row[column])]));
    return [...groups.entries()].map(([key, rows]) => {
      const [day, ...values] = JSON.parse(key) as string[];
      return {
        day,
        ...Object.fromEntries(keyColumns.map((column, index) => [column, values[index]])),
        mutations: rows.length,
        ...(withHighOrCritical ? { high_or_critical: rows.filter((row) => row.risk_level === 'high' || row.risk_level === 'critical').length } : {}),
        blast_radius: rows.reduce((total, row) => total + Number(row.estimated_blast_radius ?? 0), 0),
      };
    });
  };
  return {
    risk_rollup_daily: rollup(['risk_level', 'category', 'status'], false),
    risk_rollup_actor_daily: rollup(['actor_id', 'actor_kind'], true),
    risk_rollup_state_daily: rollup(['state_type', 'state_id'], true),
  };
}

/** One row per batch stream: the domain's fold of its events, and the columns derived from it. */
function expectedBatches(log: readonly RecordedEvent[]): ReadModelRow[] {
  const events = log.filter((recorded) => isBatchEvent(recorded) && parseBatchStreamName(recorded.streamName) !== undefined);
  return [...groupBy(events, (event) => event.streamName).values()].map((stream) => {
    const batchId = parseBatchStreamName(stream[0]!.streamName)!;
    const saga = foldBatch(batchId, stream.map((event) => ({ type: event.type, data: event.data }) as BatchEvent));
    const view = describeBatch(saga);
    return {
      batch_id: batchId,
      mode: saga.mode,
      status: saga.status,
      actor_id: saga.actor?.id ?? '',
      actor_kind: saga.actor?.kind ?? '',
      reason: saga.reason,
      revert_of: saga.revertOf,
      step_count: saga.steps.length,
      steps: json(view.steps),
      requirements: json(saga.requirements),
      approvals: json(saga.approvals),
      current_step_role: view.currentStep?.role ?? null,
      expires_at: saga.expiresAt === null ? null : iso(saga.expiresAt),
      denial: json(saga.denial),
      failed_step: saga.failedStep,
      compensation_failure: json(saga.compensationFailure),
      alerts: saga.alerts,
      requested_at: iso(saga.requestedAt!),
      finished_at: saga.finishedAt === null ? null : iso(saga.finishedAt),
      updated_at: iso(saga.updatedAt!),
      position: stream[stream.length - 1]!.position,
      saga: json(saga),
      attempts: 0,
      last_error: null,
      retry_at: null,
    };
  });
}

/** Per mutation: its row on `mutations`, its approval decisions and the timers it should have. */
function expectedMutationRows(lifecycle: PositionedEvent[]): { row: ReadModelRow; decisions: ReadModelRow[]; timers: ReadModelRow[] } {
  const first = lifecycle[0]!;
  if (first.type !== 'MutationRequested') throw new Error(`mutation ${first.data.mutationId} starts with ${first.type}`);
  const request = first.data;
  const row: ReadModelRow = {
    mutation_id: request.mutationId,
    state_type: request.stateType,
    state_id: request.stateId,
    transition: request.transition,
    status: 'pending',
    actor_id: request.actor.id,
    actor_kind: request.actor.kind,
    actor_roles: request.actor.roles,
    reason: request.reason,
    category: request.classification.category,
    risk_level: request.classification.riskLevel,
    side_effect_severity: request.classification.sideEffectSeverity,
    tags: request.classification.tags,
    metadata: json(request.classification.metadata),
    estimated_blast_radius: request.classification.estimatedBlastRadius,
    payload: json(request.payload),
    evaluation: json(request.evaluation),
    requirements: null,
    denial: null,
    diff: null,
    plan_hash: request.planHash,
    base_version: request.baseVersion,
    expected_version: request.expectedVersion,
    state_version: null,
    idempotency_key: request.idempotencyKey,
    depends_on: request.dependsOn,
    not_before: request.notBefore === null ? null : iso(request.notBefore),
    requested_at: iso(request.requestedAt),
    expires_at: null,
    applied_at: null,
    finished_at: null,
    requested_position: first.position,
    position: first.position,
    approvals: [],
    approved_by: [],
    current_step: null,
    current_step_role: null,
    passed_checks: [],
    schedule_reached: false,
    outcome: null,
    compensates: request.compensates ?? null,
    compensated_by: null,
    batch_id: request.batch?.batchId ?? null,
    batch_step: request.batch?.step ?? null,
  };
  const decisions: ReadModelRow[] = [];
  // The current round: what the latest MutationPending asks for and what counted towards it since.
  let requirements: Requirement[] = [];
  let approvals: ApprovalRecord[] = [];
  let passedChecks: string[] = [];
  let latestPending: Extract<MutationEvent, { type: 'MutationPending' }>['data'] | undefined;
  let scheduleReachedThisRound = false;
  const end = (event: MutationEvent, outcome: Record<string, unknown>) => {
    row.outcome = json(outcome);
    row.finished_at = iso(eventTime(event));
  };
  for (const event of lifecycle.slice(1)) {
    // Lifecycle events (accepted, started, finished) are timeline entries; they move only the row's position.
    if (LIFECYCLE_EVENT_TYPES.includes(event.type)) {
      row.position = event.position;
      continue;
    }
    row.status = domainStatusAfter(event) ?? row.status;
    row.position = event.position;
    switch (event.type) {
      case 'MutationRequested':
        throw new Error(`mutation ${event.data.mutationId} is requested twice`);
      case 'MutationPending':
        latestPending = event.data;
        requirements = event.data.requirements;
        approvals = [];
        passedChecks = [];
        scheduleReachedThisRound = false;
        row.requirements = json(event.data.requirements);
        row.expires_at = iso(event.data.expiresAt);
        row.diff = json(event.data.diff ?? []);
        break;
      case 'MutationPlanned': {
        const { classification, evaluation, planHash, baseVersion, diff } = event.data;
        Object.assign(row, {
          category: classification.category,
          risk_level: classification.riskLevel,
          side_effect_severity: classification.sideEffectSeverity,
          tags: classification.tags,
          metadata: json(classification.metadata),
          estimated_blast_radius: classification.estimatedBlastRadius,
          evaluation: json(evaluation),
          plan_hash: planHash,
          base_version: baseVersion,
          diff: json(diff),
        });
        break;
      }
      case 'ApprovalGranted':
      case 'ApprovalRejected': {
        const { approver, step, role, comment } = event.data;
        decisions.push({
          mutation_id: request.mutationId,
          position: event.position,
          state_type: request.stateType,
          state_id: request.stateId,
          transition: request.transition,
          requested_by: request.actor.id,
          requested_at: iso(request.requestedAt),
          approver_id: approver.id,
          approver_kind: approver.kind,
          step,
          role,
          decision: event.type === 'ApprovalGranted' ? 'approve' : 'reject',
          comment,
          decided_at: iso(eventTime(event)),
        });
        if (event.type === 'ApprovalGranted') approvals = [...approvals, { approverId: approver.id, step, role, approvedAt: event.data.approvedAt }];
        break;
      }
      case 'ApprovalsDismissed':
        approvals = [];
        passedChecks = [];
        break;
      case 'CheckResolved':
        if (event.data.outcome === 'pass' && !passedChecks.includes(event.data.name)) passedChecks = [...passedChecks, event.data.name];
        break;
      case 'ScheduleReached':
        row.schedule_reached = true;
        scheduleReachedThisRound = true;
        break;
      case 'MutationApplied':
        row.state_version = event.data.version;
        row.diff = json(event.data.diff);
        row.applied_at = iso(event.data.appliedAt);
        row.finished_at = iso(event.data.appliedAt);
        break;
      case 'MutationDenied': {
        const { deniedBy, code, reason, policy, suggestions } = event.data;
        row.denial = json({ deniedBy, code, reason, policy, suggestions });
        end(event, { deniedBy, code, reason, policy, suggestions });
        break;
      }
      case 'MutationRejected':
        end(event, { reason: event.data.reason, by: event.data.rejectedBy.id });
        break;
      case 'MutationExpired':
        end(event, { reason: `expired at ${event.data.expiresAt}` });
        break;
      case 'MutationCancelled':
        end(event, { reason: event.data.reason, by: event.data.cancelledBy.id });
        break;
      case 'MutationConflicted':
        end(event, {
          reason: `expected version ${event.data.expectedVersion}, state was at ${event.data.currentVersion}`,
          expectedVersion: event.data.expectedVersion,
          currentVersion: event.data.currentVersion,
        });
        break;
      case 'MutationFailed':
        end(event, { code: event.data.code, reason: event.data.reason });
        break;
      case 'DependencyResolved':
        break;
      case 'MutationCompensated':
        row.compensated_by = event.data.compensatedBy;
        break;
      case 'MutationAccepted':
      case 'MutationStarted':
      case 'MutationFinished':
        throw new Error('lifecycle events are skipped above');
      default: {
        const unknown: never = event;
        throw new Error(`unknown event ${JSON.stringify(unknown)}`);
      }
    }
  }
  row.approvals = json(approvals);
  row.approved_by = approvals.map((approval) => approval.approverId);
  row.passed_checks = passedChecks;
  // While pending, the step waiting is the first one the current round has not completed; none once it ended.
  const step = row.status === 'pending' ? currentApprovalStep(requirements, approvals) : undefined;
  row.current_step = step?.index ?? null;
  row.current_step_role = step?.role ?? null;

  // A pending mutation waits for its expiry and, until reached, its schedule; an ended one for nothing.
  const timers: ReadModelRow[] = [];
  if (row.status === 'pending' && latestPending) {
    const timer = (kind: 'expire' | 'schedule' | 'dependency', dueAt: string) => ({
      mutation_id: request.mutationId,
      kind,
      state_type: request.stateType,
      state_id: request.stateId,
      due_at: iso(dueAt),
      fired_at: null,
      attempts: 0,
      last_error: null,
    });
    timers.push(timer('expire', latestPending.expiresAt));
    const schedule = latestPending.requirements.find((requirement) => requirement.kind === 'schedule');
    if (schedule?.kind === 'schedule' && !scheduleReachedThisRound) timers.push(timer('schedule', schedule.notBefore));
    const dependency = latestPending.requirements.find((requirement) => requirement.kind === 'dependency');
    if (dependency?.kind === 'dependency') timers.push(timer('dependency', dependency.timeoutAt));
  }
  return { row, decisions, timers };
}

/**
 * The dependency saga's rendezvous: for each mutation still pending, one row per mutation any of
 * its pending rounds waited for, with that dependency's status once it has ended.
 */
function expectedDependencies(events: readonly PositionedEvent[], statuses: ReadonlyMap<string, string>): ReadModelRow[] {
  const rows = new Map<string, ReadModelRow>();
  for (const event of events) {
    if (event.type !== 'MutationPending' || statuses.get(event.data.mutationId) !== 'pending') continue;
    const lane = parseLaneStreamName(event.streamName);
    for (const requirement of event.data.requirements) {
      if (requirement.kind !== 'dependency') continue;
      for (const dependencyId of requirement.mutationIds) {
        const status = statuses.get(dependencyId);
        rows.set(`${event.data.mutationId}/${dependencyId}`, {
          dependent_id: event.data.mutationId,
          dependency_id: dependencyId,
          state_type: lane?.stateType ?? '',
          state_id: lane?.stateId ?? '',
          outcome: status === undefined || status === 'pending' ? null : status,
          signalled_at: null,
          attempts: 0,
          last_error: null,
          retry_at: null,
        });
      }
    }
  }
  return [...rows.values()];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** What a value looks like after a round trip through jsonb (undefined members dropped). */
function json(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function iso(value: string): string {
  return new Date(value).toISOString();
}
