import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectReadModels, type ReadModelsConnection } from './read-models-database.js';
import { seedMutations, type SeedResult } from './seed-mutations.js';

let database: TestDatabase;
let connection: ReadModelsConnection;

beforeAll(async () => {
  database = await createTestDatabase('seed_mutations');
  connection = await connectReadModels(database.url);
});

afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

async function emptyLog(): Promise<void> {
  await connection.dataSource.query('TRUNCATE es_events, es_streams');
  await connection.dataSource.query('UPDATE es_log_head SET position = 0');
}

async function seedFromScratch(seed: number): Promise<{ result: SeedResult; log: unknown[] }> {
  await emptyLog();
  const result = await seedMutations(connection.eventStore, { count: 150, states: 10, seed, actors: 6 });
  const log = (await connection.eventStore.readAll()).map(({ id, type, data, metadata, streamName, streamRevision, position }) => ({ id, type, data, metadata, streamName, streamRevision, position }));
  return { result, log };
}

describe('seedMutations', () => {
  it('appends the same log for the same seed and a different one for another seed', async () => {
    const first = await seedFromScratch(11);
    const again = await seedFromScratch(11);
    const other = await seedFromScratch(12);
    expect(again).toEqual(first);
    expect(other.log).not.toEqual(first.log);
    expect(first.result.mutations).toHaveLength(150);
    expect(first.result.lastPosition).toBe(first.log.length);
  });

  it('mixes creates, changes, guard and policy denials and pendings by several kinds of actors', async () => {
    const { result, log } = await seedFromScratch(2_024);
    const { mutations } = result;
    const transitions = new Set(mutations.map((mutation) => mutation.transition));
    for (const transition of ['create', 'open', 'enable', 'setRollout', 'addRule', 'removeRule', 'setLimit', 'raiseLimit']) expect(transitions).toContain(transition);
    expect(new Set(mutations.map((mutation) => mutation.status))).toEqual(new Set(['applied', 'pending', 'denied']));
    const denials = (log as { type: string; data: { deniedBy?: string } }[]).filter((event) => event.type === 'MutationDenied').map((event) => event.data.deniedBy);
    expect(new Set(denials)).toEqual(new Set(['guard', 'policy']));
    expect(new Set(mutations.map((mutation) => mutation.actor.kind))).toEqual(new Set(['human', 'service', 'agent']));
    expect(new Set(mutations.map((mutation) => mutation.actor.id)).size).toBe(6);
    expect(new Set(mutations.map((mutation) => mutation.classification.riskLevel))).toEqual(new Set(['low', 'medium', 'high', 'critical']));
    expect(mutations.some((mutation) => mutation.classification.tags.includes('prod'))).toBe(true);
    expect(new Set(mutations.map((mutation) => mutation.stateType))).toEqual(new Set(['feature-flag', 'credit-limit']));
    // Every event carries its mutation as causation.
    for (const event of log as { data: { mutationId: string }; metadata: { causationId?: string; correlationId?: string } }[]) {
      expect(event.metadata.causationId).toBe(event.data.mutationId);
      expect(event.metadata.correlationId).toEqual(expect.any(String));
    }
  });

  it('refuses to append the events of a seed that is already on the log', async () => {
    await emptyLog();
    await seedMutations(connection.eventStore, { count: 20, states: 3, seed: 99 });
    await expect(seedMutations(connection.eventStore, { count: 20, states: 3, seed: 99 })).rejects.toThrow(/event ids/);
    await expect(seedMutations(connection.eventStore, { count: 20, states: 3, seed: 99, stateIdPrefix: 'second-' })).rejects.toThrow(/event ids/);
    const other = await seedMutations(connection.eventStore, { count: 20, states: 3, seed: 100, stateIdPrefix: 'second-' });
    expect(other.mutations).toHaveLength(20);
  });
});
