import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from '../catch-up-subscription.js';
import type { EventSubscription, LogPosition, RecordedEvent, SubscribeToAllOptions } from '../event-store.port.js';

/** Where a server subscription pushes what it reads. */
export interface SubscriptionSink {
  event(event: RecordedEvent): void;
  /** The server subscription broke or ended; the driver opens a new one. */
  fail(error: unknown): void;
}

/** One server subscription (catch-up, then live) from an exclusive position. */
export interface SubscriptionSession {
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export type OpenSession = (after: LogPosition, sink: SubscriptionSink) => SubscriptionSession;

const DEFAULT_BATCH_SIZE = 100;

/**
 * Turns a pushed server subscription into the port's batches: events that arrive together are
 * handed over together (up to `batchSize`), a failed batch is handed over again after a backoff,
 * and a broken server subscription is reopened from the last handled position, dropping what was
 * buffered after it (it comes again). The server stream is paused while too much is buffered.
 */
export function startStreamedSubscription(
  open: OpenSession,
  options: SubscribeToAllOptions,
  backoff: RetryBackoff = DEFAULT_RETRY_BACKOFF,
): EventSubscription {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const pauseAbove = batchSize * 4;
  const abort = new AbortController();
  let position = options.after ?? 0;
  let buffered: RecordedEvent[] = [];
  let lastBuffered = position;
  let session: SubscriptionSession | undefined;
  let sessionNumber = 0;
  let broken: { error: unknown } | undefined;
  let paused = false;
  let wakeUp: (() => void) | undefined;

  const notify = () => {
    const wake = wakeUp;
    wakeUp = undefined;
    wake?.();
  };
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A failing error reporter must not end the subscription.
    }
  };

  const connect = () => {
    sessionNumber += 1;
    const mine = sessionNumber;
    buffered = [];
    lastBuffered = position;
    paused = false;
    broken = undefined;
    const sink: SubscriptionSink = {
      event(event) {
        if (mine !== sessionNumber || abort.signal.aborted || event.position <= lastBuffered) return;
        buffered.push(event);
        lastBuffered = event.position;
        if (!paused && buffered.length >= pauseAbove) {
          paused = true;
          session?.pause();
        }
        notify();
      },
      fail(error) {
        if (mine !== sessionNumber || abort.signal.aborted || broken) return;
        broken = { error };
        notify();
      },
    };
    try {
      session = open(position, sink);
    } catch (error) {
      session = undefined;
      broken = { error };
    }
  };

  const closeSession = async () => {
    const closing = session;
    session = undefined;
    sessionNumber += 1;
    await closing?.close().catch(() => undefined);
  };

  const run = async () => {
    let failures = 0;
    const pauseAfterFailure = () => delay(Math.min(backoff.initialMs * 2 ** failures++, backoff.maxMs), abort.signal);
    connect();
    while (!abort.signal.aborted) {
      if (broken) {
        report(broken.error);
        await closeSession();
        await pauseAfterFailure();
        if (abort.signal.aborted) break;
        connect();
        continue;
      }
      if (buffered.length === 0) {
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
        });
        continue;
      }
      // Events pushed in one burst arrive over several callbacks: let them gather into one batch
      // for as long as more keep coming turn after turn.
      for (let seen = -1; buffered.length < batchSize && buffered.length !== seen && !abort.signal.aborted; ) {
        seen = buffered.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const batch = buffered.splice(0, batchSize);
      for (;;) {
        try {
          await options.handler(batch);
          position = batch[batch.length - 1].position;
          failures = 0;
          break;
        } catch (error) {
          report(error);
          await pauseAfterFailure();
          if (abort.signal.aborted) return;
        }
      }
      if (paused && buffered.length < pauseAbove) {
        paused = false;
        session?.resume();
      }
    }
  };
  const running = run().finally(closeSession);

  return {
    get position() {
      return position;
    },
    async stop() {
      abort.abort();
      notify();
      await running;
    },
  };
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
