import type { Client } from 'openapi-fetch';
import { CountersignApiError, type ApiErrorBody } from './api-error.js';
import type { components, paths } from './generated/schema.js';

export type MutationView = components['schemas']['MutationView'];
export type MutationStatus = MutationView['status'];

/** Statuses a mutation never leaves (`applied` only becomes `compensated`, by a revert). */
const SETTLED = ['denied', 'rejected', 'expired', 'cancelled', 'conflicted', 'failed', 'compensated'] as const satisfies readonly MutationStatus[];

export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Time between two reads (default 200 ms). */
  intervalMs?: number;
}

/** The mutation reached a status from which the awaited one cannot follow, or the wait timed out. */
export class WaitForError extends Error {
  constructor(
    message: string,
    /** The mutation as last read (undefined when it was never found). */
    readonly mutation: MutationView | undefined,
  ) {
    super(message);
    this.name = 'WaitForError';
  }
}

/**
 * Reads the mutation until its status is one of `statuses`, and answers it. Fails early when it
 * settled otherwise (it can never get there), and after `timeoutMs`. A mutation not found yet, or
 * read models behind (503 projection_lag), is read again.
 */
export async function waitForStatus(client: Client<paths>, mutationId: string, statuses: MutationStatus | readonly MutationStatus[], options: WaitOptions = {}): Promise<MutationView> {
  const wanted = new Set<MutationStatus>(typeof statuses === 'string' ? [statuses] : statuses);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last: MutationView | undefined;
  for (;;) {
    const { data, error, response } = await client.GET('/v1/mutations/{id}', { params: { path: { id: mutationId } } });
    if (data) {
      last = data;
      if (wanted.has(data.status)) return data;
      if (!canStillReach(data.status, wanted)) throw new WaitForError(`mutation ${mutationId} is ${data.status}; it will never be ${[...wanted].join(' or ')}`, data);
    } else if (response.status !== 404 && response.status !== 503) {
      throw new CountersignApiError(response.status, error as ApiErrorBody | undefined);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitForError(`mutation ${mutationId} is ${last?.status ?? 'not found'} after ${options.timeoutMs ?? 60_000} ms, not ${[...wanted].join(' or ')}`, last);
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.intervalMs ?? 200, left)));
  }
}

function canStillReach(status: MutationStatus, wanted: ReadonlySet<MutationStatus>): boolean {
  if (status === 'applied') return wanted.has('compensated');
  return !(SETTLED as readonly MutationStatus[]).includes(status);
}
