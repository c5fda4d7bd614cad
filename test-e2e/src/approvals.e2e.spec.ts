import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, waitFor } from '@countersign/event-store/testing';
import { TestApi } from './support/test-api.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Sleeps until `iso` has passed (a lower bound: a loaded machine only makes it later). */
const sleepUntil = (iso: string) => sleep(Math.max(0, Date.parse(iso) - Date.now() + 100));

async function openCreditLine(api: TestApi, stateId: string, limit = 5_000) {
  const opened = await api.submit({ stateType: 'credit-limit', stateId, transition: 'open', payload: { customerId: stateId, currency: 'EUR', limit } });
  expect(opened.status).toBe(201);
  return opened;
}

describe('approval chains and the pending lifecycle', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ COUNTERSIGN_CONTRACTS_DIR: fixtures, COUNTERSIGN_TIMER_POLL: '50ms' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('applies a two-step increase once after a risk-officer then a cfo approve, refusing the requester, out-of-order and repeated approvals', async () => {
    await openCreditLine(api, 'chain');
    const pending = await api.submit({ stateType: 'credit-limit', stateId: 'chain', transition: 'raiseLimit', payload: { by: 150_000 } });
    expect(pending.status).toBe(202);
    const id = pending.body.mutationId;
    const approve = (as: 'alice' | 'carol' | 'dave' | 'ravi', decision = 'approve') => api.request('POST', `/v1/mutations/${id}/approvals`, { as, body: { decision, comment: `by ${as}` } });

    const own = await approve('alice');
    expect(own.status).toBe(403);
    expect(own.body.error).toBe('self_approval');
    const cfoFirst = await approve('dave');
    expect(cfoFirst.status).toBe(403);
    expect(cfoFirst.body).toMatchObject({ error: 'approver_role_required', details: { role: 'risk-officer', step: 0 } });

    const first = await approve('carol');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'pending', recorded: true, openRequirements: [{ kind: 'approval', step: 1, role: 'cfo', remaining: 1 }] });
    const again = await approve('carol');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'pending', recorded: false });

    const final = await approve('dave');
    expect(final.status).toBe(200);
    expect(final.body).toMatchObject({ status: 'applied', recorded: true, stateVersion: 2 });

    const late = await approve('ravi');
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: 'mutation_not_pending', status: 'applied' });

    const state = await api.request('GET', `/v1/states/credit-limit/chain?minPosition=${final.body.position}`);
    expect(state.body).toMatchObject({ version: 2, state: { limit: 155_000 } });
    const record = await api.request('GET', `/v1/mutations/${id}?minPosition=${final.body.position}`);
    expect(record.body.timeline.map((entry: { type: string }) => entry.type)).toEqual([
      'MutationRequested',
      'MutationAccepted',
      'MutationPending',
      'ApprovalGranted',
      'ApprovalGranted',
      'MutationStarted',
      'MutationApplied',
      'MutationFinished',
    ]);
    expect(record.body.approvals.map((approval: { approverId: string }) => approval.approverId)).toEqual(['carol', 'dave']);
  });

  it('applies exactly once when two approvals for the last step arrive at the same time', async () => {
    await openCreditLine(api, 'race-approve');
    const pending = await api.submit({ stateType: 'credit-limit', stateId: 'race-approve', transition: 'raiseLimit', payload: { by: 20_000 } });
    const replica = await api.startReplica();
    const answers = await Promise.all([
      api.request('POST', `/v1/mutations/${pending.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'approve' } }),
      api.request('POST', `/v1/mutations/${pending.body.mutationId}/approvals`, { as: 'ravi', body: { decision: 'approve' } }, replica),
    ]);
    expect(answers.filter((answer) => answer.status === 200 && answer.body.status === 'applied')).toHaveLength(1);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const head = await api.headPosition();
    const record = await api.request('GET', `/v1/mutations/${pending.body.mutationId}?minPosition=${head}`);
    expect(record.body.timeline.filter((entry: { type: string }) => entry.type === 'MutationApplied')).toHaveLength(1);
    const state = await api.request('GET', `/v1/states/credit-limit/race-approve?minPosition=${head}`);
    expect(state.body).toMatchObject({ version: 2, state: { limit: 25_000 } });
  });

  it('ends a mutation rejected on one rejection', async () => {
    await openCreditLine(api, 'rejected');
    const pending = await api.submit({ stateType: 'credit-limit', stateId: 'rejected', transition: 'raiseLimit', payload: { by: 50_000 } });
    const rejected = await api.request('POST', `/v1/mutations/${pending.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'reject', comment: 'too much' } });
    expect(rejected.body).toMatchObject({ status: 'rejected', recorded: true });
    const record = await api.request('GET', `/v1/mutations/${pending.body.mutationId}?minPosition=${rejected.body.position}`);
    expect(record.body).toMatchObject({ status: 'rejected', outcome: { reason: 'too much', by: 'carol' } });
  });

  it('dismisses approvals when the re-planned change differs, applies a pure rebase, and conflicts on a stale expectedVersion', async () => {
    await openCreditLine(api, 'rebase');
    const raise = await api.submit({ stateType: 'credit-limit', stateId: 'rebase', transition: 'raiseLimit', payload: { by: 50_000 } });
    const set = await api.submit({ stateType: 'credit-limit', stateId: 'rebase', transition: 'setLimit', payload: { amount: 80_000 } });
    const stale = await api.submit({ stateType: 'credit-limit', stateId: 'rebase', transition: 'setLimit', payload: { amount: 70_000 }, expectedVersion: 1 });
    expect([raise.status, set.status, stale.status]).toEqual([202, 202, 202]);
    const moved = await api.submit({ stateType: 'credit-limit', stateId: 'rebase', transition: 'raiseLimit', payload: { by: 500 } });
    expect(moved.body.stateVersion).toBe(2);

    const raiseApproved = await api.request('POST', `/v1/mutations/${raise.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    expect(raiseApproved.body).toMatchObject({ status: 'pending', openRequirements: [{ kind: 'approval', role: 'risk-officer' }] });
    const raiseRecord = await api.request('GET', `/v1/mutations/${raise.body.mutationId}?minPosition=${raiseApproved.body.position}`);
    expect(raiseRecord.body.timeline.map((entry: { type: string }) => entry.type)).toEqual(['MutationRequested', 'MutationAccepted', 'MutationPending', 'ApprovalGranted', 'ApprovalsDismissed', 'MutationPending']);
    expect(raiseRecord.body.diff).toEqual([{ path: 'limit', kind: 'changed', before: 5_500, after: 55_500 }]);

    const setApproved = await api.request('POST', `/v1/mutations/${set.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    expect(setApproved.body).toMatchObject({ status: 'applied', stateVersion: 3 });

    const staleApproved = await api.request('POST', `/v1/mutations/${stale.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    expect(staleApproved.body).toMatchObject({ status: 'conflicted' });
    const state = await api.request('GET', `/v1/states/credit-limit/rebase?minPosition=${staleApproved.body.position}`);
    expect(state.body).toMatchObject({ version: 3, state: { limit: 80_000 } });
  });

  it('lets the requester or an admin cancel, and nobody else', async () => {
    await openCreditLine(api, 'cancel');
    const first = await api.submit({ stateType: 'credit-limit', stateId: 'cancel', transition: 'raiseLimit', payload: { by: 50_000 } });
    const second = await api.submit({ stateType: 'credit-limit', stateId: 'cancel', transition: 'raiseLimit', payload: { by: 60_000 } });
    const stranger = await api.request('POST', `/v1/mutations/${first.body.mutationId}/cancel`, { as: 'carol' });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error).toBe('cancel_not_allowed');
    const byRequester = await api.request('POST', `/v1/mutations/${first.body.mutationId}/cancel`, { body: { reason: 'changed my mind' } });
    expect(byRequester.body).toMatchObject({ status: 'cancelled' });
    const byAdmin = await api.request('POST', `/v1/mutations/${second.body.mutationId}/cancel`, { as: 'erin' });
    expect(byAdmin.body).toMatchObject({ status: 'cancelled' });
    const twice = await api.request('POST', `/v1/mutations/${second.body.mutationId}/cancel`, { as: 'erin' });
    expect(twice.status).toBe(409);
  });

  it('waits for an external check resolved by a principal holding its role (contract loaded from COUNTERSIGN_CONTRACTS_DIR)', async () => {
    await api.submit({ stateType: 'deploy-gate', stateId: 'payments', transition: 'register', payload: { service: 'payments' } });
    const release = await api.submit({ stateType: 'deploy-gate', stateId: 'payments', transition: 'release', payload: { version: '2.0.0' } });
    expect(release.body).toMatchObject({ status: 'pending', requirements: [{ kind: 'external_check', name: 'security-scan', role: 'security-scanner' }] });
    const wrongRole = await api.request('POST', `/v1/mutations/${release.body.mutationId}/checks/security-scan`, { as: 'carol', body: { outcome: 'pass' } });
    expect(wrongRole.status).toBe(403);
    const unknown = await api.request('POST', `/v1/mutations/${release.body.mutationId}/checks/load-test`, { as: 'scanner', body: { outcome: 'pass' } });
    expect(unknown.status).toBe(404);
    const passed = await api.request('POST', `/v1/mutations/${release.body.mutationId}/checks/security-scan`, { as: 'scanner', body: { outcome: 'pass', detail: 'no findings' } });
    expect(passed.body).toMatchObject({ status: 'applied', stateVersion: 2 });

    const next = await api.submit({ stateType: 'deploy-gate', stateId: 'payments', transition: 'release', payload: { version: '2.1.0' } });
    const failed = await api.request('POST', `/v1/mutations/${next.body.mutationId}/checks/security-scan`, { as: 'scanner', body: { outcome: 'fail', detail: 'CVE found' } });
    expect(failed.body).toMatchObject({ status: 'rejected' });
  });

  it('lists for a cfo exactly the mutations waiting on a cfo step', async () => {
    await openCreditLine(api, 'queue');
    const big = await api.submit({ stateType: 'credit-limit', stateId: 'queue', transition: 'raiseLimit', payload: { by: 200_000 } });
    const bigger = await api.submit({ stateType: 'credit-limit', stateId: 'queue', transition: 'raiseLimit', payload: { by: 300_000 } });
    const small = await api.submit({ stateType: 'credit-limit', stateId: 'queue', transition: 'raiseLimit', payload: { by: 20_000 } });
    const step = await api.request('POST', `/v1/mutations/${big.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
    const forCfo = await api.request('GET', `/v1/approvals/pending?minPosition=${step.body.position}`, { as: 'dave' });
    const cfoIds = forCfo.body.items.map((item: { mutationId: string }) => item.mutationId);
    expect(cfoIds).toContain(big.body.mutationId);
    expect(cfoIds).not.toContain(bigger.body.mutationId);
    expect(cfoIds).not.toContain(small.body.mutationId);
    expect(forCfo.body.items.every((item: { currentStep: { role: string } }) => item.currentStep.role === 'cfo')).toBe(true);
    const entry = forCfo.body.items.find((item: { mutationId: string }) => item.mutationId === big.body.mutationId);
    expect(entry).toMatchObject({ requestedBy: { id: 'alice' }, currentStep: { index: 1, role: 'cfo' }, approvals: [{ approverId: 'carol' }] });
    expect(entry.timeLeftMs).toBeGreaterThan(0);

    const forRisk = await api.request('GET', '/v1/approvals/pending?limit=500', { as: 'ravi' });
    const riskIds = forRisk.body.items.map((item: { mutationId: string }) => item.mutationId);
    expect(riskIds).toEqual(expect.arrayContaining([bigger.body.mutationId, small.body.mutationId]));
    expect(riskIds).not.toContain(big.body.mutationId);
    const forRequester = await api.request('GET', '/v1/approvals/pending?limit=500', { as: 'alice' });
    expect(forRequester.body.items).toEqual([]);
  });
});

describe('durable timers', () => {
  it('expires a pending mutation whose deadline passed while no worker ran; approving it then answers 409', async () => {
    const api = await TestApi.start({ COUNTERSIGN_APPROVAL_TTL: '1s', COUNTERSIGN_TIMER_POLL: '50ms' });
    try {
      await openCreditLine(api, 'expiry');
      const pending = await api.submit({ stateType: 'credit-limit', stateId: 'expiry', transition: 'raiseLimit', payload: { by: 50_000 } });
      await api.stop();
      await sleepUntil(pending.body.expiresAt);
      await api.restart({ COUNTERSIGN_APPROVAL_TTL: '1s', COUNTERSIGN_TIMER_POLL: '50ms' });
      const record = await waitFor(
        () => api.request('GET', `/v1/mutations/${pending.body.mutationId}`),
        (response) => response.body.status === 'expired',
      );
      expect(record.body.status).toBe('expired');
      const approve = await api.request('POST', `/v1/mutations/${pending.body.mutationId}/approvals`, { as: 'carol', body: { decision: 'approve' } });
      expect(approve.status).toBe(409);
      expect(approve.body).toMatchObject({ error: 'mutation_not_pending', status: 'expired' });
    } finally {
      await api.close();
    }
  });

  it('applies a mutation scheduled a few seconds ahead after its time and not before, across a restart', async () => {
    const api = await TestApi.start({ COUNTERSIGN_TIMER_POLL: '50ms' });
    try {
      await openCreditLine(api, 'scheduled');
      // Far enough ahead that the submit and the early read finish before it, even on a loaded machine.
      const notBefore = new Date(Date.now() + 6_000).toISOString();
      const scheduled = await api.submit({ stateType: 'credit-limit', stateId: 'scheduled', transition: 'raiseLimit', payload: { by: 100 }, notBefore });
      expect(scheduled.body).toMatchObject({ status: 'pending', requirements: [{ kind: 'schedule', notBefore }] });
      const early = await api.request('GET', `/v1/states/credit-limit/scheduled?minPosition=${scheduled.body.position}`);
      expect(early.body.version).toBe(1);
      await api.stop();
      await sleepUntil(notBefore);
      await api.restart({ COUNTERSIGN_TIMER_POLL: '50ms' });
      const record = await waitFor(
        () => api.request('GET', `/v1/mutations/${scheduled.body.mutationId}`),
        (response) => response.body.status === 'applied',
      );
      expect(record.body.status).toBe('applied');
      expect(Date.parse(record.body.appliedAt)).toBeGreaterThanOrEqual(Date.parse(notBefore));
      expect(record.body.timeline.map((entry: { type: string }) => entry.type)).toEqual([
        'MutationRequested',
        'MutationAccepted',
        'MutationPending',
        'ScheduleReached',
        'MutationStarted',
        'MutationApplied',
        'MutationFinished',
      ]);
    } finally {
      await api.close();
    }
  });

  it('fires every timer once with two worker processes on one database', async () => {
    const api = await TestApi.start({ COUNTERSIGN_APPROVAL_TTL: '1s', COUNTERSIGN_TIMER_POLL: '20ms' });
    try {
      await api.startReplica({ COUNTERSIGN_RUN_WORKER: 'true', COUNTERSIGN_APPROVAL_TTL: '1s', COUNTERSIGN_TIMER_POLL: '20ms' });
      await openCreditLine(api, 'two-workers');
      const ids: string[] = [];
      for (let index = 0; index < 15; index += 1) {
        const pending = await api.submit({ stateType: 'credit-limit', stateId: 'two-workers', transition: 'raiseLimit', payload: { by: 20_000 + index } });
        ids.push(pending.body.mutationId);
      }
      // Ahead far enough to still be pending when the submit arrives on a loaded machine.
      const scheduled = await api.submit({ stateType: 'credit-limit', stateId: 'two-workers', transition: 'raiseLimit', payload: { by: 1 }, notBefore: new Date(Date.now() + 5_000).toISOString() });
      expect(scheduled.body.status).toBe('pending');
      const records = await Promise.all(
        ids.map((id) => waitFor(() => api.request('GET', `/v1/mutations/${id}`), (response) => response.body.status === 'expired')),
      );
      for (const record of records) {
        expect(record.body.status).toBe('expired');
        expect(record.body.timeline.filter((entry: { type: string }) => entry.type === 'MutationExpired')).toHaveLength(1);
      }
      const applied = await waitFor(() => api.request('GET', `/v1/mutations/${scheduled.body.mutationId}`), (response) => response.body.status === 'applied');
      expect(applied.body.timeline.filter((entry: { type: string }) => entry.type === 'ScheduleReached')).toHaveLength(1);
      expect(applied.body.timeline.filter((entry: { type: string }) => entry.type === 'MutationApplied')).toHaveLength(1);
    } finally {
      await api.close();
    }
  });
});
