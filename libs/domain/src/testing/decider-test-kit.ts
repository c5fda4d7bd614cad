import type { Actor } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import type { JsonValue } from '../json/json.js';
import { evolveLane, foldLane, type LaneState } from '../mutation/lane.js';
import type { MutationApplied, MutationEvent } from '../mutation/mutation-events.js';
import {
  decidePending,
  type ApproveMutation,
  type CancelMutation,
  type ExpireMutation,
  type PendingCommand,
  type PendingOutcome,
  type ReachSchedule,
  type ResolveCheck,
} from '../mutation/resolve-pending.js';
import { decideSubmit, type SubmitMutation, type SubmitOptions, type SubmitOutcome } from '../mutation/submit-mutation.js';

/** The clock every test command carries unless it says otherwise. */
export const TEST_NOW = '2030-01-15T12:00:00.000Z';
export const TEST_STATE_ID = 'state-1';
export const TEST_SUBMIT_OPTIONS: SubmitOptions = { approvalTtlMs: 24 * 60 * 60 * 1000 };

export function testActor(overrides: Partial<Actor> = {}): Actor {
  return { id: 'alice', kind: 'human', roles: [], ...overrides };
}

/** A SubmitMutation on `TEST_STATE_ID` by `testActor()` at `TEST_NOW`, unless overridden. */
export function submitCommand(transition: string, payload: JsonValue, overrides: Partial<Omit<SubmitMutation, 'type'>> = {}): SubmitMutation {
  return {
    type: 'SubmitMutation',
    mutationId: `mutation-${transition}`,
    stateId: TEST_STATE_ID,
    transition,
    payload,
    actor: testActor(),
    classification: {},
    now: TEST_NOW,
    ...overrides,
  };
}

/** Any command one lane decides: a submit or a command on one of its pending mutations. */
export type LaneCommand = SubmitMutation | PendingCommand;
export type LaneOutcome = SubmitOutcome | PendingOutcome;

/** The events of a recorded outcome; none for a rejected, dry-run or unchanged one. */
export function recordedEvents(outcome: LaneOutcome): MutationEvent[] {
  return outcome.kind === 'recorded' || outcome.kind === 'deferred' ? outcome.events : [];
}

/** Decides any lane command the way the write side dispatches it. */
export function decideOnLane(command: LaneCommand, lane: LaneState, contract: Contract<unknown>, options: SubmitOptions = TEST_SUBMIT_OPTIONS): LaneOutcome {
  return command.type === 'SubmitMutation' ? decideSubmit(command, lane, contract, options) : decidePending(command, lane, contract, options);
}

/** `approver` approves `mutationId` at `TEST_NOW`, unless overridden. */
export function approveCommand(mutationId: string, approver: Actor, overrides: Partial<Omit<ApproveMutation, 'type' | 'mutationId' | 'approver'>> = {}): ApproveMutation {
  return { type: 'ApproveMutation', mutationId, approver, decision: 'approve', now: TEST_NOW, ...overrides };
}

/** `approver` rejects `mutationId` at `TEST_NOW`, unless overridden. */
export function rejectCommand(mutationId: string, approver: Actor, overrides: Partial<Omit<ApproveMutation, 'type' | 'mutationId' | 'approver'>> = {}): ApproveMutation {
  return approveCommand(mutationId, approver, { decision: 'reject', ...overrides });
}

/** `actor` resolves the external check `name` of `mutationId` at `TEST_NOW`, unless overridden. */
export function resolveCheckCommand(
  mutationId: string,
  name: string,
  outcome: ResolveCheck['outcome'],
  actor: Actor,
  overrides: Partial<Omit<ResolveCheck, 'type' | 'mutationId' | 'name' | 'outcome' | 'actor'>> = {},
): ResolveCheck {
  return { type: 'ResolveCheck', mutationId, name, outcome, actor, now: TEST_NOW, ...overrides };
}

/** `actor` cancels `mutationId` at `TEST_NOW`, unless overridden. */
export function cancelCommand(mutationId: string, actor: Actor, overrides: Partial<Omit<CancelMutation, 'type' | 'mutationId' | 'actor'>> = {}): CancelMutation {
  return { type: 'CancelMutation', mutationId, actor, now: TEST_NOW, ...overrides };
}

/** The expiry timer of `mutationId` fires at `now`. */
export function expireCommand(mutationId: string, now: string): ExpireMutation {
  return { type: 'ExpireMutation', mutationId, now };
}

/** The schedule timer of `mutationId` fires at `now`. */
export function reachScheduleCommand(mutationId: string, now: string): ReachSchedule {
  return { type: 'ReachSchedule', mutationId, now };
}

/** An instant `ms` milliseconds after `TEST_NOW` (or after `from`). */
export function later(ms: number, from: string = TEST_NOW): string {
  return new Date(Date.parse(from) + ms).toISOString();
}

export interface LaneRun<Outcome extends LaneOutcome = SubmitOutcome> {
  /** The lane evolved event by event after each recorded outcome ("live"). */
  lane: LaneState;
  /** Every recorded event, in order: the lane's stream. */
  events: MutationEvent[];
  outcomes: Outcome[];
}

