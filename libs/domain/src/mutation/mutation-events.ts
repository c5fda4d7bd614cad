import type { Actor, Classification, ClassificationRequest } from '../contract/classification.js';
import type { DiffEntry } from '../json/diff.js';
import type { JsonValue } from '../json/json.js';
import type { Op } from '../json/ops.js';
import type { PolicyOutcome, Requirement, Suggestion } from '../policy/policy.js';
import type { SideEffect } from '../side-effect/side-effect.js';

/**
 * Events of the mutation lifecycle. All events of one state (its lane) live in one stream,
 * `state-<stateType>:<stateId>`; each carries the mutation it belongs to. Events are plain data
 * identified by their string `type`: they come back from the store as JSON.
 */
export type MutationEvent =
  | MutationRequested
  | MutationPlanned
  | MutationDenied
  | MutationPending
  | MutationApplied
  | ApprovalGranted
  | ApprovalRejected
  | ApprovalsDismissed
  | CheckResolved
  | ScheduleReached
  | MutationRejected
  | MutationExpired
  | MutationCancelled
  | MutationConflicted
  | MutationFailed
  | DependencyResolved
  | MutationAccepted
  | MutationStarted
  | MutationFinished
  | MutationCompensated;

export type MutationStatus = 'pending' | 'applied' | 'denied' | 'rejected' | 'expired' | 'cancelled' | 'conflicted' | 'failed' | 'compensated';

export const MUTATION_STATUSES: readonly MutationStatus[] = ['pending', 'applied', 'denied', 'rejected', 'expired', 'cancelled', 'conflicted', 'failed', 'compensated'];

export interface MutationRequested {
  type: 'MutationRequested';
  data: {
    mutationId: string;
    stateType: string;
    stateId: string;
    transition: string;
    payload: JsonValue;
    actor: Actor;
    reason: string | null;
    classification: Classification;
    expectedVersion: number | null;
    idempotencyKey: string | null;
    dependsOn: string[];
    notBefore: string | null;
    baseVersion: number;
    /** The plan's hash; empty when nothing was planned at admission (`evaluation.outcome` `deferred`). */
    planHash: string;
    /**
     * The policies' verdict at admission. `deferred`: the mutation waits for its dependencies and
     * is planned when the last one applies (a `MutationPlanned` then carries the plan); until
     * then `classification` holds only what is known without the state.
     */
    evaluation: { outcome: 'allow' | 'deny' | 'require' | 'deferred'; policies: PolicyOutcome[] };
    /** Set when planning is deferred: the classification the request asked for, resolved when it is planned. */
    classificationRequest?: ClassificationRequest;
    requestedAt: string;
    /** Set when this mutation undoes another (a revert, or a batch rolling back): the compensated mutation. */
    compensates?: string;
    /** Set when this mutation is a step of a batch. */
    batch?: { batchId: string; step: number };
    /** For a compensation: the side effects undoing those of the compensated mutation, emitted when it applies. */
    compensationSideEffects?: SideEffect[];
  };
}

/**
 * A mutation admitted without a plan (it waited for its dependencies) was planned against the
 * state as it is when its last dependency applied: what `MutationRequested` would have carried
 * had it been planned at admission. Its ending (applied, pending for approvals, denied) follows
 * in the same append.
 */
export interface MutationPlanned {
  type: 'MutationPlanned';
  data: {
    mutationId: string;
    /** The state version it was planned against. */
    baseVersion: number;
    planHash: string;
    classification: Classification;
    evaluation: { outcome: 'allow' | 'deny' | 'require'; policies: PolicyOutcome[] };
    diff: DiffEntry[];
    plannedAt: string;
  };
}

export interface MutationDenied {
  type: 'MutationDenied';
  data: {
    mutationId: string;
    deniedBy: 'guard' | 'policy';
    code: 'guard_denied' | 'policy_denied';
    reason: string;
    policy: string | null;
    suggestions: Suggestion[];
    deniedAt: string;
  };
}

