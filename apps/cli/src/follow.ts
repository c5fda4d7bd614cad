import { CountersignApiError, type MutationView } from '@countersign/client';
import type { CommandContext } from './commands/command.js';

export interface FollowOptions {
  /** Stop waiting after this long (undefined: until it ends). */
  timeoutMs?: number;
  /** Called with each timeline event not seen before, in order. */
  onEvent?: (entry: MutationView['timeline'][number]) => void;
}

export interface Followed {
  mutation: MutationView;
  /** Still pending when the time ran out. */
  timedOut: boolean;
}

/**
 * Reads a mutation again and again until it is no longer pending (or the time runs out),
 * reporting each new event of its timeline. Not found yet and read models behind (404, 503) are
 * read again; the client's read-your-writes makes the first read wait for the caller's write.
 */
export async function followMutation(context: CommandContext, mutationId: string, options: FollowOptions = {}): Promise<Followed> {
  const deadline = options.timeoutMs === undefined ? Infinity : context.now() + options.timeoutMs;
  let seen = 0;
  let last: MutationView | undefined;
  for (;;) {
    const { data, error, response } = await context.client.GET('/v1/mutations/{id}', { params: { path: { id: mutationId } } });
    if (data) {
      last = data;
      for (const entry of data.timeline.slice(seen)) options.onEvent?.(entry);
      seen = Math.max(seen, data.timeline.length);
      if (data.status !== 'pending') return { mutation: data, timedOut: false };
    } else if (response.status !== 404 && response.status !== 503) {
      throw new CountersignApiError(response.status, error as never);
    }
    if (context.now() >= deadline) {
      if (last) return { mutation: last, timedOut: true };
      throw new CountersignApiError(response.status, error as never);
    }
    await context.sleep(Math.min(context.pollIntervalMs, Math.max(0, deadline - context.now())));
  }
}
