import type { EventSubscription, LogPosition, RecordedEvent, SubscribeToAllOptions } from './event-store.port.js';

/** What a catch-up subscription needs from an adapter. */
export interface FollowableLog {
  readAll(options: { after: LogPosition; maxCount: number }): Promise<RecordedEvent[]>;
  /** A counter that moves whenever new events may have been committed. */
  appendGeneration(): number;
  /** Resolves once appendGeneration() has moved past `generation`, after a fallback poll interval, or on abort. */
  waitForAppends(generation: number, signal: AbortSignal): Promise<void>;
}

export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 100, maxMs: 5_000 };
const DEFAULT_BATCH_SIZE = 100;

/**
 * Delivers the log after `options.after` in batches, then follows it live. Batches come from
 * the last handled position, so a failed batch (read or handler) is delivered again.
 */
export function startCatchUpSubscription(
  log: FollowableLog,
  options: SubscribeToAllOptions,
  backoff: RetryBackoff = DEFAULT_RETRY_BACKOFF,
): EventSubscription {
  const abort = new AbortController();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let position = options.after ?? 0;

  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A failing error reporter must not end the subscription.
    }
  };

  const run = async () => {
    let failures = 0;
    while (!abort.signal.aborted) {
      // Taken before the read, so a commit signalled during the read is not slept through.
      const generation = log.appendGeneration();
      try {
        const batch = await log.readAll({ after: position, maxCount: batchSize });
        if (abort.signal.aborted) return;
        if (batch.length === 0) {
          await log.waitForAppends(generation, abort.signal);
          continue;
        }
        await options.handler(batch);
        position = batch[batch.length - 1].position;
        failures = 0;
      } catch (error) {
        report(error);
        await delay(Math.min(backoff.initialMs * 2 ** failures, backoff.maxMs), abort.signal);
        failures += 1;
      }
    }
  };
  const running = run();

  return {
    get position() {
      return position;
    },
    async stop() {
      abort.abort();
      await running;
    },
  };
}

/** Wakes waiting subscriptions when an adapter learns that new events were committed. */
export class AppendSignal {
  private generation = 0;
  private readonly waiters = new Set<() => void>();

  current(): number {
    return this.generation;
  }

  notify(): void {
    this.generation += 1;
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }

  wait(generation: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (generation !== this.generation || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      signal.addEventListener('abort', wake, { once: true });
      this.waiters.add(wake);
    });
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
