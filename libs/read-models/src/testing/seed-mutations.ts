import { creditLimitContract, featureFlagContract } from '@countersign/contracts';
import {
  decideSubmit,
  foldLane,
  isMutationEvent,
  laneStreamName,
  type Actor,
  type Classification,
  type ClassificationRequest,
  type Contract,
  type JsonObject,
  type JsonValue,
  type LaneState,
  type MutationEvent,
  type SubmitMutation,
  type SubmitOutcome,
} from '@countersign/domain';
import type { EventStore, ExpectedRevision, LogPosition } from '@countersign/event-store';
import { seededRandom, type SeededRandom } from './seeded-random.js';

const FEATURE_FLAG = featureFlagContract as unknown as Contract<unknown>;
const CREDIT_LIMIT = creditLimitContract as unknown as Contract<unknown>;

export const SEED_TAGS = ['prod', 'staging', 'team-a', 'team-b', 'pii'] as const;
const TAG_CHANCE: Record<(typeof SEED_TAGS)[number], number> = { prod: 0.4, staging: 0.2, 'team-a': 0.3, 'team-b': 0.2, pii: 0.1 };
const ACTOR_TEMPLATES: readonly Omit<Actor, 'id'>[] = [
  { kind: 'human', roles: ['engineer'] },
  { kind: 'service', roles: ['deployer'] },
  { kind: 'agent', roles: ['assistant'] },
  { kind: 'human', roles: ['risk-officer'] },
  { kind: 'human', roles: ['release-manager', 'engineer'] },
  { kind: 'agent', roles: [] },
];

export interface LoadedLane {
  lane: LaneState;
  /** The revision of the last event folded: the expected revision of the next append. */
  expectedRevision: ExpectedRevision;
}

/** Folds a state's lane from its stream, as the write side does before deciding. */
export async function loadLane(eventStore: EventStore, stateType: string, stateId: string): Promise<LoadedLane> {
  const recorded = await eventStore.readStream(laneStreamName(stateType, stateId));
  const events = recorded.filter((event) => isMutationEvent(event)).map((event) => ({ type: event.type, data: event.data }) as MutationEvent);
  const last = recorded[recorded.length - 1];
  return { lane: foldLane(stateType, stateId, events), expectedRevision: last ? last.streamRevision : 'no_stream' };
}

export interface SubmitThroughLaneOptions {
  approvalTtlMs: number;
  /** Id of each appended event (a uuid). */
  newEventId: () => string;
  correlationId?: string;
}

export interface LaneSubmission {
  outcome: SubmitOutcome;
  /** Log position of the last appended event; null when nothing was recorded. */
  position: LogPosition | null;
}

/** The write path of one submit: load the lane, decide with the domain, append with the expected revision. */
export async function submitThroughLane(
  eventStore: EventStore,
  contract: Contract<unknown>,
  command: SubmitMutation,
  options: SubmitThroughLaneOptions,
): Promise<LaneSubmission> {
  return decideAndAppend(eventStore, contract, command, await loadLane(eventStore, contract.stateType, command.stateId), options);
}

async function decideAndAppend(
  eventStore: EventStore,
  contract: Contract<unknown>,
  command: SubmitMutation,
  loaded: LoadedLane,
  options: SubmitThroughLaneOptions,
): Promise<LaneSubmission> {
  const outcome = decideSubmit(command, loaded.lane, contract, { approvalTtlMs: options.approvalTtlMs });
  if (outcome.kind !== 'recorded') return { outcome, position: null };
  const metadata = { correlationId: options.correlationId ?? command.mutationId, causationId: command.mutationId };
  const events = outcome.events.map((event) => ({ id: options.newEventId(), type: event.type, data: event.data, metadata }));
  const result = await eventStore.appendToStream(laneStreamName(contract.stateType, command.stateId), events, {
    expectedRevision: loaded.expectedRevision,
  });
  const firstRevision = loaded.expectedRevision === 'no_stream' ? 0 : Number(loaded.expectedRevision) + 1;
  if (result.nextExpectedRevision !== firstRevision + events.length - 1) {
    // The store took the append for a retry of an earlier one: these event ids were used before.
    throw new Error(`event ids of mutation ${command.mutationId} were already appended: use another seed or stateIdPrefix on this log`);
  }
  return { outcome, position: result.position };
}

