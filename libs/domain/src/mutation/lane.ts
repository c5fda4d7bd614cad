import type { JsonValue } from '../json/json.js';
import { applyOps } from '../json/ops.js';
import type { Requirement } from '../policy/policy.js';
import type { MutationEvent } from './mutation-events.js';

export interface PendingMutation {
  mutationId: string;
  transition: string;
  requestedBy: string;
  requirements: Requirement[];
  expiresAt: string;
}

/** Everything the write side needs to know about one state: rebuilt by folding its stream. */
export interface LaneState {
  stateType: string;
  stateId: string;
  exists: boolean;
  document: JsonValue | null;
  /** Number of applied changes; gap-free. */
  version: number;
  /** Mutations still waiting for requirements, by id. */
  pending: Readonly<Record<string, PendingMutation>>;
}

export function initialLaneState(stateType: string, stateId: string): LaneState {
  return { stateType, stateId, exists: false, document: null, version: 0, pending: {} };
}

export function evolveLane(lane: LaneState, event: MutationEvent): LaneState {
  switch (event.type) {
    case 'MutationRequested':
    case 'MutationDenied':
      return lane;
    case 'MutationPending':
      return {
        ...lane,
        pending: {
          ...lane.pending,
          [event.data.mutationId]: {
            mutationId: event.data.mutationId,
            transition: event.data.transition,
            requestedBy: event.data.requestedBy,
            requirements: event.data.requirements,
            expiresAt: event.data.expiresAt,
          },
        },
      };
    case 'MutationApplied': {
      const { [event.data.mutationId]: _applied, ...stillPending } = lane.pending;
      return {
        ...lane,
        exists: true,
        document: applyOps(lane.document, event.data.ops),
        version: event.data.version,
        pending: stillPending,
      };
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

export function foldLane(stateType: string, stateId: string, events: readonly MutationEvent[]): LaneState {
  return events.reduce(evolveLane, initialLaneState(stateType, stateId));
}
