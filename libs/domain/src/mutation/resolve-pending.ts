import type { Actor } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import { domainError, type DomainError } from '../errors.js';
import type { DiffEntry } from '../json/diff.js';
import { canonicalJson } from '../json/json.js';
import { planMutation, type Plan } from '../plan/plan.js';
import type { LaneState, PendingMutation } from './lane.js';
import { evolveLane } from './lane.js';
import { statusAfter, type MutationEvent, type MutationStatus } from './mutation-events.js';
import { currentApprovalStep, governanceRequirements, openRequirements } from './requirements.js';
import { pendingExpiry, withSideEffects, type SubmitOptions } from './submit-mutation.js';
import { emitSideEffects } from '../side-effect/side-effect.js';

export interface ApproveMutation {
  type: 'ApproveMutation';
  mutationId: string;
  approver: Actor;
  decision: 'approve' | 'reject';
  comment?: string;
  now: string;
}

export interface ResolveCheck {
  type: 'ResolveCheck';
  mutationId: string;
  name: string;
  outcome: 'pass' | 'fail';
  detail?: string;
  actor: Actor;
  now: string;
}

export interface CancelMutation {
  type: 'CancelMutation';
  mutationId: string;
  actor: Actor;
  reason?: string;
  now: string;
}

/** Fired by a durable timer at the mutation's expiry. */
export interface ExpireMutation {
  type: 'ExpireMutation';
  mutationId: string;
  now: string;
}

/** Fired by a durable timer at the mutation's `notBefore`. */
export interface ReachSchedule {
  type: 'ReachSchedule';
  mutationId: string;
  now: string;
}

/** Sent by the dependency saga when a mutation named in `dependsOn` reached a terminal status. */
export interface ResolveDependency {
  type: 'ResolveDependency';
  mutationId: string;
  dependencyId: string;
  outcome: MutationStatus;
  now: string;
}

/** Fired by a durable timer at the dependency timeout. */
export interface TimeOutDependencies {
  type: 'TimeOutDependencies';
  mutationId: string;
  now: string;
}

export type PendingCommand = ApproveMutation | ResolveCheck | CancelMutation | ExpireMutation | ReachSchedule | ResolveDependency | TimeOutDependencies;

/** Commands sent by the system (timers, sagas): on a mutation that has ended they change nothing instead of failing. */
function isSystemCommand(command: PendingCommand): boolean {
  return command.type === 'ExpireMutation' || command.type === 'ReachSchedule' || command.type === 'ResolveDependency' || command.type === 'TimeOutDependencies';
}

export type PendingOutcome =
  | { kind: 'rejected'; error: DomainError }
  /** Nothing to record: a repeated approval, or a timer that is early or late. */
  | { kind: 'unchanged'; reason: string; notDue?: true }
  | { kind: 'recorded'; events: MutationEvent[]; status: MutationStatus; version: number };

/** The roles that may cancel any pending mutation besides its requester. */
export const CANCEL_ROLES = ['admin'];

