import { describe, expect, it } from '@jest/globals';
import type { Actor, MutationEvent, MutationPending, PendingOutcome, SubmitMutation } from '@countersign/domain';
import { approveCommand, given, recordLaneHistory, rejectCommand, submitCommand, testActor, type LaneCommand } from '@countersign/domain/testing';
import { creditLimitContract as creditLimits, type CreditLimit } from './credit-limit.contract.js';

const requester = testActor();
const rita: Actor = testActor({ id: 'rita', roles: ['risk-officer'] });
const rob: Actor = testActor({ id: 'rob', roles: ['risk-officer'] });
const carl: Actor = testActor({ id: 'carl', roles: ['cfo'] });

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

function submit(mutationId: string, transition: string, payload: SubmitMutation['payload'], overrides: Partial<SubmitMutation> = {}): SubmitMutation {
  return submitCommand(transition, payload, { mutationId, ...overrides });
}

/** A credit line opened at 5,000 EUR (version 1), then `commands`. */
function history(...commands: LaneCommand[]): MutationEvent[] {
  return recordLaneHistory(creditLimits, [submit('m-open', 'open', { customerId: 'c-1', currency: 'EUR', limit: 5_000 }), ...commands]);
}

function recorded(outcome: PendingOutcome): Extract<PendingOutcome, { kind: 'recorded' }> {
  if (outcome.kind !== 'recorded') throw new Error(`expected a recorded outcome, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function types(outcome: PendingOutcome): string[] {
  return recorded(outcome).events.map((event) => event.type);
}

function limitOf(document: unknown): number {
  return (document as CreditLimit).limit;
}

describe('credit-limit approval chains', () => {
  /** +150,000: a risk-officer, then a cfo. */
  const BIG_RAISE = submit('m-raise', 'raiseLimit', { by: 150_000 });

  describe('given an increase above 100,000 waiting for a risk-officer, then a cfo', () => {
    const waiting = given(creditLimits, history(BIG_RAISE));

    it('records the two-step chain on the pending mutation', () => {
      expect(waiting.lane.pending['m-raise']?.requirements).toEqual(riskOfficerThenCfo);
    });

    it('when the risk-officer and then the cfo approve, then it applies exactly once and the version advances by one', () => {
      const afterRisk = given(creditLimits, history(BIG_RAISE, approveCommand('m-raise', rita)));
      expect(afterRisk.lane.version).toBe(1);
      const outcome = afterRisk.whenPending(approveCommand('m-raise', carl));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 2 });
      expect(types(outcome)).toEqual(['ApprovalGranted', 'MutationApplied']);
      const applied = given(creditLimits, [...history(BIG_RAISE, approveCommand('m-raise', rita)), ...recorded(outcome).events]);
      expect(applied.lane).toMatchObject({ version: 2, pending: {} });
      expect(limitOf(applied.lane.document)).toBe(155_000);
      for (const late of [approveCommand('m-raise', rob), approveCommand('m-raise', carl)]) {
        expect(applied.whenPending(late)).toMatchObject({ kind: 'rejected', error: { code: 'mutation_not_pending' } });
      }
    });

    it('when the cfo tries first, then it is refused (403): the risk-officer step comes first', () => {
      expect(waiting.whenPending(approveCommand('m-raise', carl))).toMatchObject({
        kind: 'rejected',
        error: { code: 'approver_role_required', details: { step: 0, role: 'risk-officer' } },
      });
    });

    it('when the requester approves, then it is refused (403) as self_approval, even holding both roles', () => {
      expect(waiting.whenPending(approveCommand('m-raise', requester))).toMatchObject({ kind: 'rejected', error: { code: 'self_approval' } });
      const powerful = testActor({ roles: ['risk-officer', 'cfo'] });
      const ownRequest = given(creditLimits, history({ ...BIG_RAISE, actor: powerful }));
      expect(ownRequest.whenPending(approveCommand('m-raise', powerful))).toMatchObject({ kind: 'rejected', error: { code: 'self_approval' } });
    });

    it('when the same risk-officer approves twice, then the second approval counts nothing and the cfo step is still open', () => {
      const once = given(creditLimits, history(BIG_RAISE, approveCommand('m-raise', rita)));
      expect(once.whenPending(approveCommand('m-raise', rita))).toMatchObject({ kind: 'unchanged' });
      expect(once.lane.pending['m-raise']?.approvals).toEqual([expect.objectContaining({ approverId: 'rita', step: 0 })]);
      expect(once.whenPending(approveCommand('m-raise', rob))).toMatchObject({ kind: 'rejected', error: { code: 'approver_role_required', details: { step: 1, role: 'cfo' } } });
    });

    it('when the cfo rejects, then it ends rejected and the limit stays', () => {
      const once = given(creditLimits, history(BIG_RAISE, approveCommand('m-raise', rita)));
      const outcome = once.whenPending(rejectCommand('m-raise', carl, { comment: 'exposure too high' }));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'rejected', version: 1 });
      expect(limitOf(once.then(outcome).document)).toBe(5_000);
    });
  });

  describe('re-plan at the final approval (ADR 0005)', () => {
    it('raiseLimit approved after another change moved the limit: the new value differs, so approvals are dismissed and it is pending again', () => {
      const raise = submit('m-raise', 'raiseLimit', { by: 50_000 });
      const moved = given(creditLimits, history(raise, submit('m-set', 'setLimit', { amount: 8_000 })));
      expect(moved.lane.version).toBe(2);
      const outcome = moved.whenPending(approveCommand('m-raise', rita));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'pending', version: 2 });
      expect(types(outcome)).toEqual(['ApprovalGranted', 'ApprovalsDismissed', 'MutationPending']);
      expect((recorded(outcome).events[2] as MutationPending).data).toMatchObject({
        requirements: riskOfficer,
        diff: [{ path: 'limit', kind: 'changed', before: 8_000, after: 58_000 }],
        baseVersion: 2,
      });
      const again = moved.then(outcome);
      expect(again.pending['m-raise']?.approvals).toEqual([]);
      expect(limitOf(again.document)).toBe(8_000);
    });

    it('raiseLimit pending again: approving the new round applies the re-planned value at the next version', () => {
      const raise = submit('m-raise', 'raiseLimit', { by: 50_000 });
      const dismissed = given(creditLimits, history(raise, submit('m-set', 'setLimit', { amount: 8_000 }), approveCommand('m-raise', rita)));
      const outcome = dismissed.whenPending(approveCommand('m-raise', rita));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 3 });
      expect(limitOf(dismissed.then(outcome).document)).toBe(58_000);
    });

    it('setLimit approved after an unrelated change: the same new value and requirements, so it applies without new approvals', () => {
      const set = submit('m-set', 'setLimit', { amount: 200_000 });
      const moved = given(creditLimits, history(set, approveCommand('m-set', rita), submit('m-small', 'raiseLimit', { by: 1_000 })));
      expect(moved.lane.version).toBe(2);
      const outcome = moved.whenPending(approveCommand('m-set', carl));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 3 });
      expect(types(outcome)).toEqual(['ApprovalGranted', 'MutationApplied']);
      expect(recorded(outcome).events[1]).toMatchObject({ data: { version: 3, diff: [{ path: 'limit', kind: 'changed', before: 6_000, after: 200_000 }] } });
      expect(limitOf(moved.then(outcome).document)).toBe(200_000);
    });

    it('a stale expectedVersion at the final approval ends it conflicted', () => {
      const pinned = submit('m-set', 'setLimit', { amount: 50_000 }, { expectedVersion: 1 });
      const moved = given(creditLimits, history(pinned, submit('m-small', 'raiseLimit', { by: 1_000 })));
      const outcome = moved.whenPending(approveCommand('m-set', rita));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'conflicted', version: 2 });
      expect(recorded(outcome).events[1]).toEqual({
        type: 'MutationConflicted',
        data: { mutationId: 'm-set', expectedVersion: 1, currentVersion: 2, conflictedAt: expect.any(String) },
      });
      expect(limitOf(moved.then(outcome).document)).toBe(6_000);
    });

    it('setLimit whose increase shrank below 10,000 meanwhile: the same value, but no approval is needed any more, so approvals are dismissed and it applies', () => {
      const set = submit('m-set', 'setLimit', { amount: 50_000 });
      const raisedDirectly = [10_000, 10_000, 10_000, 10_000].map((by, index) => submit(`m-up-${index}`, 'raiseLimit', { by }));
      const moved = given(creditLimits, history(set, ...raisedDirectly));
      expect(limitOf(moved.lane.document)).toBe(45_000);
      const outcome = moved.whenPending(approveCommand('m-set', rita));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 6 });
      expect(types(outcome)).toEqual(['ApprovalGranted', 'ApprovalsDismissed', 'MutationApplied']);
    });

    it('setLimit whose increase dropped to one approval step meanwhile: the requirements differ, so approvals are dismissed and it waits for a risk-officer again', () => {
      const set = submit('m-set', 'setLimit', { amount: 200_000 });
      const moved = given(creditLimits, history(set, submit('m-up', 'raiseLimit', { by: 95_000 }), approveCommand('m-up', rob), approveCommand('m-set', rita)));
      expect(limitOf(moved.lane.document)).toBe(100_000);
      const outcome = moved.whenPending(approveCommand('m-set', carl));
      expect(types(outcome)).toEqual(['ApprovalGranted', 'ApprovalsDismissed', 'MutationPending']);
      expect((recorded(outcome).events[2] as MutationPending).data.requirements).toEqual(riskOfficer);
    });

    it('a raise that would now pass the maximum is denied at its final approval', () => {
      // 5,000 + 999,999,995,000 is exactly the maximum of 1e12; after another +1,000 it is past it.
      const raise = submit('m-raise', 'raiseLimit', { by: 999_999_995_000 });
      const afterRisk = given(creditLimits, history(raise, submit('m-small', 'raiseLimit', { by: 1_000 }), approveCommand('m-raise', rita)));
      expect(afterRisk.lane.version).toBe(2);
      const outcome = afterRisk.whenPending(approveCommand('m-raise', carl));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'denied', version: 2 });
      expect(recorded(outcome).events[1]).toMatchObject({ type: 'MutationDenied', data: { deniedBy: 'guard', reason: expect.stringContaining('limit must be <= 1000000000000') } });
    });
  });
});
