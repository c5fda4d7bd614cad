import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApi, type ApiResponse } from './support/test-api.js';

// A dependent is planned when its last dependency applies, not at admission (docs/protocol.md §3).

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `accept` holds or the (generous) deadline passes; the caller asserts on what it got. */
async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

type Timeline = { type: string; position: number }[];

describe('planning a dependent when its dependency applies', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ COUNTERSIGN_TIMER_POLL: '50ms' });
  });
  afterAll(async () => {
    await api.close();
  });

  const record = (id: string) => api.request('GET', `/v1/mutations/${id}`);
  /** The record once it satisfies `accept` (e.g. left pending, or is pending for an approval). */
  const recordWhen = (id: string, accept: (answer: ApiResponse) => boolean) => waitFor(() => record(id), (answer) => answer.status === 200 && accept(answer));
  const approve = (id: string) => api.request('POST', `/v1/mutations/${id}/approvals`, { as: 'bob', body: { decision: 'approve' } });
  const state = (stateId: string, minPosition = 0) => api.request('GET', `/v1/states/feature-flag/${stateId}?minPosition=${minPosition}`);
  const appliedAt = (timeline: Timeline) => timeline.find((entry) => entry.type === 'MutationApplied')?.position;

  /** A new disabled flag and a prod `enable` of it, pending for a release-manager. */
  async function flagWithPendingEnable(stateId: string): Promise<string> {
    expect((await api.submit({ stateType: 'feature-flag', stateId, transition: 'create', payload: { owner: 'team-checkout' } })).status).toBe(201);
    const enable = await api.submit({ stateType: 'feature-flag', stateId, transition: 'enable', payload: {}, tags: ['prod'] });
    expect(enable.status).toBe(202);
    expect(enable.body).toMatchObject({ status: 'pending', requirements: [{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }] });
    return enable.body.mutationId as string;
  }

  it('admits setRollout on a flag whose pending enable it depends on, and applies both in order once the enable is approved', async () => {
    const enable = await flagWithPendingEnable('chain');
    // Planned now, the guard would deny it: the flag is disabled. It is planned when the enable has applied.
    const rollout = await api.submit({ stateType: 'feature-flag', stateId: 'chain', transition: 'setRollout', payload: { percentage: 30 }, dependsOn: [enable] });
    expect(rollout.status).toBe(202);
    expect(rollout.body).toEqual({
      mutationId: expect.any(String),
      status: 'pending',
      stateType: 'feature-flag',
      stateId: 'chain',
      transition: 'setRollout',
      decision: { outcome: 'deferred', policies: [] },
      requirements: [{ kind: 'dependency', mutationIds: [enable], timeoutAt: expect.any(String) }],
      diff: [],
      planHash: null,
      classification: { category: 'feature-flag', riskLevel: 'low', sideEffectSeverity: 'low', tags: [], metadata: {}, estimatedBlastRadius: 1 },
      stateVersion: null,
      expiresAt: expect.any(String),
      position: expect.any(Number),
    });
    const waiting = await api.request('GET', `/v1/mutations/${rollout.body.mutationId}?minPosition=${rollout.body.position}`);
    expect(waiting.body).toMatchObject({ status: 'pending', evaluation: { outcome: 'deferred' }, planHash: null, diff: [] });

    const approved = await approve(enable);
    expect(approved.body).toMatchObject({ status: 'applied', stateVersion: 2 });

    const done = await recordWhen(rollout.body.mutationId, (answer) => answer.body.status !== 'pending');
    expect(done.body).toMatchObject({ status: 'applied', stateVersion: 3, evaluation: { outcome: 'allow' }, planHash: expect.stringMatching(/^[0-9a-f]{64}$/), baseVersion: 2 });
    expect(done.body.diff).toEqual([{ path: 'rollout', kind: 'changed', before: 0, after: 30 }]);
    expect((done.body.timeline as Timeline).map((entry) => entry.type)).toEqual([
      'MutationRequested',
      'MutationAccepted',
      'MutationPending',
      'DependencyResolved',
      'MutationPlanned',
      'MutationStarted',
      'MutationApplied',
      'MutationFinished',
    ]);
    const enabled = await record(enable);
    expect(appliedAt(enabled.body.timeline)).toBeLessThan(appliedAt(done.body.timeline)!);
    const flag = await state('chain', done.body.position);
    expect(flag.body).toMatchObject({ version: 3, state: { enabled: true, rollout: 30 } });
  });

  it('records a dependent that its plan denies once the dependency lands: a MutationDenied, status denied, the denial', async () => {
    const enableOther = await flagWithPendingEnable('gate');
    expect((await api.submit({ stateType: 'feature-flag', stateId: 'stays-off', transition: 'create', payload: { owner: 'team-checkout' } })).status).toBe(201);
    // Waits for another flag's enable: this one stays disabled, so the guard denies the rollout once it is planned.
    const rollout = await api.submit({ stateType: 'feature-flag', stateId: 'stays-off', transition: 'setRollout', payload: { percentage: 30 }, dependsOn: [enableOther] });
    expect(rollout.status).toBe(202);
    expect((await approve(enableOther)).body.status).toBe('applied');

    const denied = await recordWhen(rollout.body.mutationId, (answer) => answer.body.status !== 'pending');
    expect(denied.body).toMatchObject({
      status: 'denied',
      evaluation: { outcome: 'deny' },
      denial: { deniedBy: 'guard', code: 'guard_denied', reason: 'a rollout above 0 on a disabled flag has no effect', suggestions: [{ transition: 'enable' }] },
      stateVersion: null,
      finishedAt: expect.any(String),
    });
    const types = (denied.body.timeline as Timeline).map((entry) => entry.type);
    expect(types.slice(types.indexOf('DependencyResolved'))).toEqual(['DependencyResolved', 'MutationPlanned', 'MutationStarted', 'MutationDenied', 'MutationFinished']);
    const listed = await api.request('GET', '/v1/mutations?stateId=stays-off&status=denied');
    expect(listed.body.items.map((item: { mutationId: string }) => item.mutationId)).toEqual([rollout.body.mutationId]);
    expect((await state('stays-off')).body).toMatchObject({ version: 1, state: { enabled: false, rollout: 0 } });
  });

  it('keeps a dependent pending for the approval its plan needs once the dependency lands, and applies it when approved', async () => {
    const enable = await flagWithPendingEnable('jump');
    // 0 → 80 on a prod flag: a jump of more than 50 points needs a release-manager, decided when it is planned.
    const rollout = await api.submit({ stateType: 'feature-flag', stateId: 'jump', transition: 'setRollout', payload: { percentage: 80 }, tags: ['prod'], dependsOn: [enable] });
    expect(rollout.body).toMatchObject({ status: 'pending', requirements: [{ kind: 'dependency' }], classification: { riskLevel: 'low', tags: ['prod'] } });
    expect((await approve(enable)).body.status).toBe('applied');

    const planned = await recordWhen(rollout.body.mutationId, (answer) => answer.body.currentStep !== null);
    expect(planned.body).toMatchObject({
      status: 'pending',
      requirements: [{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }],
      currentStep: { index: 0, role: 'release-manager' },
      riskLevel: 'medium',
      diff: [{ path: 'rollout', kind: 'changed', before: 0, after: 80 }],
    });
    const inbox = await api.request('GET', '/v1/approvals/pending', { as: 'bob' });
    expect(inbox.body.items.map((item: { mutationId: string }) => item.mutationId)).toContain(rollout.body.mutationId);

    const approved = await approve(rollout.body.mutationId);
    expect(approved.body).toMatchObject({ status: 'applied', stateVersion: 3 });
    expect((await state('jump', approved.body.position)).body).toMatchObject({ version: 3, state: { enabled: true, rollout: 80 } });
  });

  it('checks expectedVersion when the dependent runs: the version after its dependency applies, a stale one conflicts', async () => {
    const enable = await flagWithPendingEnable('versions');
    // The flag is at version 1; after the enable it is at 2. Both are admitted: neither is checked yet.
    const expectingTwo = await api.submit({ stateType: 'feature-flag', stateId: 'versions', transition: 'setRollout', payload: { percentage: 10 }, expectedVersion: 2, dependsOn: [enable] });
    const expectingOne = await api.submit({ stateType: 'feature-flag', stateId: 'versions', transition: 'setRollout', payload: { percentage: 20 }, expectedVersion: 1, dependsOn: [enable] });
    expect([expectingTwo.status, expectingOne.status]).toEqual([202, 202]);
    expect((await approve(enable)).body.status).toBe('applied');

    const settled = await Promise.all([expectingTwo, expectingOne].map((answer) => recordWhen(answer.body.mutationId, (found) => found.body.status !== 'pending')));
    // In either order: a conflict leaves the version where it is, so the one expecting 2 applies and the one expecting 1
    // conflicts — against version 2 when it runs first, against 3 when it runs second.
    expect(settled.map((found) => found.body.status)).toEqual(['applied', 'conflicted']);
    expect(settled[0]!.body.stateVersion).toBe(3);
    expect(settled[1]!.body.outcome).toMatchObject({ expectedVersion: 1 });
    expect([2, 3]).toContain(settled[1]!.body.outcome.currentVersion);
  });

  it('refuses at admission, writing nothing, what does not depend on the state, and answers a dry run without recording it', async () => {
    const enable = await flagWithPendingEnable('admission');
    const head = await api.headPosition();
    const badPayload = await api.submit({ stateType: 'feature-flag', stateId: 'admission', transition: 'setRollout', payload: { percentage: 200 }, dependsOn: [enable] });
    expect(badPayload.status).toBe(422);
    expect(badPayload.body).toMatchObject({ error: 'invalid_payload', details: { violations: expect.any(Array) } });
    const unknownTransition = await api.submit({ stateType: 'feature-flag', stateId: 'admission', transition: 'explode', payload: {}, dependsOn: [enable] });
    expect(unknownTransition.body).toMatchObject({ error: 'unknown_transition' });

    const dryRun = await api.submit({ stateType: 'feature-flag', stateId: 'admission', transition: 'setRollout', payload: { percentage: 30 }, dependsOn: [enable], dryRun: true });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body).toMatchObject({
      dryRun: true,
      decision: { outcome: 'deferred', policies: [] },
      requirements: [{ kind: 'dependency', mutationIds: [enable] }],
      diff: [],
      planHash: null,
      stateVersion: 1,
      resultingState: null,
    });
    expect(await api.headPosition()).toBe(head);
  });
});
