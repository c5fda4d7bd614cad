import { describe, expect, it } from '@jest/globals';
import { approveCommand, recordLaneHistory, rejectCommand, submitCommand, TEST_NOW } from '../testing/decider-test-kit.js';
import { defineGovernedQuotaContract, principal, QUOTA_ADMIN } from '../testing/governed-quota.contract.js';
import { isMutationEvent, laneStreamName, MUTATION_EVENT_TYPES, MUTATION_STATUSES, statusAfter, type MutationEvent, type MutationStatus } from './mutation-events.js';

/** statusAfter reads only the type; each row is one event type of the union. */
const EXPECTED_STATUS: Record<MutationEvent['type'], MutationStatus | undefined> = {
  MutationRequested: undefined,
  MutationPlanned: undefined,
  MutationDenied: 'denied',
  MutationPending: 'pending',
  MutationApplied: 'applied',
  ApprovalGranted: undefined,
  ApprovalRejected: undefined,
  ApprovalsDismissed: undefined,
  CheckResolved: undefined,
  ScheduleReached: undefined,
  MutationRejected: 'rejected',
  MutationExpired: 'expired',
  MutationCancelled: 'cancelled',
  MutationConflicted: 'conflicted',
  MutationFailed: 'failed',
  DependencyResolved: undefined,
  MutationAccepted: undefined,
  MutationStarted: undefined,
  MutationFinished: undefined,
  MutationCompensated: 'compensated',
};

function eventOfType(type: MutationEvent['type']): MutationEvent {
  return { type, data: { mutationId: 'm-1' } } as unknown as MutationEvent;
}

describe('statusAfter', () => {
  it.each(Object.entries(EXPECTED_STATUS))('after %s the status is %s', (type, status) => {
    expect(statusAfter(eventOfType(type as MutationEvent['type']))).toBe(status);
  });

  it('knows every event type, and ends only in known statuses', () => {
    expect([...MUTATION_EVENT_TYPES].sort()).toEqual(Object.keys(EXPECTED_STATUS).sort());
    for (const type of MUTATION_EVENT_TYPES) {
      const status = statusAfter(eventOfType(type));
      if (status !== undefined) expect(MUTATION_STATUSES).toContain(status);
    }
  });

  it('yields compensated only for MutationCompensated', () => {
    expect(MUTATION_EVENT_TYPES.filter((type) => statusAfter(eventOfType(type)) === 'compensated')).toEqual(['MutationCompensated']);
  });

  it('throws on an event type it does not know', () => {
    expect(() => statusAfter({ type: 'MutationTeleported', data: {} } as unknown as MutationEvent)).toThrow('unknown event');
  });

  it('gives the status of a recorded lifecycle event by event', () => {
    const quota = defineGovernedQuotaContract();
    const bob = principal('bob', QUOTA_ADMIN);
    const events = recordLaneHistory(quota, [
      submitCommand('create', { owner: 'team-a' }, { mutationId: 'm-create' }),
      submitCommand('setLimit', { name: 'storage', value: 500_000 }, { mutationId: 'm-1' }),
      approveCommand('m-1', bob),
      rejectCommand('m-1', principal('carol', QUOTA_ADMIN), { now: TEST_NOW }),
    ]);
    expect(events.map((event) => [event.type, statusAfter(event)])).toEqual([
      ['MutationRequested', undefined],
      ['MutationApplied', 'applied'],
      ['MutationRequested', undefined],
      ['MutationPending', 'pending'],
      ['ApprovalGranted', undefined],
      ['ApprovalRejected', undefined],
      ['MutationRejected', 'rejected'],
    ]);
  });
});

describe('isMutationEvent', () => {
  it.each([...MUTATION_EVENT_TYPES])('recognises %s', (type) => {
    expect(isMutationEvent({ type })).toBe(true);
  });

  it('rejects other types', () => {
    expect(isMutationEvent({ type: 'SagaStarted' })).toBe(false);
  });
});

describe('laneStreamName', () => {
  it('is state-<stateType>:<stateId>', () => {
    expect(laneStreamName('tenant-quota', 'acme')).toBe('state-tenant-quota:acme');
  });
});
