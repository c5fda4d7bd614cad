import { PostgresEventStore } from '@countersign/event-store';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { TEST_PRINCIPALS } from './support/principals.js';
import { TestApi } from './support/test-api.js';

// Audit filters of GET /v1/mutations over HTTP (the full filter matrix runs against the query
// port in libs/read-models/src/queries/read-model-queries.int.spec.ts).
describe('audit filters over HTTP', () => {
  let api: TestApi;
  const ids: Record<string, string> = {};
  let last = 0;

  beforeAll(async () => {
    api = await TestApi.start();
    const submit = async (name: string, stateId: string, extra: Record<string, unknown>) => {
      const answer = await api.submit({ stateType: 'feature-flag', stateId, transition: 'create', payload: { owner: 'team' }, ...extra });
      expect(answer.status).toBe(201);
      ids[name] = answer.body.mutationId;
      last = Math.max(last, answer.body.position);
    };
    await submit('payments', 'audit-1', { metadata: { team: 'payments', priority: 2, urgent: true }, estimatedBlastRadius: 40, reason: 'Launch the new checkout flow' });
    await submit('search', 'audit-2', { metadata: { team: 'search', priority: 1 }, estimatedBlastRadius: 5, reason: 'search ranking experiment' });
    await submit('plain', 'audit-3', { reason: 'checkout copy fix' });
  });
  afterAll(async () => {
    await api.close();
  });

  const list = async (query: string) => {
    const answer = await api.request('GET', `/v1/mutations?${query}&minPosition=${last}`);
    expect(answer.status).toBe(200);
    return (answer.body.items as { mutationId: string }[]).map((item) => item.mutationId).sort();
  };

  it('filters on metadata keys, typed values included', async () => {
    expect(await list('metadata.team=payments')).toEqual([ids.payments]);
    expect(await list('metadata.priority=1')).toEqual([ids.search]);
    expect(await list('metadata.urgent=true&metadata.team=payments')).toEqual([ids.payments]);
    expect(await list('metadata.team=nobody')).toEqual([]);
  });

  it('filters on a blast radius range and on words of the reason', async () => {
    expect(await list('blastRadiusMin=10')).toEqual([ids.payments]);
    expect(await list('blastRadiusMin=2&blastRadiusMax=39')).toEqual([ids.search]);
    expect(await list('q=checkout')).toEqual([ids.payments, ids.plain].sort());
    expect(await list('q=CHECKOUT%20flow')).toEqual([ids.payments]);
  });

  it('reports risk for a window (default: the last 30 days)', async () => {
    const report = await api.request('GET', `/v1/reports/risk?minPosition=${last}`);
    expect(report.status).toBe(200);
    expect(report.body.totals).toMatchObject({ mutations: 3, blastRadius: 46, byStatus: { applied: 3 } });
    expect(report.body.byDay).toHaveLength(1);
    expect(report.body.byDay[0]).toMatchObject({ day: new Date().toISOString().slice(0, 10), category: 'feature-flag', mutations: 3 });
    const empty = await api.request('GET', '/v1/reports/risk?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z');
    expect(empty.body).toMatchObject({ totals: { mutations: 0, blastRadius: 0 }, byDay: [], topActors: [], topStates: [] });
    for (const query of ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from=yesterday', 'window=7d']) {
      const refused = await api.request('GET', `/v1/reports/risk?${query}`);
      expect({ query, status: refused.status, error: refused.body.error }).toEqual({ query, status: 400, error: 'invalid_query' });
    }
  });

  it('applies from/to to the applied time when asked', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await list(`timeField=applied&to=${future}`)).toEqual(Object.values(ids).sort());
    expect(await list(`timeField=applied&from=${future}`)).toEqual([]);
  });
});