export interface MutationPending {
  type: 'MutationPending';
  data: {
    mutationId: string;
    transition: string;
    requestedBy: string;
    requirements: Requirement[];
    expiresAt: string;
    pendingAt: string;
    /** The change being approved (paths and new values bind the approvals, ADR 0005). */
    diff: DiffEntry[];
    /** The state version the change was planned against. */
    baseVersion: number;
  };
}

export interface MutationApplied {
  type: 'MutationApplied';
  data: {
    mutationId: string;
    /** Denormalised from the request so state readers need no other event. */
    stateType: string;
    stateId: string;
    transition: string;
    actor: Actor;
    /** The state's version after this change (1 for the creating change). */
    version: number;
    ops: Op[];
    diff: DiffEntry[];
    appliedAt: string;
    /** The outbox: side effects to deliver now that the change applied, recorded in the same append (absent when none). */
    sideEffects?: SideEffect[];
  };
}

/** One approval counted towards a step. */
export interface ApprovalRecord {
  approverId: string;
  step: number;
  role: string;
  approvedAt: string;
}

export interface ApprovalGranted {
  type: 'ApprovalGranted';
  data: { mutationId: string; approver: Actor; step: number; role: string; comment: string | null; approvedAt: string };
}

export interface ApprovalRejected {
  type: 'ApprovalRejected';
  data: { mutationId: string; approver: Actor; step: number; role: string; comment: string | null; rejectedAt: string };
}

/** The re-planned change differs from what was approved: earlier approvals no longer count. */
export interface ApprovalsDismissed {
  type: 'ApprovalsDismissed';
  data: { mutationId: string; reason: string; dismissed: ApprovalRecord[]; dismissedAt: string };
}

export interface CheckResolved {
  type: 'CheckResolved';
  data: { mutationId: string; name: string; outcome: 'pass' | 'fail'; detail: string | null; resolvedBy: Actor; resolvedAt: string };
}

export interface ScheduleReached {
  type: 'ScheduleReached';
  data: { mutationId: string; notBefore: string; reachedAt: string };
}

/** Ended by a rejecting approver or a failed external check. */
export interface MutationRejected {
  type: 'MutationRejected';
  data: { mutationId: string; reason: string; rejectedBy: Actor; rejectedAt: string };
}

export interface MutationExpired {
  type: 'MutationExpired';
  data: { mutationId: string; expiresAt: string; expiredAt: string };
}

export interface MutationCancelled {
  type: 'MutationCancelled';
  data: { mutationId: string; cancelledBy: Actor; reason: string | null; cancelledAt: string };
}

/** At its final requirement the request's expectedVersion was stale. */
export interface MutationConflicted {
  type: 'MutationConflicted';
  data: { mutationId: string; expectedVersion: number; currentVersion: number; conflictedAt: string };
}

/** It could no longer be planned when its requirements were met (e.g. its effects failed). */
export interface MutationFailed {
  type: 'MutationFailed';
  data: { mutationId: string; code: string; reason: string; failedAt: string };
}

/** A dependency of a pending mutation reached a terminal status (signalled by the dependency saga). */
export interface DependencyResolved {
  type: 'DependencyResolved';
  data: { mutationId: string; dependencyId: string; outcome: MutationStatus; resolvedAt: string };
}

/**
 * Lifecycle events of the causal protocol (docs/protocol.md). Every mutation is a command:
 * `accepted` when admitted on its lane, `started` when it executes (its requirements are met and
 * it is planned against the current state), `finished` with its terminal outcome. `lane` is
 * `<stateType>/<stateId>`; `laneSequence` is the event's position in the lane (its stream
 * revision), so per lane, the order of `finished` events equals the order of versions.
 */
export interface MutationAccepted {
  type: 'MutationAccepted';
  data: { mutationId: string; lane: string; laneSequence: number; idempotencyKey: string | null; dependsOn: string[]; acceptedAt: string };
}

export interface MutationStarted {
  type: 'MutationStarted';
  data: { mutationId: string; lane: string; laneSequence: number; baseVersion: number; startedAt: string };
}

export interface MutationFinished {
  type: 'MutationFinished';
  data: { mutationId: string; lane: string; laneSequence: number; outcome: MutationStatus; version: number | null; finishedAt: string };
}

