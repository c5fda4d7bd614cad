import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '../event-store.port.js';
import { PATIENT_WAIT_MS, sleep, waitUntil } from '../testing/wait-until.js';
import { startStreamedSubscription, type SubscriptionSink } from './streamed-subscription.js';

const BACKOFF = { initialMs: 20, maxMs: 40 };

function event(position: number): RecordedEvent {
  return {
    id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    type: 'SomethingHappened',
    data: {},
    metadata: {},
    streamName: 's',
    streamRevision: position,
    position,
    recordedAt: new Date(0),
  };
}

/** A stand-in for the server: records each session it opens and lets the test push into it. */
class FakeServer {
  readonly sessions: Array<{ after: number; sink: SubscriptionSink; paused: boolean; closed: boolean; pauses: number }> = [];

  open = (after: number, sink: SubscriptionSink) => {
    const session = { after, sink, paused: false, closed: false, pauses: 0 };
    this.sessions.push(session);
    return {
      pause: () => {
        session.paused = true;
        session.pauses += 1;
      },
      resume: () => {
        session.paused = false;
      },
      close: async () => {
        session.closed = true;
      },
    };
  };

  get current() {
    return this.sessions[this.sessions.length - 1];
  }

  push(...positions: number[]): void {
    for (const position of positions) this.current.sink.event(event(position));
  }
}

