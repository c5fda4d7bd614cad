import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApi } from './support/test-api.js';

describe('governed mutations end to end', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(async () => {
    await api.close();
  });

  it('applies a creating mutation, returns its version and position, and projects it into the read models', async () => {
    const created = await api.submit({ stateType: 'feature-flag', stateId: 'tour-checkout', transition: 'create', payload: { owner: 'team-payments' }, reason: 'new checkout flow', tags: ['payments'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'applied', stateVersion: 1, decision: { outcome: 'allow' }, requirements: [] });
    expect(created.body.position).toBeGreaterThan(0);
    expect(created.body.diff).toEqual(
      expect.arrayContaining([{ path: 'owner', kind: 'added', after: 'team-payments' }, { path: 'enabled', kind: 'added', after: false }]),
    );

    const state = await api.request('GET', `/v1/states/feature-flag/tour-checkout?minPosition=${created.body.position}`);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ state: { enabled: false, rollout: 0, rules: [], owner: 'team-payments' }, version: 1 });

    const mutation = await api.request('GET', `/v1/mutations/${created.body.mutationId}?minPosition=${created.body.position}`);
    expect(mutation.status).toBe(200);
    expect(mutation.body).toMatchObject({ status: 'applied', actor: { id: 'alice', kind: 'human' }, reason: 'new checkout flow', tags: ['payments'], stateVersion: 1 });
    expect(mutation.body.timeline.map((entry: { type: string }) => entry.type)).toEqual(['MutationRequested', 'MutationAccepted', 'MutationStarted', 'MutationApplied', 'MutationFinished']);
  });

  it('takes the actor from the token, never from the body', async () => {
    const response = await api.submit({ stateType: 'feature-flag', stateId: 'tour-actor', transition: 'create', payload: { owner: 'x' }, actor: { id: 'mallory' } } as Record<string, unknown>);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    const created = await api.submit({ stateType: 'feature-flag', stateId: 'tour-actor', transition: 'create', payload: { owner: 'x' } }, 'bot');
    const mutation = await api.request('GET', `/v1/mutations/${created.body.mutationId}?minPosition=${created.body.position}`);
    expect(mutation.body.actor).toEqual({ id: 'deploy-bot', kind: 'service', roles: ['operator'] });
  });

  it('records a guard denial as denied and answers 422 guard_denied with a suggestion', async () => {
    await api.submit({ stateType: 'feature-flag', stateId: 'tour-guard', transition: 'create', payload: { owner: 'team' } });
    const denied = await api.submit({ stateType: 'feature-flag', stateId: 'tour-guard', transition: 'setRollout', payload: { percentage: 30 } });
    expect(denied.status).toBe(422);
    expect(denied.body).toMatchObject({ error: 'guard_denied', status: 'denied', suggestions: [{ transition: 'enable' }] });
    expect(denied.body.mutationId).toEqual(expect.any(String));
    const recorded = await api.request('GET', `/v1/mutations/${denied.body.mutationId}?minPosition=${denied.body.position}`);
    expect(recorded.body).toMatchObject({ status: 'denied', denial: { code: 'guard_denied', deniedBy: 'guard' } });
    const state = await api.request('GET', `/v1/states/feature-flag/tour-guard?minPosition=${denied.body.position}`);
    expect(state.body.version).toBe(1);
  });

  it('records a policy denial and answers 403 policy_denied: agents may not create flags', async () => {
    const denied = await api.submit({ stateType: 'feature-flag', stateId: 'tour-agent', transition: 'create', payload: { owner: 'bot' } }, 'agent');
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'policy_denied', status: 'denied', details: { policy: 'agents-may-not-create-flags' } });
    const recorded = await api.request('GET', `/v1/mutations/${denied.body.mutationId}?minPosition=${denied.body.position}`);
    expect(recorded.body.status).toBe('denied');
    const state = await api.request('GET', '/v1/states/feature-flag/tour-agent');
    expect(state.status).toBe(404);
  });

  it('keeps a prod rollout jump of more than 50 points pending for a release-manager, with an expiry', async () => {
    await api.submit({ stateType: 'feature-flag', stateId: 'tour-prod', transition: 'create', payload: { owner: 'team' } });
    await api.submit({ stateType: 'feature-flag', stateId: 'tour-prod', transition: 'enable', payload: {} });
    const small = await api.submit({ stateType: 'feature-flag', stateId: 'tour-prod', transition: 'setRollout', payload: { percentage: 40 }, tags: ['prod'] });
    expect(small.status).toBe(201);
    const jump = await api.submit({ stateType: 'feature-flag', stateId: 'tour-prod', transition: 'setRollout', payload: { percentage: 100 }, tags: ['prod'] });
    expect(jump.status).toBe(202);
    expect(jump.body).toMatchObject({ status: 'pending', stateVersion: null, requirements: [{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }] });
    const hoursLeft = (Date.parse(jump.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23.9);
    expect(hoursLeft).toBeLessThanOrEqual(24);
    const state = await api.request('GET', `/v1/states/feature-flag/tour-prod?minPosition=${jump.body.position}`);
    expect(state.body).toMatchObject({ version: 3, state: { rollout: 40 } });
  });

  it('governs credit-limit increases by size: direct, one risk-officer, then risk-officer and cfo', async () => {
    const opened = await api.submit({ stateType: 'credit-limit', stateId: 'tour-acme', transition: 'open', payload: { customerId: 'acme', currency: 'EUR', limit: 5_000 } });
    expect(opened.status).toBe(201);
    const direct = await api.submit({ stateType: 'credit-limit', stateId: 'tour-acme', transition: 'raiseLimit', payload: { by: 10_000 } });
    expect(direct.body).toMatchObject({ status: 'applied', stateVersion: 2, classification: { riskLevel: 'medium' } });
    const one = await api.submit({ stateType: 'credit-limit', stateId: 'tour-acme', transition: 'raiseLimit', payload: { by: 50_000 } });
    expect(one.body).toMatchObject({ status: 'pending', classification: { riskLevel: 'high' }, requirements: [{ kind: 'approval', steps: [{ role: 'risk-officer', count: 1 }] }] });
    const two = await api.submit({ stateType: 'credit-limit', stateId: 'tour-acme', transition: 'setLimit', payload: { amount: 500_000 } });
    expect(two.body).toMatchObject({
      status: 'pending',
      classification: { riskLevel: 'critical' },
      requirements: [{ kind: 'approval', steps: [{ role: 'risk-officer', count: 1 }, { role: 'cfo', count: 1 }] }],
    });
    const decrease = await api.submit({ stateType: 'credit-limit', stateId: 'tour-acme', transition: 'setLimit', payload: { amount: 1_000 } });
    expect(decrease.body).toMatchObject({ status: 'applied', stateVersion: 3 });
    const state = await api.request('GET', `/v1/states/credit-limit/tour-acme?minPosition=${decrease.body.position}`);
    expect(state.body).toMatchObject({ version: 3, state: { limit: 1_000, currency: 'EUR' } });
  });

  it('answers a dry run with the plan and records nothing', async () => {
    await api.submit({ stateType: 'credit-limit', stateId: 'tour-dry', transition: 'open', payload: { customerId: 'dry', currency: 'USD' } });
    const headBefore = await api.headPosition();
    const first = await api.submit({ stateType: 'credit-limit', stateId: 'tour-dry', transition: 'raiseLimit', payload: { by: 20_000 }, dryRun: true });
    const second = await api.submit({ stateType: 'credit-limit', stateId: 'tour-dry', transition: 'raiseLimit', payload: { by: 20_000 }, dryRun: true });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ dryRun: true, decision: { outcome: 'require' }, stateVersion: 1, resultingState: { limit: 20_000 } });
    expect(first.body.mutationId).toBeUndefined();
    expect(second.body.planHash).toBe(first.body.planHash);
    expect(await api.headPosition()).toBe(headBefore);
  });

  it('answers 409 version_conflict with the current version and records nothing', async () => {
    const created = await api.submit({ stateType: 'feature-flag', stateId: 'tour-version', transition: 'create', payload: { owner: 'team' } });
    const headBefore = await api.headPosition();
    const stale = await api.submit({ stateType: 'feature-flag', stateId: 'tour-version', transition: 'enable', payload: {}, expectedVersion: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: 'version_conflict', details: { expectedVersion: 0, currentVersion: 1 } });
    expect(await api.headPosition()).toBe(headBefore);
    const fresh = await api.submit({ stateType: 'feature-flag', stateId: 'tour-version', transition: 'enable', payload: {}, expectedVersion: created.body.stateVersion });
    expect(fresh.body).toMatchObject({ status: 'applied', stateVersion: 2 });
  });

  it('lists the history of a state, one item per applied version, with cursor pagination', async () => {
    await api.submit({ stateType: 'feature-flag', stateId: 'tour-history', transition: 'create', payload: { owner: 'team' } });
    await api.submit({ stateType: 'feature-flag', stateId: 'tour-history', transition: 'enable', payload: {} });
    await api.submit({ stateType: 'feature-flag', stateId: 'tour-history', transition: 'setRollout', payload: { percentage: 10 } }, 'bot');
    const last = await api.submit({ stateType: 'feature-flag', stateId: 'tour-history', transition: 'addRule', payload: { rule: { id: 'beta', segment: 'beta-users' } } });
    const firstPage = await api.request('GET', `/v1/states/feature-flag/tour-history/history?limit=3&minPosition=${last.body.position}`);
    expect(firstPage.status).toBe(200);
    expect(firstPage.body.items.map((item: { version: number }) => item.version)).toEqual([1, 2, 3]);
    expect(firstPage.body.items[2]).toMatchObject({ transition: 'setRollout', actor: { id: 'deploy-bot', kind: 'service' }, diff: [{ path: 'rollout', before: 0, after: 10 }] });
    const secondPage = await api.request('GET', `/v1/states/feature-flag/tour-history/history?limit=3&cursor=${firstPage.body.nextCursor}`);
    expect(secondPage.body).toMatchObject({ items: [{ version: 4, transition: 'addRule' }], nextCursor: null });
  });

  it('filters the mutation list and pages through it with a cursor', async () => {
    const from = new Date().toISOString();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const response = await api.submit({ stateType: 'credit-limit', stateId: `tour-list-${index}`, transition: 'open', payload: { customerId: `c${index}`, currency: 'EUR' }, tags: index % 2 ? ['odd'] : ['even'] }, index < 3 ? 'alice' : 'bot');
      ids.push(response.body.mutationId);
    }
    const last = await api.request('GET', `/v1/mutations?from=${from}&stateType=credit-limit&limit=2&minPosition=${await api.headPosition()}`);
    expect(last.body.items).toHaveLength(2);
    const seen: string[] = last.body.items.map((item: { mutationId: string }) => item.mutationId);
    let cursor = last.body.nextCursor;
    while (cursor) {
      const page = await api.request('GET', `/v1/mutations?from=${from}&stateType=credit-limit&limit=2&cursor=${cursor}`);
      seen.push(...page.body.items.map((item: { mutationId: string }) => item.mutationId));
      cursor = page.body.nextCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    const byBot = await api.request('GET', `/v1/mutations?from=${from}&actor=deploy-bot`);
    expect(byBot.body.items.map((item: { mutationId: string }) => item.mutationId).sort()).toEqual(ids.slice(3).sort());
    const odd = await api.request('GET', `/v1/mutations?from=${from}&tag=odd&status=applied&riskLevel=low`);
    expect(odd.body.items.map((item: { mutationId: string }) => item.mutationId).sort()).toEqual([ids[1], ids[3]].sort());
    const anyOf = await api.request('GET', `/v1/mutations?from=${from}&tag=odd&tag=even`);
    expect(anyOf.body.items).toHaveLength(5);
    const none = await api.request('GET', `/v1/mutations?from=${from}&stateId=tour-list-0&tag=odd`);
    expect(none.body).toEqual({ items: [], nextCursor: null });
    const before = await api.request('GET', `/v1/mutations?to=${from}&stateType=credit-limit`);
    expect(before.body.items.every((item: { requestedAt: string }) => item.requestedAt < from)).toBe(true);
  });

  it('serves the registered contracts with their transitions and JSON schemas', async () => {
    const contracts = await api.request('GET', '/v1/contracts');
    expect(contracts.status).toBe(200);
    const flag = contracts.body.items.find((item: { stateType: string }) => item.stateType === 'feature-flag');
    expect(flag.transitions.map((transition: { name: string }) => transition.name)).toEqual(['create', 'enable', 'disable', 'setRollout', 'addRule', 'removeRule']);
    expect(flag.transitions.find((transition: { name: string }) => transition.name === 'setRollout').payloadSchema.properties.percentage).toEqual({ type: 'integer', minimum: 0, maximum: 100 });
    expect(contracts.body.items.map((item: { stateType: string }) => item.stateType)).toEqual(['credit-limit', 'feature-flag']);
  });

  it('serves health without a token and metrics with one', async () => {
    const health = await api.request('GET', '/health', { as: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', details: { database: 'up' } });
    expect(health.body.details.projections.map((projection: { projection: string }) => projection.projection)).toEqual(['batches', 'mutations', 'side_effects', 'state_history', 'states', 'timers']);
    expect((await api.request('GET', '/metrics', { as: null })).status).toBe(401);
    const metrics = await api.request<string>('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/countersign_mutations_submitted_total\{outcome="applied"\} \d+/);
    expect(metrics.body).toMatch(/countersign_projection_lag_events\{projection="mutations"\} \d+/);
  });
});