/**
 * An applied mutation was undone: `compensatedBy` applied its inverse, in the same append. Its
 * status moves from `applied` to `compensated`; the mutation had already finished, so no
 * lifecycle event follows.
 */
export interface MutationCompensated {
  type: 'MutationCompensated';
  data: { mutationId: string; compensatedBy: string; compensatedAt: string };
}

export const LIFECYCLE_EVENT_TYPES: readonly MutationEvent['type'][] = ['MutationAccepted', 'MutationStarted', 'MutationFinished'];

export const MUTATION_EVENT_TYPES: readonly MutationEvent['type'][] = [
  'MutationRequested',
  'MutationPlanned',
  'MutationDenied',
  'MutationPending',
  'MutationApplied',
  'ApprovalGranted',
  'ApprovalRejected',
  'ApprovalsDismissed',
  'CheckResolved',
  'ScheduleReached',
  'MutationRejected',
  'MutationExpired',
  'MutationCancelled',
  'MutationConflicted',
  'MutationFailed',
  'DependencyResolved',
  'MutationAccepted',
  'MutationStarted',
  'MutationFinished',
  'MutationCompensated',
];

/** The status a mutation has after an event, when the event changes it. */
export function statusAfter(event: MutationEvent): MutationStatus | undefined {
  switch (event.type) {
    case 'MutationPending':
      return 'pending';
    case 'MutationApplied':
      return 'applied';
    case 'MutationDenied':
      return 'denied';
    case 'MutationRejected':
      return 'rejected';
    case 'MutationExpired':
      return 'expired';
    case 'MutationCancelled':
      return 'cancelled';
    case 'MutationConflicted':
      return 'conflicted';
    case 'MutationFailed':
      return 'failed';
    case 'MutationCompensated':
      return 'compensated';
    case 'MutationRequested':
    case 'MutationPlanned':
    case 'ApprovalGranted':
    case 'ApprovalRejected':
    case 'ApprovalsDismissed':
    case 'CheckResolved':
    case 'ScheduleReached':
    case 'DependencyResolved':
    case 'MutationAccepted':
    case 'MutationStarted':
    case 'MutationFinished':
      return undefined;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

export function isMutationEvent(event: { type: string }): event is MutationEvent {
  return (MUTATION_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** Name of the stream holding every event of one state's lane. */
export function laneStreamName(stateType: string, stateId: string): string {
  return `state-${stateType}:${stateId}`;
}

/** When the event happened (the command's clock). */
export function eventTime(event: MutationEvent): string {
  switch (event.type) {
    case 'MutationRequested':
      return event.data.requestedAt;
    case 'MutationPlanned':
      return event.data.plannedAt;
    case 'MutationDenied':
      return event.data.deniedAt;
    case 'MutationPending':
      return event.data.pendingAt;
    case 'MutationApplied':
      return event.data.appliedAt;
    case 'ApprovalGranted':
      return event.data.approvedAt;
    case 'ApprovalRejected':
      return event.data.rejectedAt;
    case 'ApprovalsDismissed':
      return event.data.dismissedAt;
    case 'CheckResolved':
      return event.data.resolvedAt;
    case 'ScheduleReached':
      return event.data.reachedAt;
    case 'MutationRejected':
      return event.data.rejectedAt;
    case 'MutationExpired':
      return event.data.expiredAt;
    case 'MutationCancelled':
      return event.data.cancelledAt;
    case 'MutationConflicted':
      return event.data.conflictedAt;
    case 'MutationFailed':
      return event.data.failedAt;
    case 'DependencyResolved':
      return event.data.resolvedAt;
    case 'MutationAccepted':
      return event.data.acceptedAt;
    case 'MutationStarted':
      return event.data.startedAt;
    case 'MutationFinished':
      return event.data.finishedAt;
    case 'MutationCompensated':
      return event.data.compensatedAt;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

/** The state a lane stream belongs to; undefined for other streams. */
export function parseLaneStreamName(streamName: string): { stateType: string; stateId: string } | undefined {
  const match = /^state-([a-z][a-z0-9-]*):(.+)$/.exec(streamName);
  return match ? { stateType: match[1] as string, stateId: match[2] as string } : undefined;
}
