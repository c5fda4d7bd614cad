import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApi } from './support/test-api.js';

async function openCreditLine(api: TestApi, stateId: string, limit = 5_000) {
  const opened = await api.submit({ stateType: 'credit-limit', stateId, transition: 'open', payload: { customerId: stateId, currency: 'EUR', limit } });
  expect(opened.status).toBe(201);
  return opened.body;
}

describe('revert: governed compensating mutations', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(async () => {
    await api.close();
  });

  const revert = (mutationId: string, body: Record<string, unknown> = { reason: 'undo' }, as: 'alice' | 'bob' = 'alice') =>
    api.request('POST', `/v1/mutations/${mutationId}/revert`, { as, body });

  it('restores the previous credit limit with a new version, the two mutations linked both ways', async () => {
    await openCreditLine(api, 'acme');
    const changed = await api.submit({ stateType: 'credit-limit', stateId: 'acme', transition: 'setLimit', payload: { amount: 8_000 }, reason: 'seasonal' });
    expect(changed.body).toMatchObject({ status: 'applied', stateVersion: 2 });

    const reverted = await revert(changed.body.mutationId, { reason: 'customer asked to undo' });
    expect(reverted.status).toBe(201);
    expect(reverted.body).toMatchObject({
      status: 'applied',
      transition: 'revert:setLimit',
      compensates: changed.body.mutationId,
      stateVersion: 3,
      diff: [{ path: 'limit', kind: 'changed', before: 8_000, after: 5_000 }],
    });

    const position = reverted.body.position;
    const state = await api.request('GET', `/v1/states/credit-limit/acme?minPosition=${position}`);
    expect(state.body).toMatchObject({ version: 3, state: { limit: 5_000 }, lastMutationId: reverted.body.mutationId });
    const original = await api.request('GET', `/v1/mutations/${changed.body.mutationId}?minPosition=${position}`);
    expect(original.body).toMatchObject({ status: 'compensated', compensatedBy: reverted.body.mutationId, compensates: null, stateVersion: 2 });
    expect(original.body.timeline.map((entry: { type: string }) => entry.type)).toEqual([
      'MutationRequested',
      'MutationAccepted',
      'MutationStarted',
      'MutationApplied',
      'MutationFinished',
      'MutationCompensated',
    ]);
    const compensation = await api.request('GET', `/v1/mutations/${reverted.body.mutationId}?minPosition=${position}`);
    expect(compensation.body).toMatchObject({ status: 'applied', compensates: changed.body.mutationId, compensatedBy: null, reason: 'customer asked to undo', actor: { id: 'alice' } });
    const history = await api.request('GET', `/v1/states/credit-limit/acme/history?minPosition=${position}`);
    expect(history.body.items.map((item: { version: number; transition: string }) => [item.version, item.transition])).toEqual([
      [1, 'open'],
      [2, 'setLimit'],
      [3, 'revert:setLimit'],
    ]);
    const compensated = await api.request('GET', `/v1/mutations?stateId=acme&status=compensated&minPosition=${position}`);
    expect(compensated.body.items.map((item: { mutationId: string }) => item.mutationId)).toEqual([changed.body.mutationId]);
  });

  it('refuses an irreversible transition with 422 irreversible and records nothing', async () => {
    const opened = await openCreditLine(api, 'irreversible');
    const refused = await revert(opened.mutationId);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: 'irreversible', details: { mutationId: opened.mutationId, transition: 'open' } });
    const state = await api.request('GET', `/v1/states/credit-limit/irreversible?minPosition=${opened.position}`);
    expect(state.body.version).toBe(1);
  });

  it('refuses with 409 revert_conflict listing the later mutation of the same path, unless reverted first', async () => {
    await openCreditLine(api, 'later');
    const first = await api.submit({ stateType: 'credit-limit', stateId: 'later', transition: 'raiseLimit', payload: { by: 1_000 } });
    const second = await api.submit({ stateType: 'credit-limit', stateId: 'later', transition: 'setLimit', payload: { amount: 7_500 } });
    const refused = await revert(first.body.mutationId);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: 'revert_conflict',
      details: { mutationId: first.body.mutationId, later: [{ mutationId: second.body.mutationId, version: 3, transition: 'setLimit', paths: ['limit'] }] },
    });
    expect((await api.request('GET', `/v1/states/credit-limit/later?minPosition=${second.body.position}`)).body.version).toBe(3);

    expect((await revert(second.body.mutationId)).status).toBe(201);
    const now = await revert(first.body.mutationId);
    expect(now.body).toMatchObject({ status: 'applied', stateVersion: 5 });
    expect((await api.request('GET', `/v1/states/credit-limit/later?minPosition=${now.body.position}`)).body.state.limit).toBe(5_000);
  });

  it('goes through policies: restoring a limit cut by more than 10,000 waits for a risk-officer, then applies linked', async () => {
    await openCreditLine(api, 'cut', 5_000);
    const raised = await api.submit({ stateType: 'credit-limit', stateId: 'cut', transition: 'setLimit', payload: { amount: 40_000 } });
    await api.request('POST', `/v1/mutations/${raised.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    const cut = await api.submit({ stateType: 'credit-limit', stateId: 'cut', transition: 'setLimit', payload: { amount: 1_000 } });
    expect(cut.body.status).toBe('applied');

    const pending = await revert(cut.body.mutationId, { reason: 'cut by mistake' });
    expect(pending.status).toBe(202);
    expect(pending.body).toMatchObject({ status: 'pending', compensates: cut.body.mutationId, requirements: [{ kind: 'approval', steps: [{ role: 'risk-officer', count: 1 }] }] });
    const twice = await revert(cut.body.mutationId);
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error: 'already_compensated', details: { compensatedBy: pending.body.mutationId, status: 'pending' } });

    const approved = await api.request('POST', `/v1/mutations/${pending.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    expect(approved.body).toMatchObject({ status: 'applied', stateVersion: 4 });
    const original = await api.request('GET', `/v1/mutations/${cut.body.mutationId}?minPosition=${approved.body.position}`);
    expect(original.body).toMatchObject({ status: 'compensated', compensatedBy: pending.body.mutationId });
    expect((await api.request('GET', `/v1/states/credit-limit/cut?minPosition=${approved.body.position}`)).body.state.limit).toBe(40_000);
  });

  it('a revert of a revert restores the reverted change; the original stays compensated', async () => {
    await api.submit({ stateType: 'feature-flag', stateId: 'rr', transition: 'create', payload: { owner: 'team' } });
    const added = await api.submit({ stateType: 'feature-flag', stateId: 'rr', transition: 'addRule', payload: { rule: { id: 'beta', segment: 'testers' } } });
    const undone = await revert(added.body.mutationId);
    expect(undone.body).toMatchObject({ status: 'applied', transition: 'removeRule' });
    const redone = await revert(undone.body.mutationId);
    expect(redone.body).toMatchObject({ status: 'applied', transition: 'revert:removeRule', compensates: undone.body.mutationId });
    const state = await api.request('GET', `/v1/states/feature-flag/rr?minPosition=${redone.body.position}`);
    expect(state.body).toMatchObject({ version: 4, state: { rules: [{ id: 'beta', segment: 'testers' }] } });
    expect((await revert(added.body.mutationId)).body).toMatchObject({ error: 'already_compensated', details: { compensatedBy: undone.body.mutationId } });
  });

  it('answers bad input with clear codes and writes nothing', async () => {
    const opened = await openCreditLine(api, 'bad');
    const changed = await api.submit({ stateType: 'credit-limit', stateId: 'bad', transition: 'setLimit', payload: { amount: 6_000 } });
    expect((await revert(changed.body.mutationId, {})).body).toMatchObject({ error: 'invalid_request', details: { violations: expect.arrayContaining([expect.objectContaining({ path: 'reason' })]) } });
    expect((await revert(changed.body.mutationId, { reason: 'x', actor: 'mallory' })).status).toBe(400);
    expect((await api.request('POST', '/v1/mutations/not-a-uuid/revert', { body: { reason: 'x' } })).body.error).toBe('invalid_request');
    const unknown = await revert('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('mutation_not_found');
    const pending = await api.submit({ stateType: 'credit-limit', stateId: 'bad', transition: 'raiseLimit', payload: { by: 50_000 } });
    expect(await revert(pending.body.mutationId)).toMatchObject({ status: 409, body: { error: 'mutation_not_applied', details: { status: 'pending' } } });
    const forged = await api.submit({ stateType: 'credit-limit', stateId: 'bad', transition: 'revert:setLimit', payload: { restore: [{ path: 'limit', value: 1e9 }], expect: [] } });
    expect(forged.status).toBe(422);
    expect(forged.body.error).toBe('unknown_transition');
    const dryRun = await revert(changed.body.mutationId, { reason: 'preview', dryRun: true });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body).toMatchObject({ dryRun: true, transition: 'revert:setLimit', compensates: changed.body.mutationId, resultingState: { limit: 5_000 } });
    const state = await api.request('GET', `/v1/states/credit-limit/bad?minPosition=${pending.body.position}`);
    expect(state.body).toMatchObject({ version: 2, state: { limit: 6_000 } });
    expect(opened.status).toBe('applied');
  });
});
