import { describe, expect, it } from '@jest/globals';
import { defineContract } from '../contract/contract.js';
import type { Policy } from '../policy/policy.js';
import {
  approveCommand,
  cancelCommand,
  expireCommand,
  given,
  later,
  reachScheduleCommand,
  recordLaneHistory,
  rejectCommand,
  resolveCheckCommand,
  submitCommand,
  TEST_NOW,
  TEST_STATE_ID,
  TEST_SUBMIT_OPTIONS,
  testActor,
  type LaneCommand,
} from '../testing/decider-test-kit.js';
import {
  CFO,
  CHANGE_MANAGER,
  CHANGE_TICKET,
  COMPLIANCE,
  COMPLIANCE_SCAN,
  defineGovernedQuotaContract,
  principal,
  QUOTA_ADMIN,
} from '../testing/governed-quota.contract.js';
import type { Quota } from '../testing/quota.contract.js';
import type { SubmitMutation } from './submit-mutation.js';
import type { MutationEvent, MutationPending } from './mutation-events.js';
import { openRequirements } from './requirements.js';
import type { PendingOutcome } from './resolve-pending.js';

const HOUR = 60 * 60 * 1000;
const TTL = TEST_SUBMIT_OPTIONS.approvalTtlMs;

const quota = defineGovernedQuotaContract();

const requester = testActor(); // alice, no roles
const bob = principal('bob', QUOTA_ADMIN);
const carol = principal('carol', QUOTA_ADMIN);
const dave = principal('dave', CFO);
const erin = principal('erin', QUOTA_ADMIN, CFO);
const frank = principal('frank');
const root = principal('root', 'admin');
const scanner = principal('scanner', COMPLIANCE);
const ticketer = principal('ticketer', CHANGE_MANAGER);

function submit(mutationId: string, transition: string, payload: SubmitMutation['payload'], overrides: Partial<SubmitMutation> = {}): SubmitMutation {
  return submitCommand(transition, payload, { mutationId, ...overrides });
}

/** team-a's quota with a storage limit of 100: version 2. */
const BASE: LaneCommand[] = [submit('m-create', 'create', { owner: 'team-a' }), submit('m-storage', 'setLimit', { name: 'storage', value: 100 })];

/** Storage 100 → 5,000: one quota-admin. */
const ONE_STEP = submit('m-one', 'setLimit', { name: 'storage', value: 5_000 });
/** Storage 100 → 500,000: two distinct quota-admins, then a cfo. */
const TWO_STEPS = submit('m-two', 'setLimit', { name: 'storage', value: 500_000 });
/** Freeze: a compliance scan and a change ticket. */
const FREEZE = submit('m-freeze', 'freeze', {});
/** Seats to 10 in an hour: a schedule only. */
const SCHEDULED = submit('m-later', 'setLimit', { name: 'seats', value: 10 }, { notBefore: later(HOUR) });
/** Storage to 5,000 in an hour: a schedule and one quota-admin. */
const SCHEDULED_APPROVAL = submit('m-later-big', 'setLimit', { name: 'storage', value: 5_000 }, { notBefore: later(HOUR) });

/** The events of BASE followed by `commands` (each must be recorded). */
function history(...commands: LaneCommand[]): MutationEvent[] {
  return recordLaneHistory(quota, [...BASE, ...commands]);
}

