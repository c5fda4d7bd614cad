import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { given, later, recordHistory, submitCommand, TEST_SUBMIT_OPTIONS } from '../testing/decider-test-kit.js';
import { defineGovernedQuotaContract, principal, QUOTA_ADMIN } from '../testing/governed-quota.contract.js';
import { evolveLane, foldLane, type LaneState } from './lane.js';
import { withLifecycle } from './lifecycle.js';
import type { MutationEvent, MutationFinished } from './mutation-events.js';
import { decidePending } from './resolve-pending.js';
import { decideSubmit } from './submit-mutation.js';

const quota = defineGovernedQuotaContract();
const created = recordHistory(quota, [submitCommand('create', { owner: 'team-a' })]);

describe('withLifecycle', () => {
  it('wraps an immediately applied mutation: requested, accepted, started, applied, finished, with lane sequences', () => {
    const lane = given(quota, created).lane;
    const outcome = decideSubmit(submitCommand('setLimit', { name: 'cpu', value: 5 }, { mutationId: 'm1', idempotencyKey: 'k1' }), lane, quota as never, TEST_SUBMIT_OPTIONS);
    const events = withLifecycle(lane, outcome.kind === 'recorded' ? outcome.events : []);
    expect(events.map((event) => event.type)).toEqual(['MutationRequested', 'MutationAccepted', 'MutationStarted', 'MutationApplied', 'MutationFinished']);
    expect(events.filter((event) => 'laneSequence' in event.data).map((event) => (event.data as { laneSequence: number }).laneSequence)).toEqual([
      lane.sequence + 1,
      lane.sequence + 2,
      lane.sequence + 4,
    ]);
    expect(events[1]).toMatchObject({ data: { lane: `tenant-quota/${lane.stateId}`, idempotencyKey: 'k1', dependsOn: [] } });
    expect(events[4]).toMatchObject({ data: { outcome: 'applied', version: lane.version + 1 } });
  });

  it('a denial is accepted and finished but never started; a pending mutation starts only when its last requirement is met', () => {
    const lane = given(quota, created).lane;
    const pending = decideSubmit(submitCommand('setLimit', { name: 'cpu', value: 5_000 }, { mutationId: 'm2' }), lane, quota as never, TEST_SUBMIT_OPTIONS);
    const submitted = withLifecycle(lane, pending.kind === 'recorded' ? pending.events : []);
    expect(submitted.map((event) => event.type)).toEqual(['MutationRequested', 'MutationAccepted', 'MutationPending']);
    const waiting = submitted.reduce(evolveLane, lane);
    const approved = decidePending({ type: 'ApproveMutation', mutationId: 'm2', approver: principal('bob', QUOTA_ADMIN), decision: 'approve', now: later(1) }, waiting, quota as never, TEST_SUBMIT_OPTIONS);
    expect(withLifecycle(waiting, approved.kind === 'recorded' ? approved.events : []).map((event) => event.type)).toEqual([
      'ApprovalGranted',
      'MutationStarted',
      'MutationApplied',
      'MutationFinished',
    ]);
    const cancelled = decidePending({ type: 'CancelMutation', mutationId: 'm2', actor: principal('alice'), now: later(1) }, waiting, quota as never, TEST_SUBMIT_OPTIONS);
    expect(withLifecycle(waiting, cancelled.kind === 'recorded' ? cancelled.events : []).map((event) => event.type)).toEqual(['MutationCancelled', 'MutationFinished']);
  });

  it('property: on any lane history, lane sequences equal stream positions and finished order is version order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ value: fc.integer({ min: 0, max: 3_000 }), approve: fc.boolean(), expect: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) }), { maxLength: 12 }), (steps) => {
        let lane: LaneState = foldLane('quota', 'state-1', []);
        const stream: MutationEvent[] = [];
        const append = (events: MutationEvent[]) => {
          for (const event of withLifecycle(lane, events)) {
            stream.push(event);
            lane = evolveLane(lane, event);
          }
        };
        append(created);
        steps.forEach((step, index) => {
          const id = `m${index}`;
          const outcome = decideSubmit(
            submitCommand('setLimit', { name: 'cpu', value: step.value }, { mutationId: id, expectedVersion: step.expect, now: later(index) }),
            lane,
            quota as never,
            TEST_SUBMIT_OPTIONS,
          );
          if (outcome.kind === 'recorded') append(outcome.events);
          if (step.approve && lane.pending[id]) {
            const approved = decidePending({ type: 'ApproveMutation', mutationId: id, approver: principal('bob', QUOTA_ADMIN), decision: 'approve', now: later(index) }, lane, quota as never, TEST_SUBMIT_OPTIONS);
            if (approved.kind === 'recorded') append(approved.events);
          }
        });
        stream.forEach((event, position) => {
          if ('laneSequence' in event.data) expect(event.data.laneSequence).toBe(position);
        });
        expect(lane.sequence).toBe(stream.length);
        const appliedVersions = stream.filter((event): event is MutationFinished => event.type === 'MutationFinished' && event.data.outcome === 'applied').map((event) => event.data.version);
        expect(appliedVersions).toEqual(appliedVersions.map((_, index) => index + 1));
        const started = new Set(stream.filter((event) => event.type === 'MutationStarted').map((event) => event.data.mutationId));
        for (const event of stream) if (event.type === 'MutationApplied') expect(started.has(event.data.mutationId)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