describe('poison events over HTTP', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(async () => {
    await api.close();
  });

  it('parks an event the projections cannot apply, keeps projecting, shows it, and lets only an admin retry it', async () => {
    // A malformed event written straight into the log (as a buggy or foreign writer might).
    const pool = new pg.Pool({ connectionString: api.database.url, max: 2 });
    const store = new PostgresEventStore(pool);
    try {
      await store.appendToStream('state-feature-flag:poison', [{ id: randomUUID(), type: 'MutationApplied', data: { mutationId: 'not-a-uuid' } }]);
    } finally {
      await pool.end();
    }
    const after = await api.submit({ stateType: 'feature-flag', stateId: 'after-poison', transition: 'create', payload: { owner: 'team' } });
    expect(after.status).toBe(201);

    // The projections move past it: the next write becomes readable.
    const state = await api.request('GET', `/v1/states/feature-flag/after-poison?minPosition=${after.body.position}`);
    expect(state.status).toBe(200);
    const parked = await api.request('GET', '/v1/projections/parked');
    expect(parked.status).toBe(200);
    expect(parked.body.items.map((item: { projection: string }) => item.projection).sort()).toEqual(['mutations', 'states', 'state_history', 'timers'].sort());
    const item = parked.body.items[0];
    expect(item).toMatchObject({ eventType: 'MutationApplied', streamName: 'state-feature-flag:poison', attempts: 1, error: expect.any(String) });
    const health = await api.request('GET', '/health', { as: null });
    expect(health.body.details.projections.find((row: { projection: string }) => row.projection === 'mutations')).toMatchObject({ parked: 1 });

    const byOperator = await api.request('POST', `/v1/projections/parked/${item.projection}/${item.position}/retry`);
    expect(byOperator).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const byAdmin = await api.request('POST', `/v1/projections/parked/${item.projection}/${item.position}/retry`, { as: 'erin' });
    expect(byAdmin).toMatchObject({ status: 422, body: { error: 'projection_failed', details: { attempts: 2 } } });
    const notParked = await api.request('POST', `/v1/projections/parked/mutations/999999/retry`, { as: 'erin' });
    expect(notParked).toMatchObject({ status: 404, body: { error: 'parked_event_not_found' } });
    const badFilter = await api.request('GET', '/v1/projections/parked?projection=nope');
    expect(badFilter.status).toBe(400);
  });
});

describe('export', () => {
  let api: TestApi;
  let last = 0;

  beforeAll(async () => {
    api = await TestApi.start();
    const answers = [
      await api.submit({ stateType: 'credit-limit', stateId: 'exp-acme', transition: 'open', payload: { customerId: 'cust-4711', currency: 'EUR', limit: 100 }, reason: 'new, "big" customer' }),
      await api.submit({ stateType: 'credit-limit', stateId: 'exp-acme', transition: 'raiseLimit', payload: { by: 50 }, tags: ['prod'] }),
      await api.submit({ stateType: 'feature-flag', stateId: 'exp-flag', transition: 'create', payload: { owner: '=cmd|calc' }, reason: '=1+1' }),
    ];
    for (const answer of answers) expect(answer.status).toBe(201);
    last = Math.max(...answers.map((answer) => answer.body.position as number));
  });
  afterAll(async () => {
    await api.close();
  });

  const exportText = async (query: string) => {
    const response = await fetch(`${api.baseUrl}/v1/mutations/export?${query}&minPosition=${last}`, { headers: { authorization: `Bearer ${TEST_PRINCIPALS.alice.token}` } });
    return { status: response.status, type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition'), text: await response.text() };
  };

  it('streams NDJSON of every selected mutation with the fields a contract marks sensitive masked', async () => {
    const all = await exportText('format=ndjson');
    expect(all).toMatchObject({ status: 200, type: 'application/x-ndjson', disposition: expect.stringContaining('attachment; filename="mutations-') });
    const rows = all.text.trim().split('\n').map((line) => JSON.parse(line));
    expect(rows.map((row) => row.transition).sort()).toEqual(['create', 'open', 'raiseLimit']);
    const opened = rows.find((row) => row.transition === 'open');
    expect(opened.payload).toEqual({ customerId: '[redacted]', currency: 'EUR', limit: 100 });
    expect(opened.diff).toEqual(expect.arrayContaining([{ path: 'customerId', kind: 'added', after: '[redacted]' }]));
    expect(all.text).not.toContain('cust-4711');
    const prod = await exportText('format=ndjson&tag=prod&stateType=credit-limit');
    expect(prod.text.trim().split('\n').map((line) => JSON.parse(line).transition)).toEqual(['raiseLimit']);
  });

  it('streams CSV with a header, quoted cells and defused formulas', async () => {
    const csv = await exportText('format=csv&stateId=exp-acme');
    expect(csv).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8' });
    const lines = csv.text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      'mutationId,stateType,stateId,transition,status,actorId,actorKind,reason,category,riskLevel,sideEffectSeverity,tags,metadata,estimatedBlastRadius,payload,diff,baseVersion,expectedVersion,stateVersion,idempotencyKey,dependsOn,requestedAt,appliedAt,finishedAt,outcome,position',
    );
    expect(lines).toHaveLength(3);
    expect(csv.text).toContain('"new, ""big"" customer"');
    expect(csv.text).not.toContain('cust-4711');
    const flag = await exportText('format=csv&stateId=exp-flag');
    expect(flag.text).toContain(`"{""owner"":""=cmd|calc""}"`);
    expect(flag.text).toContain(`,'=1+1,`);
  });

  it('refuses a missing or unknown format and paging parameters', async () => {
    for (const query of ['stateType=credit-limit', 'format=xml', 'format=csv&limit=10', 'format=csv&cursor=abc', 'format=csv&colour=red']) {
      const refused = await api.request('GET', `/v1/mutations/export?${query}`);
      expect({ query, status: refused.status, error: refused.body.error }).toEqual({ query, status: 400, error: 'invalid_query' });
    }
  });
});
