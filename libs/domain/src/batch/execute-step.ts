import type { Actor } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import type { DiffEntry } from '../json/diff.js';
import { canonicalJson, type JsonValue } from '../json/json.js';
import { planMutation, type Plan } from '../plan/plan.js';
import type { LaneState } from '../mutation/lane.js';
import type { MutationEvent, MutationRequested } from '../mutation/mutation-events.js';
import { governanceRequirements } from '../mutation/requirements.js';
import { appliedChange, describeChange, laterConflicts, type LaneHistory } from '../compensation/lane-history.js';
import { compensationFor } from '../compensation/revert-mutation.js';
import type { BatchState, StepOutcome } from './batch.js';
import type { BatchStep, CompensationEntry } from './batch-events.js';
import { compensatingSideEffects, emitSideEffects, type SideEffect } from '../side-effect/side-effect.js';
import { withSideEffects } from '../mutation/submit-mutation.js';

/** What deciding a step on its lane produced: the events to append there, and the step's outcome. */
export interface StepExecution {
  events: MutationEvent[];
  outcome: StepOutcome;
}

interface RequestInput {
  mutationId: string;
  stateType: string;
  stateId: string;
  transition: string;
  payload: JsonValue;
  actor: Actor;
  reason: string | null;
  expectedVersion: number | null;
  compensates: string | null;
  batch: { batchId: string; step: number };
}

/** The request event of a step or compensation; without a plan (it could not be planned), what was planned at admission stands in. */
function requestedEvent(input: RequestInput, lane: LaneState, plan: Plan | undefined, admitted: Pick<BatchStep, 'classification' | 'planHash' | 'evaluation'>, now: string): MutationRequested {
  return {
    type: 'MutationRequested',
    data: {
      mutationId: input.mutationId,
      stateType: input.stateType,
      stateId: input.stateId,
      transition: input.transition,
      payload: input.payload,
      actor: input.actor,
      reason: input.reason,
      classification: plan?.classification ?? admitted.classification,
      expectedVersion: input.expectedVersion,
      idempotencyKey: null,
      dependsOn: [],
      notBefore: null,
      baseVersion: lane.version,
      planHash: plan?.hash ?? admitted.planHash,
      evaluation: plan ? { outcome: plan.decision.outcome, policies: plan.decision.policies } : admitted.evaluation,
      requestedAt: now,
      ...(input.compensates !== null ? { compensates: input.compensates } : {}),
      batch: input.batch,
    },
  };
}

function ended(events: MutationEvent[], outcome: StepOutcome): StepExecution {
  return { events, outcome };
}

/** The same changed paths and new values (ADR 0005: approvals bind to those, not to the values replaced). */
function sameChange(approved: readonly DiffEntry[], replanned: readonly DiffEntry[]): boolean {
  const key = (diff: readonly DiffEntry[]) => canonicalJson(diff.map((entry) => ({ path: entry.path, kind: entry.kind === 'removed' ? 'removed' : 'set', after: entry.after ?? null })));
  return key(approved) === key(replanned);
}

/**
 * decide(execute step, lane) → the step's mutation recorded on its lane with its ending. The
 * step is re-planned against the state now: a stale expectedVersion conflicts; a plan that
 * fails or is denied ends it so; a plan that needs approvals the batch was not given for this
 * change fails it (`plan_changed`); otherwise it applies (and, for a compensation step, marks
 * the mutation it undoes compensated). Nothing is refused: every outcome is recorded.
 */
