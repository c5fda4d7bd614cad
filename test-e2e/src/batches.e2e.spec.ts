import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestApi } from './support/test-api.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('batches: admission, atomic rollback by saga, approvals, operator retry', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ COUNTERSIGN_CONTRACTS_DIR: fixtures, COUNTERSIGN_TIMER_POLL: '50ms', COUNTERSIGN_BATCH_RESUME_AFTER: '300ms' });
  });
  afterAll(async () => {
    await api.close();
  });

  const open = async (stateId: string, limit: number) => {
    const opened = await api.submit({ stateType: 'credit-limit', stateId, transition: 'open', payload: { customerId: stateId, currency: 'EUR', limit } });
    expect(opened.status).toBe(201);
    return opened.body;
  };
  const state = async (stateId: string, minPosition: number, stateType = 'credit-limit') => (await api.request('GET', `/v1/states/${stateType}/${stateId}?minPosition=${minPosition}`)).body;
  const batch = (body: Record<string, unknown>, as: 'alice' | 'agent' = 'alice') => api.request('POST', '/v1/batches', { as, body });

  it('applies an atomic batch in order: every step a mutation linked to the batch', async () => {
    await open('b-1', 1_000);
    await open('b-2', 2_000);
    const answer = await batch({
      mode: 'atomic',
      reason: 'quarterly review',
      mutations: [
        { stateType: 'credit-limit', stateId: 'b-1', transition: 'setLimit', payload: { amount: 1_500 } },
        { stateType: 'credit-limit', stateId: 'b-2', transition: 'raiseLimit', payload: { by: 500 }, tags: ['q3'] },
        { stateType: 'credit-limit', stateId: 'b-1', transition: 'raiseLimit', payload: { by: 100 } },
      ],
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ batchId: expect.any(String), status: 'applied', mode: 'atomic' });
    expect(answer.body.steps.map((step: { status: string; stateVersion: number }) => [step.status, step.stateVersion])).toEqual([
      ['applied', 2],
      ['applied', 2],
      ['applied', 3],
    ]);
    expect((await state('b-1', answer.body.position)).state.limit).toBe(1_600);
    const step = await api.request('GET', `/v1/mutations/${answer.body.steps[1].mutationId}?minPosition=${answer.body.position}`);
    expect(step.body).toMatchObject({ status: 'applied', batchId: answer.body.batchId, batchStep: 1, reason: 'quarterly review', tags: ['q3'] });
    const read = await api.request('GET', `/v1/batches/${answer.body.batchId}?minPosition=${answer.body.position}`);
    expect(read.body).toMatchObject({ batchId: answer.body.batchId, status: 'applied', steps: answer.body.steps });
  });

  it('atomic batch of three whose third conflicts: the first two are compensated in reverse order, the batch ends compensated, states back at new versions', async () => {
    await open('c-1', 1_000);
    await open('c-2', 2_000);
    await open('c-3', 3_000);
    // Step 1 needs a risk-officer, so the batch waits; meanwhile c-3 moves and step 3's expectedVersion goes stale.
    const pending = await batch({
      mode: 'atomic',
      mutations: [
        { stateType: 'credit-limit', stateId: 'c-1', transition: 'raiseLimit', payload: { by: 50_000 } },
        { stateType: 'credit-limit', stateId: 'c-2', transition: 'setLimit', payload: { amount: 2_500 } },
        { stateType: 'credit-limit', stateId: 'c-3', transition: 'setLimit', payload: { amount: 3_500 }, expectedVersion: 1 },
      ],
    });
    expect(pending.status).toBe(202);
    expect(pending.body).toMatchObject({ status: 'pending', requirements: [{ kind: 'approval', steps: [{ role: 'risk-officer', count: 1 }] }] });
    expect(pending.body.steps.map((step: { status: string }) => step.status)).toEqual(['planned', 'planned', 'planned']);
    await api.submit({ stateType: 'credit-limit', stateId: 'c-3', transition: 'setLimit', payload: { amount: 3_100 } });

    const approved = await api.request('POST', `/v1/batches/${pending.body.batchId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'compensated', recorded: true, failedStep: 2 });
    const steps = approved.body.steps as { status: string; mutationId: string; compensation: { mutationId: string; status: string; stateVersion: number } | null }[];
    expect(steps.map((step) => step.status)).toEqual(['compensated', 'compensated', 'conflicted']);
    expect(steps.map((step) => step.compensation?.status ?? null)).toEqual(['applied', 'applied', null]);

    const position = approved.body.position;
    expect(await state('c-1', position)).toMatchObject({ version: 3, state: { limit: 1_000 } });
    expect(await state('c-2', position)).toMatchObject({ version: 3, state: { limit: 2_000 } });
    expect(await state('c-3', position)).toMatchObject({ version: 2, state: { limit: 3_100 } });
    // Reverse order: step 2's compensation is in the log before step 1's.
    const compensations = await Promise.all(steps.slice(0, 2).map((step) => api.request('GET', `/v1/mutations/${step.compensation!.mutationId}?minPosition=${position}`)));
    expect(compensations.map((record) => record.body.compensates)).toEqual([steps[0]!.mutationId, steps[1]!.mutationId]);
    expect(compensations[1]!.body.position).toBeLessThan(compensations[0]!.body.position);
    const original = await api.request('GET', `/v1/mutations/${steps[0]!.mutationId}?minPosition=${position}`);
    expect(original.body).toMatchObject({ status: 'compensated', compensatedBy: steps[0]!.compensation!.mutationId, batchId: pending.body.batchId });
    const conflicted = await api.request('GET', `/v1/mutations/${steps[2]!.mutationId}?minPosition=${position}`);
    expect(conflicted.body).toMatchObject({ status: 'conflicted', outcome: { expectedVersion: 1, currentVersion: 2 } });
  });

  it('denies the whole batch when a policy denies one step (recorded, 403 with the batch id)', async () => {
    const denied = await batch(
      {
        mode: 'independent',
        mutations: [
          { stateType: 'feature-flag', stateId: 'ok-flag', transition: 'create', payload: { owner: 'x' } },
          { stateType: 'feature-flag', stateId: 'agent-flag', transition: 'create', payload: { owner: 'x' } },
        ],
      },
      'agent',
    );
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'policy_denied', status: 'denied', details: { step: 0, deniedBy: 'policy', policy: 'agents-may-not-create-flags' } });
    const read = await api.request('GET', `/v1/batches/${denied.body.batchId}?minPosition=${denied.body.position}`);
    expect(read.body).toMatchObject({ status: 'denied', denial: { step: 0 } });
    expect((await api.request('GET', '/v1/states/feature-flag/ok-flag')).status).toBe(404);
  });

  it('a pending batch is approved as one (not by its requester), or rejected, or cancelled', async () => {
    await open('p-1', 1_000);
    const body = { mode: 'atomic', mutations: [{ stateType: 'credit-limit', stateId: 'p-1', transition: 'raiseLimit', payload: { by: 20_000 } }] };
    const first = await batch(body);
    expect((await api.request('POST', `/v1/batches/${first.body.batchId}/approvals`, { as: 'alice', body: { decision: 'approve' } })).body.error).toBe('self_approval');
    expect((await api.request('POST', `/v1/batches/${first.body.batchId}/approvals`, { as: 'dave', body: { decision: 'approve' } })).body).toMatchObject({ error: 'approver_role_required', details: { role: 'risk-officer' } });
    const rejected = await api.request('POST', `/v1/batches/${first.body.batchId}/approvals`, { as: 'carol', body: { decision: 'reject', comment: 'no' } });
    expect(rejected.body).toMatchObject({ status: 'rejected', recorded: true });
    expect((await api.request('POST', `/v1/batches/${first.body.batchId}/approvals`, { as: 'ravi', body: { decision: 'approve' } })).body).toMatchObject({ error: 'batch_not_pending', status: 'rejected' });
    const second = await batch(body);
    expect((await api.request('POST', `/v1/batches/${second.body.batchId}/cancel`, { as: 'alice', body: { reason: 'later' } })).body).toMatchObject({ status: 'cancelled' });
    const third = await batch(body);
    const applied = await api.request('POST', `/v1/batches/${third.body.batchId}/approvals`, { as: 'ravi', body: { decision: 'approve' } });
    expect(applied.body).toMatchObject({ status: 'applied' });
    expect((await state('p-1', applied.body.position)).state.limit).toBe(21_000);
    const pendingList = await api.request('GET', `/v1/batches?status=rejected&minPosition=${applied.body.position}`);
    expect(pendingList.body.items.map((item: { batchId: string }) => item.batchId)).toContain(first.body.batchId);
  });

  it('an independent batch keeps going past a failed step and ends partially applied', async () => {
    await open('i-1', 1_000);
    await open('i-2', 1_000);
    const pending = await batch({
      mode: 'independent',
      mutations: [
        { stateType: 'credit-limit', stateId: 'i-1', transition: 'raiseLimit', payload: { by: 30_000 } },
        { stateType: 'credit-limit', stateId: 'i-2', transition: 'setLimit', payload: { amount: 10 }, expectedVersion: 1 },
      ],
    });
    await api.submit({ stateType: 'credit-limit', stateId: 'i-2', transition: 'setLimit', payload: { amount: 20 } });
    const approved = await api.request('POST', `/v1/batches/${pending.body.batchId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    expect(approved.body).toMatchObject({ status: 'partially_applied' });
    expect(approved.body.steps.map((step: { status: string }) => step.status)).toEqual(['applied', 'conflicted']);
  });

  it('a compensation that cannot run leaves the batch compensation_failed with an alert; an admin retries once the cause is fixed', async () => {
    for (const id of ['v-1', 'v-2', 'v-3']) await api.submit({ stateType: 'vault', stateId: id, transition: 'open', payload: {} });
    const pending = await batch({
      mode: 'atomic',
      mutations: [
        { stateType: 'vault', stateId: 'v-1', transition: 'deposit', payload: { amount: 5_000 } },
        { stateType: 'vault', stateId: 'v-2', transition: 'lock', payload: {} },
        { stateType: 'vault', stateId: 'v-3', transition: 'deposit', payload: { amount: 10 }, expectedVersion: 1 },
      ],
    });
    expect(pending.body.status).toBe('pending');
    await api.submit({ stateType: 'vault', stateId: 'v-3', transition: 'deposit', payload: { amount: 1 } });
    const approved = await api.request('POST', `/v1/batches/${pending.body.batchId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    expect(approved.body).toMatchObject({
      status: 'compensation_failed',
      alerts: 1,
      compensationFailure: { step: 1, code: 'policy_denied', reason: 'a locked vault is unlocked only once unlocking is allowed' },
    });
    // Nothing is silently dropped: step 1 is still applied (not yet undone), step 0 waits behind it.
    expect(approved.body.steps.map((step: { status: string }) => step.status)).toEqual(['applied', 'applied', 'conflicted']);
    const queue = await api.request('GET', `/v1/batches?status=compensation_failed&minPosition=${approved.body.position}`);
    expect(queue.body.items.map((item: { batchId: string }) => item.batchId)).toContain(pending.body.batchId);

    const notAdmin = await api.request('POST', `/v1/batches/${pending.body.batchId}/compensation/retry`, { as: 'alice', body: {} });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.error).toBe('forbidden');
    await api.submit({ stateType: 'vault', stateId: 'v-2', transition: 'allowUnlock', payload: {} });
    const retried = await api.request('POST', `/v1/batches/${pending.body.batchId}/compensation/retry`, { as: 'erin', body: { reason: 'unlock allowed by ops' } });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'compensated', recorded: true });
    expect(await state('v-1', retried.body.position, 'vault')).toMatchObject({ state: { balance: 0 } });
    expect(await state('v-2', retried.body.position, 'vault')).toMatchObject({ state: { locked: false, unlockAllowed: true } });
    const again = await api.request('POST', `/v1/batches/${pending.body.batchId}/compensation/retry`, { as: 'erin', body: {} });
    expect(again).toMatchObject({ status: 409, body: { error: 'batch_not_retryable' } });
  });

  it('revert with compensateLater undoes the later changes of the same paths first, as one atomic batch', async () => {
    await open('chain', 1_000);
    const first = await api.submit({ stateType: 'credit-limit', stateId: 'chain', transition: 'setLimit', payload: { amount: 2_000 } });
    const second = await api.submit({ stateType: 'credit-limit', stateId: 'chain', transition: 'raiseLimit', payload: { by: 500 } });
    const refused = await api.request('POST', `/v1/mutations/${first.body.mutationId}/revert`, { body: { reason: 'wrong customer' } });
    expect(refused.body).toMatchObject({ error: 'revert_conflict', details: { later: [{ mutationId: second.body.mutationId }] } });
    const chain = await api.request('POST', `/v1/mutations/${first.body.mutationId}/revert`, { body: { reason: 'wrong customer', compensateLater: true } });
    expect(chain.status).toBe(201);
    expect(chain.body).toMatchObject({ status: 'applied', mode: 'atomic', revertOf: first.body.mutationId, compensates: first.body.mutationId });
    expect(chain.body.steps.map((step: { compensates: string; transition: string }) => [step.compensates, step.transition])).toEqual([
      [second.body.mutationId, 'revert:raiseLimit'],
      [first.body.mutationId, 'revert:setLimit'],
    ]);
    expect(await state('chain', chain.body.position)).toMatchObject({ version: 5, state: { limit: 1_000 } });
  });

  it('answers bad input with clear codes and records nothing', async () => {
    await open('bad-b', 1_000);
    const step = { stateType: 'credit-limit', stateId: 'bad-b', transition: 'setLimit', payload: { amount: 10 } };
    expect((await batch({ mode: 'atomic', mutations: [] })).body).toMatchObject({ error: 'invalid_request' });
    expect((await batch({ mode: 'sometimes', mutations: [step] })).body).toMatchObject({ error: 'invalid_request' });
    expect((await batch({ mode: 'atomic', mutations: [{ ...step, dependsOn: [] }] })).body).toMatchObject({ error: 'invalid_request' });
    expect((await batch({ mode: 'atomic', mutations: [step, { ...step, stateType: 'nope' }] })).body).toMatchObject({ error: 'unknown_contract', details: { step: 1 } });
    expect((await batch({ mode: 'atomic', mutations: [{ ...step, payload: { amount: -1 } }] })).body).toMatchObject({ error: 'invalid_payload', details: { step: 0 } });
    expect((await batch({ mode: 'atomic', mutations: [{ ...step, expectedVersion: 7 }] })).body).toMatchObject({ error: 'version_conflict', details: { step: 0, currentVersion: 1 } });
    const irreversible = await batch({ mode: 'atomic', mutations: [{ stateType: 'credit-limit', stateId: 'bad-new', transition: 'open', payload: { customerId: 'n', currency: 'EUR' } }, step] });
    expect(irreversible).toMatchObject({ status: 422, body: { error: 'irreversible', details: { step: 0 } } });
    expect((await api.request('GET', '/v1/batches/00000000-0000-4000-8000-000000000000')).body.error).toBe('batch_not_found');
    expect((await api.request('GET', '/v1/batches/nope')).body.error).toBe('invalid_request');
    expect((await api.request('GET', '/v1/batches?status=weird')).body.error).toBe('invalid_query');
    expect((await api.request('POST', '/v1/batches/00000000-0000-4000-8000-000000000000/approvals', { as: 'carol', body: { decision: 'approve' } })).status).toBe(404);
    expect((await state('bad-b', await api.headPosition())).version).toBe(1);
  });
});
