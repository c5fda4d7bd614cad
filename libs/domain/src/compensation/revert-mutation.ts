import type { Actor, ClassificationRequest } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import { domainError, type DomainError } from '../errors.js';
import type { JsonValue } from '../json/json.js';
import type { LaneState } from '../mutation/lane.js';
import { decideSubmit, type SubmitOptions, type SubmitOutcome } from '../mutation/submit-mutation.js';
import { inverseOf } from './inverse.js';
import { appliedChange, compensationChain, describeChange, laterConflicts, type AppliedChange, type LaneHistory } from './lane-history.js';
import { reversibilityOf, revertTransitionOf } from './reversibility.js';
import { compensatingSideEffects } from '../side-effect/side-effect.js';

/** Undo an applied mutation with a governed compensating mutation on the same lane. */
export interface RevertMutation {
  type: 'RevertMutation';
  /** The id of the compensating mutation. */
  mutationId: string;
  /** The applied mutation to undo. */
  target: string;
  actor: Actor;
  reason?: string;
  dryRun?: boolean;
  now: string;
}

/** The compensating mutation for an applied change: its transition, payload and classification request. */
export interface Compensation {
  transition: string;
  payload: JsonValue;
  classification: ClassificationRequest;
}

export type CompensationPlan = { ok: true; compensation: Compensation } | { ok: false; error: DomainError };

/**
 * How to undo `change` on the lane as it is now: its named compensating transition with a
 * payload derived from the change, or `revert:<transition>` writing its before-image back.
 * The compensation keeps the change's category and tags, so the policies that governed it
 * see the compensation the same way.
 */
export function compensationFor(change: AppliedChange, lane: LaneState, contract: Contract<unknown>): CompensationPlan {
  const reversibility = reversibilityOf(contract, change.transition);
  const classification: ClassificationRequest = {
    ...(change.classification ? { category: change.classification.category, tags: change.classification.tags } : {}),
  };
  switch (reversibility.kind) {
    case 'irreversible':
      return {
        ok: false,
        error: domainError('irreversible', `mutation ${change.mutationId} cannot be reverted: ${reversibility.reason}`, {
          mutationId: change.mutationId,
          transition: change.transition,
          reason: reversibility.reason,
        }),
      };
    case 'transition':
      return {
        ok: true,
        compensation: { transition: reversibility.transition, payload: reversibility.payload({ payload: change.payload, diff: change.diff, state: lane.document }), classification },
      };
    case 'automatic':
      return { ok: true, compensation: { transition: revertTransitionOf(change.transition), payload: inverseOf(change.diff) as unknown as JsonValue, classification } };
    default: {
      const unknown: never = reversibility;
      throw new Error(`unknown reversibility ${JSON.stringify(unknown)}`);
    }
  }
}

/** Why `mutationId` cannot be compensated now, if it cannot: not applied here, already compensated, or a compensation is pending. */
export function refuseCompensation(mutationId: string, lane: LaneState, history: LaneHistory): DomainError | undefined {
  const status = history.statuses[mutationId];
  if (status === undefined) return domainError('mutation_not_applied', `mutation ${mutationId} is not recorded on this state`, { mutationId });
  const compensatedBy = lane.compensations?.[mutationId];
  if (status === 'compensated' || compensatedBy !== undefined) {
    return domainError('already_compensated', `mutation ${mutationId} is already compensated by ${compensatedBy}`, { mutationId, compensatedBy: compensatedBy ?? null, status: 'applied' });
  }
  if (status !== 'applied') return domainError('mutation_not_applied', `mutation ${mutationId} is ${status}; only applied mutations can be reverted`, { mutationId, status });
  const waiting = Object.values(lane.pending).find((pending) => pending.request.compensates === mutationId);
  if (waiting) {
    return domainError('already_compensated', `a compensation of ${mutationId} is already waiting: ${waiting.mutationId}`, { mutationId, compensatedBy: waiting.mutationId, status: 'pending' });
  }
  return undefined;
}

/**
 * decide(RevertMutation, lane, history) → a compensating mutation decided like any submit:
 * validated, planned, governed by the contract's policies (it may be pending or denied). Refused
 * when the target is irreversible (422), not applied or already compensated (409), or when later
 * changes touched its paths since (409 revert_conflict, listing them).
 */
export function decideRevert(command: RevertMutation, lane: LaneState, history: LaneHistory, contract: Contract<unknown>, options: SubmitOptions): SubmitOutcome {
  const refusal = refuseCompensation(command.target, lane, history);
  if (refusal) return { kind: 'rejected', error: refusal };
  const change = appliedChange(history, command.target) as AppliedChange;
  const compensation = compensationFor(change, lane, contract);
  if (!compensation.ok) return { kind: 'rejected', error: compensation.error };
  const undo = compensatingSideEffects(change.sideEffects, command.mutationId, contract.definition.sideEffectTypes ?? {}, contract.sideEffectValidators ?? {});
  if (!undo.ok) return { kind: 'rejected', error: undo.error };
  const later = laterConflicts(history, change);
  if (later.length > 0) {
    return {
      kind: 'rejected',
      error: domainError('revert_conflict', `${later.length} later mutation(s) changed the same paths since; revert them first, or ask to compensate them too (compensateLater)`, {
        mutationId: command.target,
        later: later.map(describeChange),
      }),
    };
  }
  return decideSubmit(
    {
      type: 'SubmitMutation',
      mutationId: command.mutationId,
      stateId: lane.stateId,
      transition: compensation.compensation.transition,
      payload: compensation.compensation.payload,
      actor: command.actor,
      ...(command.reason !== undefined ? { reason: command.reason } : {}),
      classification: compensation.compensation.classification,
      ...(command.dryRun ? { dryRun: true } : {}),
      now: command.now,
      compensates: command.target,
      compensationSideEffects: undo.sideEffects,
    },
    lane,
    contract,
    options,
  );
}

/**
 * The changes to undo, latest first, for a revert of `target` that also compensates what was
 * applied on its paths since: every one must be compensable, else the first refusal.
 */
export function planRevertChain(target: string, lane: LaneState, history: LaneHistory, contract: Contract<unknown>): { ok: true; chain: AppliedChange[] } | { ok: false; error: DomainError } {
  const refusal = refuseCompensation(target, lane, history);
  if (refusal) return { ok: false, error: refusal };
  const chain = compensationChain(history, appliedChange(history, target) as AppliedChange);
  for (const change of chain) {
    const blocked = refuseCompensation(change.mutationId, lane, history);
    if (blocked) return { ok: false, error: blocked };
    const compensation = compensationFor(change, lane, contract);
    if (!compensation.ok) return { ok: false, error: compensation.error };
  }
  return { ok: true, chain };
}