export interface SeedMutationsOptions {
  /** How many recorded mutations (applied, pending or denied) to append. */
  count: number;
  /** How many distinct states: even indexes are feature flags, odd ones credit limits. */
  states: number;
  seed: number;
  /** How many distinct actors (humans, services, agents); default 6. */
  actors?: number;
  /** Clock of the first command (ISO 8601); default 2030-01-01T00:00:00.000Z. */
  start?: string;
  /** How far the clock moves between commands; about one command in four shares the previous instant. Default 1000. */
  stepMs?: number;
  /** Prefix of every state id, to seed disjoint states into one log. */
  stateIdPrefix?: string;
  /** Ids of mutations and events; default uuids drawn from the seed, so a log must not be seeded twice with the same seed and prefix. */
  newId?: () => string;
  approvalTtlMs?: number;
}

export interface SeededMutation {
  mutationId: string;
  stateType: string;
  stateId: string;
  transition: string;
  status: 'applied' | 'pending' | 'denied';
  actor: Actor;
  reason: string | null;
  classification: Classification;
  requestedAt: string;
  /** Position of the mutation's last event. */
  position: LogPosition;
}

export interface SeedResult {
  mutations: SeededMutation[];
  /** Commands the domain rejected without recording anything. */
  rejected: number;
  /** Position of the last appended event (0 when none). */
  lastPosition: LogPosition;
  /** The clock after the last command: start the next seeding here to keep time moving forward. */
  nextClock: string;
}

/**
 * Appends a deterministic mix of mutations through the real write path: creates and changes of
 * feature flags and credit limits by several actors, with guard denials (rollout on a disabled
 * flag, duplicate or missing rules), policy denials (agents creating flags), pending mutations
 * (big rollout jumps on prod flags, large limit increases), tags, risk levels and metadata.
 */
export async function seedMutations(eventStore: EventStore, options: SeedMutationsOptions): Promise<SeedResult> {
  const random = seededRandom(options.seed);
  const idRandom = seededRandom(options.seed ^ 0x5eed_1d5);
  const newId = options.newId ?? (() => idRandom.uuid());
  const approvalTtlMs = options.approvalTtlMs ?? 24 * 60 * 60 * 1000;
  const stepMs = options.stepMs ?? 1000;
  const prefix = options.stateIdPrefix ?? '';
  const actors = seedActors(options.actors ?? 6);
  let clock = Date.parse(options.start ?? '2030-01-01T00:00:00.000Z');
  if (Number.isNaN(clock)) throw new RangeError(`start "${options.start}" is not a date-time`);

  const mutations: SeededMutation[] = [];
  let rejected = 0;
  let lastPosition: LogPosition = 0;
  const maxAttempts = options.count * 4 + 10;
  for (let attempt = 0; mutations.length < options.count && attempt < maxAttempts; attempt += 1) {
    if (attempt > 0 && random.chance(0.75)) clock += stepMs;
    const stateIndex = random.int(Math.max(1, options.states));
    const contract = stateIndex % 2 === 0 ? FEATURE_FLAG : CREDIT_LIMIT;
    const stateId = `${prefix}${contract === FEATURE_FLAG ? 'flag' : 'customer'}-${stateIndex}`;
    const loaded = await loadLane(eventStore, contract.stateType, stateId);
    const actor = random.pick(actors);
    const { transition, payload } = contract === FEATURE_FLAG ? featureFlagChange(random, loaded.lane) : creditLimitChange(random, loaded.lane, stateId);
    const command: SubmitMutation = {
      type: 'SubmitMutation',
      mutationId: newId(),
      stateId,
      transition,
      payload,
      actor,
      now: new Date(clock).toISOString(),
      classification: classificationRequest(random),
      ...(random.chance(0.5) ? { reason: `seeded change ${attempt + 1}` } : {}),
      ...(random.chance(0.2) ? { expectedVersion: loaded.lane.version } : {}),
      ...(random.chance(0.3) ? { idempotencyKey: `seed-${options.seed}-${attempt + 1}` } : {}),
    };
    const { outcome, position } = await decideAndAppend(eventStore, contract, command, loaded, { approvalTtlMs, newEventId: newId, correlationId: newId() });
    if (outcome.kind !== 'recorded' || position === null) {
      rejected += 1;
      continue;
    }
    lastPosition = position;
    mutations.push({
      mutationId: command.mutationId,
      stateType: contract.stateType,
      stateId,
      transition,
      status: outcome.status,
      actor,
      reason: command.reason ?? null,
      classification: outcome.plan.classification,
      requestedAt: command.now,
      position,
    });
  }
  if (mutations.length < options.count) throw new Error(`seeded only ${mutations.length} of ${options.count} mutations`);
  return { mutations, rejected, lastPosition, nextClock: new Date(clock + stepMs).toISOString() };
}

