import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { defineContract, type Contract } from '../contract/contract.js';
import type { JsonValue } from '../json/json.js';
import type { Policy, PolicyInput } from '../policy/policy.js';
import { TEST_NOW, testActor } from '../testing/decider-test-kit.js';
import { defineQuotaContract, type Quota } from '../testing/quota.contract.js';
import { planMutation, type Plan, type PlanInput, type PlanResult } from './plan.js';

const existingQuota: Quota = { owner: 'team-a', limits: { storage: 100 }, frozen: false };

function quota(policies: Policy<Quota>[] = []): Contract<unknown> {
  return defineQuotaContract(policies) as unknown as Contract<unknown>;
}

const quotaWithoutPolicies = quota();

function planInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    contract: quotaWithoutPolicies,
    stateId: 'acme',
    transition: 'setLimit',
    payload: { name: 'storage', value: 150 },
    actor: testActor(),
    base: { exists: true, document: existingQuota as unknown as JsonValue, version: 4 },
    classification: {},
    now: TEST_NOW,
    ...overrides,
  };
}

function planOf(result: PlanResult): Plan {
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.error)}`);
  return result.plan;
}

function errorOf(result: PlanResult) {
  if (result.ok) throw new Error('expected planMutation to fail');
  return result.error;
}

const requireQuotaAdmin: Policy<Quota> = {
  name: 'big-limits-need-quota-admin',
  evaluate: ({ after }) =>
    Object.values(after.limits).some((limit) => limit > 1_000)
      ? { outcome: 'require', reason: 'a limit above 1000', requirements: [{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }] }
      : { outcome: 'allow' },
};

const denyAgents: Policy<Quota> = {
  name: 'no-agents',
  evaluate: ({ actor }) => (actor.kind === 'agent' ? { outcome: 'deny', reason: 'agents may not change quotas' } : { outcome: 'allow' }),
};

describe('planMutation', () => {
  describe('rejects requests it cannot plan', () => {
    it('names the known transitions when the transition is unknown', () => {
      const error = errorOf(planMutation(planInput({ transition: 'delete' })));
      expect(error).toEqual({
        code: 'unknown_transition',
        message: 'tenant-quota has no transition "delete"',
        details: { transition: 'delete', transitions: ['create', 'setLimit', 'raiseLimit', 'freeze', 'unfreeze'] },
      });
    });

    it('lists every payload violation', () => {
      const error = errorOf(planMutation(planInput({ payload: { name: 'Storage!', extra: true } })));
      expect(error.code).toBe('invalid_payload');
      expect(error.details?.['violations']).toEqual(
        expect.arrayContaining([
          { path: 'value', message: "must have required property 'value'" },
          { path: 'extra', message: 'must NOT have additional properties' },
          { path: 'name', message: 'must match pattern "^[a-z]{1,20}$"' },
        ]),
      );
    });

    it('refuses a change of a state that does not exist and names the creating transitions', () => {
      const error = errorOf(planMutation(planInput({ base: { exists: false, document: null, version: 0 } })));
      expect(error).toMatchObject({ code: 'state_not_found', details: { creatingTransitions: ['create'] } });
    });

    it('refuses to create a state that already exists and reports its version', () => {
      const error = errorOf(planMutation(planInput({ transition: 'create', payload: { owner: 'team-b' } })));
      expect(error).toMatchObject({ code: 'state_already_exists', details: { version: 4 } });
    });

    it('reports an effect that cannot be applied to the document as effect_failed', () => {
      const contract = defineContract<unknown>({
        stateType: 'broken',
        stateSchema: {},
        transitions: {
          create: { creates: true, payloadSchema: {}, effects: () => [{ op: 'set', path: '', value: { name: 'x' } }] },
          tag: { payloadSchema: {}, effects: () => [{ op: 'push', path: 'name', value: 'tag' }] },
        },
      });
      const error = errorOf(planMutation(planInput({ contract, transition: 'tag', payload: {}, base: { exists: true, document: { name: 'x' }, version: 1 } })));
      expect(error).toEqual({
        code: 'effect_failed',
        message: 'push name: the value is not an array',
        details: { op: { op: 'push', path: 'name', value: 'tag' } },
      });
    });

    it('refuses a notBefore that is not a date-time', () => {
      const error = errorOf(planMutation(planInput({ notBefore: 'next tuesday' })));
      expect(error).toMatchObject({ code: 'invalid_payload', details: { violations: [{ path: 'notBefore', message: 'must be an ISO 8601 date-time' }] } });
    });
  });

  describe('plans a valid change', () => {
    it('carries the ops, the resulting document and the diff against the base', () => {
      const plan = planOf(planMutation(planInput()));
      expect(plan).toMatchObject({
        stateType: 'tenant-quota',
        stateId: 'acme',
        transition: 'setLimit',
        payload: { name: 'storage', value: 150 },
        baseVersion: 4,
        ops: [{ op: 'set', path: 'limits.storage', value: 150 }],
        after: { owner: 'team-a', limits: { storage: 150 }, frozen: false },
        diff: [{ path: 'limits.storage', kind: 'changed', before: 100, after: 150 }],
        decision: { outcome: 'allow', policies: [] },
        requirements: [],
      });
      expect(plan.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('plans a creating transition against a missing state', () => {
      const plan = planOf(planMutation(planInput({ transition: 'create', payload: { owner: 'team-b' }, base: { exists: false, document: null, version: 0 } })));
      expect(plan.after).toEqual({ owner: 'team-b', limits: {}, frozen: false });
      expect(plan.baseVersion).toBe(0);
    });

    it('classifies the change from the contract, the transition and the request', () => {
      const plan = planOf(
        planMutation(planInput({ transition: 'raiseLimit', payload: { name: 'storage', by: 5_000 }, classification: { tags: ['prod'], riskLevel: 'low', metadata: { ticket: 'OPS-1' } } })),
      );
      expect(plan.classification).toEqual({
        category: 'quota',
        riskLevel: 'high',
        sideEffectSeverity: 'none',
        tags: ['prod', 'quota'],
        metadata: { ticket: 'OPS-1' },
        estimatedBlastRadius: 1,
      });
    });

    it('leaves its inputs untouched', () => {
      const input = planInput({ payload: { name: 'storage', value: 7 } });
      const snapshot = structuredClone({ base: input.base, payload: input.payload });
      planMutation(input);
      expect({ base: input.base, payload: input.payload }).toEqual(snapshot);
    });
  });

  describe('guards', () => {
    it('deny with the guard message and its suggested correction', () => {
      const frozen = { ...existingQuota, frozen: true };
      const plan = planOf(planMutation(planInput({ contract: quota([denyAgents]), base: { exists: true, document: frozen, version: 9 } })));
      expect(plan.decision).toEqual({
        outcome: 'deny',
        deniedBy: 'guard',
        code: 'guard_denied',
        reason: 'the quota is frozen',
        suggestions: [{ message: 'unfreeze the quota first', transition: 'unfreeze', payload: {} }],
        policies: [],
      });
      expect(plan.requirements).toEqual([]);
    });

    it('deny a result that violates the state schema, before any policy is asked', () => {
      const askedPolicies: string[] = [];
      const recording: Policy<Quota> = {
        name: 'recording',
        evaluate: () => {
          askedPolicies.push('recording');
          return { outcome: 'allow' };
        },
      };
      const plan = planOf(planMutation(planInput({ contract: quota([recording]), payload: { name: 'storage', value: -5 } })));
      expect(plan.decision).toMatchObject({ outcome: 'deny', deniedBy: 'guard', code: 'guard_denied', suggestions: [] });
      expect(plan.decision.outcome === 'deny' && plan.decision.reason).toBe('the resulting tenant-quota violates its state schema: limits.storage must be >= 0');
      expect(askedPolicies).toEqual([]);
    });
  });

  describe('policies', () => {
    it('see the actor, both documents, the diff, the classification and the base version', () => {
      const seen: PolicyInput<Quota>[] = [];
      const recording: Policy<Quota> = {
        name: 'recording',
        evaluate: (input) => {
          seen.push(input);
          return { outcome: 'allow' };
        },
      };
      planMutation(planInput({ contract: quota([recording]) }));
      expect(seen).toEqual([
        {
          stateType: 'tenant-quota',
          stateId: 'acme',
          transition: 'setLimit',
          payload: { name: 'storage', value: 150 },
          actor: testActor(),
          before: existingQuota,
          after: { ...existingQuota, limits: { storage: 150 } },
          diff: [{ path: 'limits.storage', kind: 'changed', before: 100, after: 150 }],
          classification: expect.objectContaining({ category: 'quota' }),
          version: 4,
          compensates: null,
        },
      ]);
    });

    it('deny: the decision names the policy and the plan has no requirements', () => {
      const plan = planOf(planMutation(planInput({ contract: quota([denyAgents]), actor: testActor({ kind: 'agent' }) })));
      expect(plan.decision).toMatchObject({ outcome: 'deny', deniedBy: 'policy', code: 'policy_denied', policy: 'no-agents', reason: 'agents may not change quotas' });
      expect(plan.requirements).toEqual([]);
    });

    it('require: the plan carries the requirements of the decision', () => {
      const plan = planOf(planMutation(planInput({ contract: quota([denyAgents, requireQuotaAdmin]), payload: { name: 'storage', value: 5_000 } })));
      expect(plan.decision.outcome).toBe('require');
      expect(plan.requirements).toEqual([{ kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] }]);
    });

    it('allow: the decision lists every policy that allowed', () => {
      const plan = planOf(planMutation(planInput({ contract: quota([denyAgents, requireQuotaAdmin]) })));
      expect(plan.decision).toEqual({
        outcome: 'allow',
        policies: [
          { policy: 'no-agents', outcome: 'allow' },
          { policy: 'big-limits-need-quota-admin', outcome: 'allow' },
        ],
      });
    });
  });

  describe('notBefore', () => {
    it('in the future turns an allowed change into one waiting for its schedule', () => {
      const plan = planOf(planMutation(planInput({ notBefore: '2030-02-01T10:00:00+02:00' })));
      expect(plan.decision).toEqual({ outcome: 'require', requirements: [{ kind: 'schedule', notBefore: '2030-02-01T08:00:00.000Z' }], policies: [] });
      expect(plan.requirements).toEqual([{ kind: 'schedule', notBefore: '2030-02-01T08:00:00.000Z' }]);
    });

    it('in the future adds the schedule after the requirements of the policies', () => {
      const plan = planOf(planMutation(planInput({ contract: quota([requireQuotaAdmin]), payload: { name: 'storage', value: 5_000 }, notBefore: '2030-02-01T00:00:00.000Z' })));
      expect(plan.requirements).toEqual([
        { kind: 'approval', steps: [{ role: 'quota-admin', count: 1 }] },
        { kind: 'schedule', notBefore: '2030-02-01T00:00:00.000Z' },
      ]);
    });

    it.each([TEST_NOW, '2030-01-15T11:59:59.999Z', '2000-01-01T00:00:00.000Z'])('at or before now (%s) adds nothing', (notBefore) => {
      expect(planOf(planMutation(planInput({ notBefore }))).decision.outcome).toBe('allow');
    });

    it('does not turn a denial into a wait', () => {
      const plan = planOf(planMutation(planInput({ contract: quota([denyAgents]), actor: testActor({ kind: 'agent' }), notBefore: '2031-01-01T00:00:00.000Z' })));
      expect(plan.decision.outcome).toBe('deny');
      expect(plan.requirements).toEqual([]);
    });
  });

  describe('determinism', () => {
    const limitValue = fc.integer({ min: 0, max: 5_000 });
    // Compiled once: compiling a contract's schemas is far slower than planning.
    const contract = quota([requireQuotaAdmin]);
    const planAt = (value: number, overrides: Partial<PlanInput> = {}): Plan =>
      planOf(planMutation(planInput({ contract, payload: { name: 'storage', value }, ...overrides })));

    it('gives the same plan and hash for the same inputs', () => {
      fc.assert(
        fc.property(limitValue, fc.boolean(), (value, scheduled) => {
          const notBefore = scheduled ? '2030-03-01T00:00:00.000Z' : undefined;
          expect(planAt(value, { notBefore })).toEqual(planAt(value, { notBefore }));
        }),
      );
    });

    it('does not depend on the key order of the payload or the base document', () => {
      fc.assert(
        fc.property(limitValue, (value) => {
          const reordered = planAt(value, {
            payload: { value, name: 'storage' },
            base: { exists: true, document: { frozen: false, limits: { storage: 100 }, owner: 'team-a' }, version: 4 },
          });
          expect(reordered.hash).toBe(planAt(value).hash);
        }),
      );
    });

    it('gives a different hash when a different payload changes the result', () => {
      fc.assert(
        fc.property(limitValue, limitValue, (first, second) => {
          fc.pre(first !== second);
          expect(planAt(first).hash).not.toBe(planAt(second).hash);
        }),
      );
    });

    it('gives a different hash on another base version', () => {
      expect(planAt(10, { base: { exists: true, document: existingQuota as unknown as JsonValue, version: 5 } }).hash).not.toBe(planAt(10).hash);
    });

    it('gives a different hash when the requirements differ', () => {
      expect(planAt(10, { notBefore: '2030-03-01T00:00:00.000Z' }).hash).not.toBe(planAt(10).hash);
    });
  });
});
