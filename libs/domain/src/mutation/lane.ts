import type { DiffEntry } from '../json/diff.js';
import type { JsonValue } from '../json/json.js';
import { applyOps } from '../json/ops.js';
import type { Requirement } from '../policy/policy.js';
import type { ApprovalRecord, MutationEvent, MutationRequested } from './mutation-events.js';

/** A mutation waiting for its requirements, with everything needed to re-plan it later. */
export interface PendingMutation {
  mutationId: string;
  request: MutationRequested['data'];
  requirements: Requirement[];
  /** Approvals counted in the current round (cleared when approvals are dismissed). */
  approvals: ApprovalRecord[];
  /** External checks that passed in the current round. */
  passedChecks: string[];
  scheduleReached: boolean;
  /** Dependencies (`dependsOn`) known to be applied. */
  resolvedDependencies: string[];
  expiresAt: string;
  /** Admitted without a plan: it is planned when its last dependency applies (docs/protocol.md §3). */
  deferred: boolean;
  /** The change the current round approves. */
  diff: DiffEntry[];
  baseVersion: number;
}

/** Everything the write side needs to know about one state: rebuilt by folding its stream. */
export interface LaneState {
  stateType: string;
  stateId: string;
  exists: boolean;
  document: JsonValue | null;
  /** Number of applied changes; gap-free. */
  version: number;
  /** Number of events on the lane: the lane sequence (stream revision) of the next event. */
  sequence: number;
  /** Mutations still waiting for requirements, by id. */
  pending: Readonly<Record<string, PendingMutation>>;
  /** Requests whose outcome is not folded yet (an outcome is appended with its request, so this stays tiny). */
  requested: Readonly<Record<string, MutationRequested['data']>>;
  /** Compensated mutations of this lane and the mutation that undid each (grows with reverts only). */
  compensations: Readonly<Record<string, string>>;
}

export function initialLaneState(stateType: string, stateId: string): LaneState {
  return { stateType, stateId, exists: false, document: null, version: 0, sequence: 0, pending: {}, requested: {}, compensations: {} };
}

function withoutKey<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const { [key]: _removed, ...rest } = record;
  return rest;
}

function updatePending(lane: LaneState, mutationId: string, change: (pending: PendingMutation) => PendingMutation): LaneState {
  const pending = lane.pending[mutationId];
  return pending ? { ...lane, pending: { ...lane.pending, [mutationId]: change(pending) } } : lane;
}

/** Ends a mutation on the lane: it is neither requested nor pending any more. */
function finish(lane: LaneState, mutationId: string): LaneState {
  return { ...lane, pending: withoutKey(lane.pending, mutationId), requested: withoutKey(lane.requested, mutationId) };
}

export function evolveLane(lane: LaneState, event: MutationEvent): LaneState {
  const next = evolveMutations(lane, event);
  return { ...next, sequence: lane.sequence + 1 };
}

function evolveMutations(lane: LaneState, event: MutationEvent): LaneState {
  switch (event.type) {
    case 'MutationRequested':
      return { ...lane, requested: { ...lane.requested, [event.data.mutationId]: event.data } };
    case 'MutationPending': {
      const { mutationId } = event.data;
      const request = lane.requested[mutationId] ?? lane.pending[mutationId]?.request;
      if (!request) return lane;
      const previous = lane.pending[mutationId];
      return {
        ...lane,
        requested: withoutKey(lane.requested, mutationId),
        pending: {
          ...lane.pending,
          [mutationId]: {
            mutationId,
            request,
            requirements: event.data.requirements,
            approvals: [],
            passedChecks: [],
            scheduleReached: previous?.scheduleReached ?? false,
            resolvedDependencies: previous?.resolvedDependencies ?? [],
            expiresAt: event.data.expiresAt,
            deferred: previous?.deferred ?? request.evaluation.outcome === 'deferred',
            diff: event.data.diff ?? [],
            baseVersion: event.data.baseVersion ?? lane.version,
          },
        },
      };
    }
    case 'MutationApplied':
      return {
        ...finish(lane, event.data.mutationId),
        exists: true,
        document: applyOps(lane.document, event.data.ops),
        version: event.data.version,
      };
    case 'MutationPlanned':
      return updatePending(lane, event.data.mutationId, (pending) => ({ ...pending, deferred: false, diff: event.data.diff, baseVersion: event.data.baseVersion }));
    case 'ApprovalGranted': {
      const { approver, step, role, approvedAt } = event.data;
      return updatePending(lane, event.data.mutationId, (pending) => ({
        ...pending,
        approvals: [...pending.approvals, { approverId: approver.id, step, role, approvedAt }],
      }));
    }
    case 'ApprovalsDismissed':
      return updatePending(lane, event.data.mutationId, (pending) => ({ ...pending, approvals: [], passedChecks: [] }));
    case 'CheckResolved':
      return event.data.outcome === 'pass'
        ? updatePending(lane, event.data.mutationId, (pending) => ({ ...pending, passedChecks: [...new Set([...pending.passedChecks, event.data.name])] }))
        : lane;
    case 'ScheduleReached':
      return updatePending(lane, event.data.mutationId, (pending) => ({ ...pending, scheduleReached: true }));
    case 'DependencyResolved':
      return event.data.outcome === 'applied'
        ? updatePending(lane, event.data.mutationId, (pending) => ({
            ...pending,
            resolvedDependencies: [...new Set([...pending.resolvedDependencies, event.data.dependencyId])],
          }))
        : lane;
    case 'MutationCompensated':
      return { ...lane, compensations: { ...(lane.compensations ?? {}), [event.data.mutationId]: event.data.compensatedBy } };
    case 'ApprovalRejected':
    case 'MutationAccepted':
    case 'MutationStarted':
    case 'MutationFinished':
      return lane;
    case 'MutationDenied':
    case 'MutationRejected':
    case 'MutationExpired':
    case 'MutationCancelled':
    case 'MutationConflicted':
    case 'MutationFailed':
      return finish(lane, event.data.mutationId);
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

export function foldLane(stateType: string, stateId: string, events: readonly MutationEvent[]): LaneState {
  return events.reduce(evolveLane, initialLaneState(stateType, stateId));
}