/** decide(command on a pending mutation, lane) → events. The final requirement re-plans (ADR 0005). */
export function decidePending(command: PendingCommand, lane: LaneState, contract: Contract<unknown>, options: SubmitOptions): PendingOutcome {
  const pending = lane.pending[command.mutationId];
  if (!pending) {
    if (isSystemCommand(command)) return { kind: 'unchanged', reason: 'the mutation is no longer pending' };
    return { kind: 'rejected', error: domainError('mutation_not_pending', `mutation ${command.mutationId} is not pending`, { mutationId: command.mutationId }) };
  }
  // Past its expiry a mutation is over even while its expiry timer has not fired yet (e.g. the
  // worker is down): nothing may count towards it any more; the timer records the expiry.
  if (command.type !== 'ExpireMutation' && Date.parse(command.now) >= Date.parse(pending.expiresAt)) {
    if (isSystemCommand(command)) return { kind: 'unchanged', reason: 'the mutation has expired' };
    return {
      kind: 'rejected',
      error: domainError('mutation_not_pending', `mutation ${command.mutationId} expired at ${pending.expiresAt}`, {
        mutationId: command.mutationId,
        status: 'expired',
        expiresAt: pending.expiresAt,
      }),
    };
  }
  switch (command.type) {
    case 'ApproveMutation':
      return decideApproval(command, pending, lane, contract, options);
    case 'ResolveCheck':
      return decideCheck(command, pending, lane, contract, options);
    case 'CancelMutation':
      return decideCancel(command, pending, lane);
    case 'ExpireMutation':
      if (Date.parse(command.now) < Date.parse(pending.expiresAt)) return { kind: 'unchanged', reason: 'not expired yet', notDue: true };
      return recorded(lane, [{ type: 'MutationExpired', data: { mutationId: pending.mutationId, expiresAt: pending.expiresAt, expiredAt: command.now } }]);
    case 'ReachSchedule':
      return decideSchedule(command, pending, lane, contract, options);
    case 'ResolveDependency':
      return decideDependency(command, pending, lane, contract, options);
    case 'TimeOutDependencies':
      return decideDependencyTimeout(command, pending, lane);
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

function decideApproval(command: ApproveMutation, pending: PendingMutation, lane: LaneState, contract: Contract<unknown>, options: SubmitOptions): PendingOutcome {
  const { approver } = command;
  if (approver.id === pending.request.actor.id) {
    return rejected('self_approval', 'the requester of a mutation cannot approve or reject it', { mutationId: pending.mutationId });
  }
  if (pending.approvals.some((approval) => approval.approverId === approver.id)) {
    // A repeated approval is a harmless retry; turning an approval into a rejection would count the principal twice.
    if (command.decision === 'reject') {
      return rejected('already_approved', `${approver.id} has already approved this mutation and counts once`, { mutationId: pending.mutationId });
    }
    return { kind: 'unchanged', reason: `${approver.id} has already approved this mutation; a principal counts once` };
  }
  const step = currentApprovalStep(pending.requirements, pending.approvals);
  if (!step) {
    return rejected('no_approval_required', 'this mutation is not waiting for an approval', { open: openRequirements(pending) });
  }
  if (!approver.roles.includes(step.role)) {
    return rejected('approver_role_required', `step ${step.index + 1} needs a principal with role "${step.role}"`, { step: step.index, role: step.role });
  }
  const comment = command.comment ?? null;
  if (command.decision === 'reject') {
    return recorded(lane, [
      { type: 'ApprovalRejected', data: { mutationId: pending.mutationId, approver, step: step.index, role: step.role, comment, rejectedAt: command.now } },
      { type: 'MutationRejected', data: { mutationId: pending.mutationId, reason: comment ?? `rejected by ${approver.id}`, rejectedBy: approver, rejectedAt: command.now } },
    ]);
  }
  const granted: MutationEvent = { type: 'ApprovalGranted', data: { mutationId: pending.mutationId, approver, step: step.index, role: step.role, comment, approvedAt: command.now } };
  return completeIfReady([granted], lane, contract, options, command.now);
}

function decideCheck(command: ResolveCheck, pending: PendingMutation, lane: LaneState, contract: Contract<unknown>, options: SubmitOptions): PendingOutcome {
  const check = pending.requirements.find((requirement) => requirement.kind === 'external_check' && requirement.name === command.name);
  if (!check || check.kind !== 'external_check') {
    return rejected('unknown_check', `mutation ${pending.mutationId} does not wait for a check named "${command.name}"`, {
      checks: pending.requirements.flatMap((requirement) => (requirement.kind === 'external_check' ? [requirement.name] : [])),
    });
  }
  if (!command.actor.roles.includes(check.role)) {
    return rejected('check_role_required', `check "${check.name}" is resolved by a principal with role "${check.role}"`, { role: check.role });
  }
  if (pending.passedChecks.includes(check.name)) return { kind: 'unchanged', reason: `check "${check.name}" already passed` };
  const resolved: MutationEvent = {
    type: 'CheckResolved',
    data: { mutationId: pending.mutationId, name: check.name, outcome: command.outcome, detail: command.detail ?? null, resolvedBy: command.actor, resolvedAt: command.now },
  };
  if (command.outcome === 'fail') {
    return recorded(lane, [
      resolved,
      { type: 'MutationRejected', data: { mutationId: pending.mutationId, reason: `check "${check.name}" failed${command.detail ? `: ${command.detail}` : ''}`, rejectedBy: command.actor, rejectedAt: command.now } },
    ]);
  }
  return completeIfReady([resolved], lane, contract, options, command.now);
}

function decideCancel(command: CancelMutation, pending: PendingMutation, lane: LaneState): PendingOutcome {
  const isRequester = command.actor.id === pending.request.actor.id;
  if (!isRequester && !command.actor.roles.some((role) => CANCEL_ROLES.includes(role))) {
    return rejected('cancel_not_allowed', 'only the requester or an admin can cancel a mutation', { requestedBy: pending.request.actor.id });
  }
  return recorded(lane, [{ type: 'MutationCancelled', data: { mutationId: pending.mutationId, cancelledBy: command.actor, reason: command.reason ?? null, cancelledAt: command.now } }]);
}

function decideSchedule(command: ReachSchedule, pending: PendingMutation, lane: LaneState, contract: Contract<unknown>, options: SubmitOptions): PendingOutcome {
  const schedule = pending.requirements.find((requirement) => requirement.kind === 'schedule');
  if (!schedule || schedule.kind !== 'schedule' || pending.scheduleReached) return { kind: 'unchanged', reason: 'no schedule to reach' };
  if (Date.parse(command.now) < Date.parse(schedule.notBefore)) return { kind: 'unchanged', reason: 'the schedule is not reached yet', notDue: true };
  return completeIfReady([{ type: 'ScheduleReached', data: { mutationId: pending.mutationId, notBefore: schedule.notBefore, reachedAt: command.now } }], lane, contract, options, command.now);
}

function decideDependency(command: ResolveDependency, pending: PendingMutation, lane: LaneState, contract: Contract<unknown>, options: SubmitOptions): PendingOutcome {
  const waiting = openDependencies(pending);
  if (!waiting.includes(command.dependencyId)) return { kind: 'unchanged', reason: `${command.dependencyId} is not an open dependency` };
  if (command.outcome === 'pending') return { kind: 'unchanged', reason: `${command.dependencyId} is still pending` };
  const resolved: MutationEvent = {
    type: 'DependencyResolved',
    data: { mutationId: pending.mutationId, dependencyId: command.dependencyId, outcome: command.outcome, resolvedAt: command.now },
  };
  if (command.outcome !== 'applied') {
    return recorded(lane, [
      resolved,
      {
        type: 'MutationFailed',
        data: { mutationId: pending.mutationId, code: 'dependency_failed', reason: `dependency ${command.dependencyId} ended ${command.outcome}`, failedAt: command.now },
      },
    ]);
  }
  return completeIfReady([resolved], lane, contract, options, command.now);
}

function decideDependencyTimeout(command: TimeOutDependencies, pending: PendingMutation, lane: LaneState): PendingOutcome {
  const requirement = pending.requirements.find((candidate) => candidate.kind === 'dependency');
  const waiting = openDependencies(pending);
  if (!requirement || requirement.kind !== 'dependency' || waiting.length === 0) return { kind: 'unchanged', reason: 'no dependency to wait for' };
  if (Date.parse(command.now) < Date.parse(requirement.timeoutAt)) return { kind: 'unchanged', reason: 'the dependency timeout is not reached yet', notDue: true };
  return recorded(lane, [
    {
      type: 'MutationFailed',
      data: {
        mutationId: pending.mutationId,
        code: 'dependency_timeout',
        reason: `dependencies not applied by ${requirement.timeoutAt}: ${waiting.join(', ')}`,
        failedAt: command.now,
      },
    },
  ]);
}

function openDependencies(pending: PendingMutation): string[] {
  return pending.requirements.flatMap((requirement) =>
    requirement.kind === 'dependency' ? requirement.mutationIds.filter((id) => !pending.resolvedDependencies.includes(id)) : [],
  );
}

/**
 * Appends `progress`; when it meets the last open requirement, re-plans against the current
 * state and decides the ending (ADR 0005): stale expectedVersion → conflicted; the same change
 * and requirements as approved → applied; a deny → denied; a different change → approvals
 * dismissed and pending again (or applied at once when the new plan needs nothing). A mutation
 * admitted without a plan is planned here for the first time: MutationPlanned, then applied,
 * denied, or pending for what its plan requires (ADR 0011).
 */
function completeIfReady(progress: MutationEvent[], lane: LaneState, contract: Contract<unknown>, options: SubmitOptions, now: string): PendingOutcome {
  const mutationId = progress[0]?.data.mutationId as string;
  const progressed = progress.reduce(evolveLane, lane);
  const pending = progressed.pending[mutationId] as PendingMutation;
  if (openRequirements(pending).length > 0) return recorded(lane, progress);

  const { request } = pending;
  if (request.expectedVersion !== null && request.expectedVersion !== lane.version) {
    return recorded(lane, [
      ...progress,
      { type: 'MutationConflicted', data: { mutationId, expectedVersion: request.expectedVersion, currentVersion: lane.version, conflictedAt: now } },
    ]);
  }
  if (request.compensates !== undefined && lane.compensations?.[request.compensates] !== undefined) {
    return recorded(lane, [
      ...progress,
      { type: 'MutationFailed', data: { mutationId, code: 'already_compensated', reason: `mutation ${request.compensates} was compensated by ${lane.compensations[request.compensates]} meanwhile`, failedAt: now } },
    ], mutationId);
  }
  const planned = planMutation({
    contract,
    stateId: request.stateId,
    transition: request.transition,
    payload: request.payload,
    actor: request.actor,
    base: { exists: lane.exists, document: lane.document, version: lane.version },
    // A mutation planned late resolves what its request asked for against the state now.
    classification: request.classificationRequest ?? request.classification,
    now,
    ...(request.compensates !== undefined ? { compensates: request.compensates } : {}),
  });
  if (!planned.ok) {
    return recorded(lane, [...progress, { type: 'MutationFailed', data: { mutationId, code: planned.error.code, reason: planned.error.message, failedAt: now } }]);
  }
  const { plan } = planned;
  const { decision } = plan;
  // Admitted without a plan (it waited for dependencies): its first plan is recorded before its ending (ADR 0011).
  const first: MutationEvent[] = pending.deferred
    ? [
        {
          type: 'MutationPlanned',
          data: {
            mutationId,
            baseVersion: lane.version,
            planHash: plan.hash,
            classification: plan.classification,
            evaluation: { outcome: decision.outcome, policies: decision.policies },
            diff: plan.diff,
            plannedAt: now,
          },
        },
      ]
    : [];
  if (decision.outcome === 'deny') {
    return recorded(lane, [
      ...progress,
      ...first,
      { type: 'MutationDenied', data: { mutationId, deniedBy: decision.deniedBy, code: decision.code, reason: decision.reason, policy: decision.policy ?? null, suggestions: decision.suggestions, deniedAt: now } },
    ]);
  }
  const applied: MutationEvent = {
    type: 'MutationApplied',
    data: {
      mutationId,
      stateType: contract.stateType,
      stateId: request.stateId,
      transition: request.transition,
      actor: request.actor,
      version: lane.version + 1,
      ops: plan.ops,
      diff: plan.diff,
      appliedAt: now,
      ...withSideEffects(emitSideEffects(mutationId, plan.sideEffects, request.compensationSideEffects)),
    },
  };
  const compensated: MutationEvent[] =
    request.compensates === undefined ? [] : [{ type: 'MutationCompensated', data: { mutationId: request.compensates, compensatedBy: mutationId, compensatedAt: now } }];
  if (pending.deferred) return recordedLatePlan([...progress, ...first], plan, applied, compensated, lane, options, now);
  const newRequirements = governanceRequirements(plan.requirements);
  const sameChange = sameChangedValues(pending.diff, plan.diff) && canonicalJson(governanceRequirements(pending.requirements)) === canonicalJson(newRequirements);
  if (sameChange) return recorded(lane, [...progress, applied, ...compensated], mutationId);

  const dismissed: MutationEvent = {
    type: 'ApprovalsDismissed',
    data: { mutationId, reason: 'the re-planned change or its requirements differ from what was approved', dismissed: pending.approvals, dismissedAt: now },
  };
  // Nothing was approved (only time or dependencies were waited for): a changed plan dismisses nothing.
  const approvedAnything = pending.approvals.length > 0 || pending.passedChecks.length > 0 || governanceRequirements(pending.requirements).length > 0;
  if (newRequirements.length === 0) return recorded(lane, [...progress, ...(approvedAnything ? [dismissed] : []), applied, ...compensated], mutationId);
  const ttl = Math.min(options.approvalTtlMs, decision.outcome === 'require' ? (decision.expiresInMs ?? Infinity) : Infinity);
  return recorded(lane, [
    ...progress,
    ...(approvedAnything ? [dismissed] : []),
    {
      type: 'MutationPending',
      data: {
        mutationId,
        transition: request.transition,
        requestedBy: request.actor.id,
        requirements: newRequirements,
        expiresAt: new Date(Date.parse(now) + ttl).toISOString(),
        pendingAt: now,
        diff: plan.diff,
        baseVersion: lane.version,
      },
    },
  ]);
}

/**
 * The ending of a mutation planned when its last dependency applied: applied when its plan
 * needs nothing, else pending for what its policies require, as if it had been submitted now.
 */
function recordedLatePlan(progress: MutationEvent[], plan: Plan, applied: MutationEvent, compensated: MutationEvent[], lane: LaneState, options: SubmitOptions, now: string): PendingOutcome {
  const { decision } = plan;
  const mutationId = applied.data.mutationId;
  if (plan.requirements.length === 0) return recorded(lane, [...progress, applied, ...compensated], mutationId);
  const ttl = Math.min(options.approvalTtlMs, decision.outcome === 'require' ? (decision.expiresInMs ?? Infinity) : Infinity);
  const request = (lane.pending[mutationId] as PendingMutation).request;
  return recorded(lane, [
    ...progress,
    {
      type: 'MutationPending',
      data: {
        mutationId,
        transition: request.transition,
        requestedBy: request.actor.id,
        requirements: plan.requirements,
        expiresAt: pendingExpiry(plan.requirements, ttl, now),
        pendingAt: now,
        diff: plan.diff,
        baseVersion: lane.version,
      },
    },
  ]);
}

/** Approvals bind to the changed paths and their new values, not to the values they replace. */
function sameChangedValues(approved: readonly DiffEntry[], replanned: readonly DiffEntry[]): boolean {
  const key = (diff: readonly DiffEntry[]) => canonicalJson(diff.map((entry) => ({ path: entry.path, kind: entry.kind === 'removed' ? 'removed' : 'set', after: entry.after ?? null })));
  return key(approved) === key(replanned);
}

function rejected(code: Parameters<typeof domainError>[0], message: string, details?: Record<string, unknown>): PendingOutcome {
  return { kind: 'rejected', error: domainError(code, message, details) };
}

/** The outcome of recorded events, with the status of the mutation the command was about (by default the one the events end with). */
function recorded(lane: LaneState, events: MutationEvent[], about?: string): PendingOutcome {
  const after = events.reduce(evolveLane, lane);
  const mutationId = about ?? (events[events.length - 1]?.data.mutationId as string);
  const ended = events.filter((event) => event.data.mutationId === mutationId).map(statusAfter).filter((status) => status !== undefined);
  const status = after.pending[mutationId] ? 'pending' : (ended[ended.length - 1] ?? 'pending');
  return { kind: 'recorded', events, status, version: after.version };
}
