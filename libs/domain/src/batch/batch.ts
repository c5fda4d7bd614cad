import type { Actor } from '../contract/classification.js';
import type { JsonValue } from '../json/json.js';
import type { Requirement, Suggestion } from '../policy/policy.js';
import type { ApprovalRecord, MutationStatus } from '../mutation/mutation-events.js';
import { currentApprovalStep } from '../mutation/requirements.js';
import type { BatchEvent, BatchMode, BatchStatus, BatchStep, CompensationEntry } from './batch-events.js';

/** What happened to a step's mutation on its lane. */
export interface StepOutcome {
  outcome: MutationStatus;
  version: number | null;
  code: string | null;
  reason: string | null;
}

/** A batch's saga state: the fold of its stream. Plain JSON, so the batches projection can keep it in a row. */
export interface BatchState {
  exists: boolean;
  batchId: string;
  mode: BatchMode;
  actor: Actor | null;
  reason: string | null;
  /** Set for a revert chain: the mutation whose revert this batch is. */
  revertOf: string | null;
  steps: BatchStep[];
  status: BatchStatus;
  requestedAt: string | null;
  requirements: Requirement[];
  approvals: ApprovalRecord[];
  expiresAt: string | null;
  denial: { step: number; deniedBy: 'guard' | 'policy'; code: string; reason: string; policy: string | null; suggestions: Suggestion[] } | null;
  /** Outcomes by step index (as a string key: the state is JSON). */
  outcomes: Record<string, StepOutcome>;
  failedStep: number | null;
  /** The compensations to run, in order (the applied steps, latest first). */
  compensations: CompensationEntry[];
  /** Steps undone, by step index. */
  compensated: Record<string, { compensationId: string; version: number | null }>;
  compensationFailure: { step: number; compensationId: string; code: string; reason: string; failedAt: string } | null;
  alerts: number;
  /** Who ended it while pending (rejected, cancelled) and why. */
  endedBy: { id: string; reason: string | null } | null;
  finishedAt: string | null;
  updatedAt: string | null;
  /** Number of events folded: the batch stream's next revision. */
  sequence: number;
}

export function initialBatchState(batchId: string): BatchState {
  return {
    exists: false,
    batchId,
    mode: 'atomic',
    actor: null,
    reason: null,
    revertOf: null,
    steps: [],
    status: 'pending',
    requestedAt: null,
    requirements: [],
    approvals: [],
    expiresAt: null,
    denial: null,
    outcomes: {},
    failedStep: null,
    compensations: [],
    compensated: {},
    compensationFailure: null,
    alerts: 0,
    endedBy: null,
    finishedAt: null,
    updatedAt: null,
    sequence: 0,
  };
}

/** Terminal statuses: nothing more happens to the batch (`compensation_failed` waits for an operator). */
export const FINISHED_BATCH_STATUSES: readonly BatchStatus[] = ['denied', 'rejected', 'expired', 'cancelled', 'applied', 'partially_applied', 'failed', 'compensated'];

export function evolveBatch(state: BatchState, event: BatchEvent): BatchState {
  const next = evolve(state, event);
  return { ...next, sequence: state.sequence + 1, updatedAt: eventAt(event) };
}

function eventAt(event: BatchEvent): string {
  const data = event.data as unknown as Record<string, string>;
  return (
    data.requestedAt ?? data.deniedAt ?? data.pendingAt ?? data.approvedAt ?? data.rejectedAt ?? data.expiredAt ?? data.cancelledAt ?? data.startedAt ??
    data.finishedAt ?? data.compensatedAt ?? data.failedAt ?? data.raisedAt ?? data.retriedAt ?? ''
  );
}

function evolve(state: BatchState, event: BatchEvent): BatchState {
  switch (event.type) {
    case 'BatchRequested': {
      const d = event.data;
      return { ...state, exists: true, batchId: d.batchId, mode: d.mode, actor: d.actor, reason: d.reason, revertOf: d.revertOf ?? null, steps: d.steps, requestedAt: d.requestedAt, status: 'pending' };
    }
    case 'BatchDenied': {
      const { step, deniedBy, code, reason, policy, suggestions, deniedAt } = event.data;
      return { ...state, status: 'denied', denial: { step, deniedBy, code, reason, policy, suggestions }, finishedAt: deniedAt };
    }
    case 'BatchPending':
      return { ...state, status: 'pending', requirements: event.data.requirements, expiresAt: event.data.expiresAt, approvals: [] };
    case 'BatchApprovalGranted': {
      const { approver, step, role, approvedAt } = event.data;
      return { ...state, approvals: [...state.approvals, { approverId: approver.id, step, role, approvedAt }] };
    }
    case 'BatchRejected':
      return { ...state, status: 'rejected', endedBy: { id: event.data.rejectedBy.id, reason: event.data.comment }, finishedAt: event.data.rejectedAt };
    case 'BatchExpired':
      return { ...state, status: 'expired', finishedAt: event.data.expiredAt };
    case 'BatchCancelled':
      return { ...state, status: 'cancelled', endedBy: { id: event.data.cancelledBy.id, reason: event.data.reason }, finishedAt: event.data.cancelledAt };
    case 'BatchStarted':
      return { ...state, status: 'running' };
    case 'BatchStepFinished': {
      const { step, outcome, version, code, reason } = event.data;
      return { ...state, outcomes: { ...state.outcomes, [String(step)]: { outcome, version, code, reason } } };
    }
    case 'BatchCompensationStarted':
      return { ...state, status: 'compensating', failedStep: event.data.failedStep, compensations: event.data.compensations, compensationFailure: null };
    case 'BatchStepCompensated': {
      const { step, compensationId, version } = event.data;
      return { ...state, compensated: { ...state.compensated, [String(step)]: { compensationId, version } } };
    }
    case 'BatchCompensationFailed': {
      const { step, compensationId, code, reason, failedAt } = event.data;
      return { ...state, status: 'compensation_failed', compensationFailure: { step, compensationId, code, reason, failedAt } };
    }
    case 'BatchAlertRaised':
      return { ...state, alerts: state.alerts + 1 };
    case 'BatchCompensationRetried': {
      const retried = new Map(event.data.compensations.map((entry) => [entry.step, entry]));
      return {
        ...state,
        status: 'compensating',
        compensationFailure: null,
        compensations: state.compensations.map((entry) => retried.get(entry.step) ?? entry),
      };
    }
    case 'BatchFinished':
      return { ...state, status: event.data.status, finishedAt: event.data.finishedAt };
    default: {
      const unknown: never = event;
      throw new Error(`unknown batch event ${JSON.stringify(unknown)}`);
    }
  }
}

