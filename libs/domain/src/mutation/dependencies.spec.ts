import { describe, expect, it } from '@jest/globals';
import type { Contract } from '../contract/contract.js';
import { approveCommand, documentApplied, given, later, recordHistory, recordLaneHistory, submitCommand, TEST_NOW, TEST_SUBMIT_OPTIONS, testActor, type LaneOutcome } from '../testing/decider-test-kit.js';
import { defineGovernedQuotaContract, principal, QUOTA_ADMIN } from '../testing/governed-quota.contract.js';
import { withLifecycle } from './lifecycle.js';
import { evolveLane, type LaneState } from './lane.js';
import type { MutationEvent, MutationRequested } from './mutation-events.js';
import { decidePending, type PendingOutcome } from './resolve-pending.js';
import { openRequirements } from './requirements.js';
import type { SubmitMutation, SubmitOutcome } from './submit-mutation.js';

const quota = defineGovernedQuotaContract();
const contract = quota as unknown as Contract<unknown>;
const created = recordHistory(quota, [submitCommand('create', { owner: 'team-a' })]);
/** Created, then frozen (both external checks passed): version 2. A setLimit on it is denied by the frozen guard. */
const frozen = recordLaneHistory(quota, [
  submitCommand('create', { owner: 'team-a' }, { mutationId: 'm-create' }),
  submitCommand('freeze', {}, { mutationId: 'm-freeze' }),
  { type: 'ResolveCheck', mutationId: 'm-freeze', name: 'compliance-scan', outcome: 'pass', actor: principal('scanner', 'compliance'), now: TEST_NOW },
  { type: 'ResolveCheck', mutationId: 'm-freeze', name: 'change-ticket', outcome: 'pass', actor: principal('ticketer', 'change-manager'), now: TEST_NOW },
]);
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const HOUR = 60 * 60 * 1000;
const bob = principal('bob', QUOTA_ADMIN);

type Statuses = Record<string, 'pending' | 'applied' | 'rejected' | 'expired'>;

function dependent(statuses: Statuses, overrides: Partial<SubmitMutation> = {}, payload: SubmitMutation['payload'] = { name: 'cpu', value: 10 }): SubmitMutation {
  return submitCommand(overrides.transition ?? 'setLimit', payload, { mutationId: 'dependent', dependsOn: Object.keys(statuses), dependencyStatuses: statuses, ...overrides });
}

function submitDependent(statuses: Statuses, overrides: { value?: number; dependencyTimeoutMs?: number } = {}): SubmitOutcome {
  return given(quota, created).when(
    dependent(statuses, overrides.dependencyTimeoutMs === undefined ? {} : { dependencyTimeoutMs: overrides.dependencyTimeoutMs }, { name: 'cpu', value: overrides.value ?? 10 }),
  );
}

function eventsOf(outcome: LaneOutcome): MutationEvent[] {
  return outcome.kind === 'recorded' || outcome.kind === 'deferred' ? outcome.events : [];
}

function laneAfter(outcome: LaneOutcome, lane: LaneState = given(quota, created).lane): LaneState {
  return eventsOf(outcome).reduce(evolveLane, lane);
}

function types(outcome: LaneOutcome): string[] {
  return eventsOf(outcome).map((event) => event.type);
}

function resolve(lane: LaneState, dependencyId: string, outcome: 'applied' | 'rejected' | 'pending', now = later(1_000)): PendingOutcome {
  return decidePending({ type: 'ResolveDependency', mutationId: 'dependent', dependencyId, outcome, now }, lane, contract, TEST_SUBMIT_OPTIONS);
}

/** The lane after `events`, with `command` admitted on it as a dependent waiting (unplanned). */
function waitingOn(events: readonly MutationEvent[], command: SubmitMutation): LaneState {
  const admitted = given(quota, events).when(command);
  expect(admitted).toMatchObject({ kind: 'deferred', status: 'pending' });
  return given(quota, [...events, ...eventsOf(admitted)]).lane;
}

