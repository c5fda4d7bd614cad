import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApi } from './support/test-api.js';

// Apply exactly the plan that was shown: a submit carrying expectedPlanHash (docs/protocol.md §2.5).

describe('a submit with expectedPlanHash', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(async () => {
    await api.close();
  });

  const rollout = (stateId: string, percentage: number, extra: Record<string, unknown> = {}) => ({ stateType: 'feature-flag', stateId, transition: 'setRollout', payload: { percentage }, ...extra });
  const mutationsOf = async (stateId: string) => (await api.request('GET', `/v1/mutations?stateType=feature-flag&stateId=${stateId}&minPosition=${await api.headPosition()}`)).body.items as unknown[];

  async function enabledFlag(stateId: string): Promise<void> {
    expect((await api.submit({ stateType: 'feature-flag', stateId, transition: 'create', payload: { owner: 'team-checkout' } })).status).toBe(201);
    expect((await api.submit({ stateType: 'feature-flag', stateId, transition: 'enable', payload: {} })).status).toBe(201);
  }

  it('applies when the plan computed at admission is the one the dry run showed', async () => {
    await enabledFlag('parity-same');
    const plan = await api.submit(rollout('parity-same', 20, { dryRun: true }));
    expect(plan.status).toBe(200);
    const applied = await api.submit(rollout('parity-same', 20, { expectedPlanHash: plan.body.planHash }));
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({ status: 'applied', planHash: plan.body.planHash, stateVersion: 3 });
  });

  it('answers 409 plan_changed with the current plan hash when the state moved on, and records nothing', async () => {
    await enabledFlag('parity-stale');
    const shown = await api.submit(rollout('parity-stale', 20, { dryRun: true }));
    expect((await api.submit(rollout('parity-stale', 10))).status).toBe(201);
    const current = await api.submit(rollout('parity-stale', 20, { dryRun: true }));
    expect(current.body.planHash).not.toBe(shown.body.planHash);
    const before = await api.headPosition();
    const recordedBefore = await mutationsOf('parity-stale');

    const stale = await api.submit(rollout('parity-stale', 20, { expectedPlanHash: shown.body.planHash }));
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({
      error: 'plan_changed',
      message: expect.stringContaining('the plan changed'),
      details: { expectedPlanHash: shown.body.planHash, planHash: current.body.planHash },
    });
    expect(await api.headPosition()).toBe(before);
    expect(await mutationsOf('parity-stale')).toEqual(recordedBefore);
    expect((await api.request('GET', '/v1/states/feature-flag/parity-stale')).body).toMatchObject({ version: 3, state: { rollout: 10 } });
  });

  it('refuses it for a dependent whose dependency is still pending: there is no plan yet (planHash null), nothing is recorded', async () => {
    await enabledFlag('parity-dependent');
    const pending = await api.submit(rollout('parity-dependent', 80, { tags: ['prod'] }));
    expect(pending.status).toBe(202);
    const hash = (await api.submit(rollout('parity-dependent', 90, { dryRun: true }))).body.planHash as string;
    const before = await api.headPosition();

    const refused = await api.submit(rollout('parity-dependent', 90, { dependsOn: [pending.body.mutationId], expectedPlanHash: hash }));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'plan_changed', details: { expectedPlanHash: hash, planHash: null, dependencies: { [pending.body.mutationId]: 'pending' } } });
    expect(await api.headPosition()).toBe(before);
  });

  it('refuses a hash that is not 64 lower-case hex digits as invalid input', async () => {
    for (const expectedPlanHash of ['abc', 'A'.repeat(64), 'g'.repeat(64), 42]) {
      const refused = await api.submit(rollout('parity-bad-hash', 20, { expectedPlanHash }));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: 'invalid_request', details: { violations: expect.arrayContaining([expect.objectContaining({ path: 'expectedPlanHash' })]) } });
    }
  });
});
