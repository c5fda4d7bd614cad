import type { Actor, ClassificationRequest } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import { domainError, type DomainError } from '../errors.js';
import type { JsonValue } from '../json/json.js';
import type { ApprovalStep, Requirement } from '../policy/policy.js';
import { planMutation } from '../plan/plan.js';
import { evolveLane, type LaneState } from '../mutation/lane.js';
import { appliedChange, type LaneHistory } from '../compensation/lane-history.js';
import { compensationFor, refuseCompensation } from '../compensation/revert-mutation.js';
import { isRevertTransition, reversibilityOf } from '../compensation/reversibility.js';
import { evolveBatch, initialBatchState, type BatchState } from './batch.js';
import { compensatingSideEffects, type SideEffect } from '../side-effect/side-effect.js';
import type { BatchEvent, BatchMode, BatchStep } from './batch-events.js';

/** A mutation step of a batch request. */
export interface MutationStepRequest {
  kind?: 'mutation';
  stateType: string;
  stateId: string;
  transition: string;
  payload: JsonValue;
  expectedVersion?: number;
  classification: ClassificationRequest;
  reason?: string;
}

/** A step that undoes an applied mutation (revert chains). */
export interface CompensationStepRequest {
  kind: 'compensation';
  stateType: string;
  stateId: string;
  compensates: string;
  reason?: string;
}

export type BatchStepRequest = MutationStepRequest | CompensationStepRequest;

/** Admit a batch: every step is planned and policy-checked now, against the states and the batch's earlier steps. */
export interface SubmitBatch {
  type: 'SubmitBatch';
  batchId: string;
  mode: BatchMode;
  actor: Actor;
  reason?: string;
  steps: BatchStepRequest[];
  /** One id per step, chosen now: the mutation each step records on its lane. */
  mutationIds: string[];
  /** For a revert chain: the mutation being reverted. */
  revertOf?: string;
  now: string;
}

/** The lanes (and, for compensation steps, their histories) the steps touch, loaded by the adapter. */
export interface BatchAdmissionContext {
  contract(stateType: string): Contract<unknown> | undefined;
  lane(stateType: string, stateId: string): LaneState;
  history(stateType: string, stateId: string): LaneHistory;
}

export type BatchAdmission =
  /** Malformed or impossible (unknown contract, invalid payload, version conflict, irreversible step…): nothing recorded; `details.step` names the step. */
  | { kind: 'rejected'; error: DomainError }
  | { kind: 'recorded'; status: 'denied' | 'pending' | 'running'; events: BatchEvent[]; state: BatchState };

export interface BatchOptions {
  /** How long a pending batch waits for its approval, unless a policy says less. */
  approvalTtlMs: number;
}

function rejected(error: DomainError, step: number): BatchAdmission {
  return { kind: 'rejected', error: { ...error, message: `step ${step}: ${error.message}`, details: { ...(error.details ?? {}), step } } };
}

/**
 * decide(SubmitBatch, lanes) → batch events. Each step is planned on its lane as the earlier
 * steps leave it; a malformed step rejects the batch (nothing recorded), any denial denies it,
 * any approval requirement makes the whole batch pending (approved as one), otherwise it starts.
 * In an atomic batch every step but the last must be reversible: a failure later would have to
 * undo it.
 */
