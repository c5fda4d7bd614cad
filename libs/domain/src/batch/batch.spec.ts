import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Actor } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import type { JsonValue } from '../json/json.js';
import { evolveLane, foldLane, type LaneState } from '../mutation/lane.js';
import type { MutationEvent } from '../mutation/mutation-events.js';
import { decideSubmit } from '../mutation/submit-mutation.js';
import { laneHistory } from '../compensation/lane-history.js';
import { decideRevert } from '../compensation/revert-mutation.js';
import { later, submitCommand, TEST_NOW, TEST_SUBMIT_OPTIONS } from '../testing/decider-test-kit.js';
import { COMPLIANCE, freezeChecks, limitApproval, principal, QUOTA_ADMIN, CFO } from '../testing/governed-quota.contract.js';
import { defineQuotaContract } from '../testing/quota.contract.js';
import { decideBatchAdmission, mergeApprovalSteps, type BatchStepRequest, type MutationStepRequest, type SubmitBatch } from './admit-batch.js';
import { decideBatchCommand } from './batch-commands.js';
import { describeBatch, evolveBatch, foldBatch, type BatchState } from './batch.js';
import type { BatchEvent, BatchMode } from './batch-events.js';
import { nextBatchAction, recordCompensation, recordStepOutcome } from './batch-saga.js';
import { decideBatchStep, decideStepCompensation } from './execute-step.js';

const quota = defineQuotaContract([limitApproval, freezeChecks]) as unknown as Contract<unknown>;
const alice = principal('alice', 'operator');

/** Lanes of tenant-quota states and a batch, advanced the way the runtime does: each decision appended to its own stream. */
class World {
  readonly lanes = new Map<string, { lane: LaneState; events: MutationEvent[] }>();
  batch: BatchState = foldBatch('batch-1', []);
  readonly batchEvents: BatchEvent[] = [];
  /** Compensations in the order they applied, as `step:compensationId`. */
  readonly compensationOrder: number[] = [];
  private nextId = 0;

  laneOf(stateId: string) {
    let entry = this.lanes.get(stateId);
    if (!entry) {
      entry = { lane: foldLane('tenant-quota', stateId, []), events: [] };
      this.lanes.set(stateId, entry);
    }
    return entry;
  }

  append(stateId: string, events: readonly MutationEvent[]) {
    const entry = this.laneOf(stateId);
    for (const event of events) {
      entry.events.push(event);
      entry.lane = evolveLane(entry.lane, event);
    }
  }

  submit(stateId: string, transition: string, payload: JsonValue, mutationId = `m-${this.nextId++}`) {
    const outcome = decideSubmit(submitCommand(transition, payload, { mutationId, stateId }), this.laneOf(stateId).lane, quota, TEST_SUBMIT_OPTIONS);
    if (outcome.kind !== 'recorded' || outcome.status !== 'applied') throw new Error(`setup ${transition} did not apply: ${JSON.stringify(outcome)}`);
    this.append(stateId, outcome.events);
    return mutationId;
  }

  revert(stateId: string, target: string) {
    const entry = this.laneOf(stateId);
    const outcome = decideRevert({ type: 'RevertMutation', mutationId: `r-${this.nextId++}`, target, actor: alice, now: TEST_NOW }, entry.lane, laneHistory(entry.events), quota, TEST_SUBMIT_OPTIONS);
    if (outcome.kind !== 'recorded' || outcome.status !== 'applied') throw new Error(`revert did not apply: ${JSON.stringify(outcome)}`);
    this.append(stateId, outcome.events);
  }

  document(stateId: string) {
    return this.laneOf(stateId).lane.document;
  }

