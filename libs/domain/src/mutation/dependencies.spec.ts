import { describe, expect, it } from '@jest/globals';
import { given, later, recordHistory, submitCommand, TEST_NOW, TEST_SUBMIT_OPTIONS } from '../testing/decider-test-kit.js';
import { defineGovernedQuotaContract, principal, QUOTA_ADMIN } from '../testing/governed-quota.contract.js';
import { evolveLane, type LaneState } from './lane.js';
import type { MutationEvent } from './mutation-events.js';
import { decidePending, type PendingOutcome } from './resolve-pending.js';
import { openRequirements } from './requirements.js';
import type { SubmitOutcome } from './submit-mutation.js';

const quota = defineGovernedQuotaContract();
const created = recordHistory(quota, [submitCommand('create', { owner: 'team-a' })]);
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const HOUR = 60 * 60 * 1000;

function submitDependent(statuses: Record<string, 'pending' | 'applied' | 'rejected' | 'expired'>, overrides: { value?: number; dependencyTimeoutMs?: number } = {}): SubmitOutcome {
  return given(quota, created).when(
    submitCommand('setLimit', { name: 'cpu', value: overrides.value ?? 10 }, {
      mutationId: 'dependent',
      dependsOn: Object.keys(statuses),
      dependencyStatuses: statuses,
      ...(overrides.dependencyTimeoutMs === undefined ? {} : { dependencyTimeoutMs: overrides.dependencyTimeoutMs }),
    }),
  );
}

function laneAfter(outcome: SubmitOutcome | PendingOutcome, lane: LaneState = given(quota, created).lane): LaneState {
  return (outcome.kind === 'recorded' ? outcome.events : []).reduce(evolveLane, lane);
}

function types(outcome: SubmitOutcome | PendingOutcome): string[] {
  return outcome.kind === 'recorded' ? outcome.events.map((event) => event.type) : [];
}

describe('dependsOn at admission', () => {
  it('rejects ids that are not known (nothing recorded): a dependency must exist before its dependent, so no cycle can form', () => {
    const outcome = submitDependent({});
    const withUnknown = given(quota, created).when(
      submitCommand('setLimit', { name: 'cpu', value: 10 }, { mutationId: 'dependent', dependsOn: [A, B], dependencyStatuses: { [A]: 'applied' } }),
    );
    expect(outcome.kind).toBe('recorded'); // no dependsOn at all
    expect(withUnknown).toEqual({ kind: 'rejected', error: expect.objectContaining({ code: 'unknown_dependency', details: { unknown: [B] } }) });
    const self = given(quota, created).when(
      submitCommand('setLimit', { name: 'cpu', value: 10 }, { mutationId: A, dependsOn: [A], dependencyStatuses: { [A]: 'pending' } }),
    );
    expect(self).toEqual({ kind: 'rejected', error: expect.objectContaining({ code: 'unknown_dependency' }) });
  });

  it('applies at once when every dependency is already applied', () => {
    const outcome = submitDependent({ [A]: 'applied', [B]: 'applied' });
    expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', requirements: [] });
  });

  it('waits (pending, reason dependency) for the ones not applied yet, with a timeout from the request or the default', () => {
    const outcome = submitDependent({ [A]: 'applied', [B]: 'pending' }, { dependencyTimeoutMs: 5_000 });
    expect(outcome).toMatchObject({ kind: 'recorded', status: 'pending', requirements: [{ kind: 'dependency', mutationIds: [B], timeoutAt: later(5_000) }] });
    const byDefault = given(quota, created).when(
      submitCommand('setLimit', { name: 'cpu', value: 10 }, { mutationId: 'dependent', dependsOn: [B], dependencyStatuses: { [B]: 'pending' } }),
      { ...TEST_SUBMIT_OPTIONS, dependencyTimeoutMs: 2 * HOUR },
    );
    expect(byDefault).toMatchObject({ requirements: [{ kind: 'dependency', timeoutAt: later(2 * HOUR) }] });
  });

  it('keeps a pending mutation alive until its dependency timeout, so waiting too long fails it instead of expiring it', () => {
    const outcome = given(quota, created).when(
      submitCommand('setLimit', { name: 'cpu', value: 10 }, { mutationId: 'dependent', dependsOn: [B], dependencyStatuses: { [B]: 'pending' }, dependencyTimeoutMs: 48 * HOUR }),
    );
    expect(outcome.kind === 'recorded' && Date.parse(outcome.expiresAt ?? '')).toBeGreaterThan(Date.parse(later(48 * HOUR)));
  });

  it('records the dependent as failed (dependency_failed) when a dependency already ended otherwise', () => {
    const outcome = submitDependent({ [A]: 'applied', [B]: 'rejected' });
    expect(outcome).toMatchObject({ kind: 'recorded', status: 'failed' });
    expect(types(outcome)).toEqual(['MutationRequested', 'MutationFailed']);
    expect(outcome.kind === 'recorded' && outcome.events[1]).toMatchObject({ data: { code: 'dependency_failed' } });
  });

  it('adds the dependency to the approval a policy requires: both must be met', () => {
    const outcome = submitDependent({ [B]: 'pending' }, { value: 5_000 });
    expect(outcome).toMatchObject({ status: 'pending', requirements: [{ kind: 'approval' }, { kind: 'dependency', mutationIds: [B] }] });
  });
});

