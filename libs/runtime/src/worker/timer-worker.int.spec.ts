import { builtInContracts, creditLimitContract } from '@countersign/contracts';
import { decideSubmit, type Actor, type Contract, type JsonObject, type SubmitOutcome } from '@countersign/domain';
import { EVENT_STORE, type EventStore } from '@countersign/event-store';
import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { ProjectionRunner, timersProjection } from '@countersign/read-models';
import { PATIENT_WAIT_MS } from '@countersign/event-store/testing';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { loadConfig, type CountersignConfig } from '../config/countersign-config.js';
import { ContractRegistry } from '../contracts/contract-registry.js';
import { DatabaseModule } from '../database/database.module.js';
import type { Clock } from '../lanes/clock.js';
import { LaneExecutor } from '../lanes/lane-executor.js';
import { LanesModule } from '../lanes/lanes.module.js';
import { PendingCommands } from '../lanes/pending-commands.js';
import { RuntimeModule } from '../runtime.module.js';
import { ProjectionWorkerModule } from './projection-worker.js';
import { TimerWorker } from './timer-worker.js';

const CREDIT_LIMIT = creditLimitContract as unknown as Contract<unknown>;
const TTL_MS = 10 * 60_000;
const alice: Actor = { id: 'alice', kind: 'human', roles: ['engineer'] };

/** A clock the test moves by hand; every worker process of the test reads it. */
class FakeClock implements Clock {
  constructor(private instant: number) {}
  now(): Date {
    return new Date(this.instant);
  }
  set(iso: string): void {
    this.instant = Date.parse(iso);
  }
  advance(ms: number): void {
    this.instant += ms;
  }
  iso(offsetMs = 0): string {
    return new Date(this.instant + offsetMs).toISOString();
  }
}

let database: TestDatabase;
const clock = new FakeClock(Date.parse('2030-05-01T10:00:00.000Z'));
const contexts: INestApplicationContext[] = [];
const logs: string[] = [];

/** One worker process: its own data source, pool, lane cache and timer worker, on the shared database. */
async function startWorkerProcess(options: { runWorker: boolean }): Promise<INestApplicationContext> {
  const config: CountersignConfig = { ...loadConfig({ COUNTERSIGN_LOG: 'silent' }), approvalTtlMs: TTL_MS, runWorker: options.runWorker, timerPollMs: 10, poolSize: 4 };
  const log = (message: string) => logs.push(message);
  const app = await NestFactory.createApplicationContext(
    {
      module: class TimerWorkerProcess {},
      imports: [
        RuntimeModule.forRoot({ config, log, contracts: new ContractRegistry(builtInContracts) }),
        DatabaseModule.forRoot({ url: database.url, poolSize: config.poolSize }),
        LanesModule.forRoot({ clock }),
        ProjectionWorkerModule,
      ],
    },
    { logger: false },
  );
  await app.init();
  contexts.push(app);
  return app;
}

let process1: INestApplicationContext;

beforeAll(async () => {
  database = await createTestDatabase('timer_worker');
  process1 = await startWorkerProcess({ runWorker: false });
});

afterAll(async () => {
  for (const app of contexts.reverse()) await app.close();
  await database?.drop();
});

/** Submits through the write side's lane executor, as the API does; returns the mutation and its outcome. */
async function submit(app: INestApplicationContext, stateId: string, transition: string, payload: JsonObject, extra: { notBefore?: string } = {}) {
  const lanes = app.get(LaneExecutor);
  const mutationId = lanes.newId();
  const run = await lanes.run<SubmitOutcome>(CREDIT_LIMIT.stateType, stateId, { correlationId: mutationId, causationId: mutationId }, (lane, now) => {
    const outcome = decideSubmit(
      { type: 'SubmitMutation', mutationId, stateId, transition, payload, actor: alice, classification: {}, now, ...extra },
      lane,
      CREDIT_LIMIT,
      { approvalTtlMs: TTL_MS },
    );
    return { events: outcome.kind === 'recorded' ? outcome.events : [], result: outcome };
  });
  if (run.result.kind !== 'recorded') throw new Error(`submit recorded nothing: ${JSON.stringify(run.result)}`);
  return { mutationId, outcome: run.result };
}

/** A credit line whose opening waits for a risk-officer: pending until it expires TTL_MS from now. */
async function pendingMutation(app: INestApplicationContext, stateId: string): Promise<string> {
  const { mutationId, outcome } = await submit(app, stateId, 'open', { customerId: stateId, currency: 'EUR', limit: 20_000 });
  expect(outcome.status).toBe('pending');
  return mutationId;
}

