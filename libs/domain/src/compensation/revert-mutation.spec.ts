import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Contract } from '../contract/contract.js';
import type { JsonValue } from '../json/json.js';
import { evolveLane, foldLane, type LaneState } from '../mutation/lane.js';
import type { MutationEvent } from '../mutation/mutation-events.js';
import { decidePending } from '../mutation/resolve-pending.js';
import { decideSubmit, type SubmitOutcome } from '../mutation/submit-mutation.js';
import { approveCommand, later, submitCommand, testActor, TEST_NOW, TEST_SUBMIT_OPTIONS } from '../testing/decider-test-kit.js';
import { defineGovernedQuotaContract, principal, QUOTA_ADMIN } from '../testing/governed-quota.contract.js';
import { compensationChain, laneHistory, appliedChange, type AppliedChange } from './lane-history.js';
import { defineQuotaContract } from '../testing/quota.contract.js';
import { decideRevert, planRevertChain, type RevertMutation } from './revert-mutation.js';

const quota = defineGovernedQuotaContract() as unknown as Contract<unknown>;
/** Without governance: freezing needs no checks. */
const plainQuota = defineQuotaContract() as unknown as Contract<unknown>;

/** A lane and its stream, built by deciding commands one after another as the write side does. */
class LaneLog {
  lane: LaneState = foldLane('tenant-quota', 'state-1', []);
  readonly events: MutationEvent[] = [];

  constructor(private readonly contract: Contract<unknown> = quota) {}

  submit(mutationId: string, transition: string, payload: JsonValue): SubmitOutcome {
    return this.record(decideSubmit(submitCommand(transition, payload, { mutationId }), this.lane, this.contract, TEST_SUBMIT_OPTIONS));
  }

  revert(mutationId: string, target: string, overrides: Partial<RevertMutation> = {}): SubmitOutcome {
    const command: RevertMutation = { type: 'RevertMutation', mutationId, target, actor: testActor(), now: TEST_NOW, ...overrides };
    return this.record(decideRevert(command, this.lane, laneHistory(this.events), this.contract, TEST_SUBMIT_OPTIONS));
  }

  record<T extends { kind: string }>(outcome: T): T {
    if (outcome.kind === 'recorded') {
      for (const event of (outcome as unknown as { events: MutationEvent[] }).events) {
        this.events.push(event);
        this.lane = evolveLane(this.lane, event);
      }
    }
    return outcome;
  }

  document(): unknown {
    return this.lane.document;
  }
}

function created(contract: Contract<unknown> = quota): LaneLog {
  const log = new LaneLog(contract);
  log.submit('create', 'create', { owner: 'team-a' });
  return log;
}

function errorOf(outcome: SubmitOutcome) {
  return outcome.kind === 'rejected' ? outcome.error : undefined;
}

