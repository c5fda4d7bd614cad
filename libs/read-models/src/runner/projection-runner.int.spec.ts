import { LIFECYCLE_EVENT_TYPES, MUTATION_EVENT_TYPES, MUTATION_STATUSES, type MutationEvent } from '@countersign/domain';
import type { RecordedEvent } from '@countersign/event-store';
import { createTestDatabase } from '@countersign/persistence/testing';
import { PATIENT_WAIT_MS } from '@countersign/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { allProjections } from '../projections/all-projections.js';
import type { Projection } from '../projections/projection.js';
import { stateHistoryProjection, statesProjection } from '../projections/states.projection.js';
import { PostgresReadModelQueries } from '../queries/read-model-queries.js';
import {
  comparableRows,
  connectReadModels,
  expectedReadModels,
  READ_MODEL_PRIMARY_KEYS,
  seedMutations,
  snapshotReadModels,
  statusAfter,
  type ReadModelRow,
  type ReadModelSnapshot,
  type ReadModelTable,
  type ReadModelsConnection,
  type SeedResult,
} from '../testing/index.js';
import { ProjectionRunner, type RebuildProgress } from './projection-runner.js';

const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A fresh database with the event store and read-model schema, closed and dropped after the file. */
async function openDatabase(): Promise<{ url: string; connection: ReadModelsConnection }> {
  const database = await createTestDatabase('read_models');
  cleanups.push(() => database.drop());
  const connection = await connectReadModels(database.url);
  cleanups.push(() => connection.close());
  return { url: database.url, connection };
}

function track(runner: ProjectionRunner): ProjectionRunner {
  cleanups.push(() => runner.stop());
  return runner;
}

async function readLog(connection: ReadModelsConnection): Promise<RecordedEvent[]> {
  return connection.eventStore.readAll();
}

