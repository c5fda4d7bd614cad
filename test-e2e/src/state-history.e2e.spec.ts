import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApi } from './support/test-api.js';

describe('the history of a state agrees with the state about whether it exists', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers 404 state_not_found for the history of a state that was never created, in the shape the state route uses', async () => {
    const state = await api.request('GET', '/v1/states/feature-flag/history-never-created');
    const history = await api.request('GET', '/v1/states/feature-flag/history-never-created/history');
    expect(state.status).toBe(404);
    expect(history.status).toBe(404);
    expect(history.body).toEqual(state.body);
    expect(history.body).toMatchObject({ error: 'state_not_found', details: { stateType: 'feature-flag', stateId: 'history-never-created' } });
  });

  it('answers 404 for a state whose only mutation was denied, once the read models have reached the denial', async () => {
    const denied = await api.submit({ stateType: 'feature-flag', stateId: 'history-denied', transition: 'create', payload: { owner: 'bot' } }, 'agent');
    expect(denied.body).toMatchObject({ error: 'policy_denied', status: 'denied' });
    const state = await api.request('GET', `/v1/states/feature-flag/history-denied?minPosition=${denied.body.position}`);
    const history = await api.request('GET', `/v1/states/feature-flag/history-denied/history?minPosition=${denied.body.position}`);
    expect([state.status, history.status]).toEqual([404, 404]);
    expect(history.body.error).toBe('state_not_found');
  });

  it('answers the items of a state read right after it was created, when asked with the position of its creation', async () => {
    const created = await api.submit({ stateType: 'feature-flag', stateId: 'history-just-created', transition: 'create', payload: { owner: 'team' } });
    expect(created.status).toBe(201);
    const history = await api.request('GET', `/v1/states/feature-flag/history-just-created/history?minPosition=${created.body.position}`);
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({ items: [{ version: 1, mutationId: created.body.mutationId, transition: 'create' }], nextCursor: null });
    const state = await api.request('GET', `/v1/states/feature-flag/history-just-created?minPosition=${created.body.position}`);
    expect(state.body).toMatchObject({ version: 1 });
  });
});
