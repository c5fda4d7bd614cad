import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Policy } from '../policy/policy.js';
import { recordHistory, runOnLane, submitCommand, TEST_NOW, TEST_STATE_ID, testActor } from '../testing/decider-test-kit.js';
import { defineQuotaContract, type Quota } from '../testing/quota.contract.js';
import { evolveLane, foldLane, initialLaneState } from './lane.js';
import type { MutationApplied, MutationDenied, MutationEvent, MutationPending, MutationRequested } from './mutation-events.js';
import type { SubmitMutation } from './submit-mutation.js';

const bigLimitsNeedApproval: Policy<Quota> = {
  name: 'big-limits-need-quota-admin',
  evaluate: ({ after }) =>
    Object.values(after.limits).some((limit) => limit > 1_000)
      ? { outcome: 'require', requirements: [{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }] }
      : { outcome: 'allow' },
};

const noAgents: Policy<Quota> = {
  name: 'no-agents',
  evaluate: ({ actor }) => (actor.kind === 'agent' ? { outcome: 'deny', reason: 'agents may not change quotas' } : { outcome: 'allow' }),
};

const quota = defineQuotaContract([noAgents, bigLimitsNeedApproval]);

function applied(mutationId: string, version: number, ops: MutationApplied['data']['ops']): MutationApplied {
  return {
    type: 'MutationApplied',
    data: { mutationId, stateType: 'tenant-quota', stateId: TEST_STATE_ID, transition: 'test', actor: testActor(), version, ops, diff: [], appliedAt: TEST_NOW },
  };
}

function requested(mutationId: string): MutationRequested {
  return {
    type: 'MutationRequested',
    data: {
      mutationId,
      stateType: 'tenant-quota',
      stateId: TEST_STATE_ID,
      transition: 'setLimit',
      payload: { name: 'storage', value: 5_000 },
      actor: testActor(),
      reason: null,
      classification: { category: 'quota', riskLevel: 'low', sideEffectSeverity: 'none', tags: ['quota'], metadata: {}, estimatedBlastRadius: 1 },
      expectedVersion: null,
      idempotencyKey: null,
      dependsOn: [],
      notBefore: null,
      baseVersion: 1,
      planHash: 'plan-hash',
      evaluation: { outcome: 'require', policies: [] },
      requestedAt: TEST_NOW,
    },
  };
}

const storageTo5000 = [{ path: 'limits.storage', kind: 'added' as const, after: 5_000 }];

function pending(mutationId: string): MutationPending {
  return {
    type: 'MutationPending',
    data: {
      mutationId,
      transition: 'setLimit',
      requestedBy: 'alice',
      requirements: [{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }],
      expiresAt: '2030-01-16T12:00:00.000Z',
      pendingAt: TEST_NOW,
      diff: storageTo5000,
      baseVersion: 1,
    },
  };
}

/** A request and its pending outcome, as decideSubmit records them. */
function requestedAndPending(mutationId: string): MutationEvent[] {
  return [requested(mutationId), pending(mutationId)];
}

describe('initialLaneState', () => {
  it('is a state that does not exist yet, at version 0, with nothing pending', () => {
    expect(initialLaneState('tenant-quota', 'acme')).toEqual({ stateType: 'tenant-quota', stateId: 'acme', exists: false, document: null, version: 0, sequence: 0, pending: {}, requested: {}, compensations: {} });
  });
});