describe('startStreamedSubscription', () => {
  it('opens the server subscription after the given position and hands events over in order, in batches of at most batchSize', async () => {
    const server = new FakeServer();
    const batches: number[][] = [];
    const subscription = startStreamedSubscription(server.open, {
      after: 10,
      batchSize: 3,
      handler: async (batch) => {
        batches.push(batch.map((recorded) => recorded.position));
      },
    });
    expect(server.current.after).toBe(10);

    server.push(20, 35, 36, 50, 71, 90, 91);
    await waitUntil(() => subscription.position === 91, 'every event is handled');
    await subscription.stop();

    expect(batches.flat()).toEqual([20, 35, 36, 50, 71, 90, 91]);
    expect(batches.every((batch) => batch.length >= 1 && batch.length <= 3)).toBe(true);
    expect(batches[0]).toEqual([20, 35, 36]);
    expect(server.current.closed).toBe(true);
  });

  it('gathers events that keep arriving turn after turn into one batch', async () => {
    const server = new FakeServer();
    const batches: number[][] = [];
    const subscription = startStreamedSubscription(server.open, {
      batchSize: 10,
      handler: async (batch) => {
        batches.push(batch.map((recorded) => recorded.position));
      },
    });
    for (const position of [1, 2, 3, 4]) {
      server.push(position);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitUntil(() => subscription.position === 4, 'the events are handled');
    await subscription.stop();
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('ignores events at or before what it already has (a server replaying its start)', async () => {
    const server = new FakeServer();
    const seen: number[] = [];
    const subscription = startStreamedSubscription(server.open, {
      after: 10,
      handler: async (batch) => {
        seen.push(...batch.map((recorded) => recorded.position));
      },
    });
    server.push(10, 12, 12, 11, 13);
    await waitUntil(() => subscription.position === 13, 'the events are handled');
    await subscription.stop();
    expect(seen).toEqual([12, 13]);
  });

  it('hands the same batch over again after a backoff when the handler fails, and reports the error', async () => {
    const server = new FakeServer();
    const attempts: Array<{ at: number; positions: number[] }> = [];
    const errors: unknown[] = [];
    const subscription = startStreamedSubscription(
      server.open,
      {
        handler: async (batch) => {
          attempts.push({ at: Date.now(), positions: batch.map((recorded) => recorded.position) });
          if (attempts.length < 3) throw new Error(`projection failed ${attempts.length}`);
        },
        onError: (error) => errors.push(error),
      },
      BACKOFF,
    );
    server.push(5, 6);
    await waitUntil(() => subscription.position === 6, 'the batch succeeds on the third attempt');
    server.push(7);
    await waitUntil(() => subscription.position === 7, 'the next event is handled');
    await subscription.stop();

    expect(errors).toEqual([new Error('projection failed 1'), new Error('projection failed 2')]);
    expect(attempts.map((attempt) => attempt.positions)).toEqual([[5, 6], [5, 6], [5, 6], [7]]);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(15);
    expect(server.sessions).toHaveLength(1);
  });

  it('reopens a broken server subscription from the last handled position, dropping what was buffered after it', async () => {
    const server = new FakeServer();
    const seen: number[] = [];
    const errors: unknown[] = [];
    let release: (() => void) | undefined;
    const subscription = startStreamedSubscription(
      server.open,
      {
        batchSize: 1,
        handler: async (batch) => {
          if (batch[0].position === 2) await new Promise<void>((resolve) => (release = resolve));
          seen.push(batch[0].position);
        },
        onError: (error) => errors.push(error),
      },
      BACKOFF,
    );
    server.push(1, 2, 3);
    await waitUntil(() => release !== undefined, 'the handler holds event 2');
    server.current.sink.fail(new Error('connection reset'));
    release!();
    await waitUntil(() => server.sessions.length === 2, 'a new server subscription is opened');

    expect(server.sessions[0].closed).toBe(true);
    expect(server.current.after).toBe(2);
    server.push(3, 4);
    await waitUntil(() => subscription.position === 4, 'the events after the break are handled');
    await subscription.stop();
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(errors).toEqual([new Error('connection reset')]);
  });

  it('reopens after a backoff when opening the server subscription itself throws', async () => {
    let opens = 0;
    const server = new FakeServer();
    const errors: unknown[] = [];
    const subscription = startStreamedSubscription(
      (after, sink) => {
        opens += 1;
        if (opens === 1) throw new Error('unavailable');
        return server.open(after, sink);
      },
      { handler: async () => undefined, onError: (error) => errors.push(error) },
      BACKOFF,
    );
    await waitUntil(() => server.sessions.length === 1, 'the second attempt opens');
    server.push(1);
    await waitUntil(() => subscription.position === 1, 'the event is handled');
    await subscription.stop();
    expect(errors).toEqual([new Error('unavailable')]);
  });

  it('pauses the server subscription while too much is buffered and resumes it once the handler caught up', async () => {
    const server = new FakeServer();
    let release: (() => void) | undefined;
    const subscription = startStreamedSubscription(server.open, {
      batchSize: 2,
      handler: async (batch) => {
        if (batch[0].position === 1) await new Promise<void>((resolve) => (release = resolve));
      },
    });
    server.push(1, 2);
    await waitUntil(() => release !== undefined, 'the first batch is held');
    server.push(...Array.from({ length: 8 }, (_, index) => 3 + index));
    expect(server.current.paused).toBe(true);
    release!();
    await waitUntil(() => subscription.position === 10, 'everything is handled');
    expect(server.current.paused).toBe(false);
    expect(server.current.pauses).toBe(1);
    await subscription.stop();
  });

  it('stop() waits for the handler in flight, closes the server subscription and delivers nothing after', async () => {
    const server = new FakeServer();
    const handled: number[] = [];
    let started = false;
    let finished = false;
    const subscription = startStreamedSubscription(server.open, {
      handler: async (batch) => {
        started = true;
        await sleep(100);
        handled.push(...batch.map((recorded) => recorded.position));
        finished = true;
      },
    });
    server.push(1);
    await waitUntil(() => started, 'the handler runs');
    await subscription.stop();
    expect(finished).toBe(true);
    expect(subscription.position).toBe(1);
    expect(server.current.closed).toBe(true);

    server.push(2);
    await sleep(150);
    expect(handled).toEqual([1]);
    expect(subscription.position).toBe(1);
  });

  it('stop() during a retry backoff ends without handing the batch over again', async () => {
    const server = new FakeServer();
    let attempts = 0;
    const subscription = startStreamedSubscription(
      server.open,
      {
        handler: async () => {
          attempts += 1;
          throw new Error('always fails');
        },
      },
      // A backoff far longer than any slow machine takes to stop.
      { initialMs: 10 * 60_000, maxMs: 10 * 60_000 },
    );
    server.push(1);
    await waitUntil(() => attempts === 1, 'the first attempt failed');
    const started = Date.now();
    await subscription.stop();
    expect(Date.now() - started).toBeLessThan(PATIENT_WAIT_MS);
    expect(attempts).toBe(1);
    expect(subscription.position).toBe(0);
  });
});
