import { PATIENT_WAIT_MS, sleep } from '@countersign/event-store/testing';
import { callApi } from './api-process.js';
import type { TestPrincipalName } from './principals.js';

export interface Answer {
  status: number;
  body: Record<string, any>;
  headers?: Headers;
}

/** Answers a client should retry, as docs/operations.md says: the request may not have run (or its answer was lost). */
export function isRetryable(answer: Answer): boolean {
  return answer.status === 503 || answer.status === 429 || (answer.status === 409 && answer.body.error === 'request_in_progress');
}

/**
 * Submits with an Idempotency-Key and retries the same request with the same key while the
 * answer says to retry (503, 429, 409 request_in_progress), like a well-behaved client. Every
 * answer seen goes to `seen`; returns the first final answer.
 */
export async function submitUntilAnswered(
  port: number,
  body: Record<string, unknown>,
  idempotencyKey: string,
  options: { as?: TestPrincipalName; seen?: Answer[] } = {},
): Promise<Answer> {
  const deadline = Date.now() + PATIENT_WAIT_MS;
  for (let attempt = 0; ; attempt += 1) {
    const answer = await callApi(port, 'POST', '/v1/mutations', body, options.as ?? 'alice', { 'idempotency-key': idempotencyKey });
    options.seen?.push(answer);
    if (!isRetryable(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`no final answer for key ${idempotencyKey} within ${PATIENT_WAIT_MS} ms; last: ${answer.status} ${JSON.stringify(answer.body)}`);
    await sleep(Math.min(1_000, 50 * 2 ** attempt));
  }
}
