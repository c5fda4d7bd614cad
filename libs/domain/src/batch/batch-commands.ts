import type { Actor } from '../contract/classification.js';
import { domainError, type DomainError } from '../errors.js';
import { currentApprovalStep } from '../mutation/requirements.js';
import { CANCEL_ROLES } from '../mutation/resolve-pending.js';
import { evolveBatch, type BatchState } from './batch.js';
import type { BatchEvent } from './batch-events.js';

/** Approve or reject a pending batch: one approval covers every step. */
export interface ApproveBatch {
  type: 'ApproveBatch';
  batchId: string;
  approver: Actor;
  decision: 'approve' | 'reject';
  comment?: string;
  now: string;
}

export interface CancelBatch {
  type: 'CancelBatch';
  batchId: string;
  actor: Actor;
  reason?: string;
  now: string;
}

/** Fired by the worker at a pending batch's expiry. */
export interface ExpireBatch {
  type: 'ExpireBatch';
  batchId: string;
  now: string;
}

/** An operator retries the compensations of a batch stuck in `compensation_failed`. */
export interface RetryCompensation {
  type: 'RetryCompensation';
  batchId: string;
  actor: Actor;
  reason?: string;
  now: string;
}

export type BatchCommand = ApproveBatch | CancelBatch | ExpireBatch | RetryCompensation;

export type BatchCommandOutcome =
  | { kind: 'rejected'; error: DomainError }
  | { kind: 'unchanged'; reason: string }
  | { kind: 'recorded'; events: BatchEvent[]; state: BatchState };

/** The roles that may retry a failed compensation. */
export const COMPENSATION_RETRY_ROLES = ['admin'];

function recorded(state: BatchState, events: BatchEvent[]): BatchCommandOutcome {
  return { kind: 'recorded', events, state: events.reduce(evolveBatch, state) };
}

function notPending(state: BatchState): BatchCommandOutcome {
  return { kind: 'rejected', error: domainError('batch_not_pending', `batch ${state.batchId} is ${state.status}, not pending`, { batchId: state.batchId, status: state.status }) };
}

/** decide(command on a batch, its saga state) → batch events. `newId` gives the ids of retried compensations. */
export function decideBatchCommand(command: BatchCommand, state: BatchState, newId: () => string): BatchCommandOutcome {
  switch (command.type) {
    case 'ApproveBatch':
      return decideApproval(command, state);
    case 'CancelBatch': {
      if (state.status !== 'pending') return notPending(state);
      if (command.actor.id !== state.actor?.id && !command.actor.roles.some((role) => CANCEL_ROLES.includes(role))) {
        return { kind: 'rejected', error: domainError('cancel_not_allowed', 'only the requester or an admin can cancel a batch', { requestedBy: state.actor?.id ?? null }) };
      }
      return recorded(state, [{ type: 'BatchCancelled', data: { batchId: state.batchId, cancelledBy: command.actor, reason: command.reason ?? null, cancelledAt: command.now } }]);
    }
    case 'ExpireBatch':
      if (state.status !== 'pending' || state.expiresAt === null) return { kind: 'unchanged', reason: `batch is ${state.status}` };
      if (Date.parse(command.now) < Date.parse(state.expiresAt)) return { kind: 'unchanged', reason: 'not expired yet' };
      return recorded(state, [{ type: 'BatchExpired', data: { batchId: state.batchId, expiresAt: state.expiresAt, expiredAt: command.now } }]);
    case 'RetryCompensation': {
      if (!command.actor.roles.some((role) => COMPENSATION_RETRY_ROLES.includes(role))) {
        return { kind: 'rejected', error: domainError('forbidden', 'retrying a compensation needs the admin role', { roles: COMPENSATION_RETRY_ROLES }) };
      }
      if (state.status !== 'compensation_failed') {
        return { kind: 'rejected', error: domainError('batch_not_retryable', `batch ${state.batchId} is ${state.status}; only a batch in compensation_failed can be retried`, { batchId: state.batchId, status: state.status }) };
      }
      // The failed compensation is recorded as failed on its lane; its retry is a new mutation.
      const failed = state.compensationFailure?.step;
      const compensations = state.compensations
        .filter((entry) => state.compensated[String(entry.step)] === undefined && entry.step === failed)
        .map((entry) => ({ ...entry, compensationId: newId() }));
      return recorded(state, [{ type: 'BatchCompensationRetried', data: { batchId: state.batchId, retriedBy: command.actor, reason: command.reason ?? null, compensations, retriedAt: command.now } }]);
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown batch command ${JSON.stringify(unknown)}`);
    }
  }
}

function decideApproval(command: ApproveBatch, state: BatchState): BatchCommandOutcome {
  if (state.status !== 'pending') return notPending(state);
  if (state.expiresAt !== null && Date.parse(command.now) >= Date.parse(state.expiresAt)) {
    return { kind: 'rejected', error: domainError('batch_not_pending', `batch ${state.batchId} expired at ${state.expiresAt}`, { batchId: state.batchId, status: 'expired' }) };
  }
  const { approver } = command;
  if (approver.id === state.actor?.id) return { kind: 'rejected', error: domainError('self_approval', 'the requester of a batch cannot approve or reject it', { batchId: state.batchId }) };
  if (state.approvals.some((approval) => approval.approverId === approver.id)) {
    if (command.decision === 'reject') return { kind: 'rejected', error: domainError('already_approved', `${approver.id} has already approved this batch and counts once`, { batchId: state.batchId }) };
    return { kind: 'unchanged', reason: `${approver.id} has already approved this batch; a principal counts once` };
  }
  const step = currentApprovalStep(state.requirements, state.approvals);
  if (!step) return { kind: 'rejected', error: domainError('no_approval_required', 'this batch is not waiting for an approval', { batchId: state.batchId }) };
  if (!approver.roles.includes(step.role)) {
    return { kind: 'rejected', error: domainError('approver_role_required', `step ${step.index + 1} needs a principal with role "${step.role}"`, { step: step.index, role: step.role }) };
  }
  const comment = command.comment ?? null;
  if (command.decision === 'reject') {
    return recorded(state, [{ type: 'BatchRejected', data: { batchId: state.batchId, rejectedBy: approver, step: step.index, role: step.role, comment, rejectedAt: command.now } }]);
  }
  const granted: BatchEvent = { type: 'BatchApprovalGranted', data: { batchId: state.batchId, approver, step: step.index, role: step.role, comment, approvedAt: command.now } };
  const after = evolveBatch(state, granted);
  if (currentApprovalStep(after.requirements, after.approvals)) return recorded(state, [granted]);
  return recorded(state, [granted, { type: 'BatchStarted', data: { batchId: state.batchId, startedAt: command.now } }]);
}
