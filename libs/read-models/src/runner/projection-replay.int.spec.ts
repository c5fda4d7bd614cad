import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@countersign/event-store';
import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { allProjections } from '../projections/all-projections.js';
import {
  comparableRows,
  connectReadModels,
  expectedReadModels,
  seedMutations,
  snapshotReadModels,
  type ReadModelSnapshot,
  type ReadModelsConnection,
  type ReadModelTable,
} from '../testing/index.js';
import { ProjectionRunner } from './projection-runner.js';

let database: TestDatabase;
let connection: ReadModelsConnection;

beforeAll(async () => {
  database = await createTestDatabase('read_model_replay');
  connection = await connectReadModels(database.url);
});

afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

/** Back to an empty log and empty read models, so every property run starts from zero. */
async function resetDatabase(): Promise<void> {
  await connection.dataSource.query('TRUNCATE es_events, es_streams, mutations, mutation_timeline, states, state_history, projection_checkpoints');
  await connection.dataSource.query('UPDATE es_log_head SET position = 0');
}

async function clearReadModels(): Promise<void> {
  await connection.dataSource.query('TRUNCATE mutations, mutation_timeline, states, state_history, projection_checkpoints');
}

/** Splits the log into consecutive chunks whose sizes cycle through `sizes`. */
function chunked(log: readonly RecordedEvent[], sizes: readonly number[]): RecordedEvent[][] {
  const chunks: RecordedEvent[][] = [];
  for (let start = 0, index = 0; start < log.length; index += 1) {
    const size = sizes[index % sizes.length]!;
    chunks.push(log.slice(start, start + size));
    start += size;
  }
  return chunks;
}

const TABLES: readonly ReadModelTable[] = ['mutations', 'mutation_timeline', 'states', 'state_history'];

function comparable(snapshot: ReadModelSnapshot): Record<string, unknown[]> {
  return Object.fromEntries(TABLES.map((table) => [table, comparableRows(table, snapshot[table])]));
}

/** A command sequence: the seeder's mix of creates, changes, denials and pendings, shaped by these knobs. */
const commandSequence = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  count: fc.integer({ min: 1, max: 45 }),
  states: fc.integer({ min: 1, max: 6 }),
  actors: fc.integer({ min: 1, max: 6 }),
  /** Events of other kinds (a saga's, say) that every projection must skip. */
  foreignEvents: fc.integer({ min: 0, max: 3 }),
});

describe('projection replay', () => {
  it('projects any log in any batch sizes into the same tables as one rebuild in a single pass', async () => {
    await fc.assert(
      fc.asyncProperty(
        commandSequence,
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }),
        async (sequence, liveBatchSize, chunkSizes) => {
          await resetDatabase();
          await seedMutations(connection.eventStore, sequence);
          for (let index = 0; index < sequence.foreignEvents; index += 1) {
            await connection.eventStore.appendToStream('saga-timers', [{ id: randomUUID(), type: 'TimerScheduled', data: { mutationId: randomUUID() } }]);
          }
          const log = await connection.eventStore.readAll();

          // Live, in batches of liveBatchSize.
          const runners = allProjections.map((projection) => new ProjectionRunner(connection.dataSource, connection.eventStore, projection, { batchSize: liveBatchSize }));
          await Promise.all(runners.map((runner) => runner.start()));
          const reached = await Promise.all(runners.map((runner) => runner.waitFor(log.length, 10_000)));
          await Promise.all(runners.map((runner) => runner.stop()));
          expect(reached).toEqual([true, true, true]);
          const live = await snapshotReadModels(connection.dataSource);

          // By hand, one transaction per chunk of irregular size.
          await clearReadModels();
          for (const projection of allProjections) {
            for (const chunk of chunked(log, chunkSizes)) await connection.dataSource.transaction((manager) => projection.apply(chunk, manager));
          }
          const byChunks = await snapshotReadModels(connection.dataSource);

          // One rebuild, one batch.
          for (const projection of allProjections) {
            const result = await new ProjectionRunner(connection.dataSource, connection.eventStore, projection, { batchSize: 10_000 }).rebuild();
            expect(result.events).toBe(log.length);
          }
          const rebuilt = await snapshotReadModels(connection.dataSource);

          expect(live).toEqual(rebuilt);
          expect(byChunks).toEqual(rebuilt);
          expect(comparable(rebuilt)).toEqual(comparable(expectedReadModels(log) as ReadModelSnapshot));
        },
      ),
      { numRuns: 15 },
    );
  });
});
