import { describe, expect, it } from '@jest/globals';
import type { Policy } from '../policy/policy.js';
import { given, recordedEvents, recordHistory, submitCommand, TEST_NOW, testActor } from '../testing/decider-test-kit.js';
import { defineQuotaContract, type Quota } from '../testing/quota.contract.js';
import type { MutationApplied, MutationDenied, MutationPending, MutationRequested } from './mutation-events.js';
import type { SubmitMutation, SubmitOutcome } from './submit-mutation.js';

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

const bigLimitsNeedApproval: Policy<Quota> = {
  name: 'big-limits-need-quota-admin',
  evaluate: ({ after }) =>
    Object.values(after.limits).some((limit) => limit > 1_000)
      ? { outcome: 'require', reason: 'a limit above 1000', requirements: [{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }] }
      : { outcome: 'allow' },
};

const hugeLimitsExpireInAnHour: Policy<Quota> = {
  name: 'huge-limits-expire-fast',
  evaluate: ({ after }) =>
    Object.values(after.limits).some((limit) => limit > 100_000)
      ? { outcome: 'require', requirements: [{ kind: 'approval', steps: [{ role: 'cfo', count: 1 }] }], expiresInMs: 60 * 60 * 1000 }
      : { outcome: 'allow' },
};

const noAgents: Policy<Quota> = {
  name: 'no-agents',
  evaluate: ({ actor }) => (actor.kind === 'agent' ? { outcome: 'deny', reason: 'agents may not change quotas' } : { outcome: 'allow' }),
};

const quota = defineQuotaContract([noAgents, bigLimitsNeedApproval, hugeLimitsExpireInAnHour]);

/** A quota created and given a storage limit of 100: version 2. */
const createdWithStorage = recordHistory(quota, [submitCommand('create', { owner: 'team-a' }), submitCommand('setLimit', { name: 'storage', value: 100 })]);