function recorded(outcome: PendingOutcome): Extract<PendingOutcome, { kind: 'recorded' }> {
  if (outcome.kind !== 'recorded') throw new Error(`expected a recorded outcome, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function types(outcome: PendingOutcome): string[] {
  return recorded(outcome).events.map((event) => event.type);
}

function storageOf(document: unknown): number | undefined {
  return (document as Quota).limits['storage'];
}

describe('decidePending: approvals', () => {
  describe('given a change waiting for one quota-admin', () => {
    const waiting = given(quota, history(ONE_STEP));

    it('when a quota-admin approves, then the approval is granted and, being the last requirement, the change applies at the next version', () => {
      const outcome = waiting.whenPending(approveCommand('m-one', bob, { comment: 'fine' }));
      expect(outcome).toEqual({
        kind: 'recorded',
        status: 'applied',
        version: 3,
        events: [
          { type: 'ApprovalGranted', data: { mutationId: 'm-one', approver: bob, step: 0, role: QUOTA_ADMIN, comment: 'fine', approvedAt: TEST_NOW } },
          {
            type: 'MutationApplied',
            data: {
              mutationId: 'm-one',
              stateType: 'tenant-quota',
              stateId: TEST_STATE_ID,
              transition: 'setLimit',
              actor: requester,
              version: 3,
              ops: [{ op: 'set', path: 'limits.storage', value: 5_000 }],
              diff: [{ path: 'limits.storage', kind: 'changed', before: 100, after: 5_000 }],
              appliedAt: TEST_NOW,
            },
          },
        ],
      });
      const after = waiting.then(outcome);
      expect(after).toMatchObject({ version: 3, pending: {}, requested: {} });
      expect(storageOf(after.document)).toBe(5_000);
    });

    it('when the requester approves, then it is refused as self_approval', () => {
      expect(waiting.whenPending(approveCommand('m-one', requester))).toEqual({
        kind: 'rejected',
        error: { code: 'self_approval', message: 'the requester of a mutation cannot approve or reject it', details: { mutationId: 'm-one' } },
      });
    });

    it('when the requester rejects, then it is refused as self_approval too', () => {
      expect(waiting.whenPending(rejectCommand('m-one', requester))).toMatchObject({ kind: 'rejected', error: { code: 'self_approval' } });
    });

    it('when a principal without the step role approves or rejects, then it is refused as approver_role_required', () => {
      for (const command of [approveCommand('m-one', frank), approveCommand('m-one', dave), rejectCommand('m-one', frank)]) {
        expect(waiting.whenPending(command)).toEqual({
          kind: 'rejected',
          error: { code: 'approver_role_required', message: 'step 1 needs a principal with role "quota-admin"', details: { step: 0, role: QUOTA_ADMIN } },
        });
      }
    });

    it('when a quota-admin rejects with a comment, then the approval is rejected and the mutation ends rejected for that reason', () => {
      const outcome = waiting.whenPending(rejectCommand('m-one', bob, { comment: 'too much' }));
      expect(outcome).toEqual({
        kind: 'recorded',
        status: 'rejected',
        version: 2,
        events: [
          { type: 'ApprovalRejected', data: { mutationId: 'm-one', approver: bob, step: 0, role: QUOTA_ADMIN, comment: 'too much', rejectedAt: TEST_NOW } },
          { type: 'MutationRejected', data: { mutationId: 'm-one', reason: 'too much', rejectedBy: bob, rejectedAt: TEST_NOW } },
        ],
      });
      expect(waiting.then(outcome)).toMatchObject({ version: 2, pending: {} });
    });

    it('when a quota-admin rejects without a comment, then the reason names the rejecting principal', () => {
      const outcome = recorded(waiting.whenPending(rejectCommand('m-one', bob)));
      expect(outcome.events[1]).toMatchObject({ type: 'MutationRejected', data: { reason: 'rejected by bob' } });
    });
  });

  describe('given a change requested by a principal who holds the approving role', () => {
    const selfAdmin = testActor({ roles: [QUOTA_ADMIN, CFO] });
    const waiting = given(quota, history({ ...ONE_STEP, actor: selfAdmin }));

    it('when that requester approves, then holding the role does not help: self_approval', () => {
      expect(waiting.whenPending(approveCommand('m-one', selfAdmin))).toMatchObject({ kind: 'rejected', error: { code: 'self_approval' } });
    });

    it('when another principal with the same id but other roles approves, then it is still the requester', () => {
      expect(waiting.whenPending(approveCommand('m-one', { ...bob, id: selfAdmin.id }))).toMatchObject({ kind: 'rejected', error: { code: 'self_approval' } });
    });
  });

  describe('given a change waiting for two quota-admins, then a cfo', () => {
    const waiting = given(quota, history(TWO_STEPS));

    it('when the cfo approves first, then it is refused: steps complete in order', () => {
      expect(waiting.whenPending(approveCommand('m-two', dave))).toEqual({
        kind: 'rejected',
        error: { code: 'approver_role_required', message: 'step 1 needs a principal with role "quota-admin"', details: { step: 0, role: QUOTA_ADMIN } },
      });
    });

    it('when one quota-admin approves, then the first step still waits for a second, distinct one', () => {
      const outcome = waiting.whenPending(approveCommand('m-two', bob));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'pending', version: 2 });
      expect(types(outcome)).toEqual(['ApprovalGranted']);
      expect(openRequirements(waiting.then(outcome).pending['m-two']!)).toEqual([{ kind: 'approval', step: 0, role: QUOTA_ADMIN, remaining: 1 }]);
    });

    it('when the same quota-admin approves twice, then the second approval changes nothing', () => {
      const once = given(quota, history(TWO_STEPS, approveCommand('m-two', bob)));
      expect(once.whenPending(approveCommand('m-two', bob))).toEqual({ kind: 'unchanged', reason: 'bob has already approved this mutation; a principal counts once' });
    });

    it('when a quota-admin who approved now rejects, then the rejection is refused: a principal counts once', () => {
      const once = given(quota, history(TWO_STEPS, approveCommand('m-two', bob)));
      expect(once.whenPending(rejectCommand('m-two', bob))).toMatchObject({ kind: 'rejected', error: { code: 'already_approved' } });
    });

    it('when two quota-admins approved, then the cfo step is current and a quota-admin alone cannot approve it', () => {
      const firstStepDone = given(quota, history(TWO_STEPS, approveCommand('m-two', bob), approveCommand('m-two', carol)));
      expect(openRequirements(firstStepDone.lane.pending['m-two']!)).toEqual([{ kind: 'approval', step: 1, role: CFO, remaining: 1 }]);
      const outcome = firstStepDone.whenPending(approveCommand('m-two', principal('gus', QUOTA_ADMIN)));
      expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'approver_role_required', details: { step: 1, role: CFO } } });
    });

    it('when a principal holding both roles approved the first step, then it does not count again at the cfo step', () => {
      const firstStepDone = given(quota, history(TWO_STEPS, approveCommand('m-two', erin), approveCommand('m-two', bob)));
      expect(firstStepDone.whenPending(approveCommand('m-two', erin))).toEqual({ kind: 'unchanged', reason: 'erin has already approved this mutation; a principal counts once' });
    });

    it('when two quota-admins and then a cfo approve, then it applies once, at the next version, and is no longer pending', () => {
      const firstStepEvents = history(TWO_STEPS, approveCommand('m-two', bob), approveCommand('m-two', carol));
      const outcome = given(quota, firstStepEvents).whenPending(approveCommand('m-two', dave));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 3 });
      expect(types(outcome)).toEqual(['ApprovalGranted', 'MutationApplied']);
      expect(recorded(outcome).events[0]).toMatchObject({ data: { step: 1, role: CFO } });
      const applied = given(quota, [...firstStepEvents, ...recorded(outcome).events]);
      expect(storageOf(applied.lane.document)).toBe(500_000);
      expect(applied.whenPending(approveCommand('m-two', erin))).toMatchObject({ kind: 'rejected', error: { code: 'mutation_not_pending' } });
    });

    it('when the cfo rejects at the second step, then it ends rejected, naming step and role', () => {
      const firstStepDone = given(quota, history(TWO_STEPS, approveCommand('m-two', bob), approveCommand('m-two', carol)));
      const outcome = firstStepDone.whenPending(rejectCommand('m-two', dave, { comment: 'not this quarter' }));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'rejected', version: 2 });
      expect(recorded(outcome).events[0]).toEqual({
        type: 'ApprovalRejected',
        data: { mutationId: 'm-two', approver: dave, step: 1, role: CFO, comment: 'not this quarter', rejectedAt: TEST_NOW },
      });
    });

    it('when two approvals for the last step are decided concurrently on the same lane, then only the first append can succeed and the second, re-decided, finds it applied', () => {
      const firstStepDone = history(TWO_STEPS, approveCommand('m-two', bob), approveCommand('m-two', carol));
      const lane = given(quota, firstStepDone);
      // Both see the same lane (same stream revision): the event store's expected revision lets one append.
      const [first, second] = [lane.whenPending(approveCommand('m-two', dave)), lane.whenPending(approveCommand('m-two', erin))];
      expect([recorded(first).status, recorded(second).status]).toEqual(['applied', 'applied']);
      const retried = given(quota, [...firstStepDone, ...recorded(first).events]).whenPending(approveCommand('m-two', erin));
      expect(retried).toMatchObject({ kind: 'rejected', error: { code: 'mutation_not_pending' } });
    });
  });

  describe('given a mutation that is not pending', () => {
    it('when it was applied, then approving it is refused as mutation_not_pending', () => {
      const done = given(quota, history(ONE_STEP, approveCommand('m-one', bob)));
      expect(done.whenPending(approveCommand('m-one', carol))).toEqual({
        kind: 'rejected',
        error: { code: 'mutation_not_pending', message: 'mutation m-one is not pending', details: { mutationId: 'm-one' } },
      });
    });

    it('when it was rejected, then approving, rejecting, resolving a check or cancelling it are refused as mutation_not_pending', () => {
      const done = given(quota, history(FREEZE, resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'fail', scanner)));
      for (const command of [
        approveCommand('m-freeze', bob),
        rejectCommand('m-freeze', bob),
        resolveCheckCommand('m-freeze', CHANGE_TICKET, 'pass', ticketer),
        cancelCommand('m-freeze', requester),
      ]) {
        expect(done.whenPending(command)).toMatchObject({ kind: 'rejected', error: { code: 'mutation_not_pending' } });
      }
    });

    it('when it was applied directly, never pending, then approving it is refused as mutation_not_pending', () => {
      expect(given(quota, history()).whenPending(approveCommand('m-storage', bob))).toMatchObject({ kind: 'rejected', error: { code: 'mutation_not_pending' } });
    });

    it('when the id is unknown, then approving it is refused as mutation_not_pending', () => {
      expect(given(quota, history()).whenPending(approveCommand('m-nope', bob))).toMatchObject({ kind: 'rejected', error: { code: 'mutation_not_pending', details: { mutationId: 'm-nope' } } });
    });
  });

  describe('given a mutation that no longer waits for an approval', () => {
    it('when it only waits for checks, then an approval is refused as no_approval_required, listing what it waits for', () => {
      expect(given(quota, history(FREEZE)).whenPending(approveCommand('m-freeze', bob))).toEqual({
        kind: 'rejected',
        error: {
          code: 'no_approval_required',
          message: 'this mutation is not waiting for an approval',
          details: {
            open: [
              { kind: 'external_check', name: COMPLIANCE_SCAN, role: COMPLIANCE },
              { kind: 'external_check', name: CHANGE_TICKET, role: CHANGE_MANAGER },
            ],
          },
        },
      });
    });

    it('when it only waits for its schedule, then an approval or a rejection is refused as no_approval_required', () => {
      const waiting = given(quota, history(SCHEDULED));
      for (const command of [approveCommand('m-later', bob), rejectCommand('m-later', bob)]) {
        expect(waiting.whenPending(command)).toMatchObject({
          kind: 'rejected',
          error: { code: 'no_approval_required', details: { open: [{ kind: 'schedule', notBefore: later(HOUR) }] } },
        });
      }
    });

    it('when its approvals are complete and only the schedule remains, then a further approval is refused as no_approval_required', () => {
      const approved = given(quota, history(SCHEDULED_APPROVAL, approveCommand('m-later-big', bob)));
      expect(approved.whenPending(approveCommand('m-later-big', carol))).toMatchObject({ kind: 'rejected', error: { code: 'no_approval_required' } });
    });
  });
});

describe('decidePending: external checks', () => {
  const waiting = given(quota, history(FREEZE));

  it('when a check the mutation does not wait for is resolved, then it is refused as unknown_check, listing its checks', () => {
    expect(waiting.whenPending(resolveCheckCommand('m-freeze', 'load-test', 'pass', scanner))).toEqual({
      kind: 'rejected',
      error: { code: 'unknown_check', message: 'mutation m-freeze does not wait for a check named "load-test"', details: { checks: [COMPLIANCE_SCAN, CHANGE_TICKET] } },
    });
  });

  it('when a mutation without checks gets a check result, then it is refused as unknown_check', () => {
    expect(given(quota, history(ONE_STEP)).whenPending(resolveCheckCommand('m-one', COMPLIANCE_SCAN, 'pass', scanner))).toMatchObject({
      kind: 'rejected',
      error: { code: 'unknown_check', details: { checks: [] } },
    });
  });

  it('when a principal without the check role resolves it, then it is refused as check_role_required', () => {
    for (const actor of [bob, ticketer, requester]) {
      expect(waiting.whenPending(resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'pass', actor))).toEqual({
        kind: 'rejected',
        error: { code: 'check_role_required', message: 'check "compliance-scan" is resolved by a principal with role "compliance"', details: { role: COMPLIANCE } },
      });
    }
  });

  it('when the first check passes, then it is recorded and the mutation waits for the other', () => {
    const outcome = waiting.whenPending(resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'pass', scanner, { detail: 'clean' }));
    expect(outcome).toEqual({
      kind: 'recorded',
      status: 'pending',
      version: 2,
      events: [{ type: 'CheckResolved', data: { mutationId: 'm-freeze', name: COMPLIANCE_SCAN, outcome: 'pass', detail: 'clean', resolvedBy: scanner, resolvedAt: TEST_NOW } }],
    });
    expect(openRequirements(waiting.then(outcome).pending['m-freeze']!)).toEqual([{ kind: 'external_check', name: CHANGE_TICKET, role: CHANGE_MANAGER }]);
  });

  it('when the last check passes, then the mutation applies', () => {
    const scanned = given(quota, history(FREEZE, resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'pass', scanner)));
    const outcome = scanned.whenPending(resolveCheckCommand('m-freeze', CHANGE_TICKET, 'pass', ticketer));
    expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 3 });
    expect(types(outcome)).toEqual(['CheckResolved', 'MutationApplied']);
    expect(scanned.then(outcome).document).toMatchObject({ frozen: true });
  });

  it('when a check passes again, then nothing changes, and a later failure of a passed check changes nothing either', () => {
    const scanned = given(quota, history(FREEZE, resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'pass', scanner)));
    expect(scanned.whenPending(resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'pass', scanner))).toEqual({ kind: 'unchanged', reason: 'check "compliance-scan" already passed' });
    expect(scanned.whenPending(resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'fail', scanner))).toMatchObject({ kind: 'unchanged' });
  });

  it('when a check fails, then the check result is recorded and the mutation ends rejected with the detail', () => {
    const outcome = waiting.whenPending(resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'fail', scanner, { detail: 'CVE-2030-1' }));
    expect(outcome).toEqual({
      kind: 'recorded',
      status: 'rejected',
      version: 2,
      events: [
        { type: 'CheckResolved', data: { mutationId: 'm-freeze', name: COMPLIANCE_SCAN, outcome: 'fail', detail: 'CVE-2030-1', resolvedBy: scanner, resolvedAt: TEST_NOW } },
        { type: 'MutationRejected', data: { mutationId: 'm-freeze', reason: 'check "compliance-scan" failed: CVE-2030-1', rejectedBy: scanner, rejectedAt: TEST_NOW } },
      ],
    });
    expect(waiting.then(outcome).pending).toEqual({});
  });

  it('when a check fails without detail, then the reason names the check', () => {
    const outcome = recorded(waiting.whenPending(resolveCheckCommand('m-freeze', CHANGE_TICKET, 'fail', ticketer)));
    expect(outcome.events[1]).toMatchObject({ data: { reason: 'check "change-ticket" failed' } });
  });
});

describe('decidePending: cancellation', () => {
  const waiting = given(quota, history(TWO_STEPS, approveCommand('m-two', bob)));

  it('when the requester cancels, then the mutation ends cancelled, with the reason', () => {
    const outcome = waiting.whenPending(cancelCommand('m-two', requester, { reason: 'wrong tenant' }));
    expect(outcome).toEqual({
      kind: 'recorded',
      status: 'cancelled',
      version: 2,
      events: [{ type: 'MutationCancelled', data: { mutationId: 'm-two', cancelledBy: requester, reason: 'wrong tenant', cancelledAt: TEST_NOW } }],
    });
    expect(waiting.then(outcome).pending).toEqual({});
  });

  it('when a principal with the admin role cancels, then the mutation ends cancelled', () => {
    expect(recorded(waiting.whenPending(cancelCommand('m-two', root))).events).toEqual([
      { type: 'MutationCancelled', data: { mutationId: 'm-two', cancelledBy: root, reason: null, cancelledAt: TEST_NOW } },
    ]);
  });

  it('when anybody else cancels, even an approver of the mutation, then it is refused as cancel_not_allowed', () => {
    for (const actor of [bob, dave, frank]) {
      expect(waiting.whenPending(cancelCommand('m-two', actor))).toEqual({
        kind: 'rejected',
        error: { code: 'cancel_not_allowed', message: 'only the requester or an admin can cancel a mutation', details: { requestedBy: 'alice' } },
      });
    }
  });
});

describe('decidePending: expiry', () => {
  const waiting = given(quota, history(ONE_STEP));
  const expiresAt = later(TTL);

  it('records the expiry on the pending mutation (24 h after the request by default)', () => {
    expect(waiting.lane.pending['m-one']?.expiresAt).toBe(expiresAt);
  });

  it('when the timer fires before expiresAt, then nothing changes', () => {
    expect(waiting.whenPending(expireCommand('m-one', later(TTL - 1)))).toEqual({ kind: 'unchanged', reason: 'not expired yet', notDue: true });
  });

  it('when the timer fires at expiresAt, then the mutation ends expired', () => {
    const outcome = waiting.whenPending(expireCommand('m-one', expiresAt));
    expect(outcome).toEqual({
      kind: 'recorded',
      status: 'expired',
      version: 2,
      events: [{ type: 'MutationExpired', data: { mutationId: 'm-one', expiresAt, expiredAt: expiresAt } }],
    });
    expect(waiting.then(outcome).pending).toEqual({});
  });

  it('when the timer fires late (after a restart), then the mutation ends expired at that time', () => {
    const outcome = recorded(waiting.whenPending(expireCommand('m-one', later(TTL + 5 * HOUR))));
    expect(outcome.events).toEqual([{ type: 'MutationExpired', data: { mutationId: 'm-one', expiresAt, expiredAt: later(TTL + 5 * HOUR) } }]);
  });

  it('when the timer fires again, or for a mutation that was applied or never existed, then nothing changes (timers are idempotent)', () => {
    const expired = given(quota, history(ONE_STEP, expireCommand('m-one', expiresAt)));
    expect(expired.whenPending(expireCommand('m-one', later(TTL + 1)))).toEqual({ kind: 'unchanged', reason: 'the mutation is no longer pending' });
    const applied = given(quota, history(ONE_STEP, approveCommand('m-one', bob)));
    expect(applied.whenPending(expireCommand('m-one', expiresAt))).toMatchObject({ kind: 'unchanged' });
    expect(waiting.whenPending(expireCommand('m-nope', expiresAt))).toMatchObject({ kind: 'unchanged' });
  });

  it('when an approval arrives after expiry, then it is refused as mutation_not_pending with status expired', () => {
    const outcome = given(quota, history(ONE_STEP, expireCommand('m-one', expiresAt))).whenPending(approveCommand('m-one', bob, { now: later(TTL + 1) }));
    expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'mutation_not_pending' } });
  });

  describe('past expiresAt while the expiry timer has not fired yet (e.g. the worker is down)', () => {
    it('an approval is refused as mutation_not_pending with status expired, so it can never apply late', () => {
      expect(waiting.whenPending(approveCommand('m-one', bob, { now: expiresAt }))).toEqual({
        kind: 'rejected',
        error: { code: 'mutation_not_pending', message: `mutation m-one expired at ${expiresAt}`, details: { mutationId: 'm-one', status: 'expired', expiresAt } },
      });
    });

    it('an approval a millisecond before expiresAt still counts', () => {
      expect(waiting.whenPending(approveCommand('m-one', bob, { now: later(TTL - 1) }))).toMatchObject({ kind: 'recorded', status: 'applied' });
    });

    it('a rejection, a check result and a cancellation are refused the same way', () => {
      const frozenWaiting = given(quota, history(FREEZE));
      const commands = [
        { lane: waiting, command: rejectCommand('m-one', bob, { now: later(TTL + 1) }) },
        { lane: waiting, command: cancelCommand('m-one', requester, { now: later(TTL + 1) }) },
        { lane: frozenWaiting, command: resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'pass', scanner, { now: later(TTL + 1) }) },
      ];
      for (const { lane, command } of commands) {
        expect(lane.whenPending(command)).toMatchObject({ kind: 'rejected', error: { code: 'mutation_not_pending', details: { status: 'expired' } } });
      }
    });

    it('the schedule timer changes nothing; the expiry timer then ends it expired', () => {
      // Scheduled an hour ahead: expires a ttl after its schedule.
      const scheduled = given(quota, history(SCHEDULED));
      const expiry = scheduled.lane.pending['m-later']!.expiresAt;
      expect(expiry).toBe(later(HOUR + TTL));
      expect(scheduled.whenPending(reachScheduleCommand('m-later', expiry))).toEqual({ kind: 'unchanged', reason: 'the mutation has expired' });
      expect(scheduled.whenPending(expireCommand('m-later', expiry))).toMatchObject({ kind: 'recorded', status: 'expired' });
    });
  });
});

describe('decidePending: schedule', () => {
  const notBefore = later(HOUR);

  describe('given a change waiting only for its schedule', () => {
    const waiting = given(quota, history(SCHEDULED));

    it('when the timer fires early, then nothing changes', () => {
      expect(waiting.whenPending(reachScheduleCommand('m-later', later(HOUR - 1)))).toEqual({ kind: 'unchanged', reason: 'the schedule is not reached yet', notDue: true });
    });

    it('when the timer fires at notBefore, then the schedule is reached and, nothing else being open, the change applies', () => {
      const outcome = waiting.whenPending(reachScheduleCommand('m-later', notBefore));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 3 });
      expect(recorded(outcome).events).toEqual([
        { type: 'ScheduleReached', data: { mutationId: 'm-later', notBefore, reachedAt: notBefore } },
        expect.objectContaining({ type: 'MutationApplied', data: expect.objectContaining({ version: 3, appliedAt: notBefore }) }),
      ]);
      expect(waiting.then(outcome).document).toMatchObject({ limits: { storage: 100, seats: 10 } });
    });

    it('when the timer fires late (after a restart), then it is reached at that time and applies', () => {
      const outcome = recorded(waiting.whenPending(reachScheduleCommand('m-later', later(3 * HOUR))));
      expect(outcome.events[0]).toEqual({ type: 'ScheduleReached', data: { mutationId: 'm-later', notBefore, reachedAt: later(3 * HOUR) } });
      expect(outcome.status).toBe('applied');
    });

    it('when the timer fires again after it applied, then nothing changes', () => {
      const applied = given(quota, history(SCHEDULED, reachScheduleCommand('m-later', notBefore)));
      expect(applied.whenPending(reachScheduleCommand('m-later', later(2 * HOUR)))).toEqual({ kind: 'unchanged', reason: 'the mutation is no longer pending' });
    });
  });

  it('given a change without a schedule, when a schedule timer fires, then nothing changes', () => {
    expect(given(quota, history(ONE_STEP)).whenPending(reachScheduleCommand('m-one', notBefore))).toEqual({ kind: 'unchanged', reason: 'no schedule to reach' });
  });

  describe('given a change waiting for its schedule and a quota-admin', () => {
    it('when approved first, then it waits for the schedule, and applies when the schedule is reached', () => {
      const approval = given(quota, history(SCHEDULED_APPROVAL)).whenPending(approveCommand('m-later-big', bob));
      expect(approval).toMatchObject({ kind: 'recorded', status: 'pending', version: 2 });
      expect(types(approval)).toEqual(['ApprovalGranted']);
      const approved = given(quota, history(SCHEDULED_APPROVAL, approveCommand('m-later-big', bob)));
      expect(openRequirements(approved.lane.pending['m-later-big']!)).toEqual([{ kind: 'schedule', notBefore }]);
      const reached = approved.whenPending(reachScheduleCommand('m-later-big', notBefore));
      expect(reached).toMatchObject({ kind: 'recorded', status: 'applied', version: 3 });
      expect(types(reached)).toEqual(['ScheduleReached', 'MutationApplied']);
    });

    it('when the schedule is reached first, then it waits for the approval, and applies when approved', () => {
      const reached = given(quota, history(SCHEDULED_APPROVAL)).whenPending(reachScheduleCommand('m-later-big', notBefore));
      expect(reached).toMatchObject({ kind: 'recorded', status: 'pending', version: 2 });
      expect(types(reached)).toEqual(['ScheduleReached']);
      const scheduled = given(quota, history(SCHEDULED_APPROVAL, reachScheduleCommand('m-later-big', notBefore)));
      expect(openRequirements(scheduled.lane.pending['m-later-big']!)).toEqual([{ kind: 'approval', step: 0, role: QUOTA_ADMIN, remaining: 1 }]);
      expect(scheduled.whenPending(reachScheduleCommand('m-later-big', later(HOUR + 1)))).toEqual({ kind: 'unchanged', reason: 'no schedule to reach' });
      const approval = scheduled.whenPending(approveCommand('m-later-big', bob, { now: later(2 * HOUR) }));
      expect(approval).toMatchObject({ kind: 'recorded', status: 'applied', version: 3 });
      expect(types(approval)).toEqual(['ApprovalGranted', 'MutationApplied']);
    });
  });
});

describe('decidePending: re-plan at the final requirement (ADR 0005)', () => {
  describe('expectedVersion', () => {
    it('given a change requested at the current version, when another change applies first, then the final approval ends it conflicted', () => {
      const stale = given(quota, history({ ...ONE_STEP, expectedVersion: 2 }, submit('m-seats', 'setLimit', { name: 'seats', value: 10 })));
      const outcome = stale.whenPending(approveCommand('m-one', bob));
      expect(outcome).toEqual({
        kind: 'recorded',
        status: 'conflicted',
        version: 3,
        events: [
          expect.objectContaining({ type: 'ApprovalGranted' }),
          { type: 'MutationConflicted', data: { mutationId: 'm-one', expectedVersion: 2, currentVersion: 3, conflictedAt: TEST_NOW } },
        ],
      });
      const after = stale.then(outcome);
      expect(after.pending).toEqual({});
      expect(storageOf(after.document)).toBe(100);
    });

    it('given a change requested at the current version, when nothing else applied, then the final approval applies it', () => {
      expect(given(quota, history({ ...ONE_STEP, expectedVersion: 2 })).whenPending(approveCommand('m-one', bob))).toMatchObject({ status: 'applied', version: 3 });
    });

    it('given a scheduled change with an expectedVersion, when the version moved before the schedule, then reaching it ends conflicted', () => {
      const stale = given(quota, history({ ...SCHEDULED, expectedVersion: 2 }, submit('m-storage-2', 'setLimit', { name: 'storage', value: 200 })));
      expect(types(stale.whenPending(reachScheduleCommand('m-later', later(HOUR))))).toEqual(['ScheduleReached', 'MutationConflicted']);
    });
  });

  describe('the same change: approvals bind to the changed paths and their new values', () => {
    it('given an unrelated change applied meanwhile, when finally approved, then it applies without new approvals at current version + 1', () => {
      const rebased = given(quota, history(ONE_STEP, submit('m-seats', 'setLimit', { name: 'seats', value: 10 })));
      const outcome = rebased.whenPending(approveCommand('m-one', bob));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 4 });
      expect(types(outcome)).toEqual(['ApprovalGranted', 'MutationApplied']);
      expect(recorded(outcome).events[1]).toMatchObject({ data: { version: 4, diff: [{ path: 'limits.storage', kind: 'changed', before: 100, after: 5_000 }] } });
      expect(rebased.then(outcome).document).toMatchObject({ limits: { storage: 5_000, seats: 10 } });
    });

    it('given the same limit moved to another value meanwhile, when finally approved, then setting it to the approved value still applies (a pure rebase)', () => {
      const rebased = given(quota, history(ONE_STEP, submit('m-storage-200', 'setLimit', { name: 'storage', value: 200 })));
      const outcome = rebased.whenPending(approveCommand('m-one', bob));
      expect(types(outcome)).toEqual(['ApprovalGranted', 'MutationApplied']);
      expect(recorded(outcome).events[1]).toMatchObject({ data: { version: 4, diff: [{ path: 'limits.storage', kind: 'changed', before: 200, after: 5_000 }] } });
    });

    it('given an unrelated change, when the last check passes, then the checked change applies at current version + 1', () => {
      const rebased = given(quota, history(FREEZE, resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'pass', scanner), submit('m-seats', 'setLimit', { name: 'seats', value: 10 })));
      const outcome = rebased.whenPending(resolveCheckCommand('m-freeze', CHANGE_TICKET, 'pass', ticketer));
      expect(types(outcome)).toEqual(['CheckResolved', 'MutationApplied']);
      expect(outcome).toMatchObject({ status: 'applied', version: 4 });
    });
  });

  describe('a different change: approvals are dismissed', () => {
    /** Storage 100 raised by 1,000 → 1,100: one quota-admin. */
    const RAISE = submit('m-raise', 'raiseLimit', { name: 'storage', by: 1_000 });

    it('given the limit moved meanwhile so the raise gives another value, when finally approved, then approvals are dismissed and it is pending again', () => {
      const moved = given(quota, history(RAISE, submit('m-storage-500', 'setLimit', { name: 'storage', value: 500 })));
      const now = later(2 * HOUR);
      const outcome = moved.whenPending(approveCommand('m-raise', bob, { now }));
      expect(outcome).toEqual({
        kind: 'recorded',
        status: 'pending',
        version: 3,
        events: [
          { type: 'ApprovalGranted', data: { mutationId: 'm-raise', approver: bob, step: 0, role: QUOTA_ADMIN, comment: null, approvedAt: now } },
          {
            type: 'ApprovalsDismissed',
            data: {
              mutationId: 'm-raise',
              reason: 'the re-planned change or its requirements differ from what was approved',
              dismissed: [{ approverId: 'bob', step: 0, role: QUOTA_ADMIN, approvedAt: now }],
              dismissedAt: now,
            },
          },
          {
            type: 'MutationPending',
            data: {
              mutationId: 'm-raise',
              transition: 'raiseLimit',
              requestedBy: 'alice',
              requirements: [{ kind: 'approval', steps: [{ role: QUOTA_ADMIN, count: 1 }] }],
              expiresAt: later(TTL, now),
              pendingAt: now,
              diff: [{ path: 'limits.storage', kind: 'changed', before: 500, after: 1_500 }],
              baseVersion: 3,
            },
          },
        ],
      });
      const again = moved.then(outcome);
      expect(again.pending['m-raise']).toMatchObject({ approvals: [], baseVersion: 3, expiresAt: later(TTL, now) });
      expect(storageOf(again.document)).toBe(500);
    });

    it('given approvals were dismissed, when the same principal approves the new round, then it counts again and the change applies', () => {
      const dismissed = history(RAISE, submit('m-storage-500', 'setLimit', { name: 'storage', value: 500 }), approveCommand('m-raise', bob));
      const lane = given(quota, dismissed);
      const outcome = lane.whenPending(approveCommand('m-raise', bob));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 4 });
      expect(storageOf(lane.then(outcome).document)).toBe(1_500);
    });

    it('given approvals were dismissed and the new round expires later, when the first round expiry timer fires, then nothing changes until the new expiry', () => {
      const now = later(2 * HOUR);
      const dismissed = given(quota, history(RAISE, submit('m-storage-500', 'setLimit', { name: 'storage', value: 500 }), approveCommand('m-raise', bob, { now })));
      expect(dismissed.whenPending(expireCommand('m-raise', later(TTL)))).toEqual({ kind: 'unchanged', reason: 'not expired yet', notDue: true });
      expect(dismissed.whenPending(expireCommand('m-raise', later(TTL, now)))).toMatchObject({ kind: 'recorded', status: 'expired' });
    });

    it('given the limit moved so far that the raise now needs a longer chain, when finally approved, then it is pending again with the new requirements', () => {
      const moved = given(
        quota,
        history(
          RAISE,
          submit('m-big', 'setLimit', { name: 'storage', value: 200_000 }),
          approveCommand('m-big', bob),
          approveCommand('m-big', carol),
          approveCommand('m-big', dave),
        ),
      );
      expect(moved.lane.version).toBe(3);
      const outcome = moved.whenPending(approveCommand('m-raise', erin));
      expect(types(outcome)).toEqual(['ApprovalGranted', 'ApprovalsDismissed', 'MutationPending']);
      expect((recorded(outcome).events[2] as MutationPending).data).toMatchObject({
        requirements: [
          {
            kind: 'approval',
            steps: [
              { role: QUOTA_ADMIN, count: 2 },
              { role: CFO, count: 1 },
            ],
          },
        ],
        diff: [{ path: 'limits.storage', kind: 'changed', before: 200_000, after: 201_000 }],
        baseVersion: 3,
      });
      expect(openRequirements(moved.then(outcome).pending['m-raise']!)).toEqual([{ kind: 'approval', step: 0, role: QUOTA_ADMIN, remaining: 2 }]);
    });

    it('given the limit moved so the raise now needs no approval, when finally approved, then approvals are dismissed and it applies at once', () => {
      const moved = given(quota, history(RAISE, submit('m-storage-0', 'setLimit', { name: 'storage', value: 0 })));
      const outcome = moved.whenPending(approveCommand('m-raise', bob));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 4 });
      expect(types(outcome)).toEqual(['ApprovalGranted', 'ApprovalsDismissed', 'MutationApplied']);
      expect(storageOf(moved.then(outcome).document)).toBe(1_000);
    });

    it('given the same change, when a policy now asks for more, then approvals are dismissed and it is pending again with the longer chain', () => {
      const auditMode: Policy<Quota> = {
        name: 'audit-mode',
        evaluate: ({ before }) =>
          (before?.limits['audit'] ?? 0) > 0 ? { outcome: 'require', requirements: [{ kind: 'approval', steps: [{ role: 'auditor', count: 1 }] }] } : { outcome: 'allow' },
      };
      const auditable = defineGovernedQuotaContract([auditMode]);
      const audited = given(auditable, recordLaneHistory(auditable, [...BASE, ONE_STEP, submit('m-audit', 'setLimit', { name: 'audit', value: 1 })]));
      const outcome = audited.whenPending(approveCommand('m-one', bob));
      expect(types(outcome)).toEqual(['ApprovalGranted', 'ApprovalsDismissed', 'MutationPending']);
      expect((recorded(outcome).events[2] as MutationPending).data).toMatchObject({
        requirements: [
          {
            kind: 'approval',
            steps: [
              { role: QUOTA_ADMIN, count: 1 },
              { role: 'auditor', count: 1 },
            ],
          },
        ],
        diff: [{ path: 'limits.storage', kind: 'changed', before: 100, after: 5_000 }],
      });
    });

    it('given a pending freeze whose change another freeze already made, when its last check passes, then its checks are dismissed with the approvals and it waits again', () => {
      const bothPending = [submit('m-freeze-1', 'freeze', {}), submit('m-freeze-2', 'freeze', {})];
      const checks = (mutationId: string) => [resolveCheckCommand(mutationId, COMPLIANCE_SCAN, 'pass', scanner), resolveCheckCommand(mutationId, CHANGE_TICKET, 'pass', ticketer)];
      const frozen = given(quota, history(...bothPending, ...checks('m-freeze-2'), checks('m-freeze-1')[0]!));
      expect(frozen.lane.document).toMatchObject({ frozen: true });
      const outcome = frozen.whenPending(checks('m-freeze-1')[1]!);
      expect(types(outcome)).toEqual(['CheckResolved', 'ApprovalsDismissed', 'MutationPending']);
      expect((recorded(outcome).events[2] as MutationPending).data).toMatchObject({ diff: [] });
      expect(frozen.then(outcome).pending['m-freeze-1']).toMatchObject({ passedChecks: [] });
    });

    it('given a scheduled raise whose value moved before the schedule, when the schedule is reached, then it applies the re-planned value (nothing to approve)', () => {
      const scheduledRaise = submit('m-later-raise', 'raiseLimit', { name: 'seats', by: 5 }, { notBefore: later(HOUR) });
      const moved = given(quota, history(scheduledRaise, submit('m-seats', 'setLimit', { name: 'seats', value: 10 })));
      const outcome = moved.whenPending(reachScheduleCommand('m-later-raise', later(HOUR)));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 4 });
      expect(moved.then(outcome).document).toMatchObject({ limits: { seats: 15 } });
    });
  });

  describe('the re-planned change is denied', () => {
    it('given the quota was frozen meanwhile, when finally approved, then a guard denies it and it ends denied with the suggestion', () => {
      const frozen = given(
        quota,
        history(ONE_STEP, FREEZE, resolveCheckCommand('m-freeze', COMPLIANCE_SCAN, 'pass', scanner), resolveCheckCommand('m-freeze', CHANGE_TICKET, 'pass', ticketer)),
      );
      const outcome = frozen.whenPending(approveCommand('m-one', bob));
      expect(outcome).toEqual({
        kind: 'recorded',
        status: 'denied',
        version: 3,
        events: [
          expect.objectContaining({ type: 'ApprovalGranted' }),
          {
            type: 'MutationDenied',
            data: {
              mutationId: 'm-one',
              deniedBy: 'guard',
              code: 'guard_denied',
              reason: 'the quota is frozen',
              policy: null,
              suggestions: [{ message: 'unfreeze the quota first', transition: 'unfreeze', payload: {} }],
              deniedAt: TEST_NOW,
            },
          },
        ],
      });
      expect(frozen.then(outcome)).toMatchObject({ version: 3, pending: {} });
    });

    it('given a raise that would now pass the schema maximum, when finally approved, then the state schema denies it', () => {
      // 100 + 999,000 was within the maximum of 1,000,000; after storage moved to 5,000 it is not.
      const hugeRaise = submit('m-huge', 'raiseLimit', { name: 'storage', by: 999_000 });
      const moved = given(quota, history(hugeRaise, ONE_STEP, approveCommand('m-one', bob), approveCommand('m-huge', bob), approveCommand('m-huge', carol)));
      expect(moved.lane.version).toBe(3);
      const outcome = moved.whenPending(approveCommand('m-huge', dave));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'denied', version: 3 });
      expect(types(outcome)).toEqual(['ApprovalGranted', 'MutationDenied']);
      expect(recorded(outcome).events[1]).toMatchObject({ data: { deniedBy: 'guard', code: 'guard_denied', reason: expect.stringContaining('violates its state schema') } });
    });

    it('given a policy that now denies, when finally approved, then it ends denied naming the policy', () => {
      const lockdown: Policy<Quota> = {
        name: 'lockdown',
        evaluate: ({ before, diff }) =>
          (before?.limits['lockdown'] ?? 0) > 0 && diff.some((entry) => entry.path !== 'limits.lockdown') ? { outcome: 'deny', reason: 'the quota is locked down' } : { outcome: 'allow' },
      };
      const lockable = defineGovernedQuotaContract([lockdown]);
      const locked = given(lockable, recordLaneHistory(lockable, [...BASE, ONE_STEP, submit('m-lock', 'setLimit', { name: 'lockdown', value: 1 })]));
      const outcome = locked.whenPending(approveCommand('m-one', bob));
      expect(outcome).toMatchObject({ kind: 'recorded', status: 'denied', version: 3 });
      expect(recorded(outcome).events[1]).toEqual({
        type: 'MutationDenied',
        data: { mutationId: 'm-one', deniedBy: 'policy', code: 'policy_denied', reason: 'the quota is locked down', policy: 'lockdown', suggestions: [], deniedAt: TEST_NOW },
      });
    });
  });

  describe('the re-planned change cannot be planned any more', () => {
    interface Checklist {
      items: string[];
    }
    const itemsSchema = { type: 'array', items: { type: 'string' } };
    const checklist = defineContract<Checklist>({
      stateType: 'checklist',
      stateSchema: { type: 'object', required: ['items'], additionalProperties: false, properties: { items: itemsSchema } },
      transitions: {
        create: {
          creates: true,
          payloadSchema: { type: 'object', required: ['items'], additionalProperties: false, properties: { items: itemsSchema } },
          effects: ({ payload }: { payload: Checklist }) => [{ op: 'set', path: '', value: { items: payload.items } }],
        },
        removeAt: {
          payloadSchema: { type: 'object', required: ['index'], additionalProperties: false, properties: { index: { type: 'integer', minimum: 0 } } },
          effects: ({ payload }: { payload: { index: number } }) => [{ op: 'removeAt', path: 'items', index: payload.index }],
        },
      },
      policies: [{ name: 'removals-need-an-editor', evaluate: ({ transition }) => (transition === 'removeAt' ? { outcome: 'require', requirements: [{ kind: 'approval', steps: [{ role: 'editor', count: 1 }] }] } : { outcome: 'allow' }) }],
    });
    const editor = principal('ed', 'editor');

    it('given the list shrank meanwhile, when the removal of its last item is finally approved, then its effect fails and it ends failed', () => {
      const shrunk = given(
        checklist,
        recordLaneHistory(checklist, [
          submit('m-list', 'create', { items: ['a', 'b', 'c'] }),
          submit('m-remove-2', 'removeAt', { index: 2 }),
          submit('m-remove-0', 'removeAt', { index: 0 }),
          approveCommand('m-remove-0', editor),
        ]),
      );
      const outcome = shrunk.whenPending(approveCommand('m-remove-2', editor));
      expect(outcome).toEqual({
        kind: 'recorded',
        status: 'failed',
        version: 2,
        events: [
          expect.objectContaining({ type: 'ApprovalGranted' }),
          { type: 'MutationFailed', data: { mutationId: 'm-remove-2', code: 'effect_failed', reason: 'removeAt items: index 2 is out of range', failedAt: TEST_NOW } },
        ],
      });
      expect(shrunk.then(outcome)).toMatchObject({ version: 2, pending: {}, document: { items: ['b', 'c'] } });
    });

    it('given an agent-created quota pending approval, when another create applied first, then the approval ends it failed as state_already_exists', () => {
      const agent = testActor({ id: 'bot', kind: 'agent' });
      const raced = given(
        quota,
        recordLaneHistory(quota, [submit('m-agent-create', 'create', { owner: 'team-bot' }, { actor: agent }), submit('m-human-create', 'create', { owner: 'team-a' })]),
      );
      const outcome = raced.whenPending(approveCommand('m-agent-create', bob));
      expect(types(outcome)).toEqual(['ApprovalGranted', 'MutationFailed']);
      expect(recorded(outcome).events[1]).toMatchObject({ data: { code: 'state_already_exists' } });
      expect(raced.then(outcome).document).toMatchObject({ owner: 'team-a' });
    });
  });
});
