import type { RecordedEvent } from '@countersign/event-store';
import { createTestDatabase } from '@countersign/persistence/testing';
import { PATIENT_WAIT_MS } from '@countersign/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mutationsProjection } from '../projections/mutations.projection.js';
import type { Projection } from '../projections/projection.js';
import { comparableRows, connectReadModels, expectedReadModels, seedMutations, snapshotReadModels, type ReadModelsConnection } from '../testing/index.js';
import { ParkedEvents } from './parked-events.js';
import { POISON_AFTER_FAILURES, ProjectionRunner } from './projection-runner.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let connection: ReadModelsConnection;
let log: RecordedEvent[];

beforeAll(async () => {
  database = await createTestDatabase('poison');
  connection = await connectReadModels(database.url);
  await seedMutations(connection.eventStore, { count: 40, states: 5, seed: 21 });
  log = await connection.eventStore.readAll();
});

afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

async function reset(): Promise<void> {
  for (const table of mutationsProjection.tables) await connection.dataSource.query(`DELETE FROM "${table}"`);
  await connection.dataSource.query('DELETE FROM parked_events');
  await connection.dataSource.query('DELETE FROM projection_checkpoints');
}

async function waitForCheckpoint(runner: ProjectionRunner, position: number): Promise<void> {
  expect(await runner.waitFor(position, PATIENT_WAIT_MS)).toBe(true);
}

/** The mutations projection, throwing on one event while `broken` says so. */
function poisoned(position: number, error: () => Error) {
  const state = { broken: true, calls: 0 };
  const projection: Projection = {
    name: mutationsProjection.name,
    tables: mutationsProjection.tables,
    async apply(events, sql) {
      if (state.broken && events.some((event) => event.position === position)) {
        state.calls += 1;
        throw error();
      }
      await mutationsProjection.apply(events, sql);
    },
  };
  return { projection, state };
}

describe('poison events', () => {
  it('parks an event the projection keeps failing on, keeps going, and applies it once fixed and retried', async () => {
    await reset();
    const poison = log.filter((event) => event.type === 'MutationApplied')[5]!;
    const { projection, state } = poisoned(poison.position, () => new Error('cannot project this one'));
    const messages: string[] = [];
    const runner = new ProjectionRunner(connection.dataSource, connection.eventStore, projection, { batchSize: 10, log: (message) => messages.push(message) });
    await runner.start();
    try {
      await waitForCheckpoint(runner, log[log.length - 1]!.position);
    } finally {
      await runner.stop();
    }
    // Whole-batch retries first, then the lone event fails once more and is parked.
    expect(state.calls).toBe(POISON_AFTER_FAILURES + 1);
    expect(messages.some((message) => message.includes(`parked the event at position ${poison.position}`))).toBe(true);

    const parked = new ParkedEvents(connection.dataSource, connection.eventStore, [mutationsProjection]);
    expect(await parked.list()).toEqual([
      expect.objectContaining({ projection: 'mutations', position: poison.position, eventId: poison.id, eventType: 'MutationApplied', error: 'cannot project this one', attempts: 1 }),
    ]);
    // Every other event is projected as if the poison were not in the log.
    const snapshot = await snapshotReadModels(connection.dataSource);
    const withoutPoison = expectedReadModels(log.filter((event) => event.position !== poison.position));
    for (const table of ['mutation_timeline', 'approval_decisions'] as const) {
      expect(comparableRows(table, snapshot[table])).toEqual(comparableRows(table, withoutPoison[table]));
    }
    const mutationId = (poison.data as { mutationId: string }).mutationId;
    const before = await connection.dataSource.query('SELECT status FROM mutations WHERE mutation_id = $1', [mutationId]);
    expect(before).toEqual([{ status: 'pending' }]);

    // Retrying while still broken keeps it parked and counts the attempt.
    const stillParked = new ParkedEvents(connection.dataSource, connection.eventStore, [projection]);
    expect(await stillParked.retry('mutations', poison.position)).toMatchObject({ kind: 'failed', error: 'cannot project this one' });
    expect((await parked.list())[0]).toMatchObject({ attempts: 2 });

    state.broken = false;
    expect(await stillParked.retry('mutations', poison.position)).toMatchObject({ kind: 'applied' });
    expect(await parked.list()).toEqual([]);
    const after = await connection.dataSource.query('SELECT status, state_version FROM mutations WHERE mutation_id = $1', [mutationId]);
    expect(after).toEqual([{ status: 'applied', state_version: (poison.data as { version: number }).version }]);
    expect(await stillParked.retry('mutations', poison.position)).toEqual({ kind: 'not_parked' });
  });

  it('never parks on transient failures (e.g. serialization conflicts): it retries until they pass', async () => {
    await reset();
    const target = log[Math.floor(log.length / 2)]!;
    const { projection, state } = poisoned(target.position, () => Object.assign(new Error('could not serialize access'), { code: '40001' }));
    const runner = new ProjectionRunner(connection.dataSource, connection.eventStore, projection, { batchSize: 10 });
    await runner.start();
    try {
      while (state.calls < POISON_AFTER_FAILURES + 2) await new Promise((resolve) => setTimeout(resolve, 20));
      state.broken = false;
      await waitForCheckpoint(runner, log[log.length - 1]!.position);
    } finally {
      await runner.stop();
    }
    expect(await new ParkedEvents(connection.dataSource, connection.eventStore, [mutationsProjection]).list()).toEqual([]);
    const snapshot = await snapshotReadModels(connection.dataSource);
    expect(comparableRows('mutations', snapshot.mutations)).toEqual(comparableRows('mutations', expectedReadModels(log).mutations));
  });

  it('parks a poison event during a rebuild instead of failing it', async () => {
    await reset();
    const poison = log.filter((event) => event.type === 'MutationRequested')[3]!;
    const { projection } = poisoned(poison.position, () => new Error('bad request event'));
    const runner = new ProjectionRunner(connection.dataSource, connection.eventStore, projection, { batchSize: 10 });
    const result = await runner.rebuild();
    expect(result.position).toBe(log[log.length - 1]!.position);
    expect(await new ParkedEvents(connection.dataSource, connection.eventStore, [mutationsProjection]).list()).toEqual([
      expect.objectContaining({ position: poison.position, eventType: 'MutationRequested', error: 'bad request event' }),
    ]);
    const timeline = await connection.dataSource.query('SELECT count(*)::int AS n FROM mutation_timeline');
    expect(timeline).toEqual([{ n: log.length - 1 }]);
  });
});
