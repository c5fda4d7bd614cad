import { describe, expect, it } from '@jest/globals';
import { AppendSignal, startCatchUpSubscription, type FollowableLog } from './catch-up-subscription.js';
import type { RecordedEvent } from './event-store.port.js';
import { PATIENT_WAIT_MS, waitUntil } from './testing/wait-until.js';

const TEN_MINUTES = 10 * 60_000;

/** An in-memory log: appends notify the signal, like a LISTEN connection would. */
function memoryLog(pollIntervalMs = 10_000) {
  const events: RecordedEvent[] = [];
  const signal = new AppendSignal();
  let failingReads = 0;
  const log: FollowableLog = {
    readAll: async ({ after, maxCount }) => {
      if (failingReads > 0) {
        failingReads -= 1;
        throw new Error('connection lost');
      }
      return events.filter((event) => event.position > after).slice(0, maxCount);
    },
    appendGeneration: () => signal.current(),
    waitForAppends: (generation, abort) => signal.wait(generation, pollIntervalMs, abort),
  };
  return {
    log,
    append(count: number) {
      for (let index = 0; index < count; index += 1) {
        const position = events.length + 1;
        events.push({
          id: `e${position}`,
          type: 'Happened',
          data: {},
          metadata: {},
          streamName: 's',
          streamRevision: position - 1,
          position,
          recordedAt: new Date(0),
        });
      }
      signal.notify();
    },
    failNextReads(count: number) {
      failingReads = count;
    },
  };
}

const fastBackoff = { initialMs: 5, maxMs: 20 };

describe('catch-up subscription', () => {
  it('delivers the backlog in batches from the given position, then live appends', async () => {
    const memory = memoryLog();
    memory.append(5);
    const batches: number[][] = [];
    const subscription = startCatchUpSubscription(
      memory.log,
      { after: 1, batchSize: 2, handler: async (batch) => void batches.push(batch.map((event) => event.position)) },
      fastBackoff,
    );

    await waitUntil(() => subscription.position === 5, 'the backlog is handled');
    memory.append(1);
    await waitUntil(() => subscription.position === 6, 'the live event is handled');
    await subscription.stop();

    expect(batches).toEqual([[2, 3], [4, 5], [6]]);
  });

  it('redelivers a batch whose handler failed, reporting the error, with growing waits', async () => {
    const memory = memoryLog();
    memory.append(2);
    const errors: unknown[] = [];
    const attempts: number[][] = [];
    const subscription = startCatchUpSubscription(
      memory.log,
      {
        handler: async (batch) => {
          attempts.push(batch.map((event) => event.position));
          if (attempts.length <= 3) throw new Error(`attempt ${attempts.length}`);
        },
        onError: (error) => errors.push(error),
      },
      fastBackoff,
    );

    await waitUntil(() => subscription.position === 2, 'the batch is handled');
    await subscription.stop();

    expect(attempts).toEqual([[1, 2], [1, 2], [1, 2], [1, 2]]);
    expect(errors.map((error) => (error as Error).message)).toEqual(['attempt 1', 'attempt 2', 'attempt 3']);
  });

  it('keeps going after failed reads', async () => {
    const memory = memoryLog();
    memory.append(1);
    memory.failNextReads(2);
    const errors: unknown[] = [];
    const subscription = startCatchUpSubscription(
      memory.log,
      { handler: async () => undefined, onError: (error) => errors.push(error) },
      fastBackoff,
    );

    await waitUntil(() => subscription.position === 1, 'the event is handled');
    await subscription.stop();
    expect(errors).toHaveLength(2);
  });

  it('stop() resolves after the in-flight handler and advances past the batch it finished', async () => {
    const memory = memoryLog();
    memory.append(1);
    let release: () => void = () => undefined;
    let started = false;
    const subscription = startCatchUpSubscription(memory.log, {
      handler: () => {
        started = true;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await waitUntil(() => started, 'the handler runs');

    let stopped = false;
    const stopping = subscription.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;

    expect(subscription.position).toBe(1);
    memory.append(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(subscription.position).toBe(1);
  });

  it('stops promptly while idle or backing off', async () => {
    // Idle polls and backoffs far longer than any slow machine takes to stop.
    const idle = startCatchUpSubscription(memoryLog(TEN_MINUTES).log, { handler: async () => undefined });
    const failing = memoryLog(TEN_MINUTES);
    failing.append(1);
    let attempts = 0;
    const backingOff = startCatchUpSubscription(
      failing.log,
      {
        handler: async () => {
          attempts += 1;
          throw new Error('always');
        },
      },
      { initialMs: TEN_MINUTES, maxMs: TEN_MINUTES },
    );
    await waitUntil(() => attempts === 1, 'the first attempt failed');

    const startedAt = Date.now();
    await Promise.all([idle.stop(), backingOff.stop()]);
    expect(Date.now() - startedAt).toBeLessThan(PATIENT_WAIT_MS);
    expect(backingOff.position).toBe(0);
  });
});

describe('AppendSignal', () => {
  it('does not wait when a notification arrived since the generation was read', async () => {
    const signal = new AppendSignal();
    const generation = signal.current();
    signal.notify();
    const startedAt = Date.now();
    await signal.wait(generation, TEN_MINUTES, new AbortController().signal);
    expect(Date.now() - startedAt).toBeLessThan(PATIENT_WAIT_MS);
  });

  it('wakes a waiter on notify, and otherwise after the poll interval', async () => {
    const signal = new AppendSignal();
    const woken = signal.wait(signal.current(), 10_000, new AbortController().signal);
    signal.notify();
    await woken;

    const startedAt = Date.now();
    await signal.wait(signal.current(), 30, new AbortController().signal);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(25);
  });
});
