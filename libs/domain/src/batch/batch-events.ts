import type { Actor, Classification } from '../contract/classification.js';
import type { DiffEntry } from '../json/diff.js';
import type { JsonValue } from '../json/json.js';
import type { PolicyOutcome, Requirement, Suggestion } from '../policy/policy.js';
import type { MutationStatus } from '../mutation/mutation-events.js';
import type { SideEffect } from '../side-effect/side-effect.js';

export const BATCH_MODES = ['atomic', 'independent'] as const;
/** `atomic`: all steps or none (applied steps are compensated when one fails); `independent`: each step on its own. */
export type BatchMode = (typeof BATCH_MODES)[number];

export const BATCH_STATUSES = [
  'pending',
  'denied',
  'rejected',
  'expired',
  'cancelled',
  'running',
  'applied',
  'partially_applied',
  'failed',
  'compensating',
  'compensated',
  'compensation_failed',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** One step as admitted: the mutation it will record on its lane, and what was planned and approved for it. */
export interface BatchStep {
  index: number;
  /** Assigned at admission: the step's mutation id on its lane (its request event's id, so it is recorded once). */
  mutationId: string;
  stateType: string;
  stateId: string;
  transition: string;
  payload: JsonValue;
  expectedVersion: number | null;
  classification: Classification;
  reason: string | null;
  /** For a step that undoes a mutation (a revert chain): that mutation. */
  compensates: string | null;
  /** The plan at admission (against the states then, and the earlier steps of the batch). */
  planHash: string;
  diff: DiffEntry[];
  evaluation: { outcome: 'allow' | 'deny' | 'require'; policies: PolicyOutcome[] };
  /** The approvals and checks its policies required at admission; the batch's approval covers them. */
  requirements: Requirement[];
  /** For a compensation step: the side effects undoing those of the compensated mutation. */
  compensationSideEffects?: SideEffect[];
}

/** A step to undo, in the order compensations run (reverse order of application), with the compensating mutation's id. */
export interface CompensationEntry {
  step: number;
  mutationId: string;
  compensationId: string;
}

export type BatchEvent =
  | BatchRequested
  | BatchDenied
  | BatchPending
  | BatchApprovalGranted
  | BatchRejected
  | BatchExpired
  | BatchCancelled
  | BatchStarted
  | BatchStepFinished
  | BatchCompensationStarted
  | BatchStepCompensated
  | BatchCompensationFailed
  | BatchAlertRaised
  | BatchCompensationRetried
  | BatchFinished;

export interface BatchRequested {
  type: 'BatchRequested';
  data: { batchId: string; mode: BatchMode; actor: Actor; reason: string | null; steps: BatchStep[]; requestedAt: string; revertOf?: string };
}

/** A step was denied at admission: the whole batch is. */
export interface BatchDenied {
  type: 'BatchDenied';
  data: { batchId: string; step: number; deniedBy: 'guard' | 'policy'; code: 'guard_denied' | 'policy_denied'; reason: string; policy: string | null; suggestions: Suggestion[]; deniedAt: string };
}

/** Some step needs approval: the batch waits for all of it, approved as one. */
export interface BatchPending {
  type: 'BatchPending';
  data: { batchId: string; requirements: Requirement[]; expiresAt: string; pendingAt: string };
}

export interface BatchApprovalGranted {
  type: 'BatchApprovalGranted';
  data: { batchId: string; approver: Actor; step: number; role: string; comment: string | null; approvedAt: string };
}

export interface BatchRejected {
  type: 'BatchRejected';
  data: { batchId: string; rejectedBy: Actor; step: number | null; role: string | null; comment: string | null; rejectedAt: string };
}

export interface BatchExpired {
  type: 'BatchExpired';
  data: { batchId: string; expiresAt: string; expiredAt: string };
}

export interface BatchCancelled {
  type: 'BatchCancelled';
  data: { batchId: string; cancelledBy: Actor; reason: string | null; cancelledAt: string };
}

/** Admitted (or approved): the saga applies the steps in order. */
export interface BatchStarted {
  type: 'BatchStarted';
  data: { batchId: string; startedAt: string };
}

/** A step's mutation ended on its lane (the saga records what the lane recorded). */
export interface BatchStepFinished {
  type: 'BatchStepFinished';
  data: { batchId: string; step: number; mutationId: string; outcome: MutationStatus; version: number | null; code: string | null; reason: string | null; finishedAt: string };
}

/** An atomic batch's step did not apply: the applied steps are undone, latest first. */
export interface BatchCompensationStarted {
  type: 'BatchCompensationStarted';
  data: { batchId: string; failedStep: number; compensations: CompensationEntry[]; startedAt: string };
}

export interface BatchStepCompensated {
  type: 'BatchStepCompensated';
  data: { batchId: string; step: number; mutationId: string; compensationId: string; version: number | null; compensatedAt: string };
}

/** A compensation could not run; the batch stops in `compensation_failed` until an operator retries. */
export interface BatchCompensationFailed {
  type: 'BatchCompensationFailed';
  data: { batchId: string; step: number; mutationId: string; compensationId: string; code: string; reason: string; failedAt: string };
}

/** Something needs an operator: never swallowed, always an event. */
export interface BatchAlertRaised {
  type: 'BatchAlertRaised';
  data: { batchId: string; alert: 'compensation_failed'; step: number; message: string; raisedAt: string };
}

/** An operator retries the compensations left, with fresh compensating mutation ids. */
export interface BatchCompensationRetried {
  type: 'BatchCompensationRetried';
  data: { batchId: string; retriedBy: Actor; reason: string | null; compensations: CompensationEntry[]; retriedAt: string };
}

export interface BatchFinished {
  type: 'BatchFinished';
  data: { batchId: string; status: 'applied' | 'partially_applied' | 'failed' | 'compensated'; finishedAt: string };
}

export const BATCH_EVENT_TYPES: readonly BatchEvent['type'][] = [
  'BatchRequested',
  'BatchDenied',
  'BatchPending',
  'BatchApprovalGranted',
  'BatchRejected',
  'BatchExpired',
  'BatchCancelled',
  'BatchStarted',
  'BatchStepFinished',
  'BatchCompensationStarted',
  'BatchStepCompensated',
  'BatchCompensationFailed',
  'BatchAlertRaised',
  'BatchCompensationRetried',
  'BatchFinished',
];

export function isBatchEvent(event: { type: string }): event is BatchEvent {
  return (BATCH_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** Name of the stream holding a batch's saga. */
export function batchStreamName(batchId: string): string {
  return `batch-${batchId}`;
}

export function parseBatchStreamName(streamName: string): string | undefined {
  const match = /^batch-([0-9a-fA-F-]{36})$/.exec(streamName);
  return match ? (match[1] as string) : undefined;
}

/** When a batch event happened (the command's clock). */
export function batchEventTime(event: BatchEvent): string {
  switch (event.type) {
    case 'BatchRequested':
      return event.data.requestedAt;
    case 'BatchDenied':
      return event.data.deniedAt;
    case 'BatchPending':
      return event.data.pendingAt;
    case 'BatchApprovalGranted':
      return event.data.approvedAt;
    case 'BatchRejected':
      return event.data.rejectedAt;
    case 'BatchExpired':
      return event.data.expiredAt;
    case 'BatchCancelled':
      return event.data.cancelledAt;
    case 'BatchStarted':
      return event.data.startedAt;
    case 'BatchStepFinished':
      return event.data.finishedAt;
    case 'BatchCompensationStarted':
      return event.data.startedAt;
    case 'BatchStepCompensated':
      return event.data.compensatedAt;
    case 'BatchCompensationFailed':
      return event.data.failedAt;
    case 'BatchAlertRaised':
      return event.data.raisedAt;
    case 'BatchCompensationRetried':
      return event.data.retriedAt;
    case 'BatchFinished':
      return event.data.finishedAt;
    default: {
      const unknown: never = event;
      throw new Error(`unknown batch event ${JSON.stringify(unknown)}`);
    }
  }
}
