import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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

  it('applies from/to to the applied time when asked', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await list(`timeField=applied&to=${future}`)).toEqual(Object.values(ids).sort());
    expect(await list(`timeField=applied&from=${future}`)).toEqual([]);
  });
});
