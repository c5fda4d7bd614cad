import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IdempotencyMismatchError, type NewEvent, type RecordedEvent } from '../event-store.port.js';
import { describeEventStoreConformance, waitUntil } from '../testing/index.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';

/**
 * Runs against a real EventStoreDB / KurrentDB server named by EVENTSTORE_CONNECTION_STRING
 * (e.g. `esdb://localhost:2113?tls=false`; docs/operations.md shows how to start one). Each run
 * writes under its own stream namespace, so old data on the server does not disturb it.
 */
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING?.trim();
const SKIP_REASON = 'EVENTSTORE_CONNECTION_STRING is not set, so there is no EventStoreDB server to run against';
const runNamespace = `conformance-${randomUUID().slice(0, 8)}-`;

if (!connectionString) {
  // Printed, not only in the describe title: Jest hides the names of skipped files unless verbose.
  process.stderr.write(`EventStoreDB adapter: conformance and server tests skipped: ${SKIP_REASON}.\n`);
  describe.skip(`EventStore conformance: eventstoredb (skipped: ${SKIP_REASON})`, () => {
    it.todo('runs the event-store conformance suite and the server tests against EventStoreDB');
  });
} else {
  const opened: EventStoreDbEventStore[] = [];
  const open = async (streamNamespace = runNamespace) => {
    const store = await EventStoreDbEventStore.connect(connectionString, { streamNamespace, connectTimeoutMs: 10_000 });
    opened.push(store);
    return store;
  };

  describeEventStoreConformance('eventstoredb', {
    open: () => open(),
    async teardown() {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    },
    positions: 'ascending',
    eventIdScope: 'stream',
  });

  describe('EventStoreDbEventStore on a server', () => {
    const namespace = `server-${randomUUID().slice(0, 8)}-`;
    let store: EventStoreDbEventStore;

    beforeAll(async () => {
      store = await open(namespace);
    });

    afterAll(async () => {
      await Promise.all(opened.splice(0).map((each) => each.close()));
    });

    it('reports $all commit positions: the append result, the stream read and the $all read agree', async () => {
      const start = await store.headPosition();
      const stream = `positions-${randomUUID()}`;
      const appended = await store.appendToStream(stream, [newEvent(), newEvent(), newEvent()]);
      const byStream = await store.readStream(stream);
      const byAll = await store.readAll({ after: start });

      expect(byAll).toEqual(byStream);
      expect(byStream.at(-1)?.position).toBe(appended.position);
      expect(await store.headPosition()).toBe(appended.position);
      // Commit positions are byte offsets in the log: ascending, with gaps.
      expect(byStream[1].position - byStream[0].position).toBeGreaterThan(1);
    });

    it('sees nothing outside its namespace: other writers on the server are invisible to reads, the head and subscriptions', async () => {
      const neighbour = await open(`neighbour-${randomUUID().slice(0, 8)}-`);
      const start = await store.headPosition();
      const seen: RecordedEvent[] = [];
      const subscription = store.subscribeToAll({ after: start, handler: async (batch) => void seen.push(...batch) });
      await neighbour.appendToStream(`other-${randomUUID()}`, [newEvent(), newEvent()]);
      const ours = await store.appendToStream(`ours-${randomUUID()}`, [newEvent()]);
      await waitUntil(() => subscription.position >= ours.position, 'the subscriber has our event');
      await subscription.stop();

      expect(seen.map((event) => event.position)).toEqual([ours.position]);
      expect((await store.readAll({ after: start })).map((event) => event.position)).toEqual([ours.position]);
      expect(await store.headPosition()).toBe(ours.position);
    });

    it('keeps idempotency by event id across processes: a second store answers a retry from the stream and refuses a partial repeat', async () => {
      const stream = `retry-${randomUUID()}`;
      const events = [newEvent(), newEvent()];
      const original = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      await store.appendToStream(stream, [newEvent()], { expectedRevision: 1 });
      const other = await open(namespace);

      expect(await other.appendToStream(stream, events)).toEqual(original);
      expect(await other.appendToStream(stream, events, { expectedRevision: 'no_stream' })).toEqual(original);
      await expect(other.appendToStream(stream, [events[1], newEvent()])).rejects.toBeInstanceOf(IdempotencyMismatchError);
      expect((await other.readStream(stream)).map((event) => event.streamRevision)).toEqual([0, 1, 2]);
    });

    it("appends with 'any' from two stores at once without losing or doubling an event", async () => {
      const stream = `any-${randomUUID()}`;
      const other = await open(namespace);
      const appends = Array.from({ length: 20 }, (_, index) => ({ store: index % 2 === 0 ? store : other, events: [newEvent()] }));
      await Promise.all(appends.map(({ store: writer, events }) => writer.appendToStream(stream, events)));
      // Retries of all of them, through the other store, change nothing.
      await Promise.all(appends.map(({ store: writer, events }) => (writer === store ? other : store).appendToStream(stream, events)));
      const stored = await store.readStream(stream);
      expect(stored.map((event) => event.id).sort()).toEqual(appends.map(({ events }) => events[0].id).sort());
    });
  });
}

function newEvent(): NewEvent {
  return { id: randomUUID(), type: 'SomethingHappened', data: { value: randomUUID() } };
}
