import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sleep, waitFor, waitUntil } from '@countersign/event-store/testing';
import { findFreePort } from '@countersign/persistence';
import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { callApi, startApiProcess, stopProcess } from './support/api-process.js';
import { submitUntilAnswered, type Answer } from './support/retrying-client.js';

// PostgreSQL drops the service's connections (a failover, a restart, an operator's
// pg_terminate_backend) while load runs against the API as a real process: the API answers 503,
// never 500, and everything behind it resumes by itself (docs/operations.md, "Losing the database").

const LINES = 6;
const CLIENTS = 8;
const LOAD_MS = 8_000;
const KILLS = 3;
const WEBHOOK_SECRET = 'connection-loss-webhook-secret';

/** A local webhook receiver: answers 204 and remembers every delivery id it was sent. */
class Receiver {
  readonly deliveryIds: string[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.deliveryIds.push(String(request.headers['x-countersign-delivery']));
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('PostgreSQL connections killed under load (API as a separate process)', () => {
  let database: TestDatabase;
  let dataDir: string;
  let admin: pg.Client;
  let api: ChildProcess | undefined;
  let port: number;
  const receiver = new Receiver();

  /** Terminates every connection to the test database except the admin's own; returns how many. */
  const killConnections = async (spare: number[] = []): Promise<number> => {
    const { rows } = await admin.query<{ killed: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND NOT (pid = ANY($1::int[]))`,
      [spare],
    );
    return rows[0]?.killed ?? 0;
  };
  const openLine = (stateId: string) =>
    submitUntilAnswered(port, { stateType: 'credit-limit', stateId, transition: 'open', payload: { customerId: stateId, currency: 'EUR', limit: 100 } }, `open-${stateId}`);

  beforeAll(async () => {
    database = await createTestDatabase('connection_loss');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-connection-loss-'));
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await receiver.start();
    port = await findFreePort();
    api = await startApiProcess(dataDir, port, {
      DATABASE_URL: database.url,
      COUNTERSIGN_LOG: 'info',
      COUNTERSIGN_APPROVAL_TTL: '2s',
      COUNTERSIGN_TIMER_POLL: '50ms',
      COUNTERSIGN_BATCH_RESUME_AFTER: '500ms',
      COUNTERSIGN_WEBHOOKS: JSON.stringify({ 'credit-limit.limit-set': receiver.url }),
      COUNTERSIGN_WEBHOOK_SECRET: WEBHOOK_SECRET,
      COUNTERSIGN_WEBHOOK_BACKOFF: '100ms',
      // The lease a delivery whose claim was cut off waits out before it is sent again.
      COUNTERSIGN_WEBHOOK_TIMEOUT: '2s',
    });
  });
  afterAll(async () => {
    await stopProcess(api);
    await admin?.end();
    await receiver.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 unavailable with Retry-After when its connection is killed mid-request, and the same key then applies it once', async () => {
    expect((await openLine('blip')).status).toBe(201);
    // Hold every append: the submit waits for the lock on a connection of the API's pool.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE es_events IN EXCLUSIVE MODE');
      const body = { stateType: 'credit-limit', stateId: 'blip', transition: 'setLimit', payload: { amount: 150 } };
      const submitting = callApi(port, 'POST', '/v1/mutations', body, 'alice', { 'idempotency-key': 'blip-1' });
      const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await waitUntil(
        async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rowCount! > 0,
        'the append waits for the lock',
      );
      expect(await killConnections([blockerPid])).toBeGreaterThan(0);
      const answer = await submitting;
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ error: 'unavailable', message: expect.any(String), details: {} });
      expect(answer.headers.get('retry-after')).toBe('1');
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    const retried = await submitUntilAnswered(port, { stateType: 'credit-limit', stateId: 'blip', transition: 'setLimit', payload: { amount: 150 } }, 'blip-1');
    expect(retried).toMatchObject({ status: 201, body: { status: 'applied', stateVersion: 2 } });
    const history = await callApi(port, 'GET', `/v1/states/credit-limit/blip/history?minPosition=${retried.body.position}`);
    expect(history.body.items.map((item: { version: number }) => item.version)).toEqual([1, 2]);
  });

  it('rides out killed connections under load: no 500, every acknowledged change once, and projections, timers, webhooks and batches resume by themselves', async () => {
    const lines = Array.from({ length: LINES }, (_, index) => `line-${index}`);
    for (const line of [...lines, 'batch-a', 'batch-b']) expect((await openLine(line)).status).toBe(201);

    const seen: Answer[] = [];
    const acknowledged: { mutationId: string; stateId: string; position: number }[] = [];
    const pending: string[] = [];
    const batches: string[] = [];
    const unexpected: Answer[] = [];
    let loading = true;
    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      for (let round = 0; loading; round += 1) {
        const stateId = lines[(client + round) % LINES]!;
        // Every tenth request needs an approval nobody gives: it expires on a durable timer.
        const body =
          round % 10 === 9
            ? { stateType: 'credit-limit', stateId, transition: 'raiseLimit', payload: { by: 500_000 } }
            : { stateType: 'credit-limit', stateId, transition: 'setLimit', payload: { amount: 100 + ((client * 7 + round) % 400) } };
        const answer = await submitUntilAnswered(port, body, `load-${client}-${round}`, { seen });
        if (answer.status === 202 && round % 10 === 9) pending.push(answer.body.mutationId);
        else if (answer.status === 201 && round % 10 !== 9) acknowledged.push({ mutationId: answer.body.mutationId, stateId, position: answer.body.position });
        else unexpected.push(answer);
      }
    });
    const batchClient = (async () => {
      for (let round = 0; loading; round += 1) {
        const answer = await callApi(port, 'POST', '/v1/batches', {
          mode: 'atomic',
          mutations: [
            { stateType: 'credit-limit', stateId: 'batch-a', transition: 'setLimit', payload: { amount: 200 + round } },
            { stateType: 'credit-limit', stateId: 'batch-b', transition: 'setLimit', payload: { amount: 300 + round } },
          ],
        });
        seen.push(answer);
        // A batch admitted before the blip is driven on by the worker when the API's run of it broke off.
        if (answer.status === 201 || answer.status === 202) batches.push(answer.body.batchId);
        else if (answer.status !== 503) unexpected.push(answer);
        await sleep(200);
      }
    })();
    const kills: number[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      await sleep(LOAD_MS / (KILLS + 1));
      kills.push(await killConnections());
    }
    await sleep(LOAD_MS / (KILLS + 1));
    loading = false;
    await Promise.all([...clients, batchClient]);

    // The API lived through it, answered 503 where it had to and never 500.
    expect(api!.exitCode).toBeNull();
    expect(kills.every((killed) => killed > 0)).toBe(true);
    expect(seen.filter((answer) => answer.status >= 500 && answer.status !== 503).map((answer) => [answer.status, answer.body])).toEqual([]);
    expect(unexpected.map((answer) => [answer.status, answer.body])).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(20);
    expect(batches.length).toBeGreaterThan(0);

    // Projections catch up with the whole log.
    const head = async () => Number((await admin.query<{ position: string }>('SELECT position FROM es_log_head')).rows[0]!.position);
    const caughtUp = await waitFor(
      async () => {
        const health = await callApi(port, 'GET', '/health');
        return { head: await head(), projections: (health.body.details?.projections ?? []) as { projection: string; position: number }[] };
      },
      ({ head: position, projections }) => projections.length > 0 && projections.every((projection) => projection.position >= position),
    );
    expect(caughtUp.projections.filter((projection) => projection.position < caughtUp.head)).toEqual([]);

    // Every acknowledged change is in the log once, and in the read models.
    const appliedInLog = await admin.query<{ mutation_id: string; times: number }>(
      `SELECT data->>'mutationId' AS mutation_id, count(*)::int AS times FROM es_events WHERE event_type = 'MutationApplied' AND data->>'stateId' LIKE 'line-%' GROUP BY 1`,
    );
    const timesApplied = new Map(appliedInLog.rows.map((row) => [row.mutation_id, row.times]));
    expect(acknowledged.filter((change) => timesApplied.get(change.mutationId) !== 1)).toEqual([]);
    // Nothing else was applied on the load's lanes: each retried request ran once, under its key.
    expect(appliedInLog.rows.length).toBe(acknowledged.length + LINES);
    for (const stateId of lines) {
      const mine = acknowledged.filter((change) => change.stateId === stateId);
      const minPosition = Math.max(0, ...mine.map((change) => change.position));
      const state = await callApi(port, 'GET', `/v1/states/credit-limit/${stateId}?minPosition=${minPosition}`);
      expect([stateId, state.body.version]).toEqual([stateId, mine.length + 1]);
      const history = await callApi(port, 'GET', `/v1/states/credit-limit/${stateId}/history?limit=500&minPosition=${minPosition}`);
      const versions = (history.body.items as { version: number; mutationId: string }[]).sort((a, b) => a.version - b.version);
      expect(versions.map((item) => item.version)).toEqual(Array.from({ length: mine.length + 1 }, (_, index) => index + 1));
      expect(new Set(versions.slice(1).map((item) => item.mutationId))).toEqual(new Set(mine.map((change) => change.mutationId)));
    }
    const projected = await admin.query<{ status: string; count: number }>('SELECT status, count(*)::int AS count FROM mutations WHERE mutation_id = ANY($1::uuid[]) GROUP BY 1', [
      acknowledged.map((change) => change.mutationId),
    ]);
    expect(projected.rows).toEqual([{ status: 'applied', count: acknowledged.length }]);

    // Timers: each pending change expires, once.
    for (const mutationId of pending) {
      const record = await waitFor(() => callApi(port, 'GET', `/v1/mutations/${mutationId}`), (answer) => answer.body.status === 'expired');
      expect([mutationId, record.body.status]).toEqual([mutationId, 'expired']);
      expect(record.body.timeline.filter((entry: { type: string }) => entry.type === 'MutationExpired')).toHaveLength(1);
    }

    // Batches: each admitted batch ends applied.
    for (const batchId of batches) {
      const batch = await waitFor(() => callApi(port, 'GET', `/v1/batches/${batchId}`), (answer) => answer.body.status === 'applied');
      expect([batchId, batch.body.status]).toEqual([batchId, 'applied']);
    }

    // Side effects: every one the changes emitted reaches the webhook and is marked delivered.
    const outbox = await waitFor(
      async () => (await admin.query<{ delivery_id: string; status: string }>('SELECT delivery_id, status FROM side_effects')).rows,
      (rows) => rows.length > 0 && rows.every((row) => row.status === 'delivered'),
    );
    expect(outbox.filter((row) => row.status !== 'delivered')).toEqual([]);
    expect(outbox.length).toBeGreaterThanOrEqual(acknowledged.length);
    const received = new Set(receiver.deliveryIds);
    expect(outbox.filter((row) => !received.has(row.delivery_id))).toEqual([]);
  });
});