describe('evolveLane', () => {
  const created = evolveLane(initialLaneState('tenant-quota', TEST_STATE_ID), applied('m-1', 1, [{ op: 'set', path: '', value: { owner: 'a', limits: {}, frozen: false } }]));

  it('creates the state with the first applied change', () => {
    expect(created).toMatchObject({ exists: true, version: 1, document: { owner: 'a', limits: {}, frozen: false } });
  });

  it('applies the ops of an applied change and takes its version', () => {
    const lane = evolveLane(created, applied('m-2', 2, [{ op: 'set', path: 'limits.storage', value: 10 }]));
    expect(lane).toMatchObject({ version: 2, document: { owner: 'a', limits: { storage: 10 }, frozen: false } });
  });

  it('holds a request until its outcome and lets a denial end it, without touching document or version', () => {
    const [request] = recordHistory(quota, [submitCommand('create', { owner: 'a' })]) as [MutationEvent];
    const denied: MutationDenied = {
      type: 'MutationDenied',
      data: { mutationId: 'given-1', deniedBy: 'policy', code: 'policy_denied', reason: 'no', policy: 'p', suggestions: [], deniedAt: TEST_NOW },
    };
    expect(request.type).toBe('MutationRequested');
    const awaiting = evolveLane(created, request);
    expect(awaiting).toEqual({ ...created, sequence: created.sequence + 1, requested: { 'given-1': request.data } });
    expect(evolveLane(awaiting, denied)).toEqual({ ...created, sequence: created.sequence + 2 });
  });

  it('remembers a pending mutation by id, with its request, and forgets it once it is applied', () => {
    const waiting = requestedAndPending('m-2').reduce(evolveLane, created);
    expect(waiting.pending).toEqual({
      'm-2': {
        mutationId: 'm-2',
        request: requested('m-2').data,
        requirements: [{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }],
        approvals: [],
        passedChecks: [],
        scheduleReached: false,
        resolvedDependencies: [],
        expiresAt: '2030-01-16T12:00:00.000Z',
        deferred: false,
        diff: storageTo5000,
        baseVersion: 1,
      },
    });
    expect(waiting.requested).toEqual({});
    expect(waiting.version).toBe(1);
    const done = evolveLane(waiting, applied('m-2', 2, [{ op: 'set', path: 'limits.storage', value: 5_000 }]));
    expect(done.pending).toEqual({});
    expect(done.version).toBe(2);
  });

  it('keeps other pending mutations when one is applied', () => {
    const twoWaiting = [...requestedAndPending('m-2'), ...requestedAndPending('m-3')].reduce(evolveLane, created);
    expect(Object.keys(evolveLane(twoWaiting, applied('m-3', 2, [])).pending)).toEqual(['m-2']);
  });

  it('never modifies the lane it evolves from', () => {
    const waiting = requestedAndPending('m-2').reduce(evolveLane, created);
    const snapshots = [structuredClone(created), structuredClone(waiting)];
    evolveLane(created, applied('m-2', 2, [{ op: 'set', path: 'owner', value: 'b' }]));
    evolveLane(created, requested('m-3'));
    evolveLane(waiting, granted('m-2', 'bob', 0));
    evolveLane(waiting, { type: 'ApprovalsDismissed', data: { mutationId: 'm-2', reason: 'r', dismissed: [], dismissedAt: TEST_NOW } });
    evolveLane(waiting, { type: 'ScheduleReached', data: { mutationId: 'm-2', notBefore: TEST_NOW, reachedAt: TEST_NOW } });
    evolveLane(waiting, pending('m-2'));
    expect([created, waiting]).toEqual(snapshots);
  });
});

function granted(mutationId: string, approverId: string, step: number): MutationEvent {
  return {
    type: 'ApprovalGranted',
    data: { mutationId, approver: testActor({ id: approverId, roles: ['quota-admin'] }), step, role: 'quota-admin', comment: null, approvedAt: TEST_NOW },
  };
}

