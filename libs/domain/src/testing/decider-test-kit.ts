import type { Actor } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import type { JsonValue } from '../json/json.js';
import { evolveLane, foldLane, type LaneState } from '../mutation/lane.js';
import type { MutationApplied, MutationEvent } from '../mutation/mutation-events.js';
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

/** The events of a recorded outcome; none for a rejected or dry-run submit. */
export function recordedEvents(outcome: SubmitOutcome): MutationEvent[] {
  return outcome.kind === 'recorded' ? outcome.events : [];
}

export interface LaneRun {
  /** The lane evolved event by event after each recorded outcome ("live"). */
  lane: LaneState;
  /** Every recorded event, in order: the lane's stream. */
  events: MutationEvent[];
  outcomes: SubmitOutcome[];
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
 * The events of a valid history: runs the commands on one lane with mutation ids `given-1`,
 * `given-2`, … and throws when one is not recorded (a given history must be a valid one).
 */
export function recordHistory<State>(contract: Contract<State>, commands: readonly SubmitMutation[], options: SubmitOptions = TEST_SUBMIT_OPTIONS): MutationEvent[] {
  const run = runOnLane(contract, commands.map((command, index) => ({ ...command, mutationId: `given-${index + 1}` })), options);
  run.outcomes.forEach((outcome, index) => {
    if (outcome.kind !== 'recorded') {
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
}

/** given(lane events) → when(command) → then assert on the outcome. */
export function given<State>(typedContract: Contract<State>, events: readonly MutationEvent[], stateId: string = TEST_STATE_ID): GivenLane {
  const contract = typedContract as unknown as Contract<unknown>;
  const lane = foldLane(contract.stateType, stateId, events);
  return { lane, when: (command, options = TEST_SUBMIT_OPTIONS) => decideSubmit(command, lane, contract, options) };
}