function seedActors(count: number): Actor[] {
  return Array.from({ length: Math.max(1, count) }, (_, index) => {
    const template = ACTOR_TEMPLATES[index % ACTOR_TEMPLATES.length]!;
    return { id: `${template.kind}-${index + 1}`, kind: template.kind, roles: [...template.roles] };
  });
}

interface Change {
  transition: string;
  payload: JsonValue;
}

function featureFlagChange(random: SeededRandom, lane: LaneState): Change {
  if (!lane.exists) return { transition: 'create', payload: { owner: `team-${random.int(3) + 1}` } };
  const roll = random.int(10);
  if (roll < 2) return { transition: 'enable', payload: {} };
  if (roll < 3) return { transition: 'disable', payload: {} };
  if (roll < 6) return { transition: 'setRollout', payload: { percentage: random.pick([0, 5, 10, 25, 40, 50, 75, 90, 100]) } };
  if (roll < 8) return { transition: 'addRule', payload: { rule: { id: `rule-${random.int(4)}`, segment: random.pick(['beta', 'internal', 'eu', 'us']) } } };
  return { transition: 'removeRule', payload: { ruleId: `rule-${random.int(4)}` } };
}

function creditLimitChange(random: SeededRandom, lane: LaneState, stateId: string): Change {
  if (!lane.exists) {
    const limit = random.pick([undefined, 500, 5_000, 20_000]);
    return { transition: 'open', payload: { customerId: stateId, currency: random.pick(['EUR', 'USD', 'CHF']), ...(limit === undefined ? {} : { limit }) } };
  }
  if (random.chance(0.5)) return { transition: 'setLimit', payload: { amount: random.pick([0, 1_000, 8_000, 50_000, 250_000]) + random.int(1_000) } };
  return { transition: 'raiseLimit', payload: { by: random.pick([100, 900, 5_000, 15_000, 150_000]) } };
}

function classificationRequest(random: SeededRandom): ClassificationRequest {
  const tags = SEED_TAGS.filter((tag) => random.chance(TAG_CHANCE[tag]));
  const metadata: JsonObject | undefined = random.chance(0.5) ? { ticket: `OPS-${random.int(1_000)}` } : undefined;
  const riskRoll = random.next();
  return {
    ...(tags.length > 0 ? { tags } : {}),
    ...(metadata ? { metadata } : {}),
    ...(riskRoll < 0.15 ? { riskLevel: 'high' as const } : riskRoll < 0.2 ? { riskLevel: 'critical' as const } : {}),
    ...(random.chance(0.1) ? { sideEffectSeverity: 'high' as const } : {}),
    ...(random.chance(0.1) ? { category: 'maintenance' } : {}),
    ...(random.chance(0.2) ? { estimatedBlastRadius: random.int(100) + 1 } : {}),
  };
}
