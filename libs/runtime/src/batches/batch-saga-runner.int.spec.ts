import { builtInContracts, creditLimitContract } from '@countersign/contracts';
import { batchStreamName, decideBatchAdmission, decideBatchStep, decideSubmit, laneHistory, type Actor, type Contract, type MutationStepRequest } from '@countersign/domain';
import { EVENT_STORE, type EventStore } from '@countersign/event-store';
import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { batchesProjection, ProjectionRunner } from '@countersign/read-models';
import { PATIENT_WAIT_MS } from '@countersign/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { loadConfig, type CountersignConfig } from '../config/countersign-config.js';
import { ContractRegistry } from '../contracts/contract-registry.js';
import { DatabaseModule } from '../database/database.module.js';
import type { Clock } from '../lanes/clock.js';
import { LaneExecutor } from '../lanes/lane-executor.js';
import { LaneRepository } from '../lanes/lane-repository.js';
import { LanesModule } from '../lanes/lanes.module.js';
import { RuntimeModule } from '../runtime.module.js';
import { BatchWorker } from '../worker/batch-worker.js';
import { ProjectionWorkerModule } from '../worker/projection-worker.js';
import { BatchSagaRunner } from './batch-saga-runner.js';

const CREDIT_LIMIT = creditLimitContract as unknown as Contract<unknown>;
const alice: Actor = { id: 'alice', kind: 'human', roles: ['operator'] };

class MovableClock implements Clock {
  constructor(private instant: number) {}
  now(): Date {
    return new Date(this.instant);
  }
  advance(ms: number): void {
    this.instant += ms;
  }
}

let database: TestDatabase;
const clock = new MovableClock(Date.parse('2030-05-01T10:00:00.000Z'));
const contexts: INestApplicationContext[] = [];

