import type { LaneState } from './lane.js';
import { eventTime, statusAfter, type MutationEvent } from './mutation-events.js';

/** The lane of a state as it appears in lifecycle events and causal metadata. */
export function laneName(stateType: string, stateId: string): string {
  return `${stateType}/${stateId}`;
}

/**
 * Adds the protocol's lifecycle events to what one command decided on a lane (docs/protocol.md):
 * `MutationAccepted` after each `MutationRequested`; `MutationStarted` before an outcome reached
 * by executing (applied, conflicted, or denied/failed when a pending mutation is re-planned);
 * `MutationFinished` after every terminal event. Each carries its lane sequence, i.e. the
 * stream revision it will be appended at, so per lane `finished` order is version order.
 */
export function withLifecycle(lane: LaneState, events: readonly MutationEvent[]): MutationEvent[] {
  const name = laneName(lane.stateType, lane.stateId);
  const out: MutationEvent[] = [];
  const next = () => lane.sequence + out.length;
  for (const event of events) {
    if (executes(lane, event)) {
      out.push({ type: 'MutationStarted', data: { mutationId: event.data.mutationId, lane: name, laneSequence: next(), baseVersion: lane.version, startedAt: eventTime(event) } });
    }
    out.push(event);
    if (event.type === 'MutationRequested') {
      const { mutationId, idempotencyKey, dependsOn, requestedAt } = event.data;
      out.push({ type: 'MutationAccepted', data: { mutationId, lane: name, laneSequence: next(), idempotencyKey, dependsOn, acceptedAt: requestedAt } });
    }
    const status = statusAfter(event);
    // A compensation changes the status of a mutation that finished long ago: nothing executes, nothing finishes.
    if (status !== undefined && status !== 'pending' && status !== 'compensated') {
      out.push({
        type: 'MutationFinished',
        data: {
          mutationId: event.data.mutationId,
          lane: name,
          laneSequence: next(),
          outcome: status,
          version: event.type === 'MutationApplied' ? event.data.version : null,
          finishedAt: eventTime(event),
        },
      });
    }
  }
  return out;
}

/** True for the outcome of an execution: the mutation was planned against the state and applied, or could not be. */
function executes(lane: LaneState, event: MutationEvent): boolean {
  switch (event.type) {
    case 'MutationApplied':
    case 'MutationConflicted':
      return true;
    case 'MutationDenied':
      return lane.pending[event.data.mutationId] !== undefined;
    case 'MutationFailed':
      return lane.pending[event.data.mutationId] !== undefined && !event.data.code.startsWith('dependency_');
    default:
      return false;
  }
}