function recorded(outcome: SubmitOutcome): Extract<SubmitOutcome, { kind: 'recorded' }> {
  if (outcome.kind !== 'recorded') throw new Error(`expected a recorded outcome, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('decideSubmit', () => {
  describe('given a quota at version 2', () => {
    it('when the expected version is stale, then it is rejected as a version conflict with the current version', () => {
      const outcome = given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 200 }, { expectedVersion: 1 }));
      expect(outcome).toEqual({
        kind: 'rejected',
        error: {
          code: 'version_conflict',
          message: 'expected version 1 but tenant-quota/state-1 is at version 2',
          details: { expectedVersion: 1, currentVersion: 2 },
        },
      });
    });

    it('when the expected version is current, then the change applies', () => {
      const outcome = given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 200 }, { expectedVersion: 2 }));
      expect(recorded(outcome).status).toBe('applied');
    });

    it('when it is a dry run, then the plan comes back and nothing is recorded', () => {
      const outcome = given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 200 }, { dryRun: true }));
      expect(outcome.kind).toBe('planned');
      expect(outcome).not.toHaveProperty('events');
      expect(outcome.kind === 'planned' && outcome.plan).toMatchObject({ baseVersion: 2, diff: [{ path: 'limits.storage', kind: 'changed', before: 100, after: 200 }] });
    });

    it('when a dry run would need approval, then the plan shows the requirements and nothing is recorded', () => {
      const outcome = given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 5_000 }, { dryRun: true }));
      expect(outcome).toMatchObject({ kind: 'planned', plan: { requirements: [{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }] } });
    });

    it('when the request cannot be planned, then it is rejected and nothing is recorded', () => {
      const outcome = given(quota, createdWithStorage).when(submitCommand('create', { owner: 'team-b' }));
      expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'state_already_exists' } });
    });

    it('when an allowed change is submitted, then it is requested and applied at version 3', () => {
      const command = submitCommand(
        'setLimit',
        { name: 'storage', value: 200 },
        { mutationId: 'm-42', reason: 'more room', expectedVersion: 2, idempotencyKey: 'key-1', dependsOn: ['m-41'], dependencyStatuses: { 'm-41': 'applied' }, classification: { tags: ['ops'] } },
      );
      const outcome = recorded(given(quota, createdWithStorage).when(command));
      expect(outcome.status).toBe('applied');
      expect(outcome.version).toBe(3);
      expect(outcome.events.map((event) => event.type)).toEqual(['MutationRequested', 'MutationApplied']);
      const [requested, applied] = outcome.events as [MutationRequested, MutationApplied];
      expect(requested.data).toEqual({
        mutationId: 'm-42',
        stateType: 'tenant-quota',
        stateId: 'state-1',
        transition: 'setLimit',
        payload: { name: 'storage', value: 200 },
        actor: testActor(),
        reason: 'more room',
        classification: { category: 'quota', riskLevel: 'low', sideEffectSeverity: 'none', tags: ['ops', 'quota'], metadata: {}, estimatedBlastRadius: 1 },
        expectedVersion: 2,
        idempotencyKey: 'key-1',
        dependsOn: ['m-41'],
        notBefore: null,
        baseVersion: 2,
        planHash: outcome.plan.hash,
        evaluation: { outcome: 'allow', policies: outcome.plan.decision.policies },
        requestedAt: TEST_NOW,
      });
      expect(applied.data).toEqual({
        mutationId: 'm-42',
        stateType: 'tenant-quota',
        stateId: 'state-1',
        transition: 'setLimit',
        actor: testActor(),
        version: 3,
        ops: [{ op: 'set', path: 'limits.storage', value: 200 }],
        diff: [{ path: 'limits.storage', kind: 'changed', before: 100, after: 200 }],
        appliedAt: TEST_NOW,
      });
    });

    it('when optional fields are left out, then the request records them as null or empty', () => {
      const [requested] = recorded(given(quota, createdWithStorage).when(submitCommand('freeze', {}))).events as [MutationRequested];
      expect(requested.data).toMatchObject({ reason: null, expectedVersion: null, idempotencyKey: null, dependsOn: [], notBefore: null });
    });

    it('when a change needs approval, then it is pending until now + the approval ttl', () => {
      const outcome = recorded(given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 5_000 }, { mutationId: 'm-7' }), { approvalTtlMs: ONE_DAY_MS }));
      expect(outcome.status).toBe('pending');
      expect(outcome.version).toBe(2);
      expect(outcome.expiresAt).toBe('2030-01-16T12:00:00.000Z');
      expect(outcome.events.map((event) => event.type)).toEqual(['MutationRequested', 'MutationPending']);
      expect((outcome.events[1] as MutationPending).data).toEqual({
        mutationId: 'm-7',
        transition: 'setLimit',
        requestedBy: 'alice',
        requirements: [{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }],
        expiresAt: '2030-01-16T12:00:00.000Z',
        pendingAt: TEST_NOW,
        diff: [{ path: 'limits.storage', kind: 'changed', before: 100, after: 5_000 }],
        baseVersion: 2,
      });
    });

    it('when a policy asks for a shorter expiry than the ttl, then the pending mutation expires sooner', () => {
      const outcome = recorded(given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 500_000 }), { approvalTtlMs: ONE_DAY_MS }));
      expect(outcome.expiresAt).toBe('2030-01-15T13:00:00.000Z');
      expect((outcome.events[1] as MutationPending).data.requirements).toEqual([
        {
          kind: 'approval',
          steps: [
            { role: 'quota-admin', count: 1 },
            { role: 'cfo', count: 1 },
          ],
        },
      ]);
    });

    it('when the ttl is shorter than what a policy allows, then the ttl wins', () => {
      const outcome = recorded(given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 500_000 }), { approvalTtlMs: 60_000 }));
      expect(outcome.expiresAt).toBe('2030-01-15T12:01:00.000Z');
    });

    it('when notBefore lies ahead, then the change is pending on its schedule', () => {
      const outcome = recorded(given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 200 }, { notBefore: '2030-01-15T18:00:00.000Z' })));
      expect(outcome.status).toBe('pending');
      expect((outcome.events[1] as MutationPending).data.requirements).toEqual([{ kind: 'schedule', notBefore: '2030-01-15T18:00:00.000Z' }]);
      expect((outcome.events[0] as MutationRequested).data.notBefore).toBe('2030-01-15T18:00:00.000Z');
    });

    it('when notBefore lies beyond the approval ttl, then the mutation expires a ttl after its schedule, not before it', () => {
      const outcome = recorded(
        given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 5_000 }, { notBefore: '2030-01-20T00:00:00.000Z' }), { approvalTtlMs: ONE_DAY_MS }),
      );
      expect(outcome.status).toBe('pending');
      expect(outcome.expiresAt).toBe('2030-01-21T00:00:00.000Z');
    });

    it('when a policy denies, then it is requested and denied, naming the policy, and the version stays', () => {
      const outcome = recorded(given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'storage', value: 200 }, { actor: testActor({ kind: 'agent' }) })));
      expect(outcome.status).toBe('denied');
      expect(outcome.version).toBe(2);
      expect(outcome.events.map((event) => event.type)).toEqual(['MutationRequested', 'MutationDenied']);
      expect((outcome.events[0] as MutationRequested).data.evaluation.outcome).toBe('deny');
      expect((outcome.events[1] as MutationDenied).data).toEqual({
        mutationId: 'mutation-setLimit',
        deniedBy: 'policy',
        code: 'policy_denied',
        reason: 'agents may not change quotas',
        policy: 'no-agents',
        suggestions: [],
        deniedAt: TEST_NOW,
      });
    });
  });

  describe('given a plan shown earlier (expectedPlanHash)', () => {
    const raise = (overrides: Partial<SubmitMutation> = {}) => submitCommand('setLimit', { name: 'storage', value: 5_000 }, overrides);
    const shown = given(quota, createdWithStorage).when(raise({ dryRun: true }));
    const shownHash = shown.kind === 'planned' ? shown.plan.hash : 'no plan';
    /** The quota after someone else set another limit: version 3, so the same request plans differently. */
    const movedOn = [...createdWithStorage, ...recordedEvents(given(quota, createdWithStorage).when(submitCommand('setLimit', { name: 'cpu', value: 8 }, { mutationId: 'other' })))];

    it('when the plan is unchanged, then the mutation is recorded with exactly that plan', () => {
      const outcome = recorded(given(quota, createdWithStorage).when(raise({ expectedPlanHash: shownHash })));
      expect(outcome.status).toBe('pending');
      expect(outcome.plan.hash).toBe(shownHash);
      expect((outcome.events[0] as MutationRequested).data.planHash).toBe(shownHash);
    });

    it('when the state moved on since, then it is rejected as plan_changed with the current hash, and nothing is recorded', () => {
      const current = given(quota, movedOn).when(raise({ dryRun: true }));
      const currentHash = current.kind === 'planned' ? current.plan.hash : 'no plan';
      expect(currentHash).not.toBe(shownHash);
      const outcome = given(quota, movedOn).when(raise({ expectedPlanHash: shownHash }));
      expect(outcome).toEqual({
        kind: 'rejected',
        error: {
          code: 'plan_changed',
          message: `the plan changed: expected plan ${shownHash} but tenant-quota/state-1 at version 3 gives plan ${currentHash}`,
          details: { expectedPlanHash: shownHash, planHash: currentHash },
        },
      });
      expect(recordedEvents(outcome)).toEqual([]);
    });

    it('when a dry run carries a stale hash, then it is refused the same way a submit would be', () => {
      expect(given(quota, movedOn).when(raise({ dryRun: true, expectedPlanHash: shownHash }))).toMatchObject({ kind: 'rejected', error: { code: 'plan_changed', details: { expectedPlanHash: shownHash } } });
    });

    it('when the plan would be denied, then a matching hash records the denial and a stale one records nothing', () => {
      const byAgent = { actor: testActor({ kind: 'agent' }) };
      const deniedPlan = given(quota, createdWithStorage).when(raise({ ...byAgent, dryRun: true }));
      const deniedHash = deniedPlan.kind === 'planned' ? deniedPlan.plan.hash : 'no plan';
      expect(recorded(given(quota, createdWithStorage).when(raise({ ...byAgent, expectedPlanHash: deniedHash }))).status).toBe('denied');
      expect(given(quota, movedOn).when(raise({ ...byAgent, expectedPlanHash: deniedHash }))).toMatchObject({ kind: 'rejected', error: { code: 'plan_changed' } });
    });

    it('when the expected version is stale too, then the version conflict is answered first', () => {
      expect(given(quota, movedOn).when(raise({ expectedVersion: 2, expectedPlanHash: shownHash }))).toMatchObject({ kind: 'rejected', error: { code: 'version_conflict' } });
    });
  });

  describe('given a frozen quota', () => {
    const frozen = recordHistory(quota, [submitCommand('create', { owner: 'team-a' }), submitCommand('freeze', {})]);

    it('when a limit is set, then a guard denies it and suggests unfreezing', () => {
      const outcome = recorded(given(quota, frozen).when(submitCommand('setLimit', { name: 'storage', value: 1 })));
      expect(outcome.status).toBe('denied');
      expect((outcome.events[1] as MutationDenied).data).toMatchObject({
        deniedBy: 'guard',
        code: 'guard_denied',
        policy: null,
        reason: 'the quota is frozen',
        suggestions: [{ message: 'unfreeze the quota first', transition: 'unfreeze', payload: {} }],
      });
    });
  });

  describe('given no events', () => {
    it('when the state is created, then it is applied at version 1', () => {
      const outcome = recorded(given(quota, []).when(submitCommand('create', { owner: 'team-a' }, { expectedVersion: 0 })));
      expect(outcome).toMatchObject({ status: 'applied', version: 1 });
      expect((outcome.events[1] as MutationApplied).data.version).toBe(1);
    });

    it('when a change of the missing state is submitted, then it is rejected as state_not_found', () => {
      expect(given(quota, []).when(submitCommand('freeze', {}))).toMatchObject({ kind: 'rejected', error: { code: 'state_not_found' } });
    });
  });
});