/** Brings the `timers` table up to the log, as the worker's projection does. */
async function projectTimers(app: INestApplicationContext): Promise<void> {
  const eventStore = app.get<EventStore>(EVENT_STORE);
  const runner = new ProjectionRunner(app.get(DataSource), eventStore, timersProjection);
  await runner.start();
  try {
    if (!(await runner.waitFor(await eventStore.headPosition(), PATIENT_WAIT_MS))) throw new Error('timers projection did not catch up');
  } finally {
    await runner.stop();
  }
}

async function sql<T = Record<string, unknown>>(text: string, parameters: unknown[] = []): Promise<T[]> {
  return (await process1.get(DataSource).query(text, parameters)) as T[];
}

async function eventCount(type: string, mutationId: string): Promise<number> {
  const [row] = await sql<{ count: number }>(`SELECT count(*)::int AS count FROM es_events WHERE event_type = $1 AND data->>'mutationId' = $2`, [type, mutationId]);
  return row?.count ?? 0;
}

async function timerRow(mutationId: string, kind = 'expire'): Promise<{ due_at: Date; fired_at: Date | null; attempts: number; last_error: string | null } | undefined> {
  const [row] = await sql<{ due_at: Date; fired_at: Date | null; attempts: number; last_error: string | null }>(
    'SELECT due_at, fired_at, attempts, last_error FROM timers WHERE mutation_id = $1 AND kind = $2',
    [mutationId, kind],
  );
  return row;
}

