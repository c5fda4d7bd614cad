import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PATIENT_WAIT_MS, SLOW_TEST_TIMEOUT_MS, sleep, waitFor, waitUntil } from '@countersign/event-store/testing';
import { TestApi } from './support/test-api.js';

// The causal command protocol (docs/protocol.md), checked from outside over HTTP.

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
async function openLedger(api: TestApi, stateId: string) {
  const opened = await api.submit({ stateType: 'ledger', stateId, transition: 'open', payload: {} });
  expect(opened.status).toBe(201);
  return opened;
}

const post = (stateId: string, entry: string, amount = 1, extra: Record<string, unknown> = {}) => ({ stateType: 'ledger', stateId, transition: 'post', payload: { entry, amount }, ...extra });

/** Every version of a state, oldest first. */
async function history(api: TestApi, stateId: string, minPosition = 0): Promise<{ version: number; mutationId: string; position: number }[]> {
  const items: { version: number; mutationId: string; position: number }[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: { version: number; mutationId: string; position: number }[]; nextCursor: string | null } } = await api.request(
      'GET',
      `/v1/states/ledger/${stateId}/history?limit=500&minPosition=${minPosition}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items.sort((a, b) => a.version - b.version);
}

describe('idempotency keys', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ COUNTERSIGN_CONTRACTS_DIR: fixtures });
  });
  afterAll(async () => {
    await api.close();
  });

  it('executes 200 concurrent retries of one request with one key once and gives all 200 the same answer', async () => {
    await openLedger(api, 'retries');
    const body = post('retries', 'once', 5);
    const answers = await Promise.all(Array.from({ length: 200 }, () => api.submit(body, 'alice', { 'idempotency-key': 'pay-invoice-17' })));
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([201]));
    const first = answers[0]!.body;
    for (const answer of answers) expect(answer.body).toEqual(first);
    expect(first).toMatchObject({ status: 'applied', stateVersion: 2 });

    const state = await api.request('GET', `/v1/states/ledger/retries?minPosition=${first.position}`);
    expect(state.body).toMatchObject({ version: 2, state: { entries: ['once'], total: 5 } });
    const versions = await history(api, 'retries', first.position);
    expect(versions.map((item) => item.version)).toEqual([1, 2]);
    const record = await api.request('GET', `/v1/mutations/${first.mutationId}?minPosition=${first.position}`);
    expect(record.body).toMatchObject({ idempotencyKey: 'pay-invoice-17', status: 'applied' });
  });

  it('replays refusals too, takes the key from the header or the field alike, and scopes keys per principal', async () => {
    await openLedger(api, 'scoped');
    const stale = post('scoped', 'late', 1, { expectedVersion: 7 });
    const refused = await api.submit(stale, 'alice', { 'idempotency-key': 'stale-1' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'version_conflict', details: { currentVersion: 1 } });
    const again = await api.submit({ ...stale, idempotencyKey: 'stale-1' });
    expect(again).toMatchObject({ status: 409, body: refused.body });

    const byAlice = await api.submit(post('scoped', 'alice-entry'), 'alice', { 'idempotency-key': 'shared-key' });
    const byBot = await api.submit(post('scoped', 'alice-entry'), 'bot', { 'idempotency-key': 'shared-key' });
    expect(byAlice.status).toBe(201);
    expect(byBot.status).toBe(201);
    expect(byBot.body.mutationId).not.toBe(byAlice.body.mutationId);
    expect(byBot.body.stateVersion).toBe(3);
  });

  it('answers 409 idempotency_conflict when the key comes back with a different request, and records nothing', async () => {
    await openLedger(api, 'conflict');
    const original = await api.submit(post('conflict', 'first', 1), 'alice', { 'idempotency-key': 'k-conflict' });
    expect(original.status).toBe(201);
    const changed = await api.submit(post('conflict', 'first', 2), 'alice', { 'idempotency-key': 'k-conflict' });
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ error: 'idempotency_conflict', details: { idempotencyKey: 'k-conflict', mutationId: original.body.mutationId } });
    const state = await api.request('GET', `/v1/states/ledger/conflict?minPosition=${original.body.position}`);
    expect(state.body).toMatchObject({ version: 2, state: { entries: ['first'], total: 1 } });
  });
});

describe('idempotency retention', () => {
  it('frees a key after the configured window', async () => {
    const retentionMs = 5_000;
    const api = await TestApi.start({ COUNTERSIGN_CONTRACTS_DIR: fixtures, COUNTERSIGN_IDEMPOTENCY_RETENTION: `${retentionMs}ms` });
    try {
      await openLedger(api, 'window');
      const sentAt = Date.now();
      const first = await api.submit(post('window', 'a', 1), 'alice', { 'idempotency-key': 'short-lived' });
      expect(first.status).toBe(201);
      expect((await api.submit(post('window', 'b', 1), 'alice', { 'idempotency-key': 'short-lived' })).status).toBe(409);
      // Until the window ends every reuse is refused (and records nothing); then one executes.
      const reused = await waitFor(
        () => api.submit(post('window', 'b', 1), 'alice', { 'idempotency-key': 'short-lived' }),
        (answer) => answer.status !== 409,
        PATIENT_WAIT_MS,
        250,
      );
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(retentionMs);
      expect(reused.status).toBe(201);
      expect(reused.body.mutationId).not.toBe(first.body.mutationId);
      expect(reused.body.stateVersion).toBe(3);
    } finally {
      await api.close();
    }
  });
});

describe('dependencies', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ COUNTERSIGN_CONTRACTS_DIR: fixtures, COUNTERSIGN_TIMER_POLL: '50ms' });
  });
  afterAll(async () => {
    await api.close();
  });

  const status = (id: string) => api.request('GET', `/v1/mutations/${id}`);
  const settled = (id: string) => waitFor(() => status(id), (answer) => answer.status === 200 && answer.body.status !== 'pending');

  it('applies A (approved), then B (depends on A), then C (depends on B), in that order', async () => {
    await Promise.all(['dep-a', 'dep-b', 'dep-c'].map((id) => openLedger(api, id)));
    const a = await api.submit(post('dep-a', 'hold-a', 10));
    expect(a.status).toBe(202);
    const b = await api.submit(post('dep-b', 'b', 1, { dependsOn: [a.body.mutationId] }));
    expect(b.status).toBe(202);
    expect(b.body.requirements).toEqual([{ kind: 'dependency', mutationIds: [a.body.mutationId], timeoutAt: expect.any(String) }]);
    const c = await api.submit(post('dep-c', 'c', 1, { dependsOn: [b.body.mutationId] }));
    expect(c.status).toBe(202);

    await sleep(300);
    expect((await status(b.body.mutationId)).body.status).toBe('pending');
    const approved = await api.request('POST', `/v1/mutations/${a.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    expect(approved.body.status).toBe('applied');

    const final = await settled(c.body.mutationId);
    expect(final.body.status).toBe('applied');
    const records = await Promise.all([a, b, c].map((answer) => status(answer.body.mutationId)));
    expect(records.map((record) => record.body.status)).toEqual(['applied', 'applied', 'applied']);
    const appliedAt = records.map((record) => record.body.timeline.find((entry: { type: string }) => entry.type === 'MutationApplied').position as number);
    expect(appliedAt[0]).toBeLessThan(appliedAt[1]!);
    expect(appliedAt[1]).toBeLessThan(appliedAt[2]!);
    expect(records[1]!.body.timeline.map((entry: { type: string }) => entry.type)).toEqual([
      'MutationRequested',
      'MutationAccepted',
      'MutationPending',
      'DependencyResolved',
      'MutationPlanned',
      'MutationStarted',
      'MutationApplied',
      'MutationFinished',
    ]);
  });

  it('fails B and C with dependency_failed when A is rejected', async () => {
    await Promise.all(['rej-a', 'rej-b', 'rej-c'].map((id) => openLedger(api, id)));
    const a = await api.submit(post('rej-a', 'hold-a', 10));
    const b = await api.submit(post('rej-b', 'b', 1, { dependsOn: [a.body.mutationId] }));
    const c = await api.submit(post('rej-c', 'c', 1, { dependsOn: [b.body.mutationId] }));
    await api.request('POST', `/v1/mutations/${a.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'reject', comment: 'no' } });
    for (const dependent of [b, c]) {
      const record = await settled(dependent.body.mutationId);
      expect(record.body).toMatchObject({ status: 'failed', outcome: { code: 'dependency_failed' } });
    }
    const late = await api.submit(post('rej-c', 'late', 1, { dependsOn: [a.body.mutationId] }));
    expect(late.status).toBe(422);
    expect(late.body).toMatchObject({ error: 'dependency_failed', status: 'failed', mutationId: expect.any(String) });
    const state = await api.request('GET', `/v1/states/ledger/rej-c?minPosition=${late.body.position}`);
    expect(state.body).toMatchObject({ version: 1, state: { entries: [] } });
  });

  it('rejects unknown dependencies at admission (so no cycle can be formed) and writes nothing', async () => {
    await openLedger(api, 'unknown-dep');
    const head = await api.headPosition();
    const unknown = '7c0a3c1e-0000-4000-8000-000000000000';
    const answer = await api.submit(post('unknown-dep', 'x', 1, { dependsOn: [unknown] }));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: 'unknown_dependency', details: { unknown: [unknown] } });
    expect(await api.headPosition()).toBe(head);
    const twice = await api.submit(post('unknown-dep', 'x', 1, { dependsOn: [unknown, unknown] }));
    expect(twice.status).toBe(400);
  });

  it('fails a dependent with dependency_timeout when its dependency is not applied in time', async () => {
    await Promise.all(['slow-a', 'slow-b'].map((id) => openLedger(api, id)));
    const a = await api.submit(post('slow-a', 'hold-forever', 1));
    const b = await api.submit(post('slow-b', 'b', 1, { dependsOn: [a.body.mutationId], dependencyTimeout: '500ms' }));
    expect(b.status).toBe(202);
    const record = await settled(b.body.mutationId);
    expect(record.body).toMatchObject({ status: 'failed', outcome: { code: 'dependency_timeout' } });
    expect((await status(a.body.mutationId)).body.status).toBe('pending');
  });
});

describe('lanes', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ COUNTERSIGN_CONTRACTS_DIR: fixtures });
  });
  afterAll(async () => {
    await api.close();
  });

  it('keeps each state gap-free under 1,000 submits over 10 states from 20 concurrent clients', async () => {
    const states = Array.from({ length: 10 }, (_, index) => `burst-${index}`);
    await Promise.all(states.map((id) => openLedger(api, id)));
    let next = 0;
    const answers: { status: number; body: Record<string, any> }[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, client) => {
        while (next < 1_000) {
          const index = next;
          next += 1;
          answers.push(await api.submit(post(states[index % 10]!, `e${index}`, 1), client % 2 === 0 ? 'alice' : 'bot'));
        }
      }),
    );
    expect(answers).toHaveLength(1_000);
    expect(answers.filter((answer) => answer.status !== 201)).toEqual([]);
    const last = Math.max(...answers.map((answer) => answer.body.position as number));
    for (const stateId of states) {
      const versions = await history(api, stateId, last);
      const applied = answers.filter((answer) => answer.body.stateId === stateId);
      expect(versions.map((item) => item.version)).toEqual(Array.from({ length: applied.length + 1 }, (_, index) => index + 1));
      expect(new Set(applied.map((answer) => answer.body.stateVersion))).toEqual(new Set(versions.slice(1).map((item) => item.version)));
      const state = await api.request('GET', `/v1/states/ledger/${stateId}?minPosition=${last}`);
      expect(state.body.state.total).toBe(applied.length);
    }
  }, SLOW_TEST_TIMEOUT_MS);
});

describe('capacity', () => {
  it('answers 429 over_capacity with Retry-After beyond the cap and queue, and loses or half-applies nothing', async () => {
    const api = await TestApi.start({
      COUNTERSIGN_CONTRACTS_DIR: fixtures,
      COUNTERSIGN_MAX_CONCURRENT_MUTATIONS: '2',
      COUNTERSIGN_MAX_QUEUED_MUTATIONS: '2',
      COUNTERSIGN_QUEUE_TIMEOUT: '300ms',
    });
    const blocker = new pg.Client({ connectionString: api.database.url });
    await blocker.connect();
    try {
      await Promise.all(['cap-0', 'cap-1'].map((id) => openLedger(api, id)));
      // Slow executions: while this transaction holds the log table, every append waits.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE es_events IN EXCLUSIVE MODE');
      let answered = 0;
      const requests = Array.from({ length: 10 }, (_, index) =>
        api.submit(post(`cap-${index % 2}`, `entry-${index}`, 1), 'alice', { 'idempotency-key': `cap-${index}` }).finally(() => (answered += 1)),
      );
      // Two run (and wait for the lock), two queue and time out, six are refused at once: 8 answers before the commit.
      await waitUntil(() => answered >= 8, 'every request but the two running ones is answered');
      await blocker.query('COMMIT');
      const answers = await Promise.all(requests);

      const accepted = answers.filter((answer) => answer.status === 201);
      const refused = answers.filter((answer) => answer.status === 429);
      expect(accepted.length + refused.length).toBe(10);
      expect(accepted).toHaveLength(2);
      for (const answer of refused) {
        expect(answer.body).toMatchObject({ error: 'over_capacity', details: { limit: 2 } });
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }

      // Nothing half-applied: exactly the accepted entries are in the states, each version once.
      const head = Math.max(...accepted.map((answer) => answer.body.position as number));
      const entries = (
        await Promise.all(['cap-0', 'cap-1'].map((id) => api.request('GET', `/v1/states/ledger/${id}?minPosition=${head}`)))
      ).flatMap((state) => state.body.state.entries as string[]);
      const acceptedEntries = answers.flatMap((answer, index) => (answer.status === 201 ? [`entry-${index}`] : []));
      expect(entries.sort()).toEqual(acceptedEntries.sort());

      // A refused request kept its key free: retrying it now executes it.
      const retryIndex = answers.findIndex((answer) => answer.status === 429);
      const retried = await api.submit(post(`cap-${retryIndex % 2}`, `entry-${retryIndex}`, 1), 'alice', { 'idempotency-key': `cap-${retryIndex}` });
      expect(retried.status).toBe(201);

      const health = await api.request('GET', '/health', { as: null });
      expect(health.body.details.executions).toEqual({ running: 0, queued: 0, limit: 2 });
      const metrics = await api.request('GET', '/metrics');
      expect(metrics.body).toContain('countersign_executions_limit 2');
      expect(metrics.body).toMatch(/countersign_idempotent_requests_total\{result="released"\} [1-9]/);
      expect(metrics.body).toContain(`countersign_mutations_submitted_total{outcome="over_capacity"} ${refused.length}`);
    } finally {
      await blocker.end();
      await api.close();
    }
  });
});
