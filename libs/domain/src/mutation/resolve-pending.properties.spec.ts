import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Actor } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import type { JsonObject } from '../json/json.js';
import type { ApprovalStep } from '../policy/policy.js';
import { governanceRequirements } from './requirements.js';
import {
  approveCommand,
  cancelCommand,
  decideOnLane,
  expireCommand,
  later,
  reachScheduleCommand,
  recordedEvents,
  resolveCheckCommand,
  runCommandsOnLane,
  submitCommand,
  TEST_STATE_ID,
  testActor,
  type LaneCommand,
  type LaneOutcome,
} from '../testing/decider-test-kit.js';
import {
  CFO,
  CHANGE_MANAGER,
  CHANGE_TICKET,
  COMPLIANCE,
  COMPLIANCE_SCAN,
  defineGovernedQuotaContract,
  largestNewLimit,
  ONE_APPROVAL_ABOVE,
  principal,
  QUOTA_ADMIN,
} from '../testing/governed-quota.contract.js';
import { diffDocuments, type DiffEntry } from '../json/diff.js';
import { evolveLane, foldLane, type LaneState } from './lane.js';
import { statusAfter, type ApprovalGranted, type MutationApplied, type MutationEvent, type MutationPending, type MutationStatus } from './mutation-events.js';
import type { SubmitOptions } from './submit-mutation.js';

const quota = defineGovernedQuotaContract();
const HOUR = 60 * 60 * 1000;

/** True about one time in `n`. */
const sometimes = (n: number) => fc.integer({ min: 1, max: n }).map((roll) => roll === 1);

function appliedVersions(events: readonly MutationEvent[]): number[] {
  return events.filter((event): event is MutationApplied => event.type === 'MutationApplied').map((event) => event.data.version);
}