/** One process: its own pool, lane cache, in-process locks and saga runner, on the shared database. */
async function startProcess(): Promise<INestApplicationContext> {
  const config: CountersignConfig = { ...loadConfig({ COUNTERSIGN_LOG: 'silent' }), runWorker: false, poolSize: 4, batchResumeAfterMs: 1_000 };
  const app = await NestFactory.createApplicationContext(
    {
      module: class BatchProcess {},
      imports: [
        RuntimeModule.forRoot({ config, log: () => undefined, contracts: new ContractRegistry(builtInContracts) }),
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

let first: INestApplicationContext;
let second: INestApplicationContext;

beforeAll(async () => {
  database = await createTestDatabase('batch_saga');
  first = await startProcess();
  second = await startProcess();
});

afterAll(async () => {
  for (const app of contexts.reverse()) await app.close();
  await database?.drop();
});

async function open(stateId: string, limit: number): Promise<void> {
  await first.get(LaneExecutor).run('credit-limit', stateId, { correlationId: 'test', causationId: stateId }, (lane, now) => {
    const outcome = decideSubmit(
      { type: 'SubmitMutation', mutationId: crypto.randomUUID(), stateId, transition: 'open', payload: { customerId: stateId, currency: 'EUR', limit }, actor: alice, classification: {}, now },
      lane,
      CREDIT_LIMIT,
      { approvalTtlMs: 60_000 },
    );
    return { events: outcome.kind === 'recorded' ? outcome.events : [], result: undefined };
  });
}

/** Admits a batch of setLimit steps and records its stream, as the API does (without running it). */
async function admit(steps: [string, number][]): Promise<string> {
  const lanes = first.get(LaneRepository);
  const loaded = new Map<string, Awaited<ReturnType<LaneRepository['load']>>['lane']>();
  for (const [stateId] of steps) loaded.set(stateId, (await lanes.load('credit-limit', stateId)).lane);
  const batchId = crypto.randomUUID();
  const requests: MutationStepRequest[] = steps.map(([stateId, amount]) => ({ stateType: 'credit-limit', stateId, transition: 'setLimit', payload: { amount }, classification: {} }));
  const admission = decideBatchAdmission(
    { type: 'SubmitBatch', batchId, mode: 'atomic', actor: alice, steps: requests, mutationIds: steps.map(() => crypto.randomUUID()), now: clock.now().toISOString() },
    { contract: () => CREDIT_LIMIT, lane: (_type, id) => loaded.get(id)!, history: () => laneHistory([]) },
    { approvalTtlMs: 60_000 },
  );
  if (admission.kind !== 'recorded') throw new Error(JSON.stringify(admission));
  await first.get(BatchSagaRunner).append(batchId, 'no_stream', admission.events, 'test');
  return batchId;
}

async function requestsOf(stateId: string, mutationId: string): Promise<number> {
  const events = await first.get<EventStore>(EVENT_STORE).readStream(`state-credit-limit:${stateId}`);
  return events.filter((event) => event.type === 'MutationRequested' && (event.data as { mutationId: string }).mutationId === mutationId).length;
}

describe('BatchSagaRunner', () => {
  it('reads back a step its lane recorded before a crash instead of running it again', async () => {
    await open('s-1', 100);
    await open('s-2', 200);
    const batchId = await admit([
      ['s-1', 150],
      ['s-2', 250],
    ]);
    const runner = first.get(BatchSagaRunner);
    const { state } = await runner.load(batchId);
    const step = state.steps[0]!;
    // The first process applied step 0 on its lane and died before recording it in the batch.
    await first.get(LaneExecutor).run('credit-limit', 's-1', { correlationId: 'test', causationId: step.mutationId }, (lane, now) => {
      const execution = decideBatchStep(state, step, lane, CREDIT_LIMIT, now);
      return { events: execution.events, result: undefined };
    });
    const advanced = await second.get(BatchSagaRunner).advance(batchId, 'resume');
    expect(advanced.state.status).toBe('applied');
    expect(advanced.state.outcomes['0']).toMatchObject({ outcome: 'applied', version: 2 });
    expect(await requestsOf('s-1', step.mutationId)).toBe(1);
  });

  it('two processes driving the same batch at once apply each step once and record one ending', async () => {
    await open('t-1', 100);
    await open('t-2', 200);
    await open('t-3', 300);
    const batchId = await admit([
      ['t-1', 110],
      ['t-2', 220],
      ['t-3', 330],
    ]);
    const [a, b] = await Promise.all([first.get(BatchSagaRunner).advance(batchId, 'a'), second.get(BatchSagaRunner).advance(batchId, 'b')]);
    expect([a.state.status, b.state.status]).toEqual(['applied', 'applied']);
    const { state } = await first.get(BatchSagaRunner).load(batchId);
    for (const [index, stateId] of ['t-1', 't-2', 't-3'].entries()) expect(await requestsOf(stateId, state.steps[index]!.mutationId)).toBe(1);
    const stream = await first.get<EventStore>(EVENT_STORE).readStream(batchStreamName(batchId));
    expect(stream.filter((event) => event.type === 'BatchFinished')).toHaveLength(1);
    expect(stream.filter((event) => event.type === 'BatchStepFinished')).toHaveLength(3);
  });

  it('the worker resumes a batch that made no progress for COUNTERSIGN_BATCH_RESUME_AFTER, and leaves a fresh one alone', async () => {
    await open('w-1', 100);
    const batchId = await admit([['w-1', 120]]);
    const projection = new ProjectionRunner(first.get(DataSource), first.get<EventStore>(EVENT_STORE), batchesProjection);
    await projection.start();
    try {
      expect(await projection.waitFor(await first.get<EventStore>(EVENT_STORE).headPosition(), PATIENT_WAIT_MS)).toBe(true);
      const worker = first.get(BatchWorker);
      await worker.resumeDue();
      expect((await first.get(BatchSagaRunner).load(batchId)).state.status).toBe('running');
      clock.advance(1_500);
      expect(await worker.resumeDue()).toBeGreaterThanOrEqual(1);
      expect((await first.get(BatchSagaRunner).load(batchId)).state.status).toBe('applied');
      expect(await projection.waitFor(await first.get<EventStore>(EVENT_STORE).headPosition(), PATIENT_WAIT_MS)).toBe(true);
      const [row] = (await first.get(DataSource).query('SELECT status, steps FROM batches WHERE batch_id = $1', [batchId])) as { status: string; steps: { status: string }[] }[];
      expect(row).toMatchObject({ status: 'applied', steps: [{ status: 'applied' }] });
    } finally {
      await projection.stop();
    }
  });
});