describe('revert of an applied mutation', () => {
  it('applies the inverse as a new version, linked both ways: the compensation names its target, the target is compensated', () => {
    const log = created();
    log.submit('m1', 'setLimit', { name: 'cpu', value: 500 });
    log.submit('m2', 'setLimit', { name: 'cpu', value: 800 });
    const outcome = log.revert('r1', 'm2', { reason: 'too high' });
    expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied', version: 4 });
    const events = outcome.kind === 'recorded' ? outcome.events : [];
    expect(events.map((event) => event.type)).toEqual(['MutationRequested', 'MutationApplied', 'MutationCompensated']);
    expect(events[0]).toMatchObject({ data: { mutationId: 'r1', transition: 'revert:setLimit', compensates: 'm2', reason: 'too high' } });
    expect(events[1]).toMatchObject({ data: { version: 4, diff: [{ path: 'limits.cpu', kind: 'changed', before: 800, after: 500 }] } });
    expect(events[2]).toEqual({ type: 'MutationCompensated', data: { mutationId: 'm2', compensatedBy: 'r1', compensatedAt: TEST_NOW } });
    expect(log.document()).toMatchObject({ limits: { cpu: 500 } });
    expect(log.lane.compensations).toEqual({ m2: 'r1' });
  });

  it('removes a path the change added', () => {
    const log = created();
    log.submit('m1', 'setLimit', { name: 'cpu', value: 500 });
    log.revert('r1', 'm1');
    expect(log.document()).toEqual({ owner: 'team-a', limits: {}, frozen: false });
  });

  it('uses the named compensating transition when the contract declares one', () => {
    const log = created(plainQuota);
    log.submit('f1', 'freeze', {});
    const outcome = log.revert('r1', 'f1');
    expect(outcome).toMatchObject({ kind: 'recorded', status: 'applied' });
    expect(outcome.kind === 'recorded' ? outcome.events[0] : undefined).toMatchObject({ data: { transition: 'unfreeze', payload: {}, compensates: 'f1' } });
    expect(log.document()).toMatchObject({ frozen: false });
  });

  it('refuses an irreversible transition: creating ones and those without an inverse (nothing recorded)', () => {
    const log = created(plainQuota);
    log.submit('f1', 'freeze', {});
    log.submit('u1', 'unfreeze', {});
    expect(errorOf(log.revert('r1', 'create'))).toMatchObject({ code: 'irreversible', details: { mutationId: 'create', transition: 'create' } });
    expect(errorOf(log.revert('r2', 'u1'))).toMatchObject({ code: 'irreversible', details: { transition: 'unfreeze' } });
    expect(log.lane.version).toBe(3);
  });

  it('refuses with revert_conflict when a later mutation changed the same path, listing it; other paths do not conflict', () => {
    const log = created();
    log.submit('m1', 'setLimit', { name: 'cpu', value: 500 });
    log.submit('other', 'setLimit', { name: 'mem', value: 100 });
    log.submit('m2', 'raiseLimit', { name: 'cpu', by: 10 });
    expect(errorOf(log.revert('r1', 'm1'))).toMatchObject({
      code: 'revert_conflict',
      details: { mutationId: 'm1', later: [{ mutationId: 'm2', version: 4, transition: 'raiseLimit', paths: ['limits.cpu'] }] },
    });
    expect(log.revert('r2', 'other')).toMatchObject({ kind: 'recorded', status: 'applied' });
  });

  it('a later change that was itself reverted no longer conflicts', () => {
    const log = created();
    log.submit('m1', 'setLimit', { name: 'cpu', value: 500 });
    log.submit('m2', 'setLimit', { name: 'cpu', value: 600 });
    log.revert('r2', 'm2');
    expect(log.revert('r1', 'm1')).toMatchObject({ kind: 'recorded', status: 'applied' });
    expect(log.document()).toMatchObject({ limits: {} });
  });

  it('reverting a revert restores the reverted change, and the original stays compensated', () => {
    const log = created();
    log.submit('m1', 'setLimit', { name: 'cpu', value: 500 });
    log.revert('r1', 'm1');
    expect(log.revert('rr1', 'r1')).toMatchObject({ kind: 'recorded', status: 'applied' });
    expect(log.document()).toMatchObject({ limits: { cpu: 500 } });
    expect(errorOf(log.revert('again', 'm1'))).toMatchObject({ code: 'already_compensated', details: { compensatedBy: 'r1' } });
  });

  it('refuses mutations that did not apply, and those already compensated or with a compensation waiting', () => {
    const log = created();
    log.submit('big', 'setLimit', { name: 'cpu', value: 5_000 });
    expect(errorOf(log.revert('r0', 'big'))).toMatchObject({ code: 'mutation_not_applied', details: { status: 'pending' } });
    log.submit('m1', 'setLimit', { name: 'cpu', value: 5 });
    log.submit('m2', 'setLimit', { name: 'cpu', value: 20 });
    expect(log.revert('r2', 'm2')).toMatchObject({ kind: 'recorded', status: 'applied' });
    expect(errorOf(log.revert('r2-again', 'm2'))).toMatchObject({ code: 'already_compensated' });
    expect(errorOf(log.revert('r9', 'nothing'))).toMatchObject({ code: 'mutation_not_applied' });
  });

  it('goes through policies: a revert that raises a limit past a threshold waits for approval and applies, linked, when approved', () => {
    const log = created();
    log.submit('m1', 'setLimit', { name: 'cpu', value: 900 });
    log.record(decidePending(approveCommand('m2', principal('bob', QUOTA_ADMIN)), log.lane, quota, TEST_SUBMIT_OPTIONS));
    log.submit('m2', 'setLimit', { name: 'cpu', value: 1_500 });
    log.record(decidePending(approveCommand('m2', principal('bob', QUOTA_ADMIN)), log.lane, quota, TEST_SUBMIT_OPTIONS));
    log.submit('m3', 'setLimit', { name: 'mem', value: 10 });
    // Lower cpu to 100 first, so reverting that (back to 1,500) needs an approval.
    log.submit('m4', 'setLimit', { name: 'cpu', value: 100 });
    const pending = log.revert('r4', 'm4');
    expect(pending).toMatchObject({ kind: 'recorded', status: 'pending', requirements: [{ kind: 'approval', steps: [{ role: QUOTA_ADMIN, count: 1 }] }] });
    expect(errorOf(log.revert('r4b', 'm4'))).toMatchObject({ code: 'already_compensated', details: { compensatedBy: 'r4', status: 'pending' } });
    const approved = log.record(decidePending(approveCommand('r4', principal('bob', QUOTA_ADMIN), { now: later(1_000) }), log.lane, quota, TEST_SUBMIT_OPTIONS));
    expect(approved).toMatchObject({ kind: 'recorded', status: 'applied' });
    expect(approved.kind === 'recorded' ? approved.events.map((event) => event.type) : []).toEqual(['ApprovalGranted', 'MutationApplied', 'MutationCompensated']);
    expect(log.document()).toMatchObject({ limits: { cpu: 1_500, mem: 10 } });
  });

  it('a pending revert whose paths changed before its approval fails with revert_conflict instead of overwriting the change', () => {
    const log = created();
    log.submit('m1', 'setLimit', { name: 'cpu', value: 1_500 });
    log.record(decidePending(approveCommand('m1', principal('bob', QUOTA_ADMIN)), log.lane, quota, TEST_SUBMIT_OPTIONS));
    log.submit('m2', 'setLimit', { name: 'cpu', value: 100 });
    log.revert('r2', 'm2');
    log.submit('m3', 'setLimit', { name: 'cpu', value: 200 });
    const approved = log.record(decidePending(approveCommand('r2', principal('bob', QUOTA_ADMIN)), log.lane, quota, TEST_SUBMIT_OPTIONS));
    expect(approved).toMatchObject({ kind: 'recorded', status: 'failed' });
    expect(approved.kind === 'recorded' ? approved.events[1] : undefined).toMatchObject({ type: 'MutationFailed', data: { code: 'revert_conflict' } });
    expect(log.document()).toMatchObject({ limits: { cpu: 200 } });
  });

  it('a client cannot submit a revert: transition itself', () => {
    const log = created();
    log.submit('m1', 'setLimit', { name: 'cpu', value: 5 });
    const outcome = log.submit('forged', 'revert:setLimit', { restore: [{ path: 'owner', value: 'mallory' }], expect: [] });
    expect(errorOf(outcome)).toMatchObject({ code: 'unknown_transition' });
  });

  it('a dry run plans the revert and records nothing', () => {
    const log = created();
    log.submit('m1', 'setLimit', { name: 'cpu', value: 5 });
    const outcome = log.revert('r1', 'm1', { dryRun: true });
    expect(outcome).toMatchObject({ kind: 'planned', plan: { transition: 'revert:setLimit', after: { limits: {} } } });
    expect(log.lane.compensations).toEqual({});
  });
});