describe('dependsOn at admission', () => {
  it('rejects ids that are not known (nothing recorded): a dependency must exist before its dependent, so no cycle can form', () => {
    const withUnknown = given(quota, created).when(
      submitCommand('setLimit', { name: 'cpu', value: 10 }, { mutationId: 'dependent', dependsOn: [A, B], dependencyStatuses: { [A]: 'applied' } }),
    );
    expect(withUnknown).toEqual({ kind: 'rejected', error: expect.objectContaining({ code: 'unknown_dependency', details: { unknown: [B] } }) });
    const self = given(quota, created).when(
      submitCommand('setLimit', { name: 'cpu', value: 10 }, { mutationId: A, dependsOn: [A], dependencyStatuses: { [A]: 'pending' } }),
    );
    expect(self).toEqual({ kind: 'rejected', error: expect.objectContaining({ code: 'unknown_dependency' }) });
  });

  it('plans and applies at once when every dependency is already applied', () => {
    const outcome = submitDependent({ [A]: 'applied', [B]: 'applied' });
    expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', requirements: [] });
    expect((eventsOf(outcome)[0] as MutationRequested).data).toMatchObject({ evaluation: { outcome: 'allow' }, dependsOn: [A, B] });
  });

  it('admits a change waiting for a dependency without a plan: no guard, policy or diff yet, only the dependency and no hash', () => {
    // Against today's state the frozen guard would deny it; by the time the dependency applies it may not be frozen any more.
    const outcome = given(quota, frozen).when(dependent({ [A]: 'applied', [B]: 'pending' }, { dependencyTimeoutMs: 5_000 }, { name: 'cpu', value: 5_000 }));
    expect(outcome).toMatchObject({
      kind: 'deferred',
      status: 'pending',
      dryRun: false,
      admission: { stateType: 'tenant-quota', stateId: 'state-1', transition: 'setLimit', baseVersion: 2 },
      requirements: [{ kind: 'dependency', mutationIds: [B], timeoutAt: later(5_000) }],
      version: 2,
    });
    expect(types(outcome)).toEqual(['MutationRequested', 'MutationPending']);
    const [requested, pending] = eventsOf(outcome);
    expect(requested).toMatchObject({
      type: 'MutationRequested',
      data: { planHash: '', evaluation: { outcome: 'deferred', policies: [] }, baseVersion: 2, dependsOn: [A, B], classificationRequest: {} },
    });
    expect(pending).toMatchObject({ type: 'MutationPending', data: { requirements: [{ kind: 'dependency', mutationIds: [B] }], diff: [], baseVersion: 2 } });
    expect(laneAfter(outcome, given(quota, frozen).lane).pending['dependent']).toMatchObject({ deferred: true });
  });

  it('takes the default dependency timeout from the options when the request gives none', () => {
    const outcome = given(quota, created).when(dependent({ [B]: 'pending' }), { ...TEST_SUBMIT_OPTIONS, dependencyTimeoutMs: 2 * HOUR });
    expect(outcome).toMatchObject({ requirements: [{ kind: 'dependency', timeoutAt: later(2 * HOUR) }] });
  });

  it('keeps a waiting mutation alive until its dependency timeout, so waiting too long fails it instead of expiring it', () => {
    const outcome = given(quota, created).when(dependent({ [B]: 'pending' }, { dependencyTimeoutMs: 48 * HOUR }));
    expect(outcome.kind === 'deferred' && Date.parse(outcome.expiresAt ?? '')).toBeGreaterThan(Date.parse(later(48 * HOUR)));
  });

  it('adds a notBefore still ahead as a schedule next to the dependency: it is planned once both are met', () => {
    const outcome = given(quota, created).when(dependent({ [B]: 'pending' }, { notBefore: later(2 * HOUR), dependencyTimeoutMs: HOUR }));
    expect(outcome).toMatchObject({ kind: 'deferred', requirements: [{ kind: 'schedule', notBefore: later(2 * HOUR) }, { kind: 'dependency', mutationIds: [B] }] });
    expect(outcome.kind === 'deferred' && outcome.expiresAt).toBe(later(2 * HOUR + TEST_SUBMIT_OPTIONS.approvalTtlMs));
  });

  it('still refuses at admission, recording nothing, what does not depend on the state: an unknown transition, a payload off its schema, a bad notBefore', () => {
    const lane = given(quota, created);
    expect(lane.when(dependent({ [B]: 'pending' }, { transition: 'teleport' }, {}))).toMatchObject({ kind: 'rejected', error: { code: 'unknown_transition' } });
    expect(lane.when(dependent({ [B]: 'pending' }, {}, { name: 'cpu', value: 'ten' }))).toMatchObject({ kind: 'rejected', error: { code: 'invalid_payload' } });
    expect(lane.when(dependent({ [B]: 'pending' }, { notBefore: 'tomorrow' }))).toMatchObject({ kind: 'rejected', error: { code: 'invalid_payload' } });
  });

  it('does not check expectedVersion at admission: it is checked when the mutation runs', () => {
    const outcome = given(quota, created).when(dependent({ [B]: 'pending' }, { expectedVersion: 2 }));
    expect(outcome).toMatchObject({ kind: 'deferred', status: 'pending' });
  });

  it('refuses an expectedPlanHash while a dependency is not applied: there is no plan to compare it with, so it is plan_changed with no hash and nothing is recorded', () => {
    const hash = 'a'.repeat(64);
    const cases: Statuses[] = [{ [A]: 'applied', [B]: 'pending' }, { [B]: 'rejected' }];
    for (const statuses of cases) {
      for (const dryRun of [false, true]) {
        const outcome = given(quota, created).when(dependent(statuses, { expectedPlanHash: hash, dryRun }));
        expect(outcome).toEqual({
          kind: 'rejected',
          error: expect.objectContaining({ code: 'plan_changed', details: { expectedPlanHash: hash, planHash: null, dependencies: { [B]: statuses[B] } } }),
        });
      }
    }
  });

  it('checks an expectedPlanHash against the plan when every dependency is already applied', () => {
    const shown = given(quota, created).when(dependent({ [A]: 'applied' }, { dryRun: true }));
    const hash = shown.kind === 'planned' ? shown.plan.hash : 'no plan';
    expect(given(quota, created).when(dependent({ [A]: 'applied' }, { expectedPlanHash: hash }))).toMatchObject({ kind: 'recorded', status: 'applied', plan: { hash } });
    expect(given(quota, created).when(dependent({ [A]: 'applied' }, { expectedPlanHash: 'b'.repeat(64) }))).toMatchObject({ kind: 'rejected', error: { code: 'plan_changed', details: { planHash: hash } } });
  });

  it('keeps only the fixed classification defaults until it is planned (those computed from the state wait for the plan)', () => {
    const outcome = given(quota, created).when(dependent({ [B]: 'pending' }, { transition: 'raiseLimit', classification: { tags: ['prod'] } }, { name: 'cpu', by: 5_000 }));
    // raiseLimit computes `high` for a raise above 1,000, from the payload and state: not known yet.
    expect(outcome).toMatchObject({ kind: 'deferred', admission: { classification: { category: 'quota', riskLevel: 'low', tags: ['prod', 'quota'] } } });
  });

  it('records the dependent as failed (dependency_failed) when a dependency already ended otherwise, without planning it', () => {
    // Planned against today's state the frozen guard would deny it; what ends it is the failed dependency.
    const outcome = given(quota, frozen).when(dependent({ [A]: 'applied', [B]: 'rejected' }));
    expect(outcome).toMatchObject({ kind: 'deferred', status: 'failed', failure: { code: 'dependency_failed' } });
    expect(types(outcome)).toEqual(['MutationRequested', 'MutationFailed']);
    expect(eventsOf(outcome)[1]).toMatchObject({ data: { code: 'dependency_failed', reason: `dependencies ended without being applied: ${B} (rejected)` } });
  });

  describe('as a dry run', () => {
    it('says what admission would do while a dependency is pending, and records nothing', () => {
      const outcome = given(quota, frozen).when(dependent({ [B]: 'pending' }, { dryRun: true }));
      expect(outcome).toMatchObject({ kind: 'deferred', status: 'pending', dryRun: true, events: [], requirements: [{ kind: 'dependency', mutationIds: [B] }], admission: { baseVersion: 2 } });
    });

    it('is refused as dependency_failed when a dependency already ended otherwise', () => {
      const outcome = given(quota, created).when(dependent({ [B]: 'expired' }, { dryRun: true }));
      expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'dependency_failed', details: { dependencies: { [B]: 'expired' } } } });
    });

    it('plans against the state when every dependency is applied', () => {
      expect(given(quota, created).when(dependent({ [B]: 'applied' }, { dryRun: true }))).toMatchObject({ kind: 'planned', plan: { diff: [{ path: 'limits.cpu', after: 10 }] } });
    });
  });
});