  admit(steps: BatchStepRequest[], mode: BatchMode = 'atomic', actor: Actor = alice) {
    const command: SubmitBatch = { type: 'SubmitBatch', batchId: 'batch-1', mode, actor, steps, mutationIds: steps.map((_, index) => `step-${index}`), now: TEST_NOW };
    const admission = decideBatchAdmission(command, { contract: (type) => (type === 'tenant-quota' ? quota : undefined), lane: (_, id) => this.laneOf(id).lane, history: (_, id) => laneHistory(this.laneOf(id).events) }, { approvalTtlMs: 60_000 });
    if (admission.kind === 'recorded') this.record(admission.events);
    return admission;
  }

  record(events: readonly BatchEvent[]) {
    for (const event of events) {
      this.batchEvents.push(event);
      this.batch = evolveBatch(this.batch, event);
    }
  }

  /**
   * Runs the saga to its end. `crashAfterLaneAppend` makes it forget, once, to record what it
   * just did on a lane (the process died between the lane append and the batch append): the
   * next round must notice the lane already has it.
   */
  runSaga(options: { crashAfterLaneAppend?: number } = {}) {
    let lanesAppended = 0;
    for (let round = 0; round < 100; round += 1) {
      const action = nextBatchAction(this.batch, TEST_NOW);
      if (action.kind === 'idle') return;
      if (action.kind === 'finish') {
        this.record(action.events);
        continue;
      }
      if (action.kind === 'execute') {
        const { lane } = this.laneOf(action.step.stateId);
        const known = laneHistory(this.laneOf(action.step.stateId).events);
        let outcome;
        if (known.statuses[action.step.mutationId] !== undefined) {
          const status = known.statuses[action.step.mutationId]!;
          outcome = { outcome: status === 'compensated' ? ('applied' as const) : status, version: known.applied.find((change) => change.mutationId === action.step.mutationId)?.version ?? null, code: null, reason: null };
        } else {
          const execution = decideBatchStep(this.batch, action.step, lane, quota, TEST_NOW);
          this.append(action.step.stateId, execution.events);
          lanesAppended += 1;
          if (lanesAppended === options.crashAfterLaneAppend) continue;
          outcome = execution.outcome;
        }
        this.record(recordStepOutcome(this.batch, action.step, outcome, () => `c-${this.nextId++}`, TEST_NOW));
        continue;
      }
      const entry = this.laneOf(action.step.stateId);
      const decided = decideStepCompensation(this.batch, action.entry, entry.lane, laneHistory(entry.events), quota, TEST_NOW);
      if (decided.events.length > 0) {
        this.append(action.step.stateId, decided.events);
        if (decided.result.kind === 'compensated') this.compensationOrder.push(action.entry.step);
        lanesAppended += 1;
        if (lanesAppended === options.crashAfterLaneAppend) continue;
      }
      this.record(recordCompensation(this.batch, action.entry, decided.result, TEST_NOW));
    }
    throw new Error('the saga did not settle');
  }
}

const setLimit = (stateId: string, name: string, value: number, expectedVersion?: number): MutationStepRequest => ({
  stateType: 'tenant-quota',
  stateId,
  transition: 'setLimit',
  payload: { name, value },
  classification: {},
  ...(expectedVersion === undefined ? {} : { expectedVersion }),
});

function threeStates(world: World) {
  for (const id of ['a', 'b', 'c']) {
    world.submit(id, 'create', { owner: 'team' });
    world.submit(id, 'setLimit', { name: 'cpu', value: 10 });
  }
}

