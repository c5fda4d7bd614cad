import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApi } from './support/test-api.js';

describe('concurrent submits on one lane', () => {
  let api: TestApi;
  let replicaUrl: string;

  beforeAll(async () => {
    api = await TestApi.start();
    replicaUrl = await api.startReplica();
  });
  afterAll(async () => {
    await api.close();
  });

  it('applies exactly one of 50 concurrent submits with the same expectedVersion; 49 get version_conflict', async () => {
    const created = await api.submit({ stateType: 'credit-limit', stateId: 'race-50', transition: 'open', payload: { customerId: 'race', currency: 'EUR' } });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        api.submit({ stateType: 'credit-limit', stateId: 'race-50', transition: 'setLimit', payload: { amount: 100 + index }, expectedVersion: created.body.stateVersion }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    expect(answers.filter((answer) => answer.status === 409).every((answer) => answer.body.error === 'version_conflict' && answer.body.details.currentVersion === 2)).toBe(true);
    const winner = answers.find((answer) => answer.status === 201);
    const history = await api.request('GET', `/v1/states/credit-limit/race-50/history?minPosition=${winner?.body.position}`);
    expect(history.body.items.map((item: { version: number }) => item.version)).toEqual([1, 2]);
    const state = await api.request('GET', `/v1/states/credit-limit/race-50?minPosition=${winner?.body.position}`);
    expect(state.body.state.limit).toBe(winner?.body.diff[0].after);
  });

  it('applies all of 60 concurrent submits without expectedVersion across two api replicas, versions gap-free', async () => {
    await api.submit({ stateType: 'credit-limit', stateId: 'race-replicas', transition: 'open', payload: { customerId: 'race', currency: 'EUR' } });
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        api.request(
          'POST',
          '/v1/mutations',
          { body: { stateType: 'credit-limit', stateId: 'race-replicas', transition: 'raiseLimit', payload: { by: 1 } } },
          index % 2 === 0 ? api.baseUrl : replicaUrl,
        ),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(60).fill(201));
    const versions = answers.map((answer) => answer.body.stateVersion as number).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 60 }, (_, index) => index + 2));
    const lastPosition = Math.max(...answers.map((answer) => answer.body.position as number));
    const state = await api.request('GET', `/v1/states/credit-limit/race-replicas?minPosition=${lastPosition}`);
    expect(state.body).toMatchObject({ version: 61, state: { limit: 60 } });
    const history = await api.request('GET', `/v1/states/credit-limit/race-replicas/history?limit=500&minPosition=${lastPosition}`);
    expect(history.body.items.map((item: { version: number }) => item.version)).toEqual(Array.from({ length: 61 }, (_, index) => index + 1));
  });

  it('runs submits on different states side by side', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => api.submit({ stateType: 'feature-flag', stateId: `parallel-${index}`, transition: 'create', payload: { owner: 'team' } })),
    );
    expect(answers.every((answer) => answer.status === 201 && answer.body.stateVersion === 1)).toBe(true);
  });
});