describe('evolveLane through the pending lifecycle', () => {
  const created = evolveLane(initialLaneState('tenant-quota', TEST_STATE_ID), applied('m-1', 1, [{ op: 'set', path: '', value: { owner: 'a', limits: {}, frozen: false } }]));
  const waiting = requestedAndPending('m-2').reduce(evolveLane, created);
  const bob = testActor({ id: 'bob', roles: ['quota-admin'] });

  it('ignores a pending outcome whose request it never saw', () => {
    expect(evolveLane(created, pending('m-2'))).toEqual({ ...created, sequence: created.sequence + 1 });
  });

  it('reads a pending event recorded before it carried diff and baseVersion as no diff at the current version', () => {
    const { diff: _diff, baseVersion: _baseVersion, ...legacyData } = pending('m-2').data;
    const legacy = { type: 'MutationPending', data: legacyData } as unknown as MutationEvent;
    const lane = [requested('m-2'), legacy].reduce(evolveLane, created);
    expect(lane.pending['m-2']).toMatchObject({ diff: [], baseVersion: 1 });
  });

  it('counts each granted approval with its step, role and time', () => {
    const lane = [granted('m-2', 'bob', 0), granted('m-2', 'carol', 1)].reduce(evolveLane, waiting);
    expect(lane.pending['m-2']?.approvals).toEqual([
      { approverId: 'bob', step: 0, role: 'quota-admin', approvedAt: TEST_NOW },
      { approverId: 'carol', step: 1, role: 'quota-admin', approvedAt: TEST_NOW },
    ]);
  });

  it('remembers passed checks once each and ignores failed ones (the rejection that follows ends the mutation)', () => {
    const resolved = (name: string, outcome: 'pass' | 'fail'): MutationEvent => ({
      type: 'CheckResolved',
      data: { mutationId: 'm-2', name, outcome, detail: null, resolvedBy: bob, resolvedAt: TEST_NOW },
    });
    const lane = [resolved('scan', 'pass'), resolved('scan', 'pass'), resolved('ticket', 'fail')].reduce(evolveLane, waiting);
    expect(lane.pending['m-2']?.passedChecks).toEqual(['scan']);
  });

  it('marks the schedule reached', () => {
    const lane = evolveLane(waiting, { type: 'ScheduleReached', data: { mutationId: 'm-2', notBefore: TEST_NOW, reachedAt: TEST_NOW } });
    expect(lane.pending['m-2']?.scheduleReached).toBe(true);
  });

  it('clears approvals and passed checks when approvals are dismissed', () => {
    const approved = [
      granted('m-2', 'bob', 0),
      { type: 'CheckResolved', data: { mutationId: 'm-2', name: 'scan', outcome: 'pass', detail: null, resolvedBy: bob, resolvedAt: TEST_NOW } } as MutationEvent,
    ].reduce(evolveLane, waiting);
    const dismissed = evolveLane(approved, { type: 'ApprovalsDismissed', data: { mutationId: 'm-2', reason: 'changed', dismissed: [], dismissedAt: TEST_NOW } });
    expect(dismissed.pending['m-2']).toMatchObject({ approvals: [], passedChecks: [] });
  });

  it('starts a new round when pending again: new requirements, diff and expiry, the same request, the schedule stays reached', () => {
    const progressed = [granted('m-2', 'bob', 0), { type: 'ScheduleReached', data: { mutationId: 'm-2', notBefore: TEST_NOW, reachedAt: TEST_NOW } } as MutationEvent].reduce(
      evolveLane,
      waiting,
    );
    const again: MutationPending = {
      type: 'MutationPending',
      data: {
        ...pending('m-2').data,
        requirements: [{ kind: 'approval', steps: [{ role: 'cfo', count: 1 }] }],
        expiresAt: '2030-01-17T12:00:00.000Z',
        diff: [{ path: 'limits.storage', kind: 'changed', before: 10, after: 5_010 }],
        baseVersion: 4,
      },
    };
    expect(evolveLane(progressed, again).pending['m-2']).toEqual({
      mutationId: 'm-2',
      request: requested('m-2').data,
      requirements: [{ kind: 'approval', steps: [{ role: 'cfo', count: 1 }] }],
      approvals: [],
      passedChecks: [],
      scheduleReached: true,
      resolvedDependencies: [],
      expiresAt: '2030-01-17T12:00:00.000Z',
      deferred: false,
      diff: [{ path: 'limits.storage', kind: 'changed', before: 10, after: 5_010 }],
      baseVersion: 4,
    });
  });

  it('leaves the lane alone on a rejected approval and on progress of a mutation that is not pending', () => {
    const rejection: MutationEvent = { type: 'ApprovalRejected', data: { mutationId: 'm-2', approver: bob, step: 0, role: 'quota-admin', comment: null, rejectedAt: TEST_NOW } };
    expect(evolveLane(waiting, rejection)).toEqual({ ...waiting, sequence: waiting.sequence + 1 });
    expect(evolveLane(created, granted('m-9', 'bob', 0))).toEqual({ ...created, sequence: created.sequence + 1 });
  });

  const endings: MutationEvent[] = [
    { type: 'MutationRejected', data: { mutationId: 'm-2', reason: 'no', rejectedBy: bob, rejectedAt: TEST_NOW } },
    { type: 'MutationExpired', data: { mutationId: 'm-2', expiresAt: TEST_NOW, expiredAt: TEST_NOW } },
    { type: 'MutationCancelled', data: { mutationId: 'm-2', cancelledBy: bob, reason: null, cancelledAt: TEST_NOW } },
    { type: 'MutationConflicted', data: { mutationId: 'm-2', expectedVersion: 0, currentVersion: 1, conflictedAt: TEST_NOW } },
    { type: 'MutationFailed', data: { mutationId: 'm-2', code: 'effect_failed', reason: 'r', failedAt: TEST_NOW } },
    { type: 'MutationDenied', data: { mutationId: 'm-2', deniedBy: 'guard', code: 'guard_denied', reason: 'r', policy: null, suggestions: [], deniedAt: TEST_NOW } },
  ];

  it.each(endings.map((event) => [event.type, event] as const))('%s ends the pending mutation and keeps document and version', (_type, ending) => {
    const lane = [...requestedAndPending('m-3'), ending].reduce(evolveLane, waiting);
    expect(lane).toEqual({ ...created, sequence: created.sequence + 5, pending: { 'm-3': expect.objectContaining({ mutationId: 'm-3' }) } });
  });
});

