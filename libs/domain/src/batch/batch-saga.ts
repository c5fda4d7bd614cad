import type { BatchState, StepOutcome } from './batch.js';
import type { BatchEvent, BatchStep, CompensationEntry } from './batch-events.js';
import type { CompensationResult } from './execute-step.js';

/** What the saga does next for a batch. */
export type BatchAction =
  /** Run this step's mutation on its lane. */
  | { kind: 'execute'; step: BatchStep }
  /** Undo this applied step on its lane. */
  | { kind: 'compensate'; entry: CompensationEntry; step: BatchStep }
  /** Every step is done: record how the batch ended. */
  | { kind: 'finish'; events: BatchEvent[] }
  /** Nothing to do: pending, waiting for an operator, or finished. */
  | { kind: 'idle' };

/**
 * The batch saga's next action, from its state alone (so a restarted worker picks up exactly
 * where the last one stopped): the first step without an outcome while running, the next
 * compensation not yet done while compensating, and the ending once there is nothing left.
 */
export function nextBatchAction(state: BatchState, now: string): BatchAction {
  if (state.status === 'running') {
    const next = state.steps.find((step) => state.outcomes[String(step.index)] === undefined);
    if (next) return { kind: 'execute', step: next };
    const applied = state.steps.filter((step) => state.outcomes[String(step.index)]?.outcome === 'applied').length;
    const status = applied === state.steps.length ? 'applied' : applied === 0 ? 'failed' : 'partially_applied';
    return { kind: 'finish', events: [{ type: 'BatchFinished', data: { batchId: state.batchId, status, finishedAt: now } }] };
  }
  if (state.status === 'compensating') {
    const entry = state.compensations.find((candidate) => state.compensated[String(candidate.step)] === undefined);
    if (entry) return { kind: 'compensate', entry, step: state.steps[entry.step] as BatchStep };
    return { kind: 'finish', events: [{ type: 'BatchFinished', data: { batchId: state.batchId, status: 'compensated', finishedAt: now } }] };
  }
  return { kind: 'idle' };
}

/**
 * Records a step's outcome. In an atomic batch a step that did not apply stops the batch: the
 * steps applied so far are compensated latest first (with compensating mutation ids chosen now,
 * so a retry after a crash reuses them), or, when none applied, it ends `failed`.
 */
export function recordStepOutcome(state: BatchState, step: BatchStep, outcome: StepOutcome, newId: () => string, now: string): BatchEvent[] {
  const finished: BatchEvent = {
    type: 'BatchStepFinished',
    data: { batchId: state.batchId, step: step.index, mutationId: step.mutationId, outcome: outcome.outcome, version: outcome.version, code: outcome.code, reason: outcome.reason, finishedAt: now },
  };
  if (state.mode !== 'atomic' || outcome.outcome === 'applied') return [finished];
  const applied = state.steps.filter((candidate) => state.outcomes[String(candidate.index)]?.outcome === 'applied');
  if (applied.length === 0) return [finished, { type: 'BatchFinished', data: { batchId: state.batchId, status: 'failed', finishedAt: now } }];
  const compensations = [...applied].reverse().map((candidate) => ({ step: candidate.index, mutationId: candidate.mutationId, compensationId: newId() }));
  return [finished, { type: 'BatchCompensationStarted', data: { batchId: state.batchId, failedStep: step.index, compensations, startedAt: now } }];
}

/** Records a compensation's result; a failure stops the saga and raises an alert for an operator. */
export function recordCompensation(state: BatchState, entry: CompensationEntry, result: CompensationResult, now: string): BatchEvent[] {
  if (result.kind === 'compensated') {
    return [{ type: 'BatchStepCompensated', data: { batchId: state.batchId, step: entry.step, mutationId: entry.mutationId, compensationId: result.compensationId, version: result.version, compensatedAt: now } }];
  }
  return [
    { type: 'BatchCompensationFailed', data: { batchId: state.batchId, step: entry.step, mutationId: entry.mutationId, compensationId: entry.compensationId, code: result.code, reason: result.reason, failedAt: now } },
    {
      type: 'BatchAlertRaised',
      data: {
        batchId: state.batchId,
        alert: 'compensation_failed',
        step: entry.step,
        message: `batch ${state.batchId} could not undo step ${entry.step} (${entry.mutationId}): ${result.code}: ${result.reason}; fix the cause, then retry the compensation`,
        raisedAt: now,
      },
    },
  ];
}