describe('dependency resolution', () => {
  const waiting = laneAfter(submitDependent({ [A]: 'pending', [B]: 'pending' }));
  const resolve = (lane: LaneState, dependencyId: string, outcome: 'applied' | 'rejected' | 'pending', now = later(1_000)) =>
    decidePending({ type: 'ResolveDependency', mutationId: 'dependent', dependencyId, outcome, now }, lane, quota as never, TEST_SUBMIT_OPTIONS);

  it('stays pending until the last dependency is applied, then applies against the current state', () => {
    const first = resolve(waiting, A, 'applied');
    expect(types(first)).toEqual(['DependencyResolved']);
    const afterA = laneAfter(first, waiting);
    expect(openRequirements(afterA.pending['dependent']!)).toEqual([{ kind: 'dependency', mutationIds: [B], timeoutAt: expect.any(String) }]);
    const second = resolve(afterA, B, 'applied');
    expect(types(second)).toEqual(['DependencyResolved', 'MutationApplied']);
    expect(second).toMatchObject({ status: 'applied', version: waiting.version + 1 });
  });

  it('fails with dependency_failed when a dependency ends in any other status', () => {
    const outcome = resolve(waiting, B, 'rejected');
    expect(types(outcome)).toEqual(['DependencyResolved', 'MutationFailed']);
    expect(outcome).toMatchObject({ status: 'failed', events: [{}, { data: { code: 'dependency_failed' } }] });
  });

  it('ignores repeated, still-pending and foreign signals (the saga delivers at least once)', () => {
    const afterA = laneAfter(resolve(waiting, A, 'applied'), waiting);
    expect(resolve(afterA, A, 'applied').kind).toBe('unchanged');
    expect(resolve(waiting, A, 'pending').kind).toBe('unchanged');
    expect(resolve(waiting, '00000000-0000-4000-8000-000000000099', 'applied').kind).toBe('unchanged');
    const ended = laneAfter(resolve(waiting, B, 'rejected'), waiting);
    expect(resolve(ended, A, 'applied').kind).toBe('unchanged');
  });

  it('times out with dependency_timeout, not before its time and not once the dependencies are applied', () => {
    const timeoutAt = (waiting.pending['dependent']!.requirements.find((requirement) => requirement.kind === 'dependency') as { timeoutAt: string }).timeoutAt;
    const early = decidePending({ type: 'TimeOutDependencies', mutationId: 'dependent', now: later(-1, timeoutAt) }, waiting, quota as never, TEST_SUBMIT_OPTIONS);
    expect(early).toMatchObject({ kind: 'unchanged', notDue: true });
    const due = decidePending({ type: 'TimeOutDependencies', mutationId: 'dependent', now: timeoutAt }, waiting, quota as never, TEST_SUBMIT_OPTIONS);
    expect(due).toMatchObject({ status: 'failed', events: [{ type: 'MutationFailed', data: { code: 'dependency_timeout' } }] });
    const approvedWaiting = laneAfter(submitDependent({ [A]: 'pending' }, { value: 5_000 }));
    const resolved = laneAfter(resolve(approvedWaiting, A, 'applied'), approvedWaiting);
    const late = decidePending({ type: 'TimeOutDependencies', mutationId: 'dependent', now: timeoutAt }, resolved, quota as never, TEST_SUBMIT_OPTIONS);
    expect(late.kind).toBe('unchanged');
  });

  it('after its dependencies it still waits for the approval its policy asked for', () => {
    const lane = laneAfter(submitDependent({ [A]: 'pending' }, { value: 5_000 }));
    const resolved = resolve(lane, A, 'applied');
    expect(resolved).toMatchObject({ kind: 'recorded', status: 'pending' });
    const afterA = laneAfter(resolved, lane);
    const approved = decidePending(
      { type: 'ApproveMutation', mutationId: 'dependent', approver: principal('bob', QUOTA_ADMIN), decision: 'approve', now: later(2_000) },
      afterA,
      quota as never,
      TEST_SUBMIT_OPTIONS,
    );
    expect(approved).toMatchObject({ status: 'applied' });
  });

  it('does not record an approvals dismissal when nothing was approved and the state moved meanwhile', () => {
    const moved: MutationEvent[] = [
      ...created,
      ...((): MutationEvent[] => {
        const outcome = given(quota, created).when(submitCommand('setLimit', { name: 'memory', value: 1 }, { mutationId: 'other', now: TEST_NOW }));
        return outcome.kind === 'recorded' ? outcome.events : [];
      })(),
    ];
    const lane = laneAfter(submitDependent({ [A]: 'pending' }));
    const laneMoved = [...moved.slice(created.length)].reduce(evolveLane, lane);
    const outcome = resolve(laneMoved, A, 'applied');
    expect(types(outcome)).toEqual(['DependencyResolved', 'MutationApplied']);
  });
});
