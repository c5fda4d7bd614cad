import { describe, expect, it } from '@jest/globals';
import { decideRevert, foldLane, laneHistory, type Contract, type JsonObject, type MutationEvent, type MutationPending, type SubmitOutcome } from '@countersign/domain';
import { approveCommand, documentApplied, given, recordHistory, recordLaneHistory, submitCommand } from '@countersign/domain/testing';
import { creditLimitContract as creditLimits, riskOfIncrease } from './credit-limit.contract.js';

function recorded(outcome: SubmitOutcome): Extract<SubmitOutcome, { kind: 'recorded' }> {
  if (outcome.kind !== 'recorded') throw new Error(`expected a recorded outcome, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function approvalSteps(outcome: SubmitOutcome): unknown {
  const { status, events } = recorded(outcome);
  if (status !== 'pending') return status;
  return (events[1] as MutationPending).data.requirements;
}

/** A credit line opened at 5,000 EUR for customer c-1. */
const opened = recordHistory(creditLimits, [submitCommand('open', { customerId: 'c-1', currency: 'EUR', limit: 5_000 })]);
/** A credit line whose (approved) limit is `limit` EUR. */
const approvedAt = (limit: number) => [documentApplied('credit-limit', { customerId: 'c-1', limit, currency: 'EUR' })];

const riskOfficer = [{ kind: 'approval', steps: [{ role: 'risk-officer', count: 1 }] }];
const riskOfficerThenCfo = [
  {
    kind: 'approval',
    steps: [
      { role: 'risk-officer', count: 1 },
      { role: 'cfo', count: 1 },
    ],
  },
];

describe('credit-limit contract', () => {
  describe('open', () => {
    it('given no credit line, when one is opened without a limit, then it starts at 0', () => {
      const outcome = recorded(given(creditLimits, []).when(submitCommand('open', { customerId: 'c-1', currency: 'EUR' })));
      expect(outcome).toMatchObject({ status: 'applied', version: 1, plan: { after: { customerId: 'c-1', limit: 0, currency: 'EUR' } } });
      expect(outcome.plan.classification).toMatchObject({ category: 'credit', riskLevel: 'low', sideEffectSeverity: 'medium' });
    });

    it('given no credit line, when one is opened with a limit above 10,000, then a risk-officer must approve', () => {
      expect(approvalSteps(given(creditLimits, []).when(submitCommand('open', { customerId: 'c-1', currency: 'EUR', limit: 50_000 })))).toEqual(riskOfficer);
    });

    it.each<JsonObject>([{ currency: 'eur' }, { currency: 'EURO' }, { customerId: '' }, { limit: -1 }])('given no credit line, when it is opened with %p, then the payload is rejected', (change) => {
      const outcome = given(creditLimits, []).when(submitCommand('open', { customerId: 'c-1', currency: 'EUR', ...change }));
      expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'invalid_payload' } });
    });
  });

  describe('setLimit', () => {
    it('given a limit of 5,000, when it is set to 12,000, then it applies directly (an increase of 7,000)', () => {
      const outcome = recorded(given(creditLimits, opened).when(submitCommand('setLimit', { amount: 12_000 })));
      expect(outcome).toMatchObject({ status: 'applied', version: 2, plan: { after: { limit: 12_000 } } });
      expect(outcome.plan.classification.riskLevel).toBe('medium');
    });

    it('given a limit of 5,000, when it is set to 15,001, then a risk-officer must approve', () => {
      expect(approvalSteps(given(creditLimits, opened).when(submitCommand('setLimit', { amount: 15_001 })))).toEqual(riskOfficer);
    });

    it('given a limit of 500,000, when it is set to 0, then the decrease applies directly at low risk', () => {
      const outcome = recorded(given(creditLimits, approvedAt(500_000)).when(submitCommand('setLimit', { amount: 0 })));
      expect(outcome).toMatchObject({ status: 'applied', version: 2, plan: { after: { limit: 0 } } });
      expect(outcome.plan.classification.riskLevel).toBe('low');
    });

    it('given a limit of 500,000, when it is set to 600,000, then only the increase of 100,000 counts: one risk-officer', () => {
      expect(approvalSteps(given(creditLimits, approvedAt(500_000)).when(submitCommand('setLimit', { amount: 600_000 })))).toEqual(riskOfficer);
    });
  });

  describe('raiseLimit', () => {
    it('given a limit of 5,000, when it is raised by 1,000, then the limit is 6,000 at low risk', () => {
      const outcome = recorded(given(creditLimits, opened).when(submitCommand('raiseLimit', { by: 1_000 })));
      expect(outcome).toMatchObject({ status: 'applied', plan: { ops: [{ op: 'increment', path: 'limit', by: 1_000 }], after: { limit: 6_000 } } });
      expect(outcome.plan.classification.riskLevel).toBe('low');
    });

    it.each([0, -5])('given a credit line, when it is raised by %p, then the payload is rejected', (by) => {
      expect(given(creditLimits, opened).when(submitCommand('raiseLimit', { by }))).toMatchObject({ kind: 'rejected', error: { code: 'invalid_payload' } });
    });

    it('given a limit near the maximum, when a raise would pass it, then the state schema denies it', () => {
      const outcome = recorded(given(creditLimits, approvedAt(999_999_999_999)).when(submitCommand('raiseLimit', { by: 2 })));
      expect(outcome.status).toBe('denied');
      expect(outcome.plan.decision).toMatchObject({ deniedBy: 'guard', reason: expect.stringContaining('limit must be <= 1000000000000') });
    });
  });

  describe('approval thresholds on the increase', () => {
    it.each([
      { by: 1, needs: 'no approval', expected: 'applied' },
      { by: 10_000, needs: 'no approval', expected: 'applied' },
      { by: 10_001, needs: 'a risk-officer', expected: riskOfficer },
      { by: 100_000, needs: 'a risk-officer', expected: riskOfficer },
      { by: 100_001, needs: 'a risk-officer then a cfo', expected: riskOfficerThenCfo },
      { by: 5_000_000, needs: 'a risk-officer then a cfo', expected: riskOfficerThenCfo },
    ])('given a credit line, when it is raised by $by, then it needs $needs', ({ by, expected }) => {
      expect(approvalSteps(given(creditLimits, opened).when(submitCommand('raiseLimit', { by })))).toEqual(expected);
    });

    it('lets a pending increase expire after the approval ttl (the policy sets no shorter expiry)', () => {
      const outcome = recorded(given(creditLimits, opened).when(submitCommand('raiseLimit', { by: 50_000 }), { approvalTtlMs: 3_600_000 }));
      expect(outcome.expiresAt).toBe('2030-01-15T13:00:00.000Z');
    });
  });

  describe('risk level follows the size of the increase', () => {
    it.each([
      [-50_000, 'low'],
      [0, 'low'],
      [1_000, 'low'],
      [1_001, 'medium'],
      [10_000, 'medium'],
      [10_001, 'high'],
      [100_000, 'high'],
      [100_001, 'critical'],
    ] as const)('riskOfIncrease(%p) is %s', (increase, riskLevel) => {
      expect(riskOfIncrease(increase)).toBe(riskLevel);
    });

    it.each([
      [500, 'low'],
      [5_000, 'medium'],
      [50_000, 'high'],
      [500_000, 'critical'],
    ] as const)('given a credit line, when it is raised by %p, then the mutation is classified %s', (by, riskLevel) => {
      expect(recorded(given(creditLimits, opened).when(submitCommand('raiseLimit', { by }))).plan.classification.riskLevel).toBe(riskLevel);
    });

    it('given a credit line, when the request claims low risk for a large raise, then the computed risk stands', () => {
      const outcome = recorded(given(creditLimits, opened).when(submitCommand('raiseLimit', { by: 500_000 }, { classification: { riskLevel: 'low' } })));
      expect(outcome.plan.classification.riskLevel).toBe('critical');
    });

    it('given a credit line, when setLimit raises it by 20,000, then the mutation is classified high', () => {
      expect(recorded(given(creditLimits, opened).when(submitCommand('setLimit', { amount: 25_000 }))).plan.classification.riskLevel).toBe('high');
    });
  });

  describe('revert', () => {
    const revert = (history: MutationEvent[], target: string) =>
      decideRevert(
        { type: 'RevertMutation', mutationId: 'undo', target, actor: { id: 'ops', kind: 'human', roles: [] }, reason: 'wrong customer', now: '2030-01-15T12:00:00.000Z' },
        foldLane('credit-limit', 'state-1', history),
        laneHistory(history),
        creditLimits as unknown as Contract<unknown>,
        { approvalTtlMs: 60_000 },
      );

    it('given a raise, when it is reverted, then the previous limit is back at a new version', () => {
      const history = recordHistory(creditLimits, [submitCommand('open', { customerId: 'c-1', currency: 'EUR', limit: 5_000 }), submitCommand('raiseLimit', { by: 2_000 })]);
      const outcome = recorded(revert(history, 'given-2'));
      expect(outcome).toMatchObject({ status: 'applied', version: 3, plan: { transition: 'revert:raiseLimit', after: { limit: 5_000 } } });
    });

    it('given a large decrease, when it is reverted, then restoring the old limit needs the approval an increase that size needs', () => {
      const history = recordHistory(creditLimits, [submitCommand('open', { customerId: 'c-1', currency: 'EUR', limit: 5_000 }), submitCommand('setLimit', { amount: 500 })]);
      expect(approvalSteps(revert(history, 'given-2'))).toBe('applied');
      const big = recordLaneHistory(creditLimits, [
        submitCommand('open', { customerId: 'c-1', currency: 'EUR', limit: 5_000 }, { mutationId: 'open' }),
        submitCommand('setLimit', { amount: 60_000 }, { mutationId: 'raise' }),
        approveCommand('raise', { id: 'carol', kind: 'human', roles: ['risk-officer'] }),
        submitCommand('setLimit', { amount: 500 }, { mutationId: 'cut' }),
      ]);
      expect(approvalSteps(revert(big, 'cut'))).toEqual(riskOfficer);
    });

    it('given the opening of a credit line, when it is reverted, then it is irreversible', () => {
      expect(revert(opened, 'given-1')).toMatchObject({ kind: 'rejected', error: { code: 'irreversible' } });
    });
  });
});
