import { foldLane, isMutationEvent, type MutationEvent } from '@countersign/domain';
import type { RecordedEvent } from '@countersign/event-store';
import type { ReadModelRow, ReadModelTable } from './read-model-snapshot.js';

const STATUS_AFTER: Record<MutationEvent['type'], string> = {
  MutationRequested: 'pending',
  MutationPending: 'pending',
  MutationDenied: 'denied',
  MutationApplied: 'applied',
};

/** The status a mutation has after its last lifecycle event. */
export function statusAfter(event: MutationEvent): string {
  return STATUS_AFTER[event.type];
}

type PositionedEvent = MutationEvent & { position: number; streamName: string };

/**
 * The rows every read model should hold after projecting `log` (the whole log, in position
 * order), derived straight from the events and the domain's own fold: a reference to compare
 * projections with, written without the projections' code.
 */
export function expectedReadModels(log: readonly RecordedEvent[]): Record<ReadModelTable, ReadModelRow[]> {
  const events: PositionedEvent[] = log
    .filter((recorded) => isMutationEvent(recorded))
    .map((recorded) => ({ type: recorded.type, data: recorded.data, position: recorded.position, streamName: recorded.streamName }) as PositionedEvent);

  const byMutation = groupBy(events, (event) => event.data.mutationId);
  const mutations = [...byMutation.values()].map(expectedMutationRow);
  const timeline = events.map((event) => ({
    mutation_id: event.data.mutationId,
    position: event.position,
    event_type: event.type,
    occurred_at: iso(occurredAt(event)),
    data: json(event.data),
  }));

  const applied = events.filter((event): event is Extract<PositionedEvent, { type: 'MutationApplied' }> => event.type === 'MutationApplied');
  const byStream = groupBy(events, (event) => event.streamName);
  const appliedByState = groupBy(applied, (event) => `${event.data.stateType}\u0000${event.data.stateId}`);
  const states = [...appliedByState.values()].map((changes) => {
    const last = changes[changes.length - 1]!;
    const lane = foldLane(last.data.stateType, last.data.stateId, byStream.get(last.streamName) ?? []);
    return {
      state_type: last.data.stateType,
      state_id: last.data.stateId,
      document: json(lane.document),
      version: changes.length,
      last_mutation_id: last.data.mutationId,
      updated_at: iso(last.data.appliedAt),
      position: last.position,
    };
  });
  const history = [...appliedByState.values()].flatMap((changes) =>
    changes.map((event, index) => ({
      state_type: event.data.stateType,
      state_id: event.data.stateId,
      version: index + 1,
      mutation_id: event.data.mutationId,
      transition: event.data.transition,
      diff: json(event.data.diff),
      actor_id: event.data.actor.id,
      actor_kind: event.data.actor.kind,
      applied_at: iso(event.data.appliedAt),
      position: event.position,
    })),
  );
  return { mutations, mutation_timeline: timeline, states, state_history: history };
}

function expectedMutationRow(lifecycle: PositionedEvent[]): ReadModelRow {
  const first = lifecycle[0]!;
  if (first.type !== 'MutationRequested') throw new Error(`mutation ${first.data.mutationId} starts with ${first.type}`);
  const request = first.data;
  const row: ReadModelRow = {
    mutation_id: request.mutationId,
    state_type: request.stateType,
    state_id: request.stateId,
    transition: request.transition,
    status: 'pending',
    actor_id: request.actor.id,
    actor_kind: request.actor.kind,
    actor_roles: request.actor.roles,
    reason: request.reason,
    category: request.classification.category,
    risk_level: request.classification.riskLevel,
    side_effect_severity: request.classification.sideEffectSeverity,
    tags: request.classification.tags,
    metadata: json(request.classification.metadata),
    estimated_blast_radius: request.classification.estimatedBlastRadius,
    payload: json(request.payload),
    evaluation: json(request.evaluation),
    requirements: null,
    denial: null,
    diff: null,
    plan_hash: request.planHash,
    base_version: request.baseVersion,
    expected_version: request.expectedVersion,
    state_version: null,
    idempotency_key: request.idempotencyKey,
    depends_on: request.dependsOn,
    not_before: request.notBefore === null ? null : iso(request.notBefore),
    requested_at: iso(request.requestedAt),
    expires_at: null,
    applied_at: null,
    finished_at: null,
    requested_position: first.position,
    position: first.position,
  };
  for (const event of lifecycle.slice(1)) {
    row.status = statusAfter(event);
    row.position = event.position;
    switch (event.type) {
      case 'MutationRequested':
        throw new Error(`mutation ${event.data.mutationId} is requested twice`);
      case 'MutationDenied': {
        const { deniedBy, code, reason, policy, suggestions } = event.data;
        row.denial = json({ deniedBy, code, reason, policy, suggestions });
        row.finished_at = iso(event.data.deniedAt);
        break;
      }
      case 'MutationPending':
        row.requirements = json(event.data.requirements);
        row.expires_at = iso(event.data.expiresAt);
        break;
      case 'MutationApplied':
        row.state_version = event.data.version;
        row.diff = json(event.data.diff);
        row.applied_at = iso(event.data.appliedAt);
        row.finished_at = iso(event.data.appliedAt);
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unknown event ${JSON.stringify(unknown)}`);
      }
    }
  }
  return row;
}

function occurredAt(event: MutationEvent): string {
  switch (event.type) {
    case 'MutationRequested':
      return event.data.requestedAt;
    case 'MutationDenied':
      return event.data.deniedAt;
    case 'MutationPending':
      return event.data.pendingAt;
    case 'MutationApplied':
      return event.data.appliedAt;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** What a value looks like after a round trip through jsonb (undefined members dropped). */
function json(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function iso(value: string): string {
  return new Date(value).toISOString();
}