describe('batch admission', () => {
  it('plans every step, later steps on what earlier ones leave, and starts a batch nothing governs', () => {
    const world = new World();
    threeStates(world);
    const admission = world.admit([setLimit('a', 'cpu', 20), { stateType: 'tenant-quota', stateId: 'a', transition: 'raiseLimit', payload: { name: 'cpu', by: 5 }, classification: {} }]);
    expect(admission).toMatchObject({ kind: 'recorded', status: 'running' });
    expect(world.batchEvents.map((event) => event.type)).toEqual(['BatchRequested', 'BatchStarted']);
    expect(world.batch.steps.map((step) => step.diff)).toEqual([[{ path: 'limits.cpu', kind: 'changed', before: 10, after: 20 }], [{ path: 'limits.cpu', kind: 'changed', before: 20, after: 25 }]]);
    expect(world.batch.steps.map((step) => step.mutationId)).toEqual(['step-0', 'step-1']);
  });

  it('denies the whole batch when any step is denied, naming it', () => {
    const world = new World();
    threeStates(world);
    const admission = world.admit([setLimit('a', 'cpu', 20), { ...setLimit('b', 'cpu', 1), transition: 'setLimit', payload: { name: 'cpu', value: 2_000_000 } }]);
    expect(admission).toMatchObject({ kind: 'recorded', status: 'denied' });
    expect(world.batchEvents[1]).toMatchObject({ type: 'BatchDenied', data: { step: 1, deniedBy: 'guard', code: 'guard_denied' } });
  });

  it('makes the whole batch pending when any step needs approval, with one merged approval', () => {
    const world = new World();
    threeStates(world);
    const admission = world.admit([setLimit('a', 'cpu', 5_000), setLimit('b', 'cpu', 200_000), setLimit('c', 'cpu', 11)]);
    expect(admission).toMatchObject({ kind: 'recorded', status: 'pending' });
    expect(world.batch.requirements).toEqual([{ kind: 'approval', steps: [{ role: QUOTA_ADMIN, count: 2 }, { role: CFO, count: 1 }] }]);
    expect(mergeApprovalSteps([{ role: 'x', count: 1 }, { role: 'y', count: 1 }, { role: 'x', count: 3 }])).toEqual([{ role: 'x', count: 3 }, { role: 'y', count: 1 }]);
  });

  it('rejects malformed steps without recording anything, naming the step', () => {
    const world = new World();
    threeStates(world);
    expect(world.admit([setLimit('a', 'cpu', 1), { ...setLimit('a', 'cpu', 1), stateType: 'nope' }])).toMatchObject({ kind: 'rejected', error: { code: 'unknown_contract', details: { step: 1 } } });
    expect(world.admit([{ ...setLimit('a', 'cpu', 1), payload: { name: 'CPU' } }])).toMatchObject({ kind: 'rejected', error: { code: 'invalid_payload', details: { step: 0 } } });
    expect(world.admit([setLimit('a', 'cpu', 1, 2), setLimit('a', 'cpu', 2, 2)])).toMatchObject({ kind: 'rejected', error: { code: 'version_conflict', details: { step: 1, expectedVersion: 2, currentVersion: 3 } } });
    expect(world.admit([{ stateType: 'tenant-quota', stateId: 'new', transition: 'create', payload: { owner: 'x' }, classification: {} }, setLimit('new', 'cpu', 1)])).toMatchObject({
      kind: 'rejected',
      error: { code: 'irreversible', details: { step: 0 } },
    });
    expect(world.admit([setLimit('a', 'cpu', 1), { stateType: 'tenant-quota', stateId: 'a', transition: 'freeze', payload: {}, classification: {} }])).toMatchObject({
      kind: 'rejected',
      error: { code: 'unsupported_requirement', details: { step: 1 } },
    });
    expect(world.admit([{ ...setLimit('a', 'cpu', 1), transition: 'revert:setLimit', payload: { restore: [], expect: [] } }])).toMatchObject({ kind: 'rejected', error: { code: 'unknown_transition' } });
    expect(world.batchEvents).toEqual([]);
  });

  it('lets an independent batch end with a creating step anywhere', () => {
    const world = new World();
    expect(world.admit([{ stateType: 'tenant-quota', stateId: 'new', transition: 'create', payload: { owner: 'x' }, classification: {} }, setLimit('new', 'cpu', 1)], 'independent')).toMatchObject({ status: 'running' });
    world.runSaga();
    expect(world.batch.status).toBe('applied');
    expect(world.document('new')).toMatchObject({ limits: { cpu: 1 } });
  });
});