export function decideBatchStep(batch: BatchState, step: BatchStep, lane: LaneState, contract: Contract<unknown>, now: string): StepExecution {
  const actor = batch.actor as Actor;
  const input: RequestInput = { ...step, actor, batch: { batchId: batch.batchId, step: step.index } };
  const fail = (code: string, reason: string, plan?: Plan): StepExecution =>
    ended([requestedEvent(input, lane, plan, step, now), { type: 'MutationFailed', data: { mutationId: step.mutationId, code, reason, failedAt: now } }], {
      outcome: 'failed',
      version: null,
      code,
      reason,
    });
  if (step.compensates !== null && lane.compensations?.[step.compensates] !== undefined) {
    return fail('already_compensated', `mutation ${step.compensates} was compensated by ${lane.compensations[step.compensates]} meanwhile`);
  }
  if (step.expectedVersion !== null && step.expectedVersion !== lane.version) {
    const reason = `expected version ${step.expectedVersion}, state was at ${lane.version}`;
    return ended(
      [
        requestedEvent(input, lane, undefined, step, now),
        { type: 'MutationConflicted', data: { mutationId: step.mutationId, expectedVersion: step.expectedVersion, currentVersion: lane.version, conflictedAt: now } },
      ],
      { outcome: 'conflicted', version: null, code: 'version_conflict', reason },
    );
  }
  const planned = planMutation({
    contract,
    stateId: step.stateId,
    transition: step.transition,
    payload: step.payload,
    actor,
    base: { exists: lane.exists, document: lane.document, version: lane.version },
    classification: step.classification,
    now,
    ...(step.compensates !== null ? { compensates: step.compensates } : {}),
  });
  if (!planned.ok) return fail(planned.error.code, planned.error.message);
  const { plan } = planned;
  const { decision } = plan;
  const requested = requestedEvent(input, lane, plan, step, now);
  if (decision.outcome === 'deny') {
    return ended(
      [
        requested,
        { type: 'MutationDenied', data: { mutationId: step.mutationId, deniedBy: decision.deniedBy, code: decision.code, reason: decision.reason, policy: decision.policy ?? null, suggestions: decision.suggestions, deniedAt: now } },
      ],
      { outcome: 'denied', version: null, code: decision.code, reason: decision.reason },
    );
  }
  const needed = governanceRequirements(plan.requirements);
  if (needed.length > 0 && !(sameChange(step.diff, plan.diff) && canonicalJson(needed) === canonicalJson(governanceRequirements(step.requirements)))) {
    return fail('plan_changed', 'the re-planned change needs approvals the batch was not given for it', plan);
  }
  return ended(appliedEvents(requested, plan, step.mutationId, step.compensates, actor, lane, now, step.compensationSideEffects ?? []), {
    outcome: 'applied',
    version: lane.version + 1,
    code: null,
    reason: null,
  });
}

function appliedEvents(
  requested: MutationRequested,
  plan: Plan,
  mutationId: string,
  compensates: string | null,
  actor: Actor,
  lane: LaneState,
  now: string,
  undo: readonly SideEffect[],
): MutationEvent[] {
  return [
    requested,
    {
      type: 'MutationApplied',
      data: {
        mutationId,
        stateType: plan.stateType,
        stateId: plan.stateId,
        transition: plan.transition,
        actor,
        version: lane.version + 1,
        ops: plan.ops,
        diff: plan.diff,
        appliedAt: now,
        ...withSideEffects(emitSideEffects(mutationId, plan.sideEffects, undo)),
      },
    },
    ...(compensates !== null ? [{ type: 'MutationCompensated' as const, data: { mutationId: compensates, compensatedBy: mutationId, compensatedAt: now } }] : []),
  ];
}

/** The result of undoing one step: compensated (possibly already, by this or another mutation), or failed with why. */
export type CompensationResult =
  | { kind: 'compensated'; compensationId: string; version: number | null }
  | { kind: 'failed'; code: string; reason: string };

/**
 * decide(compensate step, lane, history) → the compensating mutation recorded on the step's
 * lane. Idempotent: a step already undone (by this compensation before a crash, or by anyone)
 * records nothing. The compensation is planned like any (state schema, guards, policies): a
 * denial, a failing plan, or a later change of the same paths by someone else fails it (and it is
 * recorded as such); an approval its policies would require is the batch's to give, and the
 * batch was governed when it was admitted, so a rollback does not wait for one.
 */