function expectTables(actual: Partial<Record<ReadModelTable, ReadModelRow[]>>, expected: Record<ReadModelTable, ReadModelRow[]>, tables: readonly string[]): void {
  for (const table of tables as ReadModelTable[]) {
    expect({ table, rows: comparableRows(table, actual[table] ?? []) }).toEqual({ table, rows: comparableRows(table, expected[table]) });
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const ALL_TABLES = Object.keys(READ_MODEL_PRIMARY_KEYS) as ReadModelTable[];

describe('ProjectionRunner following a seeded log', () => {
  let connection: ReadModelsConnection;
  let seeded: SeedResult;
  let log: RecordedEvent[];
  let runners: ProjectionRunner[];
  let reached: boolean[];
  let liveSnapshot: ReadModelSnapshot;

  beforeAll(async () => {
    ({ connection } = await openDatabase());
    seeded = await seedMutations(connection.eventStore, { count: 240, states: 14, seed: 3, actors: 6 });
    runners = allProjections.map((projection) => track(new ProjectionRunner(connection.dataSource, connection.eventStore, projection, { batchSize: 37 })));
    await Promise.all(runners.map((runner) => runner.start()));
    const head = await connection.eventStore.headPosition();
    reached = await Promise.all(runners.map((runner) => runner.waitFor(head, PATIENT_WAIT_MS)));
    log = await readLog(connection);
    liveSnapshot = await snapshotReadModels(connection.dataSource);
  });

  it('projects every mutation, timeline entry, state and history version exactly as the events say', async () => {
    expect(reached).toEqual(allProjections.map(() => true));
    expect(log).toHaveLength(seeded.lastPosition);
    // The seeded mix covers every status a mutation can reach, every lifecycle event and both kinds of denial.
    const statuses = new Set(seeded.mutations.map((mutation) => mutation.status));
    expect([...statuses].sort()).toEqual([...MUTATION_STATUSES].sort());
    expect([...new Set(log.map((event) => event.type))].sort()).toEqual([...MUTATION_EVENT_TYPES].sort());
    const denials = liveSnapshot.mutations.map((row) => (row.denial as { deniedBy?: string } | null)?.deniedBy).filter(Boolean);
    expect(new Set(denials)).toEqual(new Set(['guard', 'policy']));

    expectTables(liveSnapshot, expectedReadModels(log), ALL_TABLES);

    const byId = new Map(liveSnapshot.mutations.map((row) => [String(row.mutation_id), row]));
    expect(byId.size).toBe(seeded.mutations.length);
    for (const mutation of seeded.mutations) expect({ id: mutation.mutationId, status: byId.get(mutation.mutationId)?.status }).toEqual({ id: mutation.mutationId, status: mutation.status });

    // Every mutation's status is the one its last event (other than the protocol's accepted/started/finished) leads to.
    const lastEvent = new Map<string, RecordedEvent>();
    for (const event of log) if (!LIFECYCLE_EVENT_TYPES.includes(event.type as MutationEvent['type'])) lastEvent.set((event.data as { mutationId: string }).mutationId, event);
    for (const [mutationId, event] of lastEvent) {
      expect({ mutationId, status: byId.get(mutationId)?.status }).toEqual({ mutationId, status: statusAfter(event as unknown as MutationEvent) });
    }

    // A state's version counts its applied changes, and its history is 1..n without gaps.
    const appliedCount = new Map<string, number>();
    for (const event of log.filter((recorded) => recorded.type === 'MutationApplied')) {
      const { stateType, stateId } = event.data as { stateType: string; stateId: string };
      appliedCount.set(`${stateType}/${stateId}`, (appliedCount.get(`${stateType}/${stateId}`) ?? 0) + 1);
    }
    expect(liveSnapshot.states).toHaveLength(appliedCount.size);
    for (const state of liveSnapshot.states) {
      const key = `${String(state.state_type)}/${String(state.state_id)}`;
      const versions = liveSnapshot.state_history.filter((row) => `${String(row.state_type)}/${String(row.state_id)}` === key).map((row) => Number(row.version));
      expect({ key, version: state.version, versions }).toEqual({
        key,
        version: appliedCount.get(key),
        versions: Array.from({ length: appliedCount.get(key) ?? 0 }, (_, index) => index + 1),
      });
    }

    const checkpoints = await new PostgresReadModelQueries(connection.dataSource).checkpoints();
    expect(checkpoints.map(({ projection, position }) => ({ projection, position }))).toEqual(
      allProjections.map((projection) => projection.name).sort().map((projection) => ({ projection, position: log.length })),
    );
  });

  it('rebuilds every projection from zero into exactly the rows it projected live', async () => {
    const results: RebuildProgress[] = [];
    for (const runner of runners) {
      const progress: RebuildProgress[] = [];
      results.push(await runner.rebuild((update) => progress.push(update)));
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.map((update) => update.events)).toEqual([...progress.map((update) => update.events)].sort((a, b) => a - b));
      expect(progress[progress.length - 1]).toEqual({ projection: runner.name, position: log.length, head: log.length, events: log.length });
    }
    expect(results.map((result) => result.events)).toEqual(runners.map(() => log.length));

    const rebuilt = await snapshotReadModels(connection.dataSource);
    for (const table of ALL_TABLES) {
      expect({ table, count: rebuilt[table].length }).toEqual({ table, count: liveSnapshot[table].length });
      expect({ table, rows: rebuilt[table] }).toEqual({ table, rows: liveSnapshot[table] });
    }
    const checkpoints = await new PostgresReadModelQueries(connection.dataSource).checkpoints();
    expect(checkpoints.map((checkpoint) => checkpoint.position)).toEqual(runners.map(() => log.length));
  });

  it('keeps showing readers the previous rows until a rebuild commits', async () => {
    const rebuilding = deferred();
    const release = deferred();
    const gated: Projection = {
      name: 'mutations',
      tables: allProjections[0].tables,
      async apply(events, sql) {
        rebuilding.resolve();
        await release.promise;
        await allProjections[0].apply(events, sql);
      },
    };
    const runner = track(new ProjectionRunner(connection.dataSource, connection.eventStore, gated, { batchSize: 1_000 }));
    const rebuild = runner.rebuild();
    const read = rebuilding.promise.then(() => new PostgresReadModelQueries(connection.dataSource).listMutations({}, { limit: 1_000 }));
    // A blocked read stays blocked until the release, so a long window costs time only when the test fails.
    let blockedTimer: NodeJS.Timeout | undefined;
    const blocked = new Promise<string>((resolve) => (blockedTimer = setTimeout(() => resolve('blocked'), PATIENT_WAIT_MS)));
    const seen = await Promise.race([read.then((page) => page.items.length), blocked]);
    clearTimeout(blockedTimer);
    release.resolve();
    await rebuild;
    await read;
    expect(seen).toBe(liveSnapshot.mutations.length);
    expect(await snapshotReadModels(connection.dataSource)).toEqual(liveSnapshot);
  });
});

describe('ProjectionRunner replicas', () => {
  it('never applies an event twice when two replicas run the same projections while appends continue', async () => {
    const { url, connection: replicaA } = await openDatabase();
    const replicaB = await connectReadModels(url, { migrate: false });
    cleanups.push(() => replicaB.close());
    const first = await seedMutations(replicaA.eventStore, { count: 60, states: 8, seed: 41, stateIdPrefix: 'early-' });

    const handed = new Map<string, number[]>();
    const counting = (projection: Projection): Projection => ({
      name: projection.name,
      tables: projection.tables,
      async apply(events, sql) {
        await projection.apply(events, sql);
        handed.set(projection.name, [...(handed.get(projection.name) ?? []), ...events.map((event) => event.position)]);
      },
    });
    // Different batch sizes, so one replica's batches straddle the other's checkpoint.
    const runners = [
      { replica: replicaA, batchSize: 5 },
      { replica: replicaB, batchSize: 7 },
    ].flatMap(({ replica, batchSize }) =>
      [statesProjection, stateHistoryProjection].map((projection) => track(new ProjectionRunner(replica.dataSource, replica.eventStore, counting(projection), { batchSize }))),
    );
    await Promise.all(runners.map((runner) => runner.start()));
    await Promise.all([
      seedMutations(replicaA.eventStore, { count: 80, states: 6, seed: 42, stateIdPrefix: 'a-', start: first.nextClock }),
      seedMutations(replicaB.eventStore, { count: 80, states: 6, seed: 43, stateIdPrefix: 'b-', start: first.nextClock }),
    ]);
    const head = await replicaA.eventStore.headPosition();
    const queries = new PostgresReadModelQueries(replicaB.dataSource);
    expect(await queries.waitForPosition(['states', 'state_history'], head, PATIENT_WAIT_MS)).toBe(true);
    await Promise.all(runners.map((runner) => runner.stop()));

    const log = await readLog(replicaA);
    expect(log).toHaveLength(head);
    expectTables(await snapshotReadModels(replicaA.dataSource), expectedReadModels(log), ['states', 'state_history']);
    const everyPosition = Array.from({ length: head }, (_, index) => index + 1);
    for (const name of ['states', 'state_history']) {
      expect({ name, positions: [...(handed.get(name) ?? [])].sort((a, b) => a - b) }).toEqual({ name, positions: everyPosition });
    }
    const checkpoints = await queries.checkpoints();
    expect(checkpoints.map(({ projection, position }) => ({ projection, position }))).toEqual([
      { projection: 'state_history', position: head },
      { projection: 'states', position: head },
    ]);
  });
});

describe('ProjectionRunner checkpoints', () => {
  let connection: ReadModelsConnection;
  let log: RecordedEvent[];

  beforeAll(async () => {
    ({ connection } = await openDatabase());
    await seedMutations(connection.eventStore, { count: 50, states: 4, seed: 7_001 });
    log = await readLog(connection);
  });

  it.each(allProjections.map((projection) => [projection.name, projection] as const))(
    'retries a failed %s batch as a whole, shows none of it meanwhile, and applies each event once',
    async (_name, projection) => {
      const batchSize = 10;
      const applied = log.filter((event) => event.type === 'MutationApplied');
      const failingPosition = applied[Math.floor(applied.length / 2)]!.position;
      const batchStart = Math.floor((failingPosition - 1) / batchSize) * batchSize + 1;
      const failed = deferred();
      const retryMayProceed = deferred();
      let attempts = 0;
      const committed: number[] = [];
      const flaky: Projection = {
        name: projection.name,
        tables: projection.tables,
        async apply(events, sql) {
          if (events.some((event) => event.position === failingPosition)) {
            attempts += 1;
            if (attempts === 1) {
              // Write part of the batch, including the chosen event, before failing.
              await projection.apply(events.filter((event) => event.position <= failingPosition), sql);
              throw new Error(`injected failure at position ${failingPosition}`);
            }
            await retryMayProceed.promise;
          }
          await projection.apply(events, sql);
          committed.push(...events.map((event) => event.position));
        },
      };
      const errors: string[] = [];
      const runner = track(
        new ProjectionRunner(connection.dataSource, connection.eventStore, flaky, {
          batchSize,
          log: (message) => {
            errors.push(message);
            failed.resolve();
          },
        }),
      );
      await runner.start();
      try {
        await failed.promise;
        // Between the failure and the retry: the tables and checkpoint are exactly as of the previous batch.
        const meanwhile = await snapshotReadModels(connection.dataSource);
        expectTables(meanwhile, expectedReadModels(log.filter((event) => event.position < batchStart)), projection.tables);
        const checkpoint = (await new PostgresReadModelQueries(connection.dataSource).checkpoints()).find((row) => row.projection === projection.name);
        expect(checkpoint?.position).toBe(batchStart - 1);
      } finally {
        retryMayProceed.resolve();
      }
      expect(await runner.waitFor(log.length, PATIENT_WAIT_MS)).toBe(true);
      await runner.stop();

      expect(attempts).toBe(2);
      expect(errors).toEqual([`projection ${projection.name} failed on a batch and will retry: injected failure at position ${failingPosition}`]);
      expect(committed).toEqual(log.map((event) => event.position));
      expectTables(await snapshotReadModels(connection.dataSource), expectedReadModels(log), projection.tables);
    },
  );
});