export function decideBatchAdmission(command: SubmitBatch, context: BatchAdmissionContext, options: BatchOptions): BatchAdmission {
  if (command.steps.length === 0) return { kind: 'rejected', error: domainError('invalid_payload', 'a batch needs at least one step', { step: null }) };
  const lanes = new Map<string, LaneState>();
  const steps: BatchStep[] = [];
  let denial: Extract<BatchEvent, { type: 'BatchDenied' }> | undefined;
  const approvalSteps: ApprovalStep[] = [];
  let expiresInMs: number | undefined;

  for (const [index, request] of command.steps.entries()) {
    const contract = context.contract(request.stateType);
    if (!contract) return rejected(domainError('unknown_contract', `no contract is registered for stateType "${request.stateType}"`), index);
    const key = `${request.stateType}\u0000${request.stateId}`;
    const lane = lanes.get(key) ?? context.lane(request.stateType, request.stateId);

    let transition: string;
    let payload: JsonValue;
    let classification: ClassificationRequest;
    let compensates: string | null = null;
    let expectedVersion: number | null = null;
    let undo: SideEffect[] = [];
    if (request.kind === 'compensation') {
      const history = context.history(request.stateType, request.stateId);
      const refusal = refuseCompensation(request.compensates, lane, history);
      if (refusal) return rejected(refusal, index);
      const change = appliedChange(history, request.compensates)!;
      const compensation = compensationFor(change, lane, contract);
      if (!compensation.ok) return rejected(compensation.error, index);
      const sideEffects = compensatingSideEffects(change.sideEffects, command.mutationIds[index] as string, contract.definition.sideEffectTypes ?? {}, contract.sideEffectValidators ?? {});
      if (!sideEffects.ok) return rejected(sideEffects.error, index);
      undo = sideEffects.sideEffects;
      ({ transition, payload, classification } = compensation.compensation);
      compensates = request.compensates;
    } else {
      if (isRevertTransition(request.transition)) {
        return rejected(domainError('unknown_transition', `${contract.stateType} has no transition "${request.transition}"`, { transition: request.transition }), index);
      }
      ({ transition, payload, classification } = request);
      expectedVersion = request.expectedVersion ?? null;
      if (expectedVersion !== null && expectedVersion !== lane.version) {
        return rejected(
          domainError('version_conflict', `expected version ${expectedVersion} but ${contract.stateType}/${request.stateId} is at version ${lane.version} when this step runs`, {
            expectedVersion,
            currentVersion: lane.version,
          }),
          index,
        );
      }
    }
    if (command.mode === 'atomic' && index < command.steps.length - 1) {
      const reversibility = reversibilityOf(contract, transition);
      if (reversibility.kind === 'irreversible') {
        return rejected(domainError('irreversible', `an atomic batch can only undo reversible steps before its last: ${reversibility.reason}`, { transition }), index);
      }
    }
    const planned = planMutation({
      contract,
      stateId: request.stateId,
      transition,
      payload,
      actor: command.actor,
      base: { exists: lane.exists, document: lane.document, version: lane.version },
      classification,
      now: command.now,
      ...(compensates !== null ? { compensates } : {}),
    });
    if (!planned.ok) return rejected(planned.error, index);
    const { plan } = planned;
    const { decision } = plan;
    if (decision.outcome === 'deny') {
      denial ??= {
        type: 'BatchDenied',
        data: { batchId: command.batchId, step: index, deniedBy: decision.deniedBy, code: decision.code, reason: decision.reason, policy: decision.policy ?? null, suggestions: decision.suggestions, deniedAt: command.now },
      };
    } else if (decision.outcome === 'require') {
      const unsupported = decision.requirements.find((requirement) => requirement.kind !== 'approval');
      if (unsupported) {
        return rejected(domainError('unsupported_requirement', `a batch step can wait for approvals only, not for ${unsupported.kind}`, { requirement: unsupported }), index);
      }
      for (const requirement of decision.requirements) if (requirement.kind === 'approval') approvalSteps.push(...requirement.steps);
      if (decision.expiresInMs !== undefined) expiresInMs = Math.min(expiresInMs ?? Infinity, decision.expiresInMs);
    }
    steps.push({
      index,
      mutationId: command.mutationIds[index] as string,
      stateType: contract.stateType,
      stateId: request.stateId,
      transition,
      payload,
      expectedVersion,
      classification: plan.classification,
      reason: request.reason ?? command.reason ?? null,
      compensates,
      planHash: plan.hash,
      diff: plan.diff,
      evaluation: { outcome: decision.outcome, policies: decision.policies },
      requirements: decision.outcome === 'require' ? decision.requirements : [],
      ...(undo.length > 0 ? { compensationSideEffects: undo } : {}),
    });
    // Later steps on the same state are planned on what this one leaves (a denied step leaves nothing).
    if (decision.outcome !== 'deny') {
      let next = evolveLane(lane, {
        type: 'MutationApplied',
        data: { mutationId: steps[index]!.mutationId, stateType: contract.stateType, stateId: request.stateId, transition, actor: command.actor, version: lane.version + 1, ops: plan.ops, diff: plan.diff, appliedAt: command.now },
      });
      if (compensates !== null) next = evolveLane(next, { type: 'MutationCompensated', data: { mutationId: compensates, compensatedBy: steps[index]!.mutationId, compensatedAt: command.now } });
      lanes.set(key, next);
    }
  }

  const requested: BatchEvent = {
    type: 'BatchRequested',
    data: { batchId: command.batchId, mode: command.mode, actor: command.actor, reason: command.reason ?? null, steps, requestedAt: command.now, ...(command.revertOf ? { revertOf: command.revertOf } : {}) },
  };
  const requirements: Requirement[] = approvalSteps.length > 0 ? [{ kind: 'approval', steps: mergeApprovalSteps(approvalSteps) }] : [];
  const ending: BatchEvent = denial
    ? denial
    : requirements.length > 0
      ? {
          type: 'BatchPending',
          data: { batchId: command.batchId, requirements, expiresAt: new Date(Date.parse(command.now) + Math.min(options.approvalTtlMs, expiresInMs ?? Infinity)).toISOString(), pendingAt: command.now },
        }
      : { type: 'BatchStarted', data: { batchId: command.batchId, startedAt: command.now } };
  const events = [requested, ending];
  const state = events.reduce(evolveBatch, initialBatchState(command.batchId));
  return { kind: 'recorded', status: denial ? 'denied' : requirements.length > 0 ? 'pending' : 'running', events, state };
}

/**
 * The approval the whole batch needs: every role any step requires, once, with the largest
 * count any step asks of it, in the order the roles first appear.
 */
export function mergeApprovalSteps(steps: readonly ApprovalStep[]): ApprovalStep[] {
  const merged = new Map<string, number>();
  for (const step of steps) merged.set(step.role, Math.max(merged.get(step.role) ?? 0, step.count));
  return [...merged.entries()].map(([role, count]) => ({ role, count }));
}