export function decideStepCompensation(
  batch: BatchState,
  entry: CompensationEntry,
  lane: LaneState,
  history: LaneHistory,
  contract: Contract<unknown>,
  now: string,
): { events: MutationEvent[]; result: CompensationResult } {
  const undoneBy = lane.compensations?.[entry.mutationId];
  if (undoneBy !== undefined) {
    const version = history.applied.find((change) => change.mutationId === undoneBy)?.version ?? null;
    return { events: [], result: { kind: 'compensated', compensationId: undoneBy, version } };
  }
  const earlier = history.failures[entry.compensationId];
  if (history.statuses[entry.compensationId] !== undefined) {
    return { events: [], result: { kind: 'failed', code: earlier?.code ?? 'compensation_failed', reason: earlier?.reason ?? `compensation ${entry.compensationId} ended ${history.statuses[entry.compensationId]}` } };
  }
  const step = batch.steps[entry.step] as BatchStep;
  const actor = batch.actor as Actor;
  const reason = `rollback of batch ${batch.batchId}: step ${batch.failedStep ?? '?'} did not apply`;
  const change = appliedChange(history, entry.mutationId);
  const base: RequestInput = {
    mutationId: entry.compensationId,
    stateType: step.stateType,
    stateId: step.stateId,
    transition: change ? `revert:${change.transition}` : step.transition,
    payload: null,
    actor,
    reason,
    expectedVersion: null,
    compensates: entry.mutationId,
    batch: { batchId: batch.batchId, step: entry.step },
  };
  // A compensation that fails before it can be planned has no plan of its own.
  const unplanned = { classification: step.classification, planHash: '', evaluation: { outcome: 'allow' as const, policies: [] } };
  const fail = (code: string, why: string, input: RequestInput = base, plan?: Plan) => ({
    events: [requestedEvent(input, lane, plan, unplanned, now), { type: 'MutationFailed' as const, data: { mutationId: entry.compensationId, code, reason: why, failedAt: now } }],
    result: { kind: 'failed' as const, code, reason: why },
  });
  if (!change) return fail('mutation_not_applied', `step ${entry.step} (${entry.mutationId}) did not apply on ${step.stateType}/${step.stateId}`);
  const compensation = compensationFor(change, lane, contract);
  if (!compensation.ok) return fail(compensation.error.code, compensation.error.message);
  const input: RequestInput = { ...base, transition: compensation.compensation.transition, payload: compensation.compensation.payload };
  const undo = compensatingSideEffects(change.sideEffects, entry.compensationId, contract.definition.sideEffectTypes ?? {}, contract.sideEffectValidators ?? {});
  if (!undo.ok) return fail(undo.error.code, undo.error.message, input);
  const later = laterConflicts(history, change);
  if (later.length > 0) {
    return fail('revert_conflict', `changed since by ${later.map((conflict) => `${describeChange(conflict).mutationId} (${describeChange(conflict).paths.join(', ')})`).join('; ')}`, input);
  }
  const planned = planMutation({
    contract,
    stateId: step.stateId,
    transition: input.transition,
    payload: input.payload,
    actor,
    base: { exists: lane.exists, document: lane.document, version: lane.version },
    classification: compensation.compensation.classification,
    now,
    compensates: entry.mutationId,
  });
  if (!planned.ok) return fail(planned.error.code, planned.error.message, input);
  const { plan } = planned;
  const requested = requestedEvent(input, lane, plan, unplanned, now);
  if (plan.decision.outcome === 'deny') {
    const { decision } = plan;
    return {
      events: [
        requested,
        { type: 'MutationDenied', data: { mutationId: entry.compensationId, deniedBy: decision.deniedBy, code: decision.code, reason: decision.reason, policy: decision.policy ?? null, suggestions: decision.suggestions, deniedAt: now } },
      ],
      result: { kind: 'failed', code: decision.code, reason: decision.reason },
    };
  }
  return {
    events: appliedEvents(requested, plan, entry.compensationId, entry.mutationId, actor, lane, now, undo.sideEffects),
    result: { kind: 'compensated', compensationId: entry.compensationId, version: lane.version + 1 },
  };
}

/** A step's outcome as its lane recorded it, for a step executed before a crash; undefined when the lane has not seen it. */
export function stepOutcomeFromHistory(history: LaneHistory, mutationId: string): StepOutcome | undefined {
  const status = history.statuses[mutationId];
  if (status === undefined) return undefined;
  const applied = history.applied.find((change) => change.mutationId === mutationId);
  if (applied) return { outcome: 'applied', version: applied.version, code: null, reason: null };
  const failure = history.failures[mutationId];
  return { outcome: status, version: null, code: failure?.code ?? null, reason: failure?.reason ?? null };
}