describe('approval chains under random interleavings of approvals', () => {
  // The requester of the two-step mutation holds both roles: holding a role never lets it count.
  const alice = testActor({ id: 'alice', roles: [QUOTA_ADMIN, CFO] });
  const bob = principal('bob', QUOTA_ADMIN);
  const PRINCIPALS: Actor[] = [alice, bob, principal('carol', QUOTA_ADMIN), principal('dave', CFO), principal('erin', QUOTA_ADMIN, CFO), principal('frank')];

  const TWO_STEPS: ApprovalStep[] = [
    { role: QUOTA_ADMIN, count: 2 },
    { role: CFO, count: 1 },
  ];
  const ONE_STEP: ApprovalStep[] = [{ role: QUOTA_ADMIN, count: 1 }];
  /** Requested before the random part: storage 100 at version 2, a two-step chain by alice, a one-step chain by bob. */
  const SETUP: LaneCommand[] = [
    submitCommand('create', { owner: 'team-a' }, { mutationId: 'm-create' }),
    submitCommand('setLimit', { name: 'storage', value: 100 }, { mutationId: 'm-storage' }),
    submitCommand('setLimit', { name: 'storage', value: 500_000 }, { mutationId: 'm-big', actor: alice }),
    submitCommand('setLimit', { name: 'storage', value: 5_000 }, { mutationId: 'm-mid', actor: bob }),
  ];
  const CHAINS: Record<string, { requester: string; steps: ApprovalStep[] }> = {
    'm-big': { requester: 'alice', steps: TWO_STEPS },
    'm-mid': { requester: 'bob', steps: ONE_STEP },
  };

  type Step = { kind: 'decide'; mutationId: string; who: number; reject: boolean } | { kind: 'unrelated'; name: string; value: number };

  const decision: fc.Arbitrary<Step> = fc.record({
    kind: fc.constant('decide' as const),
    mutationId: fc.constantFrom('m-big', 'm-mid', 'm-ghost'),
    who: fc.nat({ max: PRINCIPALS.length - 1 }),
    reject: sometimes(15),
  });
  /** An unrelated change small enough to apply directly: it moves the version (and maybe storage) under the pending ones. */
  const unrelated: fc.Arbitrary<Step> = fc.record({ kind: fc.constant('unrelated' as const), name: fc.constantFrom('seats', 'storage'), value: fc.integer({ min: 0, max: 1_000 }) });
  const steps = fc.array(fc.oneof({ weight: 6, arbitrary: decision }, { weight: 1, arbitrary: unrelated }), { minLength: 4, maxLength: 30, size: 'max' });

  function toCommands(randomSteps: readonly Step[]): LaneCommand[] {
    return randomSteps.map((step, index) =>
      step.kind === 'decide'
        ? approveCommand(step.mutationId, PRINCIPALS[step.who] as Actor, { decision: step.reject ? 'reject' : 'approve' })
        : submitCommand('setLimit', { name: step.name, value: step.value }, { mutationId: `u-${index}` }),
    );
  }

  /** What the rules say each command must do, from a model that knows nothing of events. */
  function expectedOutcomes(commands: readonly LaneCommand[]): Array<{ kind: string; code?: string; status?: MutationStatus; version?: number }> {
    let version = 2;
    const state: Record<string, { approvals: string[][]; status: MutationStatus }> = {
      'm-big': { approvals: [[], []], status: 'pending' },
      'm-mid': { approvals: [[]], status: 'pending' },
    };
    return commands.map((command) => {
      if (command.type === 'SubmitMutation') {
        version += 1;
        return { kind: 'recorded', status: 'applied', version };
      }
      if (command.type !== 'ApproveMutation') throw new Error('only approvals here');
      const chain = CHAINS[command.mutationId];
      const model = state[command.mutationId];
      if (!chain || !model || model.status !== 'pending') return { kind: 'rejected', code: 'mutation_not_pending' };
      if (command.approver.id === chain.requester) return { kind: 'rejected', code: 'self_approval' };
      if (model.approvals.flat().includes(command.approver.id)) {
        return command.decision === 'reject' ? { kind: 'rejected', code: 'already_approved' } : { kind: 'unchanged' };
      }
      const current = chain.steps.findIndex((step, index) => (model.approvals[index] as string[]).length < step.count);
      if (!command.approver.roles.includes((chain.steps[current] as ApprovalStep).role)) return { kind: 'rejected', code: 'approver_role_required' };
      if (command.decision === 'reject') {
        model.status = 'rejected';
        return { kind: 'recorded', status: 'rejected', version };
      }
      (model.approvals[current] as string[]).push(command.approver.id);
      const done = chain.steps.every((step, index) => (model.approvals[index] as string[]).length >= step.count);
      if (!done) return { kind: 'recorded', status: 'pending', version };
      model.status = 'applied';
      version += 1;
      return { kind: 'recorded', status: 'applied', version };
    });
  }

  function summary(outcome: LaneOutcome): { kind: string; code?: string; status?: MutationStatus; version?: number } {
    if (outcome.kind === 'rejected') return { kind: 'rejected', code: outcome.error.code };
    if (outcome.kind === 'recorded') return { kind: 'recorded', status: outcome.status, version: outcome.version };
    return { kind: outcome.kind };
  }

  it('decides every approval as the rules say (requester never, once per principal, current step role, steps in order)', () => {
    fc.assert(
      fc.property(steps, (randomSteps) => {
        const commands = toCommands(randomSteps);
        const run = runCommandsOnLane(quota, [...SETUP, ...commands]);
        expect(run.outcomes.slice(SETUP.length).map(summary)).toEqual(expectedOutcomes(commands));
      }),
      { numRuns: 200 },
    );
  });

  it('applies each mutation at most once, only after every step has `count` distinct approvers with its role, none the requester, in step order; versions stay gap-free', () => {
    fc.assert(
      fc.property(steps, (randomSteps) => {
        const { events, lane } = runCommandsOnLane(quota, [...SETUP, ...toCommands(randomSteps)]);
        const versions = appliedVersions(events);
        expect(versions).toEqual(versions.map((_, index) => index + 1));
        expect(lane.version).toBe(versions.length);
        for (const [mutationId, chain] of Object.entries(CHAINS)) {
          const ofMutation = events.filter((event) => event.data.mutationId === mutationId);
          const appliedAt = ofMutation.findIndex((event) => event.type === 'MutationApplied');
          expect(ofMutation.filter((event) => event.type === 'MutationApplied').length).toBeLessThanOrEqual(1);
          if (appliedAt < 0) continue;
          const grants = ofMutation.slice(0, appliedAt).filter((event): event is ApprovalGranted => event.type === 'ApprovalGranted');
          chain.steps.forEach((step, index) => {
            const approvers = grants.filter((grant) => grant.data.step === index).map((grant) => grant.data.approver);
            expect(new Set(approvers.map((approver) => approver.id)).size).toBe(approvers.length);
            expect(approvers.length).toBeGreaterThanOrEqual(step.count);
            for (const approver of approvers) {
              expect(approver.roles).toContain(step.role);
              expect(approver.id).not.toBe(chain.requester);
            }
          });
          // Steps complete in order: the grants' step numbers never go down.
          const order = grants.map((grant) => grant.data.step);
          expect(order).toEqual([...order].sort((a, b) => a - b));
          // Nothing happens to a mutation after it applied.
          expect(ofMutation.length).toBe(appliedAt + 1);
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** What approvals bind to: the changed paths and their new values (ADR 0005). */
function changedValues(diff: readonly DiffEntry[]): unknown {
  return diff.map((entry) => ({ path: entry.path, removed: entry.kind === 'removed', after: entry.after ?? null }));
}

/**
 * Approvals bind to what was approved: a mutation that waited applies exactly the change its
 * last pending round showed, unless its approvals were dismissed because the re-plan needs none;
 * and every applied diff describes the move from the lane's actual document (a rebase, not a stale diff).
 */
function expectApprovalsBindToTheChange(events: readonly MutationEvent[]): void {
  let lane = foldLane(quota.stateType, TEST_STATE_ID, []);
  const lastPending = new Map<string, MutationPending>();
  const previous = new Map<string, MutationEvent>();
  for (const event of events) {
    const before = lane;
    lane = evolveLane(lane, event);
    const { mutationId } = event.data;
    if (event.type === 'MutationApplied') {
      if (before.exists) expect(event.data.diff).toEqual(diffDocuments(before.document, lane.document));
      const waited = lastPending.get(mutationId);
      if (waited && previous.get(mutationId)?.type === 'ApprovalsDismissed') {
        expect(largestNewLimit(event.data.diff)).toBeLessThanOrEqual(ONE_APPROVAL_ABOVE);
      } else if (waited && governanceRequirements(waited.data.requirements).length > 0) {
        // Only what someone approved binds; a mutation that waited for time alone applies its rebased plan.
        expect(changedValues(event.data.diff)).toEqual(changedValues(waited.data.diff));
      }
    }
    if (event.type === 'MutationPending') {
      const earlier = lastPending.get(mutationId);
      // Pending again only when the change or its requirements moved away from what was approved.
      if (earlier) {
        // Approvals are dismissed only where something was to be approved.
        if (governanceRequirements(earlier.data.requirements).length > 0) expect(previous.get(mutationId)?.type).toBe('ApprovalsDismissed');
        const same = JSON.stringify(changedValues(earlier.data.diff)) === JSON.stringify(changedValues(event.data.diff)) && JSON.stringify(earlier.data.requirements) === JSON.stringify(event.data.requirements);
        expect(same).toBe(false);
      }
      lastPending.set(mutationId, event);
    }
    previous.set(mutationId, event);
  }
}

describe('the re-plan rule under random moves of the approved limit', () => {
  const bob = principal('bob', QUOTA_ADMIN);
  const APPROVERS = [bob, principal('carol', QUOTA_ADMIN), principal('erin', QUOTA_ADMIN, CFO)];
  type Move =
    | { kind: 'request'; transition: 'setLimit' | 'raiseLimit'; amount: number }
    | { kind: 'direct'; value: number }
    | { kind: 'approve'; target: number; who: number };
  const move: fc.Arbitrary<Move> = fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('request' as const), transition: fc.constantFrom('setLimit' as const, 'raiseLimit' as const), amount: fc.integer({ min: 1, max: 3_000 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('direct' as const), value: fc.integer({ min: 0, max: 1_000 }) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('approve' as const), target: fc.nat({ max: 20 }), who: fc.nat({ max: APPROVERS.length - 1 }) }) },
  );
  const moves = fc.array(move, { minLength: 5, maxLength: 30, size: 'max' });

  function toCommands(randomMoves: readonly Move[]): LaneCommand[] {
    let requests = 0;
    const commands: LaneCommand[] = [
      submitCommand('create', { owner: 'team-a' }, { mutationId: 'm-create' }),
      submitCommand('setLimit', { name: 'storage', value: 100 }, { mutationId: 'm-storage' }),
    ];
    randomMoves.forEach((step, index) => {
      if (step.kind === 'request') {
        const payload: JsonObject = step.transition === 'setLimit' ? { name: 'storage', value: step.amount } : { name: 'storage', by: step.amount };
        commands.push(submitCommand(step.transition, payload, { mutationId: `p-${requests}` }));
        requests += 1;
      } else if (step.kind === 'direct') {
        commands.push(submitCommand('setLimit', { name: 'storage', value: step.value }, { mutationId: `d-${index}` }));
      } else {
        commands.push(approveCommand(`p-${step.target % Math.max(requests, 1)}`, APPROVERS[step.who] as Actor));
      }
    });
    return commands;
  }

  it('applies a waiting change only as approved, or re-planned to need no approval; pending again only when the change or its requirements moved', () => {
    fc.assert(
      fc.property(moves, (randomMoves) => {
        const run = runCommandsOnLane(quota, toCommands(randomMoves));
        expectApprovalsBindToTheChange(run.events);
        const versions = appliedVersions(run.events);
        expect(versions).toEqual(versions.map((_, index) => index + 1));
        expect(foldLane(quota.stateType, TEST_STATE_ID, run.events)).toEqual(run.lane);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the pending lifecycle under random commands and timers', () => {
  const PRINCIPALS: Actor[] = [
    testActor(),
    principal('bob', QUOTA_ADMIN),
    principal('carol', QUOTA_ADMIN),
    principal('dave', CFO),
    principal('erin', QUOTA_ADMIN, CFO),
    principal('root', 'admin'),
    principal('scanner', COMPLIANCE),
    principal('ticketer', CHANGE_MANAGER),
    testActor({ id: 'bot', kind: 'agent' }),
  ];
  /** A short ttl, so expiries happen within a run. */
  const OPTIONS: SubmitOptions = { approvalTtlMs: 4 * HOUR };
  const contract = quota as unknown as Contract<unknown>;

  type Action =
    | { kind: 'submit'; change: { transition: string; payload: JsonObject }; who: number; notBeforeIn: number | null; pinVersion: number | null }
    | { kind: 'approve'; target: number; who: number; reject: boolean }
    | { kind: 'check'; target: number; who: number; name: string; fail: boolean }
    | { kind: 'cancel'; target: number; who: number }
    | { kind: 'expire' | 'schedule'; target: number };

  const who = fc.nat({ max: PRINCIPALS.length - 1 });
  /** Mostly principals holding an approving role (bob, carol, dave, erin), sometimes anybody. */
  const approver = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(1, 2, 3, 4) }, { weight: 1, arbitrary: who });
  /** Mostly the principals holding a check role (scanner, ticketer), sometimes anybody. */
  const checker = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(6, 7) }, { weight: 1, arbitrary: who });
  const target = fc.nat({ max: 60 });
  /** Mostly one limit, so pending changes and direct ones collide (re-plans that differ). */
  const limitName = fc.constantFrom('storage', 'storage', 'storage', 'seats');
  /** Values on both sides of each approval threshold. */
  const limitValue = fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 1_001, max: 100_000 }), fc.integer({ min: 100_001, max: 600_000 }));
  const change = fc.oneof(
    { weight: 4, arbitrary: fc.record({ transition: fc.constant('setLimit'), payload: fc.record({ name: limitName, value: limitValue }) }) },
    { weight: 4, arbitrary: fc.record({ transition: fc.constant('raiseLimit'), payload: fc.record({ name: limitName, by: fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1_001, max: 20_000 }), fc.integer({ min: 100_001, max: 200_000 })) }) }) },
    { weight: 2, arbitrary: fc.record({ transition: fc.constantFrom('freeze', 'unfreeze'), payload: fc.constant({}) }) },
  );
  const action: fc.Arbitrary<Action> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('submit' as const),
        change,
        who,
        notBeforeIn: fc.option(fc.integer({ min: 0, max: 4 * HOUR }), { freq: 3 }),
        pinVersion: fc.option(fc.constantFrom(0, 0, 1), { freq: 4 }),
      }),
    },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('approve' as const), target, who: approver, reject: sometimes(12) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('check' as const), target, who: checker, name: fc.constantFrom(COMPLIANCE_SCAN, CHANGE_TICKET, CHANGE_TICKET, COMPLIANCE_SCAN, 'load-test'), fail: sometimes(8) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), target, who }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const), target }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('schedule' as const), target }) },
  );
  const timeline = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 * 60 * 1000 }), action), { minLength: 10, maxLength: 40, size: 'max' });

  /**
   * Builds the next command from an action and the live lane, as users and timers would: mostly
   * aimed at a mutation pending right now, sometimes at one that ended or never existed.
   */
  function toCommand(step: Action, lane: LaneState, now: string, submitted: number): LaneCommand {
    const actor = PRINCIPALS['who' in step ? step.who : 0] as Actor;
    const pendingIds = Object.keys(lane.pending).sort();
    const aimed = (index: number) => (index % 6 === 0 || pendingIds.length === 0 ? `s-${index % (submitted + 1)}` : (pendingIds[index % pendingIds.length] as string));
    switch (step.kind) {
      case 'submit': {
        const { transition, payload } = step.change;
        return submitCommand(transition, payload, {
          mutationId: `s-${submitted}`,
          actor,
          now,
          ...(step.notBeforeIn === null ? {} : { notBefore: later(step.notBeforeIn, now) }),
          ...(step.pinVersion === null ? {} : { expectedVersion: Math.max(0, lane.version - step.pinVersion) }),
        });
      }
      case 'approve':
        return approveCommand(aimed(step.target), actor, { decision: step.reject ? 'reject' : 'approve', now });
      case 'check':
        return resolveCheckCommand(aimed(step.target), step.name, step.fail ? 'fail' : 'pass', actor, { now });
      case 'cancel':
        return cancelCommand(aimed(step.target), actor, { now });
      case 'expire':
        return expireCommand(aimed(step.target), now);
      case 'schedule':
        return reachScheduleCommand(aimed(step.target), now);
      default: {
        const unknown: never = step;
        throw new Error(`unknown action ${JSON.stringify(unknown)}`);
      }
    }
  }

  interface TimelineRun {
    /** The lane evolved event by event ("live"), after each command. */
    lanes: LaneState[];
    events: MutationEvent[];
    outcomes: LaneOutcome[];
  }

  /** Runs a created quota (storage 100) through the timeline; the clock only moves forward. */
  function runTimeline(actions: ReadonlyArray<[number, Action]>): TimelineRun {
    let lane: LaneState = foldLane(quota.stateType, TEST_STATE_ID, []);
    const events: MutationEvent[] = [];
    const outcomes: LaneOutcome[] = [];
    const lanes: LaneState[] = [];
    const decide = (command: LaneCommand) => {
      const outcome = decideOnLane(command, lane, contract, OPTIONS);
      for (const event of recordedEvents(outcome)) {
        events.push(event);
        lane = evolveLane(lane, event);
      }
      outcomes.push(outcome);
      lanes.push(lane);
    };
    decide(submitCommand('create', { owner: 'team-a' }, { mutationId: 's-create' }));
    decide(submitCommand('setLimit', { name: 'storage', value: 100 }, { mutationId: 's-storage' }));
    let now = Date.parse(later(0));
    let submitted = 0;
    for (const [elapse, step] of actions) {
      now += elapse;
      decide(toCommand(step, lane, new Date(now).toISOString(), submitted));
      if (step.kind === 'submit') submitted += 1;
    }
    return { lanes, events, outcomes };
  }

  it('replays to the same lane as the one evolved live, after every command', () => {
    fc.assert(
      fc.property(timeline, (actions) => {
        const run = runTimeline(actions);
        let replayedUpTo = 0;
        run.outcomes.forEach((outcome, index) => {
          replayedUpTo += recordedEvents(outcome).length;
          const live = run.lanes[index] as LaneState;
          expect(foldLane(quota.stateType, TEST_STATE_ID, run.events.slice(0, replayedUpTo))).toEqual(live);
          if (outcome.kind === 'recorded') expect(outcome.version).toBe(live.version);
        });
      }),
      { numRuns: 60 },
    );
  });

  /** Every mutation ends at most once and gets no event after its ending; the lane holds exactly the pending ones. */
  function expectOneEndingEach(run: TimelineRun, lane: LaneState): void {
    const lastStatus = new Map<string, MutationStatus>();
    for (const event of run.events) {
      const previous = lastStatus.get(event.data.mutationId);
      expect(previous === undefined || previous === 'pending').toBe(true);
      const status = statusAfter(event);
      if (status !== undefined) lastStatus.set(event.data.mutationId, status);
    }
    const stillPending = [...lastStatus].filter(([, status]) => status === 'pending').map(([mutationId]) => mutationId);
    expect(Object.keys(lane.pending).sort()).toEqual(stillPending.sort());
    expect(lane.requested).toEqual({});
    // Each recorded outcome reports the status its own events leave the mutation in.
    for (const outcome of run.outcomes) {
      if (outcome.kind !== 'recorded') continue;
      const statuses = outcome.events.map(statusAfter).filter((status) => status !== undefined);
      expect(outcome.status).toBe(statuses[statuses.length - 1] ?? 'pending');
    }
  }

  /** Nothing counts towards a mutation at or after its expiry, and it never applies late. */
  function expectNothingAfterExpiry(events: readonly MutationEvent[]): void {
    const expiresAt = new Map<string, number>();
    for (const event of events) {
      if (event.type === 'MutationPending') expiresAt.set(event.data.mutationId, Date.parse(event.data.expiresAt));
      const due = expiresAt.get(event.data.mutationId);
      if (due === undefined) continue;
      const at = 'approvedAt' in event.data ? event.data.approvedAt : 'resolvedAt' in event.data ? event.data.resolvedAt : 'appliedAt' in event.data ? event.data.appliedAt : undefined;
      if (at !== undefined) expect(Date.parse(at)).toBeLessThan(due);
    }
  }

  /** In every round, approvers are distinct, never the requester, and hold the role of the step they approved. */
  function expectRightfulApprovers(run: TimelineRun): void {
    for (const lane of run.lanes) {
      for (const pending of Object.values(lane.pending)) {
        const ids = pending.approvals.map((approval) => approval.approverId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).not.toContain(pending.request.actor.id);
      }
    }
    for (const event of run.events) {
      if (event.type === 'ApprovalGranted') expect(event.data.approver.roles).toContain(event.data.role);
    }
  }

  it('holds the lifecycle invariants: one ending each, gap-free versions, nothing after expiry, rightful approvers, approvals bound to the change', () => {
    fc.assert(
      fc.property(timeline, (actions) => {
        const run = runTimeline(actions);
        const lane = run.lanes[run.lanes.length - 1] as LaneState;
        const versions = appliedVersions(run.events);
        expect(versions).toEqual(versions.map((_, index) => index + 1));
        expect(lane.version).toBe(versions.length);
        expect(quota.validateState(lane.document)).toEqual([]);
        expectOneEndingEach(run, lane);
        expectNothingAfterExpiry(run.events);
        expectRightfulApprovers(run);
        expectApprovalsBindToTheChange(run.events);
      }),
      { numRuns: 120 },
    );
  });
});