describe('foldLane', () => {
  it('rebuilds a lane from its recorded events', () => {
    const events = recordHistory(quota, [
      submitCommand('create', { owner: 'team-a' }),
      submitCommand('setLimit', { name: 'storage', value: 100 }),
      submitCommand('setLimit', { name: 'storage', value: 5_000 }),
      submitCommand('raiseLimit', { name: 'seats', by: 3 }),
      submitCommand('freeze', {}, { actor: testActor({ kind: 'agent' }) }),
    ]);
    expect(foldLane('tenant-quota', TEST_STATE_ID, events)).toEqual({
      stateType: 'tenant-quota',
      stateId: TEST_STATE_ID,
      exists: true,
      document: { owner: 'team-a', limits: { storage: 100, seats: 3 }, frozen: false },
      version: 3,
      sequence: events.length,
      pending: { 'given-3': expect.objectContaining({ mutationId: 'given-3', request: expect.objectContaining({ transition: 'setLimit', payload: { name: 'storage', value: 5_000 } }) }) },
      requested: {},
      compensations: {},
    });
  });

  it('gives the initial lane for no events', () => {
    expect(foldLane('tenant-quota', 'acme', [])).toEqual(initialLaneState('tenant-quota', 'acme'));
  });
});

describe('a lane under a random sequence of submits', () => {
  const limitName = fc.constantFrom('storage', 'seats');
  const change = fc.oneof(
    fc.record({ transition: fc.constant('setLimit'), payload: fc.record({ name: limitName, value: fc.integer({ min: -10, max: 2_000 }) }) }),
    fc.record({ transition: fc.constant('raiseLimit'), payload: fc.record({ name: limitName, by: fc.integer({ min: -1, max: 800 }) }) }),
    fc.record({ transition: fc.constantFrom('freeze', 'unfreeze'), payload: fc.constant({}) }),
    fc.record({ transition: fc.constant('create'), payload: fc.record({ owner: fc.constantFrom('team-a', 'team-b') }) }),
  );
  /** True about one time in `n`. */
  const sometimes = (n: number) => fc.integer({ min: 1, max: n }).map((roll) => roll === 1);
  const submit = fc.record({
    change,
    agent: sometimes(6),
    dryRun: sometimes(6),
    expectedVersion: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat({ max: 8 }) }),
  });
  /** Mostly starts with a create, so later changes have a state to work on. */
  const commands = fc.tuple(fc.boolean(), fc.array(submit, { maxLength: 25 })).map(([startWithCreate, submits]): SubmitMutation[] => [
    ...(startWithCreate ? [submitCommand('create', { owner: 'team-a' }, { mutationId: 'm-0' })] : []),
    ...submits.map(({ change: { transition, payload }, agent, dryRun, expectedVersion }, index) =>
      submitCommand(transition, payload, { mutationId: `m-${index + 1}`, actor: testActor({ kind: agent ? 'agent' : 'human' }), dryRun, expectedVersion }),
    ),
  ]);

  it('numbers applied changes 1, 2, 3 … and ends at the number of applied changes', () => {
    fc.assert(
      fc.property(commands, (submits) => {
        const run = runOnLane(quota, submits);
        const versions = run.events.filter((event): event is MutationApplied => event.type === 'MutationApplied').map((event) => event.data.version);
        expect(versions).toEqual(versions.map((_, index) => index + 1));
        expect(run.lane.version).toBe(versions.length);
      }),
      { numRuns: 200 },
    );
  });

  it('reports the lane version after each recorded outcome', () => {
    fc.assert(
      fc.property(commands, (submits) => {
        const run = runOnLane(quota, submits);
        let lane = initialLaneState(quota.stateType, TEST_STATE_ID);
        for (const outcome of run.outcomes) {
          if (outcome.kind !== 'recorded') continue;
          const before = lane.version;
          lane = outcome.events.reduce(evolveLane, lane);
          expect(outcome.version).toBe(lane.version);
          expect(lane.version - before).toBe(outcome.status === 'applied' ? 1 : 0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('replays to the same lane as the one evolved live', () => {
    fc.assert(
      fc.property(commands, (submits) => {
        const run = runOnLane(quota, submits);
        expect(foldLane(quota.stateType, TEST_STATE_ID, run.events)).toEqual(run.lane);
      }),
      { numRuns: 200 },
    );
  });

  it('records nothing for dry runs and rejected submits, and only valid documents', () => {
    fc.assert(
      fc.property(commands, (submits) => {
        const run = runOnLane(quota, submits);
        const recordedIds = new Set(run.events.map((event) => event.data.mutationId));
        run.outcomes.forEach((outcome, index) => {
          expect(recordedIds.has(submits[index]!.mutationId)).toBe(outcome.kind === 'recorded');
        });
        if (run.lane.exists) expect(quota.validateState(run.lane.document)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
