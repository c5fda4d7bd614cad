import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { eventTime, MUTATION_EVENT_TYPES, MUTATION_STATUSES, statusAfter, type MutationEvent } from '@countersign/domain';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectReadModels, type ReadModelsConnection } from './read-models-database.js';
import { SEED_APPROVERS, seedMutations, type SeedResult } from './seed-mutations.js';

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

  it('mixes creates, changes, guard and policy denials, pendings and every pending fate by several kinds of actors', async () => {
    const { result, log } = await seedFromScratch(6);
    const { mutations } = result;
    const transitions = new Set(mutations.map((mutation) => mutation.transition));
    for (const transition of ['create', 'open', 'enable', 'setRollout', 'addRule', 'removeRule', 'setLimit', 'raiseLimit', 'setLevel', 'lock', 'unlock']) expect(transitions).toContain(transition);
    expect(new Set(mutations.map((mutation) => mutation.status))).toEqual(new Set(MUTATION_STATUSES));
    const events = log as { type: string; data: Record<string, unknown> & { mutationId: string }; metadata: { causationId?: string; correlationId?: string } }[];
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(MUTATION_EVENT_TYPES));
    const denials = events.filter((event) => event.type === 'MutationDenied').map((event) => event.data.deniedBy);
    expect(new Set(denials)).toEqual(new Set(['guard', 'policy']));
    const checks = events.filter((event) => event.type === 'CheckResolved').map((event) => event.data.outcome);
    expect(new Set(checks)).toEqual(new Set(['pass', 'fail']));
    expect(new Set(mutations.map((mutation) => mutation.actor.kind))).toEqual(new Set(['human', 'service', 'agent']));
    expect(new Set(mutations.map((mutation) => mutation.actor.id)).size).toBe(6);
    expect(new Set(mutations.map((mutation) => mutation.classification.riskLevel))).toEqual(new Set(['low', 'medium', 'high', 'critical']));
    expect(mutations.some((mutation) => mutation.classification.tags.includes('prod'))).toBe(true);
    expect(new Set(mutations.map((mutation) => mutation.stateType))).toEqual(new Set(['feature-flag', 'credit-limit', 'access-policy']));
    // Approvers decide, they never request; some approve twice or their own request, which records nothing.
    const approvers = new Set(events.filter((event) => event.type === 'ApprovalGranted' || event.type === 'ApprovalRejected').map((event) => (event.data.approver as { id: string }).id));
    expect([...approvers].some((id) => SEED_APPROVERS.some((approver) => approver.id === id))).toBe(true);
    expect(result.pendingCommands.recorded).toBeGreaterThan(20);
    expect(result.pendingCommands.rejected).toBeGreaterThan(0);
    // Every event carries its mutation as causation; a compensation is caused by the compensating mutation.
    for (const event of events) {
      expect(event.metadata.causationId).toBe(event.type === 'MutationCompensated' ? event.data.compensatedBy : event.data.mutationId);
      expect(event.metadata.correlationId).toEqual(expect.any(String));
    }
  });

  it('reports each mutation as its events on the log leave it', async () => {
    const { result, log } = await seedFromScratch(2);
    const eventsOf = new Map<string, MutationEvent[]>();
    const lastPosition = new Map<string, number>();
    for (const event of log as (MutationEvent & { position: number })[]) {
      eventsOf.set(event.data.mutationId, [...(eventsOf.get(event.data.mutationId) ?? []), event]);
      lastPosition.set(event.data.mutationId, event.position);
    }
    expect(eventsOf.size).toBe(result.mutations.length);
    for (const mutation of result.mutations) {
      const events = eventsOf.get(mutation.mutationId) ?? [];
      const statusEvents = events.filter((event) => statusAfter(event) !== undefined);
      const last = statusEvents[statusEvents.length - 1]!;
      // Being compensated changes the status of a mutation that finished when it applied.
      const finishing = statusEvents.filter((event) => event.type !== 'MutationCompensated');
      const lastFinishing = finishing[finishing.length - 1]!;
      const pendings = events.filter((event) => event.type === 'MutationPending');
      const lastPending = pendings[pendings.length - 1];
      expect({ id: mutation.mutationId, status: mutation.status, position: mutation.position, finishedAt: mutation.finishedAt, expiresAt: mutation.expiresAt }).toEqual({
        id: mutation.mutationId,
        status: statusAfter(last),
        position: lastPosition.get(mutation.mutationId),
        finishedAt: lastFinishing.type === 'MutationPending' ? null : eventTime(lastFinishing),
        expiresAt: lastPending?.type === 'MutationPending' ? lastPending.data.expiresAt : null,
      });
    }
    // The seeder fires timers as the clock reaches them: nothing it leaves pending is overdue.
    const next = Date.parse(result.nextClock);
    for (const mutation of result.mutations.filter((candidate) => candidate.status === 'pending')) expect(Date.parse(mutation.expiresAt!)).toBeGreaterThanOrEqual(next - 1_000);
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