/** Submits commands one after another on one lane and evolves it with what each records, as the write side would. */
export function runOnLane<State>(typedContract: Contract<State>, commands: readonly SubmitMutation[], options: SubmitOptions = TEST_SUBMIT_OPTIONS): LaneRun {
  const contract = typedContract as unknown as Contract<unknown>;
  let lane = foldLane(contract.stateType, commands[0]?.stateId ?? TEST_STATE_ID, []);
  const events: MutationEvent[] = [];
  const outcomes: SubmitOutcome[] = [];
  for (const command of commands) {
    const outcome = decideSubmit(command, lane, contract, options);
    outcomes.push(outcome);
    for (const event of recordedEvents(outcome)) {
      events.push(event);
      lane = evolveLane(lane, event);
    }
  }
  return { lane, events, outcomes };
}

/**
 * Decides any mix of submits and pending commands one after another on one lane, evolving it
 * with what each records, as the write side would (each command sees the lane its predecessors left).
 */
export function runCommandsOnLane<State>(
  typedContract: Contract<State>,
  commands: readonly LaneCommand[],
  options: SubmitOptions = TEST_SUBMIT_OPTIONS,
  stateId: string = TEST_STATE_ID,
): LaneRun<LaneOutcome> {
  const contract = typedContract as unknown as Contract<unknown>;
  let lane = foldLane(contract.stateType, stateId, []);
  const events: MutationEvent[] = [];
  const outcomes: LaneOutcome[] = [];
  for (const command of commands) {
    const outcome = decideOnLane(command, lane, contract, options);
    outcomes.push(outcome);
    for (const event of recordedEvents(outcome)) {
      events.push(event);
      lane = evolveLane(lane, event);
    }
  }
  return { lane, events, outcomes };
}

/**
 * The events of a valid history of submits and pending commands, keeping their mutation ids
 * (pending commands refer to them); throws when one is not recorded.
 */
export function recordLaneHistory<State>(contract: Contract<State>, commands: readonly LaneCommand[], options: SubmitOptions = TEST_SUBMIT_OPTIONS): MutationEvent[] {
  const run = runCommandsOnLane(contract, commands, options);
  run.outcomes.forEach((outcome, index) => {
    if (recordedEvents(outcome).length === 0) {
      const command = commands[index] as LaneCommand;
      throw new Error(`given command ${index + 1} (${command.type} ${command.mutationId}) was not recorded: ${JSON.stringify(outcome)}`);
    }
  });
  return run.events;
}

/**
 * The events of a valid history: runs the commands on one lane with mutation ids `given-1`,
 * `given-2`, … and throws when one is not recorded (a given history must be a valid one).
 */
export function recordHistory<State>(contract: Contract<State>, commands: readonly SubmitMutation[], options: SubmitOptions = TEST_SUBMIT_OPTIONS): MutationEvent[] {
  const run = runOnLane(contract, commands.map((command, index) => ({ ...command, mutationId: `given-${index + 1}` })), options);
  run.outcomes.forEach((outcome, index) => {
    if (recordedEvents(outcome).length === 0) {
      throw new Error(`given command ${index + 1} (${commands[index]?.transition}) was not recorded: ${JSON.stringify(outcome.kind === 'rejected' ? outcome.error : outcome.kind)}`);
    }
  });
  return run.events;
}

/**
 * A MutationApplied that replaces the whole document: a shortcut to a state that would
 * otherwise need approvals to reach.
 */
export function documentApplied(stateType: string, document: JsonValue, version = 1, stateId: string = TEST_STATE_ID): MutationApplied {
  return {
    type: 'MutationApplied',
    data: {
      mutationId: `given-document-${version}`,
      stateType,
      stateId,
      transition: 'given',
      actor: testActor({ id: 'test-setup', kind: 'service' }),
      version,
      ops: [{ op: 'set', path: '', value: document }],
      diff: [],
      appliedAt: TEST_NOW,
    },
  };
}

export interface GivenLane {
  /** The lane folded from the given events. */
  lane: LaneState;
  when(command: SubmitMutation, options?: SubmitOptions): SubmitOutcome;
  /** A command on a pending mutation of the lane: approve/reject, resolve a check, cancel, a timer firing. */
  whenPending(command: PendingCommand, options?: SubmitOptions): PendingOutcome;
  /** The lane after a recorded outcome (the given lane when nothing was recorded). */
  then(outcome: LaneOutcome): LaneState;
}

/** given(lane events) → when(command) / whenPending(command) → then assert on the outcome. */
export function given<State>(typedContract: Contract<State>, events: readonly MutationEvent[], stateId: string = TEST_STATE_ID): GivenLane {
  const contract = typedContract as unknown as Contract<unknown>;
  const lane = foldLane(contract.stateType, stateId, events);
  return {
    lane,
    when: (command, options = TEST_SUBMIT_OPTIONS) => decideSubmit(command, lane, contract, options),
    whenPending: (command, options = TEST_SUBMIT_OPTIONS) => decidePending(command, lane, contract, options),
    then: (outcome) => recordedEvents(outcome).reduce(evolveLane, lane),
  };
}