describe('planning when the last dependency applies', () => {
  it('stays unplanned until the last dependency is applied, then plans and applies against the state as it is then', () => {
    const waiting = laneAfter(submitDependent({ [A]: 'pending', [B]: 'pending' }));
    const first = resolve(waiting, A, 'applied');
    expect(types(first)).toEqual(['DependencyResolved']);
    const afterA = laneAfter(first, waiting);
    expect(openRequirements(afterA.pending['dependent']!)).toEqual([{ kind: 'dependency', mutationIds: [B], timeoutAt: expect.any(String) }]);
    expect(afterA.pending['dependent']).toMatchObject({ deferred: true });
    const second = resolve(afterA, B, 'applied');
    expect(types(second)).toEqual(['DependencyResolved', 'MutationPlanned', 'MutationApplied']);
    expect(second).toMatchObject({ status: 'applied', version: waiting.version + 1 });
    const planned = eventsOf(second)[1];
    expect(planned).toEqual({
      type: 'MutationPlanned',
      data: {
        mutationId: 'dependent',
        baseVersion: 1,
        planHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        classification: { category: 'quota', riskLevel: 'low', sideEffectSeverity: 'none', tags: ['quota'], metadata: {}, estimatedBlastRadius: 1 },
        evaluation: { outcome: 'allow', policies: expect.any(Array) },
        diff: [{ path: 'limits.cpu', kind: 'added', after: 10 }],
        plannedAt: later(1_000),
      },
    });
  });

  it('applies a change that the state at admission would have denied once its dependency made it valid', () => {
    // The acceptance chain on one lane: a quota frozen at admission, unfrozen by the change the dependent waits for.
    const waiting = waitingOn(frozen, dependent({ [A]: 'pending' }));
    const lane = evolveLane(waiting, documentApplied('tenant-quota', { owner: 'team-a', limits: {}, frozen: false }, 3));
    expect(lane.document).toMatchObject({ frozen: false });
    const outcome = resolve(lane, A, 'applied');
    expect(types(outcome)).toEqual(['DependencyResolved', 'MutationPlanned', 'MutationApplied']);
    expect(outcome).toMatchObject({ status: 'applied', version: 4 });
    expect(eventsOf(outcome)[1]).toMatchObject({ data: { baseVersion: 3 } });
  });

  it('records a denial (MutationPlanned, then MutationDenied) when the state denies it once the dependency applied', () => {
    const lane = [...frozen.slice(created.length)].reduce(evolveLane, waitingOn(created, dependent({ [A]: 'pending' })));
    expect(lane.document).toMatchObject({ frozen: true });
    const outcome = resolve(lane, A, 'applied');
    expect(types(outcome)).toEqual(['DependencyResolved', 'MutationPlanned', 'MutationDenied']);
    expect(outcome).toMatchObject({
      kind: 'recorded',
      status: 'denied',
      events: [{}, { data: { evaluation: { outcome: 'deny' } } }, { data: { deniedBy: 'guard', code: 'guard_denied', reason: 'the quota is frozen', suggestions: [{ transition: 'unfreeze' }] } }],
    });
    expect(laneAfter(outcome, lane).pending['dependent']).toBeUndefined();
    // Executed, so started; denied, so finished.
    expect(withLifecycle(lane, eventsOf(outcome)).map((event) => event.type)).toEqual(['DependencyResolved', 'MutationPlanned', 'MutationStarted', 'MutationDenied', 'MutationFinished']);
  });

  it('waits for the approval its policies require once planned, then the approval re-plans and applies it as usual', () => {
    const lane = laneAfter(submitDependent({ [A]: 'pending' }, { value: 5_000 }));
    expect(lane.pending['dependent']!.requirements).toEqual([{ kind: 'dependency', mutationIds: [A], timeoutAt: expect.any(String) }]);
    const resolved = resolve(lane, A, 'applied', later(HOUR));
    expect(types(resolved)).toEqual(['DependencyResolved', 'MutationPlanned', 'MutationPending']);
    expect(eventsOf(resolved)[2]).toMatchObject({
      data: {
        requirements: [{ kind: 'approval', steps: [{ role: QUOTA_ADMIN, count: 1 }] }],
        expiresAt: later(HOUR + TEST_SUBMIT_OPTIONS.approvalTtlMs),
        diff: [{ path: 'limits.cpu', kind: 'added', after: 5_000 }],
        baseVersion: 1,
      },
    });
    expect(resolved).toMatchObject({ kind: 'recorded', status: 'pending' });
    const afterA = laneAfter(resolved, lane);
    expect(afterA.pending['dependent']).toMatchObject({ deferred: false });
    expect(openRequirements(afterA.pending['dependent']!)).toEqual([{ kind: 'approval', step: 0, role: QUOTA_ADMIN, remaining: 1 }]);
    const requester = decidePending(approveCommand('dependent', testActor(), { now: later(2 * HOUR) }), afterA, contract, TEST_SUBMIT_OPTIONS);
    expect(requester).toMatchObject({ kind: 'rejected', error: { code: 'self_approval' } });
    const approved = decidePending(approveCommand('dependent', bob, { now: later(2 * HOUR) }), afterA, contract, TEST_SUBMIT_OPTIONS);
    expect(types(approved)).toEqual(['ApprovalGranted', 'MutationApplied']);
    expect(approved).toMatchObject({ status: 'applied' });
  });

  it('refuses approvals while it is not planned: there is nothing to approve yet', () => {
    const lane = laneAfter(submitDependent({ [A]: 'pending' }, { value: 5_000 }));
    const outcome = decidePending(approveCommand('dependent', bob), lane, contract, TEST_SUBMIT_OPTIONS);
    expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'no_approval_required' } });
  });

  it('resolves the classification the request asked for against the state when planned', () => {
    const lane = waitingOn(
      recordHistory(quota, [submitCommand('create', { owner: 'team-a' }), submitCommand('setLimit', { name: 'cpu', value: 10 })]),
      dependent({ [A]: 'pending' }, { transition: 'raiseLimit', classification: { tags: ['prod'], estimatedBlastRadius: 7 } }, { name: 'cpu', by: 500 }),
    );
    const outcome = resolve(lane, A, 'applied');
    expect(eventsOf(outcome)[1]).toMatchObject({ type: 'MutationPlanned', data: { classification: { riskLevel: 'low', tags: ['prod', 'quota'], estimatedBlastRadius: 7 } } });
    const big = waitingOn(created, dependent({ [A]: 'pending' }, { transition: 'raiseLimit', classification: { riskLevel: 'medium' } }, { name: 'cpu', by: 5_000 }));
    const raised = resolve(big, A, 'applied');
    // The transition computes `high` for this raise: above what the request asked, so it stands.
    expect(eventsOf(raised)[1]).toMatchObject({ type: 'MutationPlanned', data: { classification: { riskLevel: 'high' } } });
  });

  it('checks expectedVersion when it runs: applied at the version it expected, conflicted (unplanned) when the state moved past it', () => {
    const waiting = waitingOn(created, dependent({ [A]: 'pending' }, { expectedVersion: 2 }));
    const moved = recordLaneHistory(quota, [submitCommand('create', { owner: 'team-a' }, { mutationId: 'm-create' }), submitCommand('setLimit', { name: 'memory', value: 1 }, { mutationId: 'm-memory' })]);
    const atTwo = moved.slice(created.length).reduce(evolveLane, waiting);
    expect(types(resolve(atTwo, A, 'applied'))).toEqual(['DependencyResolved', 'MutationPlanned', 'MutationApplied']);
    expect(types(resolve(waiting, A, 'applied'))).toEqual(['DependencyResolved', 'MutationConflicted']);
    expect(resolve(waiting, A, 'applied')).toMatchObject({ status: 'conflicted', events: [{}, { data: { expectedVersion: 2, currentVersion: 1 } }] });
  });

  it('fails with the planning error when it cannot be planned then (e.g. the state still does not exist)', () => {
    const lane = waitingOn([], dependent({ [A]: 'pending' }));
    const outcome = resolve(lane, A, 'applied');
    expect(types(outcome)).toEqual(['DependencyResolved', 'MutationFailed']);
    expect(outcome).toMatchObject({ status: 'failed', events: [{}, { data: { code: 'state_not_found' } }] });
  });

  it('applies a change to a state its dependency creates: admitted before the state exists, planned once it does', () => {
    const agent = testActor({ id: 'agent-1', kind: 'agent' });
    // An agent's create waits for a quota-admin; the dependent setLimit is admitted meanwhile, on a state that does not exist yet.
    const creating = recordLaneHistory(quota, [submitCommand('create', { owner: 'team-a' }, { mutationId: A, actor: agent })]);
    const lane = waitingOn(creating, dependent({ [A]: 'pending' }));
    const approved = decidePending(approveCommand(A, bob), lane, contract, TEST_SUBMIT_OPTIONS);
    expect(approved).toMatchObject({ status: 'applied', version: 1 });
    const outcome = resolve(laneAfter(approved, lane), A, 'applied');
    expect(types(outcome)).toEqual(['DependencyResolved', 'MutationPlanned', 'MutationApplied']);
    expect(outcome).toMatchObject({ status: 'applied', version: 2 });
  });

  it('is planned only once its schedule is reached too, when that comes after the dependency', () => {
    const lane = laneAfter(given(quota, created).when(dependent({ [A]: 'pending' }, { notBefore: later(2 * HOUR) })));
    const resolved = resolve(lane, A, 'applied');
    expect(types(resolved)).toEqual(['DependencyResolved']);
    const reached = decidePending({ type: 'ReachSchedule', mutationId: 'dependent', now: later(2 * HOUR) }, laneAfter(resolved, lane), contract, TEST_SUBMIT_OPTIONS);
    expect(types(reached)).toEqual(['ScheduleReached', 'MutationPlanned', 'MutationApplied']);
  });

  it('fails with dependency_failed, never planned, when a dependency ends in any other status', () => {
    const waiting = laneAfter(submitDependent({ [A]: 'pending', [B]: 'pending' }));
    const outcome = resolve(waiting, B, 'rejected');
    expect(types(outcome)).toEqual(['DependencyResolved', 'MutationFailed']);
    expect(outcome).toMatchObject({ status: 'failed', events: [{}, { data: { code: 'dependency_failed' } }] });
    expect(withLifecycle(waiting, eventsOf(outcome)).map((event) => event.type)).toEqual(['DependencyResolved', 'MutationFailed', 'MutationFinished']);
  });

  it('ignores repeated, still-pending and foreign signals (the saga delivers at least once)', () => {
    const waiting = laneAfter(submitDependent({ [A]: 'pending', [B]: 'pending' }));
    const afterA = laneAfter(resolve(waiting, A, 'applied'), waiting);
    expect(resolve(afterA, A, 'applied').kind).toBe('unchanged');
    expect(resolve(waiting, A, 'pending').kind).toBe('unchanged');
    expect(resolve(waiting, '00000000-0000-4000-8000-000000000099', 'applied').kind).toBe('unchanged');
    const ended = laneAfter(resolve(waiting, B, 'rejected'), waiting);
    expect(resolve(ended, A, 'applied').kind).toBe('unchanged');
  });

  it('times out with dependency_timeout, not before its time and not once the dependencies are applied', () => {
    const waiting = laneAfter(submitDependent({ [A]: 'pending', [B]: 'pending' }));
    const timeoutAt = (waiting.pending['dependent']!.requirements.find((requirement) => requirement.kind === 'dependency') as { timeoutAt: string }).timeoutAt;
    const early = decidePending({ type: 'TimeOutDependencies', mutationId: 'dependent', now: later(-1, timeoutAt) }, waiting, contract, TEST_SUBMIT_OPTIONS);
    expect(early).toMatchObject({ kind: 'unchanged', notDue: true });
    const due = decidePending({ type: 'TimeOutDependencies', mutationId: 'dependent', now: timeoutAt }, waiting, contract, TEST_SUBMIT_OPTIONS);
    expect(due).toMatchObject({ status: 'failed', events: [{ type: 'MutationFailed', data: { code: 'dependency_timeout' } }] });
    const approvalWaiting = laneAfter(submitDependent({ [A]: 'pending' }, { value: 5_000 }));
    const resolved = laneAfter(resolve(approvalWaiting, A, 'applied'), approvalWaiting);
    const late = decidePending({ type: 'TimeOutDependencies', mutationId: 'dependent', now: timeoutAt }, resolved, contract, TEST_SUBMIT_OPTIONS);
    expect(late.kind).toBe('unchanged');
  });

  it('replays to the same lane as the one evolved live', () => {
    const admitted = submitDependent({ [A]: 'pending' }, { value: 5_000 });
    const lane = laneAfter(admitted);
    const resolved = resolve(lane, A, 'applied');
    const live = laneAfter(resolved, lane);
    const replayed = given(quota, [...created, ...eventsOf(admitted), ...eventsOf(resolved)]).lane;
    expect(replayed).toEqual(live);
  });
});
