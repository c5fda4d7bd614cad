import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  IdempotencyMismatchError,
  StreamRevisionConflictError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '../event-store.port.js';
import { sleep, waitUntil } from './wait-until.js';

export interface EventStoreHarness {
  /** A new store; called again, it opens the SAME storage (as after a restart). */
  open(): Promise<EventStore>;
  reset?(): Promise<void>;
  /** Releases whatever open() created. */
  teardown(): Promise<void>;
  /**
   * 'gap-free' (default): positions count events 1, 2, 3…, and the suite checks that too.
   * 'ascending': positions only ascend (EventStoreDB's $all commit positions skip numbers).
   */
  positions?: 'gap-free' | 'ascending';
  /**
   * Where an event id must be unique: 'log' (default) also refuses ids used in another stream;
   * 'stream' only checks the target stream (EventStoreDB keeps no index by event id).
   */
  eventIdScope?: 'log' | 'stream';
}

/**
 * The behaviour every EventStore adapter must show. Tests use their own random stream names,
 * so they need no reset between them; they do expect to be the only writers while they run.
 */
export function describeEventStoreConformance(adapterName: string, harness: EventStoreHarness): void {
  const gapFree = (harness.positions ?? 'gap-free') === 'gap-free';
  const idsUniqueInLog = (harness.eventIdScope ?? 'log') === 'log';

  describe(`EventStore conformance: ${adapterName}`, () => {
    let store: EventStore;

    beforeAll(async () => {
      await harness.reset?.();
      store = await harness.open();
    });

    afterAll(async () => {
      await store?.close();
      await harness.teardown();
    });

    it('appends and reads a stream with 0-based revisions and metadata round-trip', async () => {
      const stream = uniqueStream('order');
      const metadata = { correlationId: randomUUID(), causationId: randomUUID(), actor: { id: 'u-1', roles: ['admin'] } };
      const events: NewEvent[] = [
        { id: randomUUID(), type: 'OrderPlaced', data: { total: 12.5, lines: [{ sku: 'a', quantity: 2 }] }, metadata },
        { id: randomUUID(), type: 'OrderPaid', data: { paidAt: '2026-01-02T03:04:05.000Z' } },
        { id: randomUUID(), type: 'OrderShipped', data: null, metadata: { correlationId: metadata.correlationId } },
      ];

      const start = await store.headPosition();
      const result = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      const read = await store.readStream(stream);

      expect(result.nextExpectedRevision).toBe(2);
      expect(read.map((event) => event.streamRevision)).toEqual([0, 1, 2]);
      expect(read.map(({ id, type, data }) => ({ id, type, data }))).toEqual(
        events.map(({ id, type, data }) => ({ id, type, data })),
      );
      expect(read.map((event) => event.metadata)).toEqual([metadata, {}, { correlationId: metadata.correlationId }]);
      expect(read.every((event) => event.streamName === stream && event.recordedAt instanceof Date)).toBe(true);
      expectAscending(read.map((event) => event.position));
      expect(read[0].position).toBeGreaterThan(start);
      expect(read[2].position).toBe(result.position);
      if (gapFree) expect(read.map((event) => event.position)).toEqual([start + 1, start + 2, start + 3]);
      expect(await store.readStream(stream, { fromRevision: 1, maxCount: 1 })).toEqual([read[1]]);
      // The append is contiguous in the log: nothing else lies between its events.
      expect(await store.readAll({ after: start, maxCount: 3 })).toEqual(read);
      expect(await store.headPosition()).toBe(result.position);
    });

    it('reads a stream that does not exist as empty', async () => {
      expect(await store.readStream(uniqueStream('missing'))).toEqual([]);
    });

    it('rejects an append of no events with a TypeError', async () => {
      await expect(store.appendToStream(uniqueStream('empty'), [])).rejects.toBeInstanceOf(TypeError);
    });

    it("enforces expected revision ('no_stream', exact number, 'stream_exists') with a typed conflict carrying the actual revision", async () => {
      const stream = uniqueStream('account');

      await expectConflict(store.appendToStream(stream, [newEvent()], { expectedRevision: 0 }), stream, 0, 'no_stream');
      await expectConflict(
        store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream_exists' }),
        stream,
        'stream_exists',
        'no_stream',
      );
      expect(await store.readStream(stream)).toEqual([]);

      const opened = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
      expect(opened.nextExpectedRevision).toBe(0);
      await expectConflict(
        store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' }),
        stream,
        'no_stream',
        0,
      );

      const second = await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 0 });
      expect(second.nextExpectedRevision).toBe(2);
      await expectConflict(store.appendToStream(stream, [newEvent()], { expectedRevision: 0 }), stream, 0, 2);
      await expectConflict(store.appendToStream(stream, [newEvent()], { expectedRevision: 7 }), stream, 7, 2);

      expect((await store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream_exists' })).nextExpectedRevision).toBe(3);
      expect((await store.appendToStream(stream, [newEvent()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(4);
      expect((await store.appendToStream(stream, [newEvent()])).nextExpectedRevision).toBe(5);
      expect((await store.readStream(stream)).map((event) => event.streamRevision)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('with 20 concurrent writers appending to one stream at the same expected revision, exactly one wins and the others get StreamRevisionConflictError', async () => {
      const stream = uniqueStream('contended');
      await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
      const attempts = Array.from({ length: 20 }, () => newEvent());

      const outcomes = await Promise.allSettled(
        attempts.map((event) => store.appendToStream(stream, [event], { expectedRevision: 0 })),
      );

      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(19);
      for (const error of losers) {
        expect(error).toBeInstanceOf(StreamRevisionConflictError);
        expect(error).toMatchObject({ code: 'stream_revision_conflict', streamName: stream, expected: 0, actual: 1 });
      }
      const winner = attempts[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')];
      expect((await store.readStream(stream)).map((event) => event.id).slice(1)).toEqual([winner.id]);
    });

    it('idempotent append by event id returns the original result and stores nothing twice; partial overlap gives IdempotencyMismatchError', async () => {
      const stream = uniqueStream('payment');
      const otherStream = uniqueStream('payment');
      const [first, second, third] = [newEvent(), newEvent(), newEvent()];
      const original = await store.appendToStream(stream, [first, second], { expectedRevision: 'no_stream' });
      await store.appendToStream(stream, [third], { expectedRevision: 1 });
      const headBefore = await store.headPosition();

      // A retry of the acknowledged write, whose expected revision is stale by now.
      expect(await store.appendToStream(stream, [first, second], { expectedRevision: 'no_stream' })).toEqual(original);
      expect(await store.appendToStream(stream, [first, second])).toEqual(original);

      const mismatches: Array<[string, NewEvent[]]> = [
        [stream, [second, newEvent()]],
        [stream, [newEvent(), first]],
        [stream, [second, first]],
        ...(idsUniqueInLog
          ? ([
              [otherStream, [first, second]],
              [otherStream, [third]],
            ] as Array<[string, NewEvent[]]>)
          : []),
      ];
      for (const [target, events] of mismatches) {
        const attempt = store.appendToStream(target, events);
        await expect(attempt).rejects.toBeInstanceOf(IdempotencyMismatchError);
        await expect(attempt).rejects.toMatchObject({ code: 'event_id_reused', streamName: target });
      }

      expect((await store.readStream(stream)).map((event) => event.id)).toEqual([first.id, second.id, third.id]);
      expect(await store.readStream(otherStream)).toEqual([]);
      expect(await store.headPosition()).toBe(headBefore);
    });

    it('under 8 concurrent writers x 50 appends to different streams, a subscriber started before them sees every event exactly once, none skipped, in the order of a final readAll (commit order)', async () => {
      const start = await store.headPosition();
      const delivered: RecordedEvent[] = [];
      const subscription = store.subscribeToAll({
        after: start,
        batchSize: 37,
        handler: async (batch) => {
          delivered.push(...batch);
        },
      });
      const streamPrefix = uniqueStream('writer');

      const writers = await Promise.all(
        Array.from({ length: 8 }, async (_, writer) => {
          const stream = `${streamPrefix}-${writer}`;
          const appends: Array<{ events: NewEvent[]; result: AppendResult }> = [];
          let expectedRevision: ExpectedRevision = 'no_stream';
          for (let call = 0; call < 50; call += 1) {
            const events = Array.from({ length: 1 + ((writer + call) % 3) }, () => newEvent());
            const result = await store.appendToStream(stream, events, { expectedRevision });
            expectedRevision = result.nextExpectedRevision;
            appends.push({ events, result });
          }
          return appends;
        }),
      );
      const head = await store.headPosition();
      await waitUntil(() => subscription.position >= head, `the subscriber reaches position ${head}`);
      await subscription.stop();

      const positions = delivered.map((event) => event.position);
      expectAscending(positions);
      expect(positions.at(-1)).toBe(head);
      if (gapFree) expect(positions).toEqual(Array.from({ length: head - start }, (_, index) => start + 1 + index));
      const everything = await readAllAfter(store, start, head);
      expect(delivered).toEqual(everything);

      const appendedIds = writers.flat().flatMap(({ events }) => events.map((event) => event.id));
      const ours = delivered.filter((event) => event.streamName.startsWith(streamPrefix));
      expect(ours.map((event) => event.id).sort()).toEqual([...appendedIds].sort());

      const indexById = new Map(delivered.map((event, index) => [event.id, index]));
      for (const appends of writers) {
        let previous = start;
        for (const { events, result } of appends) {
          const indexes = events.map((event) => indexById.get(event.id)!);
          const recorded = indexes.map((index) => delivered[index]);
          // Each append is contiguous, ends at its acknowledged position, and lands after the writer's previous one.
          expect(indexes).toEqual(events.map((_, offset) => indexes[0] + offset));
          expect(recorded.at(-1)!.position).toBe(result.position);
          expect(recorded[0].position).toBeGreaterThan(previous);
          previous = result.position;
        }
      }
    });

    it('a subscription started from a position catches up, then receives live events', async () => {
      const stream = uniqueStream('catch-up');
      const before = await store.appendToStream(stream, [newEvent(), newEvent(), newEvent()]);
      const written = await store.readStream(stream);
      const from = written[0].position;
      const seen: RecordedEvent[] = [];
      const subscription = store.subscribeToAll({
        after: from,
        handler: async (batch) => {
          seen.push(...batch);
        },
      });

      await waitUntil(() => subscription.position >= before.position, 'the subscriber has caught up');
      expect(seen.map((event) => event.position)).toEqual([written[1].position, written[2].position]);

      const live = await store.appendToStream(stream, [newEvent()]);
      await waitUntil(() => subscription.position >= live.position, 'the subscriber receives the live event');
      await subscription.stop();
      expect(seen.map((event) => event.position)).toEqual([written[1].position, written[2].position, live.position]);
      expect(seen.at(-1)?.streamRevision).toBe(3);
    });

    it('stop() waits for the in-flight handler and ends delivery', async () => {
      const stream = uniqueStream('stop');
      const start = await store.headPosition();
      let handlerStarted = false;
      let handlerFinished = false;
      const handled: number[] = [];
      const subscription = store.subscribeToAll({
        after: start,
        handler: async (batch) => {
          handlerStarted = true;
          await sleep(150);
          handled.push(...batch.map((event) => event.position));
          handlerFinished = true;
        },
      });
      const appended = await store.appendToStream(stream, [newEvent()]);
      await waitUntil(() => handlerStarted, 'the handler is running');

      await subscription.stop();
      expect(handlerFinished).toBe(true);
      expect(subscription.position).toBe(appended.position);

      await store.appendToStream(stream, [newEvent()]);
      await sleep(700);
      expect(handled).toEqual([appended.position]);
      expect(subscription.position).toBe(appended.position);
    });

    it('a handler that throws gets the same batch again after a backoff', async () => {
      const stream = uniqueStream('retry');
      const start = await store.headPosition();
      const appended = await store.appendToStream(stream, [newEvent(), newEvent()]);
      const attempts: Array<{ at: number; positions: number[] }> = [];
      const errors: unknown[] = [];
      const subscription = store.subscribeToAll({
        after: start,
        handler: async (batch) => {
          attempts.push({ at: Date.now(), positions: batch.map((event) => event.position) });
          if (attempts.length === 1) throw new Error('projection failed once');
        },
        onError: (error) => errors.push(error),
      });

      await waitUntil(() => subscription.position >= appended.position, 'the batch is handled on redelivery');
      await subscription.stop();

      expect(errors).toEqual([new Error('projection failed once')]);
      expect(attempts).toHaveLength(2);
      expect(attempts[1].positions).toEqual(attempts[0].positions);
      expect(attempts[0].positions).toEqual((await store.readStream(stream)).map((event) => event.position));
      if (gapFree) expect(attempts[0].positions).toEqual([start + 1, start + 2]);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(50);
    });

    it('reads everything back after a restart', async () => {
      const stream = uniqueStream('durable');
      const events = [newEvent(), newEvent()];
      const writer = await harness.open();
      const start = await writer.headPosition();
      const written = await writer.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      const before = await writer.readStream(stream);
      await writer.close();

      const reader = await harness.open();
      try {
        expect(await reader.readStream(stream)).toEqual(before);
        expect(await reader.headPosition()).toBeGreaterThanOrEqual(written.position);
        expect(await reader.readAll({ after: start, maxCount: 2 })).toEqual(before);
        // A retry of the acknowledged append after the restart still returns its original result.
        expect(await reader.appendToStream(stream, events, { expectedRevision: 'no_stream' })).toEqual(written);
        expect((await reader.appendToStream(stream, [newEvent()], { expectedRevision: 1 })).nextExpectedRevision).toBe(2);
      } finally {
        await reader.close();
      }
    });
  });
}

function expectAscending(positions: readonly number[]): void {
  expect(positions.every((position, index) => index === 0 || position > positions[index - 1])).toBe(true);
}

function uniqueStream(category: string): string {
  return `${category}-${randomUUID()}`;
}

function newEvent(): NewEvent {
  return { id: randomUUID(), type: 'SomethingHappened', data: { value: randomUUID() } };
}

async function expectConflict(
  attempt: Promise<unknown>,
  streamName: string,
  expected: ExpectedRevision,
  actual: number | 'no_stream',
): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(StreamRevisionConflictError);
  expect(error).toMatchObject({ code: 'stream_revision_conflict', streamName, expected, actual });
}

async function readAllAfter(store: EventStore, after: number, until: number): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let position = after;
  while (position < until) {
    const page = await store.readAll({ after: position, maxCount: 100 });
    if (page.length === 0) break;
    events.push(...page.filter((event) => event.position <= until));
    position = page[page.length - 1].position;
  }
  return events;
}
