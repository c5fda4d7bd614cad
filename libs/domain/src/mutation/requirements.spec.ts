import { describe, expect, it } from '@jest/globals';
import type { Requirement } from '../policy/policy.js';
import { given, recordLaneHistory, submitCommand, TEST_NOW } from '../testing/decider-test-kit.js';
import { defineGovernedQuotaContract } from '../testing/governed-quota.contract.js';
import type { PendingMutation } from './lane.js';
import type { ApprovalRecord } from './mutation-events.js';
import { approvalSteps, currentApprovalStep, governanceRequirements, openRequirements } from './requirements.js';

const twoSteps: Requirement = {
  kind: 'approval',
  steps: [
    { role: 'quota-admin', count: 2 },
    { role: 'cfo', count: 1 },
  ],
};
const scan: Requirement = { kind: 'external_check', name: 'compliance-scan', role: 'compliance' };
const ticket: Requirement = { kind: 'external_check', name: 'change-ticket', role: 'change-manager' };
const schedule: Requirement = { kind: 'schedule', notBefore: '2030-01-15T13:00:00.000Z' };
const dependency: Requirement = { kind: 'dependency', mutationIds: ['m-0'], timeoutAt: '2030-01-15T14:00:00.000Z' };

function approval(approverId: string, step: number, role = step === 0 ? 'quota-admin' : 'cfo'): ApprovalRecord {
  return { approverId, step, role, approvedAt: TEST_NOW };
}

/** A real pending mutation of the governed quota (its request and diff), with the parts these functions read overridden. */
const recordedPending = (() => {
  const quota = defineGovernedQuotaContract();
  const events = recordLaneHistory(quota, [
    submitCommand('create', { owner: 'team-a' }, { mutationId: 'm-create' }),
    submitCommand('setLimit', { name: 'storage', value: 500_000 }, { mutationId: 'm-1' }),
  ]);
  return given(quota, events).lane.pending['m-1'] as PendingMutation;
})();

function pendingWith(overrides: Partial<Pick<PendingMutation, 'requirements' | 'approvals' | 'passedChecks' | 'scheduleReached' | 'resolvedDependencies'>>): PendingMutation {
  return { ...recordedPending, approvals: [], passedChecks: [], scheduleReached: false, resolvedDependencies: [], ...overrides };
}

describe('approvalSteps', () => {
  it('lists the steps of every approval requirement in order and nothing else', () => {
    const second: Requirement = { kind: 'approval', steps: [{ role: 'auditor', count: 1 }] };
    expect(approvalSteps([scan, twoSteps, schedule, second])).toEqual([
      { role: 'quota-admin', count: 2 },
      { role: 'cfo', count: 1 },
      { role: 'auditor', count: 1 },
    ]);
  });

  it('is empty without approval requirements', () => {
    expect(approvalSteps([scan, schedule, dependency])).toEqual([]);
  });
});

describe('currentApprovalStep', () => {
  it('is the first step while nobody approved', () => {
    expect(currentApprovalStep([twoSteps], [])).toEqual({ index: 0, role: 'quota-admin', count: 2, approvedBy: [] });
  });

  it('stays on a step until it has `count` approvals, listing who approved it', () => {
    expect(currentApprovalStep([twoSteps], [approval('bob', 0)])).toEqual({ index: 0, role: 'quota-admin', count: 2, approvedBy: ['bob'] });
  });

  it('moves to the next step once a step is complete', () => {
    expect(currentApprovalStep([twoSteps], [approval('bob', 0), approval('carol', 0)])).toEqual({ index: 1, role: 'cfo', count: 1, approvedBy: [] });
  });

  it('counts approvals only towards the step they were given for', () => {
    expect(currentApprovalStep([twoSteps], [approval('dave', 1), approval('bob', 0)])).toMatchObject({ index: 0, approvedBy: ['bob'] });
  });

  it('is undefined once every step is complete, or when nothing needs approval', () => {
    expect(currentApprovalStep([twoSteps], [approval('bob', 0), approval('carol', 0), approval('dave', 1)])).toBeUndefined();
    expect(currentApprovalStep([scan, schedule], [])).toBeUndefined();
    expect(currentApprovalStep([], [])).toBeUndefined();
  });
});

describe('openRequirements', () => {
  it('lists the current approval step with how many approvals it still needs, then checks, schedule and dependencies in order', () => {
    const open = openRequirements(pendingWith({ requirements: [scan, twoSteps, schedule, ticket, dependency], approvals: [approval('bob', 0)] }));
    expect(open).toEqual([
      { kind: 'approval', step: 0, role: 'quota-admin', remaining: 1 },
      { kind: 'external_check', name: 'compliance-scan', role: 'compliance' },
      { kind: 'schedule', notBefore: '2030-01-15T13:00:00.000Z' },
      { kind: 'external_check', name: 'change-ticket', role: 'change-manager' },
      dependency,
    ]);
  });

  it('names only the current approval step, not the ones after it', () => {
    const open = openRequirements(pendingWith({ requirements: [twoSteps], approvals: [approval('bob', 0), approval('carol', 0)] }));
    expect(open).toEqual([{ kind: 'approval', step: 1, role: 'cfo', remaining: 1 }]);
  });

  it('drops passed checks and a reached schedule', () => {
    const open = openRequirements(pendingWith({ requirements: [scan, ticket, schedule], passedChecks: ['change-ticket'], scheduleReached: true }));
    expect(open).toEqual([scan]);
  });

  it('is empty when every approval step, check and the schedule are met', () => {
    const met = pendingWith({
      requirements: [twoSteps, scan, schedule],
      approvals: [approval('bob', 0), approval('carol', 0), approval('dave', 1)],
      passedChecks: ['compliance-scan'],
      scheduleReached: true,
    });
    expect(openRequirements(met)).toEqual([]);
  });

  it('keeps a dependency open until each of its mutations is applied, listing only those still awaited', () => {
    const two: Requirement = { kind: 'dependency', mutationIds: ['m-0', 'm-9'], timeoutAt: '2030-01-15T14:00:00.000Z' };
    expect(openRequirements(pendingWith({ requirements: [two] }))).toEqual([two]);
    expect(openRequirements(pendingWith({ requirements: [two], resolvedDependencies: ['m-9'] }))).toEqual([{ ...two, mutationIds: ['m-0'] }]);
    expect(openRequirements(pendingWith({ requirements: [two], resolvedDependencies: ['m-0', 'm-9'] }))).toEqual([]);
  });

  it('reads the recorded pending mutation of a two-step chain as waiting for two quota-admins', () => {
    expect(openRequirements(recordedPending)).toEqual([{ kind: 'approval', step: 0, role: 'quota-admin', remaining: 2 }]);
  });
});

describe('governanceRequirements', () => {
  it('keeps approvals and external checks, the requirements granted by someone, and drops schedule and dependency', () => {
    expect(governanceRequirements([schedule, twoSteps, dependency, scan])).toEqual([twoSteps, scan]);
  });

  it('is empty for purely time-based requirements', () => {
    expect(governanceRequirements([schedule])).toEqual([]);
  });
});
