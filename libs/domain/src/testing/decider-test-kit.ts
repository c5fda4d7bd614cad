import type { Actor } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import type { JsonValue } from '../json/json.js';
import { evolveLane, foldLane, type LaneState } from '../mutation/lane.js';
import type { MutationEvent } from '../mutation/mutation-events.js';
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

/**
 * Runs commands one after another on one lane, as the write side would, and returns every
 * recorded event. Mutation ids become `given-1`, `given-2`, … A rejected command throws: a
 * given history must be a valid one.
 */
export function recordHistory<State>(typedContract: Contract<State>, commands: readonly SubmitMutation[], options: SubmitOptions = TEST_SUBMIT_OPTIONS): MutationEvent[] {
  const contract = typedContract as unknown as Contract<unknown>;
  const stateId = commands[0]?.stateId ?? TEST_STATE_ID;
  let lane = foldLane(contract.stateType, stateId, []);
  const events: MutationEvent[] = [];
  commands.forEach((command, index) => {
    const outcome = decideSubmit({ ...command, mutationId: `given-${index + 1}` }, lane, contract, options);
    if (outcome.kind !== 'recorded') {
      throw new Error(`given command ${index + 1} (${command.transition}) was not recorded: ${JSON.stringify(outcome.kind === 'rejected' ? outcome.error : outcome.kind)}`);
    }
    events.push(...outcome.events);
    lane = outcome.events.reduce(evolveLane, lane);
  });
  return events;
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
