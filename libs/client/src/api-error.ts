import type { components } from './generated/schema.js';

/** Every error answer of the API: `{ error, message, details }` (plus the record of a recorded denial). */
export type ApiErrorBody = components['schemas']['ApiError'];

/** A non-2xx answer, thrown by the helpers (`unwrap`, `waitFor`, `pages`, `items`). */
export class CountersignApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
  ) {
    super(body && typeof body === 'object' && 'error' in body ? `HTTP ${status} ${body.error}: ${body.message}` : `HTTP ${status}`);
    this.name = 'CountersignApiError';
  }

  /** The stable error code (`version_conflict`, `policy_denied`, …), when the answer had one. */
  get code(): ApiErrorBody['error'] | undefined {
    return this.body?.error;
  }
}

/** The data of a successful answer; a `CountersignApiError` otherwise. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw new CountersignApiError(result.response.status, result.error as ApiErrorBody | undefined);
}

/** A recorded answer of a submit or a revert (it has a mutationId); throws on a dry-run answer, which records nothing. */
export function recorded<Answer extends object>(answer: Answer): Exclude<Answer, { dryRun: true }> {
  if ('dryRun' in answer && answer.dryRun === true) throw new TypeError('a dry run records nothing: its answer has no mutationId');
  return answer as Exclude<Answer, { dryRun: true }>;
}
