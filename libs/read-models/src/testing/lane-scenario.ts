import type { Actor, ClassificationRequest, Contract, JsonValue, MutationStatus, PendingCommand, PendingOutcome, SubmitOutcome } from '@countersign/domain';
import type { EventStore, LogPosition } from '@countersign/event-store';
import { pendingCommandThroughLane, submitThroughLane } from './seed-mutations.js';
import { seededRandom } from './seeded-random.js';

export interface ScenarioSubmit {
  stateId: string;
  transition: string;
  payload: JsonValue;
  actor: Actor;
  at: string;
  expectedVersion?: number;
  notBefore?: string;
  classification?: ClassificationRequest;
  reason?: string;
  /** `dependsOn`, with the status each dependency has at admission (as the write side looks it up). */
  dependencies?: Record<string, MutationStatus>;
}

/** Distributes `Omit` over a union, so each command keeps its own fields. */
type WithoutTarget<Command> = Command extends unknown ? Omit<Command, 'mutationId' | 'now'> : never;

export interface LaneScenario {
  /** Submits through the real write path; throws when the domain records nothing. */
  submit(contract: Contract<unknown>, request: ScenarioSubmit): Promise<{ mutationId: string; outcome: Extract<SubmitOutcome, { kind: 'recorded' | 'deferred' }>; position: LogPosition }>;
  /** Runs an approval, check, cancel or timer command on the mutation's lane; returns what the domain made of it. */
  decide(mutationId: string, at: string, command: WithoutTarget<PendingCommand>): Promise<PendingOutcome>;
}

/**
 * Hand-written lifecycles for read-model tests: every event comes from the domain's deciders
 * (`decideSubmit`, `decidePending`) on the folded lane and is appended with the expected revision.
 */
export function laneScenario(eventStore: EventStore, options: { seed: number; approvalTtlMs: number }): LaneScenario {
  const ids = seededRandom(options.seed);
  const newId = () => ids.uuid();
  const lanes = new Map<string, { contract: Contract<unknown>; stateId: string }>();
  const appendOptions = () => ({ approvalTtlMs: options.approvalTtlMs, newEventId: newId });
  return {
    async submit(contract, request) {
      const mutationId = newId();
      const { outcome, position } = await submitThroughLane(
        eventStore,
        contract,
        {
          type: 'SubmitMutation',
          mutationId,
          stateId: request.stateId,
          transition: request.transition,
          payload: request.payload,
          actor: request.actor,
          classification: request.classification ?? {},
          now: request.at,
          ...(request.expectedVersion === undefined ? {} : { expectedVersion: request.expectedVersion }),
          ...(request.notBefore === undefined ? {} : { notBefore: request.notBefore }),
          ...(request.reason === undefined ? {} : { reason: request.reason }),
          ...(request.dependencies === undefined ? {} : { dependsOn: Object.keys(request.dependencies), dependencyStatuses: request.dependencies }),
        },
        appendOptions(),
      );
      if ((outcome.kind !== 'recorded' && outcome.kind !== 'deferred') || position === null) throw new Error(`submit of ${request.transition} on ${request.stateId} recorded nothing: ${JSON.stringify(outcome)}`);
      lanes.set(mutationId, { contract, stateId: request.stateId });
      return { mutationId, outcome, position };
    },
    async decide(mutationId, at, command) {
      const lane = lanes.get(mutationId);
      if (!lane) throw new Error(`mutation ${mutationId} was not submitted in this scenario`);
      const { outcome } = await pendingCommandThroughLane(eventStore, lane.contract, lane.stateId, { ...command, mutationId, now: at } as PendingCommand, appendOptions());
      return outcome;
    },
  };
}
