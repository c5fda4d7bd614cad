import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { waitFor } from '@countersign/event-store/testing';
import { findFreePort } from '@countersign/persistence';
import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { callApi, startApiProcess, startWorkerProcess, stopProcess } from './support/api-process.js';
import { submitUntilAnswered } from './support/retrying-client.js';

// Scale-out for real (docs/operations.md, "Scale-out"): two API processes without workers and two
// `npm run start:worker` processes, each its own Node, all on one PostgreSQL database.

describe('replicas as separate processes on one database', () => {
  let database: TestDatabase;
  let dataDir: string;
  let admin: pg.Client;
  const apiPorts: number[] = [];
  const processes: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('replicas');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-replicas-'));
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // The first process migrates the schema; the others then start side by side.
    const first = await findFreePort();
    const apiEnv = { DATABASE_URL: database.url, COUNTERSIGN_RUN_WORKER: 'false', COUNTERSIGN_APPROVAL_TTL: '2s' };
    processes.push(await startApiProcess(dataDir, first, apiEnv));
    apiPorts.push(first);
    const second = await findFreePort();
    const started = await Promise.all([
      startApiProcess(dataDir, second, apiEnv),
      startWorkerProcess(database.url, { COUNTERSIGN_TIMER_POLL: '20ms' }),
      startWorkerProcess(database.url, { COUNTERSIGN_TIMER_POLL: '20ms' }),
    ]);
    processes.push(...started);
    apiPorts.push(second);
  });
  afterAll(async () => {
    await Promise.all(processes.map((child) => stopProcess(child)));
    await admin?.end();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const eventsOf = async (type: string, mutationIds: string[]) =>
    new Map(
      (
        await admin.query<{ mutation_id: string; times: number }>(
          `SELECT data->>'mutationId' AS mutation_id, count(*)::int AS times FROM es_events WHERE event_type = $1 AND data->>'mutationId' = ANY($2::text[]) GROUP BY 1`,
          [type, mutationIds],
        )
      ).rows.map((row) => [row.mutation_id, row.times]),
    );

  it('applies 60 concurrent submits on one state through two api processes once each, versions gap-free', async () => {
    const [portA, portB] = apiPorts as [number, number];
    const open = await submitUntilAnswered(portA, { stateType: 'credit-limit', stateId: 'raced', transition: 'open', payload: { customerId: 'raced', currency: 'EUR' } }, 'open-raced');
    expect(open.status).toBe(201);
    // Only the expected-revision append serialises the lane across processes; a lane that stays busy answers 503 lane_busy, which the client retries.
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        submitUntilAnswered(index % 2 === 0 ? portA : portB, { stateType: 'credit-limit', stateId: 'raced', transition: 'raiseLimit', payload: { by: 1 } }, `raced-${index}`),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(60).fill(201));
    expect(answers.map((answer) => answer.body.stateVersion as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, index) => index + 2));
    const mutationIds = answers.map((answer) => answer.body.mutationId as string);
    const applied = await eventsOf('MutationApplied', mutationIds);
    expect(mutationIds.filter((id) => applied.get(id) !== 1)).toEqual([]);

    // The workers' projections agree, read through either api process.
    const last = Math.max(...answers.map((answer) => answer.body.position as number));
    for (const port of [portA, portB]) {
      const state = await callApi(port, 'GET', `/v1/states/credit-limit/raced?minPosition=${last}`);
      expect(state.body).toMatchObject({ version: 61, state: { limit: 60 } });
      const history = await callApi(port, 'GET', `/v1/states/credit-limit/raced/history?limit=500&minPosition=${last}`);
      expect(history.body.items.map((item: { version: number }) => item.version).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 61 }, (_, index) => index + 1));
    }
  });

  it('fires each timer exactly once with two worker processes polling the same timers', async () => {
    const [portA, portB] = apiPorts as [number, number];
    for (const stateId of ['timed-0', 'timed-1', 'timed-2']) {
      expect((await submitUntilAnswered(portA, { stateType: 'credit-limit', stateId, transition: 'open', payload: { customerId: stateId, currency: 'EUR' } }, `open-${stateId}`)).status).toBe(201);
    }
    // Pending changes (an approval nobody gives) expire after 2 s; they come due together, so both workers' polls find them.
    const pending = await Promise.all(
      Array.from({ length: 24 }, (_, index) =>
        submitUntilAnswered(index % 2 === 0 ? portA : portB, { stateType: 'credit-limit', stateId: `timed-${index % 3}`, transition: 'raiseLimit', payload: { by: 50_000 + index } }, `timed-${index}`),
      ),
    );
    expect(pending.map((answer) => answer.status)).toEqual(Array(24).fill(202));
    const mutationIds = pending.map((answer) => answer.body.mutationId as string);

    const expired = await waitFor(
      () => eventsOf('MutationExpired', mutationIds),
      (counts) => counts.size === mutationIds.length,
    );
    expect(mutationIds.filter((id) => !expired.has(id))).toEqual([]);
    for (const id of mutationIds) {
      const record = await waitFor(() => callApi(portB, 'GET', `/v1/mutations/${id}`), (answer) => answer.body.status === 'expired');
      expect([id, record.body.status]).toEqual([id, 'expired']);
    }
    // Every timer row was fired once, and nothing fired a second time meanwhile.
    expect([...(await eventsOf('MutationExpired', mutationIds)).values()]).toEqual(Array(mutationIds.length).fill(1));
    expect(processes.every((child) => child.exitCode === null)).toBe(true);
  });
});
