import { describe, expect, it } from '@jest/globals';
import { decideRevert, foldLane, laneHistory, type Contract, type MutationApplied, type MutationDenied, type MutationPending, type SubmitOutcome } from '@countersign/domain';
import { given, recordHistory, submitCommand, testActor } from '@countersign/domain/testing';
import { featureFlagContract as flags } from './feature-flag.contract.js';

function recorded(outcome: SubmitOutcome): Extract<SubmitOutcome, { kind: 'recorded' }> {
  if (outcome.kind !== 'recorded') throw new Error(`expected a recorded outcome, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function denial(outcome: SubmitOutcome): MutationDenied['data'] {
  const { status, events } = recorded(outcome);
  expect(status).toBe('denied');
  return (events[1] as MutationDenied).data;
}

const created = recordHistory(flags, [submitCommand('create', { owner: 'team-checkout' })]);
const enabled = recordHistory(flags, [submitCommand('create', { owner: 'team-checkout' }), submitCommand('enable', {})]);
const enabledAt = (rollout: number) => recordHistory(flags, [submitCommand('create', { owner: 'team-checkout' }), submitCommand('enable', {}), submitCommand('setRollout', { percentage: rollout })]);
const withRule = recordHistory(flags, [submitCommand('create', { owner: 'team-checkout' }), submitCommand('addRule', { rule: { id: 'beta', segment: 'beta-testers' } })]);

describe('feature-flag contract', () => {
  describe('create', () => {
    it('given no flag, when a human creates one, then it exists disabled at rollout 0 with no rules', () => {
      const outcome = recorded(given(flags, []).when(submitCommand('create', { owner: 'team-checkout' })));
      expect(outcome).toMatchObject({ status: 'applied', version: 1, plan: { after: { enabled: false, rollout: 0, rules: [], owner: 'team-checkout' } } });
    });

    it('given no flag, when an agent creates one, then the policy denies it', () => {
      const data = denial(given(flags, []).when(submitCommand('create', { owner: 'team-checkout' }, { actor: testActor({ id: 'bot', kind: 'agent' }) })));
      expect(data).toMatchObject({ deniedBy: 'policy', policy: 'agents-may-not-create-flags', reason: 'agents may not create feature flags' });
    });

    it('given no flag, when a service creates one, then it applies', () => {
      expect(recorded(given(flags, []).when(submitCommand('create', { owner: 'team-checkout' }, { actor: testActor({ kind: 'service' }) }))).status).toBe('applied');
    });

    it('given a flag, when an agent changes it, then it applies (only creating is closed to agents)', () => {
      expect(recorded(given(flags, created).when(submitCommand('enable', {}, { actor: testActor({ kind: 'agent' }) }))).status).toBe('applied');
    });

    it('given no flag, when the owner is missing, then the payload is rejected', () => {
      expect(given(flags, []).when(submitCommand('create', {}))).toMatchObject({ kind: 'rejected', error: { code: 'invalid_payload' } });
    });
  });

  describe('enable and disable', () => {
    it('given a disabled flag, when it is enabled, then enabled is true at version 2', () => {
      const outcome = recorded(given(flags, created).when(submitCommand('enable', {})));
      expect(outcome.version).toBe(2);
      expect((outcome.events[1] as MutationApplied).data.diff).toEqual([{ path: 'enabled', kind: 'changed', before: false, after: true }]);
    });

    it('given an enabled flag, when it is disabled, then enabled is false and the change is classified medium risk', () => {
      const outcome = recorded(given(flags, enabled).when(submitCommand('disable', {})));
      expect(outcome.plan.after).toMatchObject({ enabled: false });
      expect(outcome.plan.classification).toMatchObject({ category: 'feature-flag', riskLevel: 'medium', sideEffectSeverity: 'low' });
    });

    it('given a disabled flag, when it is enabled with the prod tag, then 1 release-manager must approve', () => {
      const outcome = recorded(given(flags, created).when(submitCommand('enable', {}, { classification: { tags: ['prod'] } })));
      expect(outcome.status).toBe('pending');
      expect((outcome.events[1] as MutationPending).data.requirements).toEqual([{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }]);
    });

    it('given an enabled flag, when it is enabled again with the prod tag, then it applies: nothing is switched on', () => {
      expect(recorded(given(flags, enabled).when(submitCommand('enable', {}, { classification: { tags: ['prod'] } }))).status).toBe('applied');
    });

    it('given an enabled flag, when it is enabled again, then it applies with an empty diff', () => {
      const outcome = recorded(given(flags, enabled).when(submitCommand('enable', {})));
      expect(outcome.status).toBe('applied');
      expect(outcome.plan.diff).toEqual([]);
    });
  });

  describe('setRollout', () => {
    it('given a disabled flag, when the rollout is raised, then a guard denies it and suggests enabling first', () => {
      const data = denial(given(flags, created).when(submitCommand('setRollout', { percentage: 10 })));
      expect(data).toMatchObject({
        deniedBy: 'guard',
        code: 'guard_denied',
        reason: 'a rollout above 0 on a disabled flag has no effect',
        suggestions: [{ message: 'enable the flag first, then set the rollout', transition: 'enable', payload: {} }],
      });
    });

    it('given a disabled flag, when the suggested enable is followed, then the rollout applies', () => {
      const history = recordHistory(flags, [submitCommand('create', { owner: 'team-checkout' }), submitCommand('enable', {})]);
      expect(recorded(given(flags, history).when(submitCommand('setRollout', { percentage: 10 }))).status).toBe('applied');
    });

    it('given a disabled flag, when the rollout is set to 0, then it applies', () => {
      expect(recorded(given(flags, created).when(submitCommand('setRollout', { percentage: 0 }))).status).toBe('applied');
    });

    it.each([-1, 101, 12.5])('given an enabled flag, when the rollout is %p, then the payload is rejected', (percentage) => {
      expect(given(flags, enabled).when(submitCommand('setRollout', { percentage }))).toMatchObject({ kind: 'rejected', error: { code: 'invalid_payload' } });
    });

    it('given an enabled prod flag, when the rollout jumps by more than 50, then 1 release-manager must approve', () => {
      const outcome = recorded(given(flags, enabled).when(submitCommand('setRollout', { percentage: 51 }, { classification: { tags: ['prod'] } })));
      expect(outcome.status).toBe('pending');
      expect((outcome.events[1] as MutationPending).data.requirements).toEqual([{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }]);
      expect(outcome.plan.classification.riskLevel).toBe('medium');
    });

    it('given a prod flag at 80, when the rollout drops to 20, then the jump needs approval too', () => {
      expect(recorded(given(flags, enabledAt(80)).when(submitCommand('setRollout', { percentage: 20 }, { classification: { tags: ['prod'] } }))).status).toBe('pending');
    });

    it('given an enabled prod flag, when the rollout moves by exactly 50, then it applies', () => {
      const outcome = recorded(given(flags, enabled).when(submitCommand('setRollout', { percentage: 50 }, { classification: { tags: ['prod'] } })));
      expect(outcome.status).toBe('applied');
      expect(outcome.plan.classification.riskLevel).toBe('low');
    });

    it('given a prod flag at 30, when the rollout goes to 80, then it applies (the jump is 50)', () => {
      expect(recorded(given(flags, enabledAt(30)).when(submitCommand('setRollout', { percentage: 80 }, { classification: { tags: ['prod'] } }))).status).toBe('applied');
    });

    it('given an untagged flag, when the rollout jumps to 100, then it applies without approval', () => {
      const outcome = recorded(given(flags, enabled).when(submitCommand('setRollout', { percentage: 100 }, { classification: { tags: ['staging'] } })));
      expect(outcome.status).toBe('applied');
      expect(outcome.plan.after).toMatchObject({ rollout: 100 });
    });
  });

  describe('addRule', () => {
    it('given a flag, when a rule is added, then it is appended to the rules', () => {
      const outcome = recorded(given(flags, withRule).when(submitCommand('addRule', { rule: { id: 'eu', segment: 'eu-customers', note: 'gdpr' } })));
      expect(outcome.plan.after).toMatchObject({
        rules: [
          { id: 'beta', segment: 'beta-testers' },
          { id: 'eu', segment: 'eu-customers', note: 'gdpr' },
        ],
      });
      expect(outcome.plan.diff).toEqual([{ path: 'rules.1', kind: 'added', after: { id: 'eu', segment: 'eu-customers', note: 'gdpr' } }]);
    });

    it('given a flag with rule "beta", when another rule "beta" is added, then a guard denies it and suggests removing the existing one', () => {
      const data = denial(given(flags, withRule).when(submitCommand('addRule', { rule: { id: 'beta', segment: 'everyone' } })));
      expect(data).toMatchObject({
        deniedBy: 'guard',
        reason: 'a rule with id "beta" already exists',
        suggestions: [{ message: 'remove the existing rule first', transition: 'removeRule', payload: { ruleId: 'beta' } }],
      });
    });

    it('given a flag, when a rule has no segment, then the payload is rejected', () => {
      expect(given(flags, withRule).when(submitCommand('addRule', { rule: { id: 'x' } }))).toMatchObject({ kind: 'rejected', error: { code: 'invalid_payload' } });
    });
  });

  describe('revert of addRule', () => {
    it('given a rule added and another after it, when the first is reverted, then removeRule takes it out by id', () => {
      const history = recordHistory(flags, [
        submitCommand('create', { owner: 'team-checkout' }),
        submitCommand('addRule', { rule: { id: 'beta', segment: 'beta-testers' } }),
        submitCommand('addRule', { rule: { id: 'eu', segment: 'eu-customers' } }),
      ]);
      const contract = flags as unknown as Contract<unknown>;
      const lane = foldLane('feature-flag', 'state-1', history);
      const outcome = recorded(
        decideRevert({ type: 'RevertMutation', mutationId: 'undo', target: 'given-2', actor: testActor(), now: '2030-01-15T12:00:00.000Z' }, lane, laneHistory(history), contract, { approvalTtlMs: 60_000 }),
      );
      expect(outcome).toMatchObject({ status: 'applied', version: 4, plan: { transition: 'removeRule', payload: { ruleId: 'beta' } } });
      expect(outcome.plan.after).toMatchObject({ rules: [{ id: 'eu', segment: 'eu-customers' }] });
      expect(outcome.events.map((event) => event.type)).toEqual(['MutationRequested', 'MutationApplied', 'MutationCompensated']);
    });
  });

  describe('removeRule', () => {
    it('given a flag with rules, when one is removed by id, then only that rule is gone', () => {
      const history = recordHistory(flags, [
        submitCommand('create', { owner: 'team-checkout' }),
        submitCommand('addRule', { rule: { id: 'beta', segment: 'beta-testers' } }),
        submitCommand('addRule', { rule: { id: 'eu', segment: 'eu-customers' } }),
      ]);
      const outcome = recorded(given(flags, history).when(submitCommand('removeRule', { ruleId: 'beta' })));
      expect(outcome).toMatchObject({ status: 'applied', version: 4 });
      expect(outcome.plan.ops).toEqual([{ op: 'removeAt', path: 'rules', index: 0 }]);
      expect(outcome.plan.after).toMatchObject({ rules: [{ id: 'eu', segment: 'eu-customers' }] });
    });

    it('given a flag, when an unknown rule is removed, then a guard denies it', () => {
      expect(denial(given(flags, withRule).when(submitCommand('removeRule', { ruleId: 'missing' })))).toMatchObject({ deniedBy: 'guard', reason: 'no rule with id "missing"' });
    });
  });
});