describe('the batch saga', () => {
  it('applies the steps of an atomic batch in order and ends applied, each step a mutation of its lane linked to the batch', () => {
    const world = new World();
    threeStates(world);
    world.admit([setLimit('a', 'cpu', 20), setLimit('b', 'cpu', 30), setLimit('c', 'cpu', 40)]);
    world.runSaga();
    expect(world.batch.status).toBe('applied');
    expect(['a', 'b', 'c'].map((id) => world.document(id))).toEqual([20, 30, 40].map((cpu) => ({ owner: 'team', limits: { cpu }, frozen: false })));
    expect(world.laneOf('b').events.find((event) => event.type === 'MutationRequested' && event.data.mutationId === 'step-1')).toMatchObject({ data: { batch: { batchId: 'batch-1', step: 1 } } });
  });

  it('when the third step conflicts, compensates the first two in reverse order and ends compensated, states back with new versions', () => {
    const world = new World();
    threeStates(world);
    world.admit([setLimit('a', 'cpu', 20), setLimit('b', 'cpu', 30), setLimit('c', 'cpu', 40, 2)]);
    world.submit('c', 'setLimit', { name: 'cpu', value: 11 });
    world.runSaga();
    expect(world.batch.status).toBe('compensated');
    expect(world.compensationOrder).toEqual([1, 0]);
    expect(world.batchEvents.map((event) => event.type)).toEqual([
      'BatchRequested',
      'BatchStarted',
      'BatchStepFinished',
      'BatchStepFinished',
      'BatchStepFinished',
      'BatchCompensationStarted',
      'BatchStepCompensated',
      'BatchStepCompensated',
      'BatchFinished',
    ]);
    expect(world.document('a')).toMatchObject({ limits: { cpu: 10 } });
    expect(world.document('b')).toMatchObject({ limits: { cpu: 10 } });
    expect([world.laneOf('a').lane.version, world.laneOf('b').lane.version]).toEqual([4, 4]);
    const view = describeBatch(world.batch);
    expect(view.steps.map((step) => [step.status, step.compensation?.status ?? null])).toEqual([
      ['compensated', 'applied'],
      ['compensated', 'applied'],
      ['conflicted', null],
    ]);
    expect(view.failedStep).toBe(2);
  });

  it('ends failed without compensating anything when the first step fails', () => {
    const world = new World();
    threeStates(world);
    world.admit([setLimit('a', 'cpu', 20, 2), setLimit('b', 'cpu', 30)]);
    world.submit('a', 'setLimit', { name: 'cpu', value: 12 });
    world.runSaga();
    expect(world.batch.status).toBe('failed');
    expect(describeBatch(world.batch).steps.map((step) => step.status)).toEqual(['conflicted', 'skipped']);
  });

  it('an independent batch goes on past a failing step and ends partially applied', () => {
    const world = new World();
    threeStates(world);
    world.admit([setLimit('a', 'cpu', 20), setLimit('b', 'cpu', 30, 2), setLimit('c', 'cpu', 40)], 'independent');
    world.submit('b', 'setLimit', { name: 'mem', value: 1 });
    world.runSaga();
    expect(world.batch.status).toBe('partially_applied');
    expect(describeBatch(world.batch).steps.map((step) => step.status)).toEqual(['applied', 'conflicted', 'applied']);
  });

  it('a compensation that cannot run (its paths changed since) stops the batch in compensation_failed with an alert; an admin retries once the cause is fixed', () => {
    const world = new World();
    threeStates(world);
    world.admit([setLimit('a', 'cpu', 20), setLimit('b', 'cpu', 30), setLimit('c', 'cpu', 40, 2)]);
    world.submit('c', 'setLimit', { name: 'cpu', value: 11 });
    // Interleave: run the first two steps, then someone else changes a's cpu before the rollback.
    for (let round = 0; round < 2; round += 1) {
      const action = nextBatchAction(world.batch, TEST_NOW);
      if (action.kind !== 'execute') throw new Error('expected a step');
      const execution = decideBatchStep(world.batch, action.step, world.laneOf(action.step.stateId).lane, quota, TEST_NOW);
      world.append(action.step.stateId, execution.events);
      world.record(recordStepOutcome(world.batch, action.step, execution.outcome, () => `c-${round}`, TEST_NOW));
    }
    const meddler = world.submit('a', 'setLimit', { name: 'cpu', value: 99 });
    world.runSaga();
    expect(world.batch.status).toBe('compensation_failed');
    expect(world.batch.compensationFailure).toMatchObject({ step: 0, code: 'revert_conflict' });
    expect(world.batchEvents.slice(-2).map((event) => event.type)).toEqual(['BatchCompensationFailed', 'BatchAlertRaised']);
    expect(world.document('b')).toMatchObject({ limits: { cpu: 10 } });
    // The failed compensation is on a's lane as a failed mutation, linked to what it tried to undo.
    expect(laneHistory(world.laneOf('a').events).failures[world.batch.compensationFailure!.compensationId]).toMatchObject({ code: 'revert_conflict' });

    expect(decideBatchCommand({ type: 'RetryCompensation', batchId: 'batch-1', actor: alice, now: later(1) }, world.batch, () => 'x')).toMatchObject({ kind: 'rejected', error: { code: 'forbidden' } });
    // The operator undoes the meddling change, then retries.
    world.revert('a', meddler);
    const retry = decideBatchCommand({ type: 'RetryCompensation', batchId: 'batch-1', actor: principal('erin', 'admin'), reason: 'restored a', now: later(1) }, world.batch, () => 'retry-1');
    expect(retry).toMatchObject({ kind: 'recorded', events: [{ type: 'BatchCompensationRetried', data: { compensations: [{ step: 0, compensationId: 'retry-1' }] } }] });
    if (retry.kind === 'recorded') world.record(retry.events);
    world.runSaga();
    expect(world.batch.status).toBe('compensated');
    expect(world.document('a')).toMatchObject({ limits: { cpu: 10 } });
  });

  it('property: an atomic batch failing at any step ends with every state back at its earlier document, compensations in reverse order, each applied once, however the saga is interrupted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ state: fc.constantFrom('a', 'b', 'c'), name: fc.constantFrom('cpu', 'mem'), value: fc.integer({ min: 0, max: 900 }) }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.integer({ min: 0, max: 12 }),
        (steps, failAt, crashAfter) => {
          const world = new World();
          threeStates(world);
          const failing = failAt % steps.length;
          // The failing step expects the version its state has at admission; another writer moves the state before the saga runs.
          const versions = new Map(['a', 'b', 'c'].map((id) => [id, world.laneOf(id).lane.version]));
          const requests = steps.map((step, index) => {
            const version = versions.get(step.state)!;
            versions.set(step.state, version + 1);
            return setLimit(step.state, step.name, step.value, index === failing ? version : undefined);
          });
          expect(world.admit(requests)).toMatchObject({ kind: 'recorded', status: 'running' });
          world.submit(steps[failing]!.state, 'setLimit', { name: 'disk', value: 1 });
          const before = new Map(['a', 'b', 'c'].map((id) => [id, structuredClone(world.document(id))]));
          world.runSaga({ crashAfterLaneAppend: crashAfter });
          world.runSaga();
          expect(world.batch.status).toBe(failing === 0 ? 'failed' : 'compensated');
          for (const id of ['a', 'b', 'c']) expect(world.document(id)).toEqual(before.get(id));
          const applied = Array.from({ length: failing }, (_, index) => index);
          expect(world.compensationOrder).toEqual([...applied].reverse());
          for (const id of ['a', 'b', 'c']) {
            const compensations = world.laneOf(id).events.filter((event) => event.type === 'MutationCompensated').map((event) => event.data.mutationId);
            expect(new Set(compensations).size).toBe(compensations.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('batch approvals', () => {
  function pendingBatch() {
    const world = new World();
    threeStates(world);
    world.admit([setLimit('a', 'cpu', 5_000), setLimit('b', 'cpu', 20)]);
    return world;
  }

  it('one approval covers every step; the requester cannot approve; the role must match; then the saga runs', () => {
    const world = pendingBatch();
    expect(decideBatchCommand({ type: 'ApproveBatch', batchId: 'batch-1', approver: principal('alice', QUOTA_ADMIN), decision: 'approve', now: TEST_NOW }, world.batch, () => 'x')).toMatchObject({
      kind: 'rejected',
      error: { code: 'self_approval' },
    });
    expect(decideBatchCommand({ type: 'ApproveBatch', batchId: 'batch-1', approver: principal('carol', COMPLIANCE), decision: 'approve', now: TEST_NOW }, world.batch, () => 'x')).toMatchObject({
      kind: 'rejected',
      error: { code: 'approver_role_required', details: { role: QUOTA_ADMIN } },
    });
    const approved = decideBatchCommand({ type: 'ApproveBatch', batchId: 'batch-1', approver: principal('bob', QUOTA_ADMIN), decision: 'approve', now: TEST_NOW }, world.batch, () => 'x');
    expect(approved).toMatchObject({ kind: 'recorded', state: { status: 'running' } });
    if (approved.kind === 'recorded') world.record(approved.events);
    world.runSaga();
    expect(world.batch.status).toBe('applied');
    expect(world.document('a')).toMatchObject({ limits: { cpu: 5_000 } });
  });

  it('a rejection ends it rejected; the requester or an admin may cancel; its expiry expires it', () => {
    expect(decideBatchCommand({ type: 'ApproveBatch', batchId: 'batch-1', approver: principal('bob', QUOTA_ADMIN), decision: 'reject', comment: 'no', now: TEST_NOW }, pendingBatch().batch, () => 'x')).toMatchObject({
      state: { status: 'rejected', endedBy: { id: 'bob', reason: 'no' } },
    });
    expect(decideBatchCommand({ type: 'CancelBatch', batchId: 'batch-1', actor: principal('mallory'), now: TEST_NOW }, pendingBatch().batch, () => 'x')).toMatchObject({ error: { code: 'cancel_not_allowed' } });
    expect(decideBatchCommand({ type: 'CancelBatch', batchId: 'batch-1', actor: alice, now: TEST_NOW }, pendingBatch().batch, () => 'x')).toMatchObject({ state: { status: 'cancelled' } });
    expect(decideBatchCommand({ type: 'ExpireBatch', batchId: 'batch-1', now: TEST_NOW }, pendingBatch().batch, () => 'x')).toMatchObject({ kind: 'unchanged' });
    expect(decideBatchCommand({ type: 'ExpireBatch', batchId: 'batch-1', now: later(60_000) }, pendingBatch().batch, () => 'x')).toMatchObject({ state: { status: 'expired' } });
    expect(decideBatchCommand({ type: 'ApproveBatch', batchId: 'batch-1', approver: principal('bob', QUOTA_ADMIN), decision: 'approve', now: later(60_000) }, pendingBatch().batch, () => 'x')).toMatchObject({
      error: { code: 'batch_not_pending', details: { status: 'expired' } },
    });
  });

  it('a step whose re-planned change needs approvals the batch was not given fails with plan_changed', () => {
    const world = new World();
    threeStates(world);
    world.admit([setLimit('a', 'cpu', 20), { stateType: 'tenant-quota', stateId: 'b', transition: 'raiseLimit', payload: { name: 'cpu', by: 900 }, classification: {} }]);
    world.submit('b', 'setLimit', { name: 'cpu', value: 500 });
    world.runSaga();
    expect(describeBatch(world.batch).steps[1]).toMatchObject({ status: 'failed', failure: { code: 'plan_changed' } });
    expect(world.batch.status).toBe('compensated');
  });
});