export function foldBatch(batchId: string, events: readonly BatchEvent[]): BatchState {
  return events.reduce(evolveBatch, initialBatchState(batchId));
}

/** A step as the API and the read model show it. */
export interface BatchStepView {
  index: number;
  mutationId: string;
  stateType: string;
  stateId: string;
  transition: string;
  payload: JsonValue;
  expectedVersion: number | null;
  compensates: string | null;
  diff: BatchStep['diff'];
  requirements: Requirement[];
  /** `planned` (not executed yet), `skipped` (the batch stopped before it), the mutation's status, or `compensated`. */
  status: MutationStatus | 'planned' | 'skipped';
  stateVersion: number | null;
  /** Why it did not apply. */
  failure: { code: string | null; reason: string | null } | null;
  /** The mutation undoing it, once a compensation is planned. */
  compensation: { mutationId: string; status: 'planned' | 'applied' | 'failed'; stateVersion: number | null } | null;
}

export interface BatchView {
  batchId: string;
  mode: BatchMode;
  status: BatchStatus;
  actor: { id: string; kind: string } | null;
  reason: string | null;
  revertOf: string | null;
  requestedAt: string | null;
  updatedAt: string | null;
  finishedAt: string | null;
  expiresAt: string | null;
  requirements: Requirement[];
  approvals: ApprovalRecord[];
  currentStep: { index: number; role: string } | null;
  denial: BatchState['denial'];
  failedStep: number | null;
  compensationFailure: BatchState['compensationFailure'];
  /** Alerts raised (BatchAlertRaised events): a compensation that could not run. */
  alerts: number;
  endedBy: BatchState['endedBy'];
  steps: BatchStepView[];
}

/** The public shape of a batch. */
export function describeBatch(state: BatchState): BatchView {
  const running = state.status === 'pending' || state.status === 'running';
  const step = state.status === 'pending' ? currentApprovalStep(state.requirements, state.approvals) : undefined;
  return {
    batchId: state.batchId,
    mode: state.mode,
    status: state.status,
    actor: state.actor ? { id: state.actor.id, kind: state.actor.kind } : null,
    reason: state.reason,
    revertOf: state.revertOf,
    requestedAt: state.requestedAt,
    updatedAt: state.updatedAt,
    finishedAt: state.finishedAt,
    expiresAt: state.expiresAt,
    requirements: state.requirements,
    approvals: state.approvals,
    currentStep: step ? { index: step.index, role: step.role } : null,
    denial: state.denial,
    failedStep: state.failedStep,
    compensationFailure: state.compensationFailure,
    alerts: state.alerts,
    endedBy: state.endedBy,
    steps: state.steps.map((batchStep) => {
      const outcome = state.outcomes[String(batchStep.index)];
      const undone = state.compensated[String(batchStep.index)];
      const entry = state.compensations.find((candidate) => candidate.step === batchStep.index);
      const failed = state.compensationFailure?.step === batchStep.index;
      return {
        index: batchStep.index,
        mutationId: batchStep.mutationId,
        stateType: batchStep.stateType,
        stateId: batchStep.stateId,
        transition: batchStep.transition,
        payload: batchStep.payload,
        expectedVersion: batchStep.expectedVersion,
        compensates: batchStep.compensates,
        diff: batchStep.diff,
        requirements: batchStep.requirements,
        status: undone ? 'compensated' : outcome ? outcome.outcome : running ? 'planned' : 'skipped',
        stateVersion: outcome?.version ?? null,
        failure: outcome && outcome.outcome !== 'applied' ? { code: outcome.code, reason: outcome.reason } : null,
        compensation: entry
          ? { mutationId: undone?.compensationId ?? entry.compensationId, status: undone ? 'applied' : failed ? 'failed' : 'planned', stateVersion: undone?.version ?? null }
          : null,
      };
    }),
  };
}