describe('compensating a chain', () => {
  it('lists every later change to undo first, latest first, with the target last, including conflicts of conflicts', () => {
    const log = created();
    log.submit('a', 'setLimit', { name: 'cpu', value: 1 });
    log.submit('b', 'setLimit', { name: 'cpu', value: 2 });
    log.submit('c', 'setLimit', { name: 'mem', value: 3 });
    log.submit('d', 'raiseLimit', { name: 'cpu', by: 1 });
    const history = laneHistory(log.events);
    const chain = compensationChain(history, appliedChange(history, 'a') as AppliedChange);
    expect(chain.map((change) => change.mutationId)).toEqual(['d', 'b', 'a']);
    expect(planRevertChain('a', log.lane, history, quota)).toMatchObject({ ok: true });
  });

  it('refuses a chain that would have to undo an irreversible change, naming it', () => {
    const log = created(plainQuota);
    log.submit('f', 'freeze', {});
    log.submit('u', 'unfreeze', {});
    const history = laneHistory(log.events);
    expect(errorOf(log.revert('r', 'f'))).toMatchObject({ code: 'revert_conflict', details: { later: [{ mutationId: 'u' }] } });
    expect(planRevertChain('f', log.lane, history, plainQuota)).toMatchObject({ ok: false, error: { code: 'irreversible', details: { mutationId: 'u' } } });
  });

  it('property: applying the planned chain of compensations in order restores the document before the target', () => {
    const step = fc.record({ name: fc.constantFrom('cpu', 'mem', 'disk'), value: fc.integer({ min: 0, max: 900 }), raise: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), fc.nat(), (steps, pick) => {
        const log = created();
        const snapshots: unknown[] = [];
        steps.forEach((entry, index) => {
          snapshots.push(structuredClone(log.document()));
          log.submit(`m${index}`, entry.raise ? 'raiseLimit' : 'setLimit', entry.raise ? { name: entry.name, by: Math.max(1, entry.value) } : { name: entry.name, value: entry.value });
        });
        const target = pick % steps.length;
        const history = laneHistory(log.events);
        const planned = planRevertChain(`m${target}`, log.lane, history, quota);
        if (!planned.ok) return; // a limit above the approval threshold never applied
        for (const change of planned.chain) {
          expect(log.revert(`r-${change.mutationId}`, change.mutationId)).toMatchObject({ kind: 'recorded', status: 'applied' });
        }
        // Undoing everything from the target on leaves the paths they touched as before the target.
        const before = snapshots[target] as { limits: Record<string, number> };
        const now = log.document() as { limits: Record<string, number> };
        for (const change of planned.chain) {
          for (const entry of change.diff) expect(now.limits[entry.path.slice('limits.'.length)]).toEqual(before.limits[entry.path.slice('limits.'.length)]);
        }
        expect(Object.keys(log.lane.compensations).sort()).toEqual(planned.chain.map((change) => change.mutationId).sort());
      }),
      { numRuns: 200 },
    );
  });
});