describe('TimerWorker', () => {
  it('fires a due expiry timer once, and a timer not yet due not at all', async () => {
    const mutationId = await pendingMutation(process1, 'customer-due');
    const expiresAt = clock.iso(TTL_MS);
    await projectTimers(process1);
    const worker = process1.get(TimerWorker);

    clock.set(new Date(Date.parse(expiresAt) - 1).toISOString());
    expect(await worker.fireDue()).toBe(0);
    expect(await eventCount('MutationExpired', mutationId)).toBe(0);
    expect((await timerRow(mutationId))?.fired_at).toBeNull();

    clock.set(expiresAt);
    expect(await worker.fireDue()).toBe(1);
    expect(await eventCount('MutationExpired', mutationId)).toBe(1);
    expect((await timerRow(mutationId))?.fired_at?.toISOString()).toBe(expiresAt);
    const [expired] = await sql<{ data: { expiresAt: string; expiredAt: string }; metadata: { causationId: string } }>(
      `SELECT data, metadata FROM es_events WHERE event_type = 'MutationExpired' AND data->>'mutationId' = $1`,
      [mutationId],
    );
    expect(expired).toMatchObject({ data: { expiresAt, expiredAt: expiresAt }, metadata: { causationId: mutationId } });

    // Fired is fired: later polls claim nothing, and the projection then drops the row.
    clock.advance(60_000);
    expect(await worker.fireDue()).toBe(0);
    expect(await eventCount('MutationExpired', mutationId)).toBe(1);
    await projectTimers(process1);
    expect(await timerRow(mutationId)).toBeUndefined();
  });

  it('reaches a schedule at its notBefore, which applies a mutation waiting for nothing else', async () => {
    await submit(process1, 'customer-scheduled', 'open', { customerId: 'customer-scheduled', currency: 'EUR', limit: 1_000 });
    const notBefore = clock.iso(30_000);
    const { mutationId, outcome } = await submit(process1, 'customer-scheduled', 'setLimit', { amount: 2_000 }, { notBefore });
    expect(outcome.status).toBe('pending');
    await projectTimers(process1);
    const worker = process1.get(TimerWorker);
    expect(await worker.fireDue()).toBe(0);

    clock.set(notBefore);
    expect(await worker.fireDue()).toBe(1);
    expect(await eventCount('ScheduleReached', mutationId)).toBe(1);
    expect(await eventCount('MutationApplied', mutationId)).toBe(1);
    await projectTimers(process1);
    expect(await timerRow(mutationId, 'schedule')).toBeUndefined();
    expect(await timerRow(mutationId, 'expire')).toBeUndefined();
  });

  it('records the expiry once when a timer fires again after a crash between the append and marking it fired', async () => {
    const mutationId = await pendingMutation(process1, 'customer-crash');
    await projectTimers(process1);
    clock.advance(TTL_MS);
    expect(await process1.get(TimerWorker).fireDue()).toBe(1);
    expect(await eventCount('MutationExpired', mutationId)).toBe(1);

    // The crash: the event is on the log, the row says unfired. A fresh process (cold lane cache) picks it up.
    await sql('UPDATE timers SET fired_at = NULL WHERE mutation_id = $1', [mutationId]);
    const restarted = await startWorkerProcess({ runWorker: false });
    expect(await restarted.get(TimerWorker).fireDue()).toBe(1);
    expect(await eventCount('MutationExpired', mutationId)).toBe(1);
    expect((await timerRow(mutationId))?.fired_at).not.toBeNull();
  });

  it('leaves a timer armed when the mutation turns out not to be due yet (its expiry moved), recording nothing', async () => {
    const mutationId = await pendingMutation(process1, 'customer-moved');
    await projectTimers(process1);
    // As if the projection still held the deadline of an earlier round.
    await sql('UPDATE timers SET due_at = $2 WHERE mutation_id = $1', [mutationId, clock.iso(-1)]);
    expect(await process1.get(TimerWorker).fireDue()).toBe(0);
    expect(await eventCount('MutationExpired', mutationId)).toBe(0);
    expect(await timerRow(mutationId)).toMatchObject({ fired_at: null, attempts: 0, last_error: null });
    // Clean up: this test's timer must not fire in the next ones.
    await sql('DELETE FROM timers WHERE mutation_id = $1', [mutationId]);
  });

  it('retries a failing timer later with attempts and last error recorded, without holding up the others', async () => {
    const mutationId = await pendingMutation(process1, 'customer-healthy');
    await projectTimers(process1);
    clock.advance(TTL_MS);
    // A timer of a state type whose contract was removed, due before the healthy one.
    const broken = '00000000-0000-4000-8000-00000000dead';
    await sql(`INSERT INTO timers (mutation_id, kind, state_type, state_id, due_at) VALUES ($1, 'expire', 'retired-contract', 'x-1', $2)`, [broken, clock.iso(-TTL_MS)]);
    const worker = process1.get(TimerWorker);
    logs.length = 0;

    expect(await worker.fireDue()).toBe(2);
    expect(await eventCount('MutationExpired', mutationId)).toBe(1);
    expect(await timerRow(broken)).toEqual({ due_at: new Date(clock.now().getTime() + 1_000), fired_at: null, attempts: 1, last_error: expect.stringContaining('no contract for retired-contract') });
    expect(logs).toEqual([expect.stringMatching(/^timer expire of 0{8}-0{4}-4000-8000-00000000dead failed, retrying in 1000 ms/)]);

    // Not again before its retry is due; then with a longer backoff.
    expect(await worker.fireDue()).toBe(0);
    clock.advance(1_000);
    expect(await worker.fireDue()).toBe(1);
    expect(await timerRow(broken)).toMatchObject({ due_at: new Date(clock.now().getTime() + 2_000), attempts: 2, fired_at: null });
    await sql('DELETE FROM timers WHERE mutation_id = $1', [broken]);
  });

  it('fires each of many timers exactly once when two worker processes run at the same time', async () => {
    const count = 64; // more than one claim batch (50), on lanes shared by several mutations
    const mutationIds: string[] = [];
    for (let index = 0; index < count; index += 1) mutationIds.push(await pendingMutation(process1, `customer-race-${index % 16}`));
    await projectTimers(process1);
    const [{ due } = { due: 0 }] = await sql<{ due: number }>('SELECT count(*)::int AS due FROM timers WHERE fired_at IS NULL AND mutation_id = ANY($1::uuid[])', [mutationIds]);
    expect(due).toBe(count);

    // Both processes up and polling before any of these timers is due.
    const workers = [await startWorkerProcess({ runWorker: true }), await startWorkerProcess({ runWorker: true })];
    const runs = workers.map((app) => jest.spyOn(app.get(PendingCommands), 'run'));
    logs.length = 0;
    clock.advance(TTL_MS);

    const deadline = Date.now() + PATIENT_WAIT_MS;
    for (;;) {
      const [{ expired } = { expired: 0 }] = await sql<{ expired: number }>(
        `SELECT count(*)::int AS expired FROM es_events WHERE event_type = 'MutationExpired' AND data->>'mutationId' = ANY($1::text[])`,
        [mutationIds],
      );
      if (expired >= count || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // A little longer, so a second firing would have time to show.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const counts = await sql<{ mutation_id: string; expired: number }>(
      `SELECT data->>'mutationId' AS mutation_id, count(*)::int AS expired FROM es_events WHERE event_type = 'MutationExpired' AND data->>'mutationId' = ANY($1::text[]) GROUP BY 1`,
      [mutationIds],
    );
    expect(Object.fromEntries(counts.map((row) => [row.mutation_id, row.expired]))).toEqual(Object.fromEntries(mutationIds.map((id) => [id, 1])));
    // Each timer was claimed by exactly one process, and both processes took a share.
    const claims = runs.map((run) => run.mock.calls.length);
    expect(claims[0]! + claims[1]!).toBe(count);
    expect(claims.every((claimed) => claimed > 0)).toBe(true);
    expect(logs.filter((message) => message.includes('timer'))).toEqual([]);
  });
});
