import { describeBatch, type BatchState } from '@countersign/domain';
import type { StoredResponse } from '@countersign/runtime';
import { ApiError, type ErrorCode } from '../http/api-error.js';
import type { SubmitBatchResult } from './submit-batch/submit-batch.command.js';

/**
 * A batch as HTTP status and body: 201 applied; 202 still pending, running or compensating; 200
 * otherwise ended (compensated, failed, partially applied, compensation_failed); a recorded
 * denial 403/422 like a submit's; a refusal its code, `details.step` naming the step.
 */
export function answerBatch(result: SubmitBatchResult, extra: Record<string, unknown> = {}): StoredResponse {
  if (result.kind === 'rejected') {
    const error = new ApiError(result.error.code as ErrorCode, result.error.message, result.error.details ?? {});
    return { status: error.status, body: error.toBody() };
  }
  const { state, position } = result;
  const view = describeBatch(state);
  if (state.status === 'denied' && state.denial) {
    const { denial } = state;
    const error = new ApiError(denial.code as ErrorCode, `step ${denial.step}: ${denial.reason}`, { step: denial.step, deniedBy: denial.deniedBy, policy: denial.policy }, {
      batchId: state.batchId,
      status: 'denied',
      suggestions: denial.suggestions,
      steps: view.steps,
      ...extra,
      position,
    });
    return { status: error.status, body: error.toBody() };
  }
  return { status: statusCodeOf(state), body: { ...view, ...extra, position } };
}

export function statusCodeOf(state: BatchState): number {
  if (state.status === 'applied') return 201;
  if (state.status === 'pending' || state.status === 'running' || state.status === 'compensating') return 202;
  return 200;
}
