import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@countersign/event-store';
import { MUTATION_EVENT_TYPES } from '@countersign/domain';
import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { PATIENT_WAIT_MS, SLOW_TEST_TIMEOUT_MS } from '@countersign/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { allProjections } from '../projections/all-projections.js';
import {
  comparableRows,
  connectReadModels,
  expectedReadModels,
  READ_MODEL_PRIMARY_KEYS,
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
  await connection.dataSource.query(`TRUNCATE es_events, es_streams, ${READ_MODEL_TABLES.join(', ')}, projection_checkpoints`);
  await connection.dataSource.query('UPDATE es_log_head SET position = 0');
}

async function clearReadModels(): Promise<void> {
  await connection.dataSource.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}, projection_checkpoints`);
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

const READ_MODEL_TABLES = Object.keys(READ_MODEL_PRIMARY_KEYS) as ReadModelTable[];

function comparable(snapshot: ReadModelSnapshot): Record<string, unknown[]> {
  return Object.fromEntries(READ_MODEL_TABLES.map((table) => [table, comparableRows(table, snapshot[table])]));
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
          const reached = await Promise.all(runners.map((runner) => runner.waitFor(log.length, PATIENT_WAIT_MS)));
          await Promise.all(runners.map((runner) => runner.stop()));
          expect(reached).toEqual(allProjections.map(() => true));
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
  }, SLOW_TEST_TIMEOUT_MS);

  it('holds exactly the expected rows after every single event, also inside one append (e.g. dismissed but not pending again yet)', async () => {
    await resetDatabase();
    await seedMutations(connection.eventStore, { count: 90, states: 6, seed: 114 });
    const log = await connection.eventStore.readAll();
    // The log has every lifecycle event, and the multi-event appends whose middle a batch boundary can split.
    expect(new Set(log.map((event) => event.type))).toEqual(new Set(MUTATION_EVENT_TYPES));
    expect(log.some((event) => event.type === 'CheckResolved' && (event.data as { outcome: string }).outcome === 'fail')).toBe(true);
    for (const [index, event] of log.entries()) {
      await connection.dataSource.transaction(async (manager) => {
        for (const projection of allProjections) await projection.apply([event], manager);
      });
      // The rows of the event's mutation and of its state (the rest is covered at the end of the log above).
      const { mutationId } = event.data as { mutationId: string };
      const lane = log.find((candidate) => candidate.type === 'MutationRequested' && (candidate.data as { mutationId: string }).mutationId === mutationId)!.data as { stateType: string; stateId: string };
      const concerned = (snapshot: ReadModelSnapshot) =>
        Object.fromEntries(
          READ_MODEL_TABLES.map((table) => [
            table,
            comparableRows(
              table,
              snapshot[table].filter((row) => (row.mutation_id === undefined ? row.state_type === lane.stateType && row.state_id === lane.stateId : row.mutation_id === mutationId)),
            ),
          ]),
        );
      expect({ after: `${event.type} at ${event.position}`, rows: concerned(await snapshotReadModels(connection.dataSource)) }).toEqual({
        after: `${event.type} at ${event.position}`,
        rows: concerned(expectedReadModels(log.slice(0, index + 1)) as ReadModelSnapshot),
      });
    }
  }, SLOW_TEST_TIMEOUT_MS);
});
