import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Policy } from '../policy/policy.js';
import { recordHistory, runOnLane, submitCommand, TEST_NOW, TEST_STATE_ID, testActor } from '../testing/decider-test-kit.js';
import { defineQuotaContract, type Quota } from '../testing/quota.contract.js';
import { evolveLane, foldLane, initialLaneState } from './lane.js';
import type { MutationApplied, MutationDenied, MutationEvent, MutationPending } from './mutation-events.js';
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

function pending(mutationId: string): MutationPending {
  return {
    type: 'MutationPending',
    data: { mutationId, transition: 'setLimit', requestedBy: 'alice', requirements: [{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }], expiresAt: '2030-01-16T12:00:00.000Z', pendingAt: TEST_NOW },
  };
}

describe('initialLaneState', () => {
  it('is a state that does not exist yet, at version 0, with nothing pending', () => {
    expect(initialLaneState('tenant-quota', 'acme')).toEqual({ stateType: 'tenant-quota', stateId: 'acme', exists: false, document: null, version: 0, pending: {} });
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

  it('ignores requested and denied events', () => {
    const [requested] = recordHistory(quota, [submitCommand('create', { owner: 'a' })]) as [MutationEvent];
    const denied: MutationDenied = {
      type: 'MutationDenied',
      data: { mutationId: 'm-9', deniedBy: 'policy', code: 'policy_denied', reason: 'no', policy: 'p', suggestions: [], deniedAt: TEST_NOW },
    };
    expect(requested.type).toBe('MutationRequested');
    expect(evolveLane(created, requested)).toBe(created);
    expect(evolveLane(created, denied)).toBe(created);
  });

  it('remembers a pending mutation by id and forgets it once it is applied', () => {
    const waiting = evolveLane(created, pending('m-2'));
    expect(waiting.pending).toEqual({
      'm-2': { mutationId: 'm-2', transition: 'setLimit', requestedBy: 'alice', requirements: [{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }], expiresAt: '2030-01-16T12:00:00.000Z' },
    });
    expect(waiting.version).toBe(1);
    const done = evolveLane(waiting, applied('m-2', 2, [{ op: 'set', path: 'limits.storage', value: 5_000 }]));
    expect(done.pending).toEqual({});
    expect(done.version).toBe(2);
  });

  it('keeps other pending mutations when one is applied', () => {
    const twoWaiting = [pending('m-2'), pending('m-3')].reduce(evolveLane, created);
    expect(Object.keys(evolveLane(twoWaiting, applied('m-3', 2, [])).pending)).toEqual(['m-2']);
  });

  it('never modifies the lane it evolves from', () => {
    const snapshot = structuredClone(created);
    evolveLane(created, applied('m-2', 2, [{ op: 'set', path: 'owner', value: 'b' }]));
    evolveLane(created, pending('m-3'));
    expect(created).toEqual(snapshot);
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
      pending: { 'given-3': expect.objectContaining({ mutationId: 'given-3', transition: 'setLimit' }) },
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
