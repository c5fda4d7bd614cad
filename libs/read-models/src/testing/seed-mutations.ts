import { creditLimitContract, featureFlagContract } from '@countersign/contracts';
import {
  withLifecycle,
  decidePending,
  decideRevert,
  decideSubmit,
  submitEvents,
  laneHistory,
  eventTime,
  evolveLane,
  foldLane,
  isMutationEvent,
  laneStreamName,
  openRequirements,
  statusAfter,
  type Actor,
  type Classification,
  type ClassificationRequest,
  type Contract,
  type JsonObject,
  type JsonValue,
  type LaneState,
  type MutationEvent,
  type MutationStatus,
  type PendingCommand,
  type PendingMutation,
  type PendingOutcome,
  type SubmitMutation,
  type SubmitOutcome,
} from '@countersign/domain';
import type { EventStore, ExpectedRevision, LogPosition } from '@countersign/event-store';
import { accessPolicyContract } from './access-policy.contract.js';
import { seededRandom, type SeededRandom } from './seeded-random.js';

const FEATURE_FLAG = featureFlagContract as unknown as Contract<unknown>;
const CREDIT_LIMIT = creditLimitContract as unknown as Contract<unknown>;
const ACCESS_POLICY = accessPolicyContract as unknown as Contract<unknown>;

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

/**
 * Principals who decide on pending mutations (they never request any): two per role, since a
 * step may need two distinct approvers. Requesters holding a role (risk-officer, release-manager)
 * approve too, so self-approvals get tried.
 */
export const SEED_APPROVERS: readonly Actor[] = [
  ...['risk-officer', 'cfo', 'release-manager', 'security-officer', 'ciso', 'change-manager', 'admin'].flatMap((role) =>
    [1, 2].map((index) => ({ id: `${role}-${index}`, kind: 'human' as const, roles: [role] })),
  ),
  { id: 'compliance-scanner', kind: 'service', roles: ['compliance'] },
  { id: 'compliance-officer', kind: 'human', roles: ['compliance'] },
];

/** Chance that an iteration decides on a pending mutation instead of submitting a new one. */
const ACT_ON_PENDING_CHANCE = 0.3;

export interface LoadedLane {
  lane: LaneState;
  /** The revision of the last event folded: the expected revision of the next append. */
  expectedRevision: ExpectedRevision;
  /** Every mutation event of the lane so far (reverts decide on the lane's history). */
  events: MutationEvent[];
}

/** Folds a state's lane from its stream, as the write side does before deciding. */
export async function loadLane(eventStore: EventStore, stateType: string, stateId: string): Promise<LoadedLane> {
  const recorded = await eventStore.readStream(laneStreamName(stateType, stateId));
  const events = recorded.filter((event) => isMutationEvent(event)).map((event) => ({ type: event.type, data: event.data }) as MutationEvent);
  const last = recorded[recorded.length - 1];
  return { lane: foldLane(stateType, stateId, events), expectedRevision: last ? last.streamRevision : 'no_stream', events };
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

export interface LanePendingCommand {
  outcome: PendingOutcome;
  /** Log position of the last appended event; null when nothing was recorded. */
  position: LogPosition | null;
  /** The lane with the recorded events folded in. */
  lane: LaneState;
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

/** The write path of an approval, check, cancel or timer: load the lane, `decidePending`, append. */
export async function pendingCommandThroughLane(
  eventStore: EventStore,
  contract: Contract<unknown>,
  stateId: string,
  command: PendingCommand,
  options: SubmitThroughLaneOptions,
): Promise<LanePendingCommand> {
  return decidePendingAndAppend(eventStore, contract, stateId, command, await loadLane(eventStore, contract.stateType, stateId), options);
}

async function decideAndAppend(
  eventStore: EventStore,
  contract: Contract<unknown>,
  command: SubmitMutation,
  loaded: LoadedLane,
  options: SubmitThroughLaneOptions,
  decide: (lane: LaneState) => SubmitOutcome = (lane) => decideSubmit(command, lane, contract, { approvalTtlMs: options.approvalTtlMs }),
): Promise<LaneSubmission & { after: LoadedLane; stamped: MutationEvent[] }> {
  const outcome = decide(loaded.lane);
  const decided = submitEvents(outcome);
  if (decided.length === 0) return { outcome, position: null, after: loaded, stamped: [] };
  const { position, after, stamped } = await appendToLane(eventStore, contract, command.stateId, command.mutationId, decided, loaded, options);
  return { outcome, position, after, stamped };
}

async function decidePendingAndAppend(
  eventStore: EventStore,
  contract: Contract<unknown>,
  stateId: string,
  command: PendingCommand,
  loaded: LoadedLane,
  options: SubmitThroughLaneOptions,
): Promise<LanePendingCommand & { after: LoadedLane; stamped: MutationEvent[] }> {
  const outcome = decidePending(command, loaded.lane, contract, { approvalTtlMs: options.approvalTtlMs });
  if (outcome.kind !== 'recorded') return { outcome, position: null, lane: loaded.lane, after: loaded, stamped: [] };
  const { position, after, stamped } = await appendToLane(eventStore, contract, stateId, command.mutationId, outcome.events, loaded, options);
  return { outcome, position, lane: after.lane, after, stamped };
}

async function appendToLane(
  eventStore: EventStore,
  contract: Contract<unknown>,
  stateId: string,
  mutationId: string,
  decided: readonly MutationEvent[],
  loaded: LoadedLane,
  options: SubmitThroughLaneOptions,
): Promise<{ position: LogPosition; after: LoadedLane; stamped: MutationEvent[] }> {
  const metadata = { correlationId: options.correlationId ?? mutationId, causationId: mutationId };
  // As the write path does: the protocol's lifecycle events around what was decided.
  const stamped = withLifecycle(loaded.lane, decided);
  const events = stamped.map((event) => ({ id: options.newEventId(), type: event.type, data: event.data, metadata }));
  const result = await eventStore.appendToStream(laneStreamName(contract.stateType, stateId), events, { expectedRevision: loaded.expectedRevision });
  const firstRevision = loaded.expectedRevision === 'no_stream' ? 0 : Number(loaded.expectedRevision) + 1;
  if (result.nextExpectedRevision !== firstRevision + events.length - 1) {
    // The store took the append for a retry of an earlier one: these event ids were used before.
    throw new Error(`event ids of mutation ${mutationId} were already appended: use another seed or stateIdPrefix on this log`);
  }
  return { position: result.position, after: { lane: stamped.reduce(evolveLane, loaded.lane), expectedRevision: result.nextExpectedRevision, events: [...loaded.events, ...stamped] }, stamped };
}

export interface SeedMutationsOptions {
  /** How many recorded mutations (submitted and recorded, whatever their fate) to append. */
  count: number;
  /** How many distinct states: index 0, 3, 6… are feature flags, 1, 4, 7… credit limits, 2, 5, 8… access policies. */
  states: number;
  seed: number;
  /** How many distinct requesting actors (humans, services, agents); default 6. */
  actors?: number;
  /** Clock of the first command (ISO 8601); default 2030-01-01T00:00:00.000Z. */
  start?: string;
  /** How far the clock moves between commands; about one command in four shares the previous instant. Default 1000. */
  stepMs?: number;
  /** Prefix of every state id, to seed disjoint states into one log. */
  stateIdPrefix?: string;
  /** Ids of mutations and events; default uuids drawn from the seed, so a log must not be seeded twice with the same seed and prefix. */
  newId?: () => string;
  /** How long a pending mutation waits; default 60 × stepMs, so the seeded clock reaches many expiries. */
  approvalTtlMs?: number;
}

export interface SeededMutation {
  mutationId: string;
  stateType: string;
  stateId: string;
  transition: string;
  /** Status after its last event on the log. */
  status: MutationStatus;
  actor: Actor;
  reason: string | null;
  classification: Classification;
  requestedAt: string;
  /** When it reached a terminal status; null while pending. */
  finishedAt: string | null;
  /** Expiry of its latest pending round; null when it never was pending. */
  expiresAt: string | null;
  /** Position of the mutation's last event. */
  position: LogPosition;
}

export interface SeedResult {
  mutations: SeededMutation[];
  /** Submits the domain rejected without recording anything. */
  rejected: number;
  /** Commands on pending mutations (approvals, checks, cancels, timers) by what the domain made of them. */
  pendingCommands: { recorded: number; unchanged: number; rejected: number };
  /** Position of the last appended event (0 when none). */
  lastPosition: LogPosition;
  /** The clock after the last command: start the next seeding here to keep time moving forward. */
  nextClock: string;
}

/** A pending mutation the seeder keeps deciding on, with its timers as the timers projection would hold them. */
interface Tracked {
  contract: Contract<unknown>;
  stateId: string;
  expiresAt: string;
  /** A `notBefore` not reached yet. */
  notBefore: string | null;
  /** When it stops waiting for its dependsOn, while some are not applied. */
  dependencyTimeoutAt: string | null;
  /** Dependencies it still waits for. */
  waitingFor: string[];
}

/**
 * Appends a deterministic mix of mutations through the real write path: creates and changes of
 * feature flags, credit limits and access policies by several actors, with guard denials
 * (rollout on a disabled flag, duplicate or missing rules), policy denials (agents creating
 * flags), pending mutations (big rollout jumps on prod flags, large limit increases, high
 * access levels, locks, scheduled changes), tags, risk levels and metadata. Between submits it
 * decides on pending mutations as approvers and the worker do, through `decidePending`:
 * approvals granted and rejected, repeated, by the requester or the wrong role; external checks
 * passed and failed; cancels; and, as the clock passes them, schedules reached and expiries.
 * Lanes move meanwhile, so final approvals also conflict, fail, get denied, or dismiss the
 * approvals and go pending again.
 */
export async function seedMutations(eventStore: EventStore, options: SeedMutationsOptions): Promise<SeedResult> {
  const random = seededRandom(options.seed);
  const idRandom = seededRandom(options.seed ^ 0x5eed_1d5);
  const newId = options.newId ?? (() => idRandom.uuid());
  const stepMs = options.stepMs ?? 1000;
  const approvalTtlMs = options.approvalTtlMs ?? 60 * stepMs;
  const prefix = options.stateIdPrefix ?? '';
  const actors = seedActors(options.actors ?? 6);
  let clock = Date.parse(options.start ?? '2030-01-01T00:00:00.000Z');
  if (Number.isNaN(clock)) throw new RangeError(`start "${options.start}" is not a date-time`);
  const now = () => new Date(clock).toISOString();
  const appendOptions = () => ({ approvalTtlMs, newEventId: newId, correlationId: newId() });

  const mutations: SeededMutation[] = [];
  const byId = new Map<string, SeededMutation>();
  const tracked = new Map<string, Tracked>();
  const pendingCommands = { recorded: 0, unchanged: 0, rejected: 0 };
  // This call is the only writer of its lanes (its prefix), so each lane is read once and then folded forward.
  const lanes = new Map<string, LoadedLane>();
  const laneOf = async (contract: Contract<unknown>, stateId: string): Promise<LoadedLane> => {
    const streamName = laneStreamName(contract.stateType, stateId);
    const cached = lanes.get(streamName);
    if (cached) return cached;
    const loaded = await loadLane(eventStore, contract.stateType, stateId);
    lanes.set(streamName, loaded);
    return loaded;
  };
  const remember = (contract: Contract<unknown>, stateId: string, after: LoadedLane) => lanes.set(laneStreamName(contract.stateType, stateId), after);
  let rejected = 0;
  let lastPosition: LogPosition = 0;

  /**
   * Folds what was recorded (the appended events, the last at `position`) into the seeded
   * mutations they belong to (a revert also compensates another) and the tracked timers.
   */
  const record = (mutationId: string, contract: Contract<unknown>, stateId: string, stamped: readonly MutationEvent[], lane: LaneState, position: LogPosition) => {
    lastPosition = position;
    stamped.forEach((event, index) => {
      const owner = byId.get(event.data.mutationId);
      if (!owner) return;
      owner.position = position - stamped.length + 1 + index;
      // Planned when its last dependency applied: the classification it was admitted without.
      if (event.type === 'MutationPlanned') owner.classification = event.data.classification;
      const status = statusAfter(event);
      if (status === undefined) return;
      owner.status = status;
      if (event.type === 'MutationPending') owner.expiresAt = event.data.expiresAt;
      // A compensation changes the status of a mutation that finished long ago.
      else if (event.type !== 'MutationCompensated') owner.finishedAt = eventTime(event);
    });
    const mutation = byId.get(mutationId);
    const pending = lane.pending[mutationId];
    if (pending) {
      const waiting = openRequirements(pending).find((requirement) => requirement.kind === 'dependency');
      tracked.set(mutationId, {
        contract,
        stateId,
        expiresAt: pending.expiresAt,
        notBefore: unreachedSchedule(pending),
        dependencyTimeoutAt: waiting?.kind === 'dependency' ? waiting.timeoutAt : null,
        waitingFor: waiting?.kind === 'dependency' ? waiting.mutationIds : [],
      });
    } else tracked.delete(mutationId);
    if (mutation && mutation.status !== 'pending') ended.push(mutation);
  };
  const ended: SeededMutation[] = [];

  /** As the dependency saga does: each dependent waiting on a mutation that ended learns its outcome. */
  const signalDependents = async () => {
    while (ended.length > 0) {
      const dependency = ended.shift() as SeededMutation;
      for (const [dependentId, target] of [...tracked.entries()]) {
        if (!target.waitingFor.includes(dependency.mutationId)) continue;
        await runPending(dependentId, { type: 'ResolveDependency', mutationId: dependentId, dependencyId: dependency.mutationId, outcome: dependency.status, now: now() });
      }
    }
  };

  const runPending = async (mutationId: string, command: PendingCommand) => {
    const target = tracked.get(mutationId);
    if (!target) return;
    const result = await decidePendingAndAppend(eventStore, target.contract, target.stateId, command, await laneOf(target.contract, target.stateId), appendOptions());
    remember(target.contract, target.stateId, result.after);
    if (result.outcome.kind === 'recorded' && result.position !== null) {
      pendingCommands.recorded += 1;
      record(mutationId, target.contract, target.stateId, result.stamped, result.lane, result.position);
    } else {
      pendingCommands[result.outcome.kind === 'unchanged' ? 'unchanged' : 'rejected'] += 1;
      // A timer that changed nothing (the schedule passed after the expiry) is done.
      if (command.type === 'ReachSchedule') tracked.set(mutationId, { ...target, notBefore: null });
      if (command.type === 'TimeOutDependencies') tracked.set(mutationId, { ...target, dependencyTimeoutAt: null });
    }
    await signalDependents();
  };

  /** Fires every timer the clock has reached, in due order, as the timer worker does. */
  const fireDueTimers = async () => {
    const due = [...tracked.entries()]
      .flatMap(([mutationId, target]) => [
        ...(target.notBefore !== null && Date.parse(target.notBefore) <= clock ? [{ mutationId, at: Date.parse(target.notBefore), type: 'ReachSchedule' as const }] : []),
        ...(target.dependencyTimeoutAt !== null && Date.parse(target.dependencyTimeoutAt) <= clock
          ? [{ mutationId, at: Date.parse(target.dependencyTimeoutAt), type: 'TimeOutDependencies' as const }]
          : []),
        ...(Date.parse(target.expiresAt) <= clock ? [{ mutationId, at: Date.parse(target.expiresAt), type: 'ExpireMutation' as const }] : []),
      ])
      .sort((a, b) => a.at - b.at || TIMER_ORDER[a.type] - TIMER_ORDER[b.type] || (a.mutationId < b.mutationId ? -1 : 1));
    for (const timer of due) await runPending(timer.mutationId, { type: timer.type, mutationId: timer.mutationId, now: now() });
  };

  /** Now and then a change depends on earlier mutations (pending ones mostly, some already ended), with a short timeout. */
  const dependsOnSome = (): Pick<SubmitMutation, 'dependsOn' | 'dependencyStatuses' | 'dependencyTimeoutMs'> => {
    if (mutations.length === 0 || !random.chance(0.1)) return {};
    const waiting = mutations.filter((mutation) => mutation.status === 'pending');
    const picked = [...new Set([random.pick(waiting.length > 0 && random.chance(0.8) ? waiting : mutations), ...(random.chance(0.3) ? [random.pick(mutations)] : [])])];
    return {
      dependsOn: picked.map((mutation) => mutation.mutationId),
      dependencyStatuses: Object.fromEntries(picked.map((mutation) => [mutation.mutationId, mutation.status])),
      dependencyTimeoutMs: (5 + random.int(30)) * stepMs,
    };
  };

  const maxSubmits = options.count * 4 + 10;
  let submits = 0;
  for (let iteration = 0; mutations.length < options.count && submits < maxSubmits; iteration += 1) {
    if (iteration > 0 && random.chance(0.75)) clock += stepMs;
    await fireDueTimers();
    if (tracked.size > 0 && random.chance(ACT_ON_PENDING_CHANCE)) {
      const mutationId = random.pick([...tracked.keys()]);
      const target = tracked.get(mutationId) as Tracked;
      const { lane } = await laneOf(target.contract, target.stateId);
      const pending = lane.pending[mutationId];
      const command = pending ? choosePendingCommand(random, pending, actors, now()) : undefined;
      if (command) await runPending(mutationId, command);
      continue;
    }

    submits += 1;
    const stateIndex = random.int(Math.max(1, options.states));
    const contract = [FEATURE_FLAG, CREDIT_LIMIT, ACCESS_POLICY][stateIndex % 3] as Contract<unknown>;
    const stateId = `${prefix}${contract === FEATURE_FLAG ? 'flag' : contract === CREDIT_LIMIT ? 'customer' : 'access'}-${stateIndex}`;
    const loaded = await laneOf(contract, stateId);
    const actor = random.pick(actors);
    // Now and then someone reverts the lane's latest change (refused when it created the state, or its paths moved since).
    const revertOf = random.chance(REVERT_CHANCE) ? laneHistory(loaded.events).applied.at(-1) : undefined;
    const { transition, payload } = revertOf
      ? { transition: `revert of ${revertOf.transition}`, payload: null }
      : contract === FEATURE_FLAG
        ? featureFlagChange(random, loaded.lane)
        : contract === CREDIT_LIMIT
          ? creditLimitChange(random, loaded.lane, stateId)
          : accessPolicyChange(random, loaded.lane);
    const command: SubmitMutation = {
      type: 'SubmitMutation',
      mutationId: newId(),
      stateId,
      transition,
      payload,
      actor,
      now: now(),
      classification: classificationRequest(random),
      ...(random.chance(0.5) ? { reason: `seeded change ${submits}` } : {}),
      ...(random.chance(0.2) ? { expectedVersion: loaded.lane.version } : {}),
      ...(random.chance(0.3) ? { idempotencyKey: `seed-${options.seed}-${submits}` } : {}),
      ...(random.chance(0.08) ? { notBefore: new Date(clock + (1 + random.int(8)) * stepMs).toISOString() } : {}),
      ...dependsOnSome(),
    };
    const revert = revertOf
      ? (lane: LaneState) =>
          decideRevert(
            { type: 'RevertMutation', mutationId: command.mutationId, target: revertOf.mutationId, actor, now: command.now, ...(command.reason !== undefined ? { reason: command.reason } : {}) },
            lane,
            laneHistory(loaded.events),
            contract,
            { approvalTtlMs },
          )
      : undefined;
    const { outcome, position, after, stamped } = await decideAndAppend(eventStore, contract, command, loaded, appendOptions(), revert);
    remember(contract, stateId, after);
    if ((outcome.kind !== 'recorded' && outcome.kind !== 'deferred') || position === null) {
      rejected += 1;
      continue;
    }
    const admitted = outcome.kind === 'recorded' ? outcome.plan : outcome.admission;
    const mutation: SeededMutation = {
      mutationId: command.mutationId,
      stateType: contract.stateType,
      stateId,
      transition: admitted.transition,
      status: outcome.status,
      actor,
      reason: command.reason ?? null,
      classification: admitted.classification,
      requestedAt: command.now,
      finishedAt: null,
      expiresAt: null,
      position,
    };
    mutations.push(mutation);
    byId.set(mutation.mutationId, mutation);
    record(command.mutationId, contract, stateId, stamped, after.lane, position);
    await signalDependents();
  }
  if (mutations.length < options.count) throw new Error(`seeded only ${mutations.length} of ${options.count} mutations`);
  return { mutations, rejected, pendingCommands, lastPosition, nextClock: new Date(clock + stepMs).toISOString() };
}

/** Chance that a submit is a revert of the lane's latest applied change instead. */
const REVERT_CHANCE = 0.06;

const TIMER_ORDER = { ReachSchedule: 0, TimeOutDependencies: 1, ExpireMutation: 2 } as const;

function unreachedSchedule(pending: PendingMutation): string | null {
  if (pending.scheduleReached) return null;
  const schedule = pending.requirements.find((requirement) => requirement.kind === 'schedule');
  return schedule?.kind === 'schedule' ? schedule.notBefore : null;
}

/**
 * What someone does about a pending mutation: mostly the right approver or checker, sometimes
 * the requester, a repeated approver or the wrong role (which the domain refuses or ignores),
 * sometimes a rejection, a failed check or a cancel. Undefined when nobody acts this time.
 */
function choosePendingCommand(random: SeededRandom, pending: PendingMutation, requesters: readonly Actor[], now: string): PendingCommand | undefined {
  const { mutationId } = pending;
  const requester = pending.request.actor;
  const open = openRequirements(pending);
  const approval = open.find((requirement) => requirement.kind === 'approval');
  const checks = open.filter((requirement) => requirement.kind === 'external_check');
  const everyone = [...SEED_APPROVERS, ...requesters];
  const holding = (role: string) => everyone.filter((actor) => actor.roles.includes(role) && actor.id !== requester.id);
  const lacking = (role: string) => SEED_APPROVERS.filter((actor) => !actor.roles.includes(role));

  if (random.chance(0.07)) {
    const roll = random.next();
    const actor = roll < 0.6 ? requester : roll < 0.8 ? random.pick(holding('admin')) : random.pick(lacking('admin'));
    return { type: 'CancelMutation', mutationId, actor, ...(random.chance(0.5) ? { reason: 'no longer needed' } : {}), now };
  }
  if (approval && (checks.length === 0 || random.chance(0.6))) {
    const roll = random.next();
    const earlier = pending.approvals.map((record) => everyone.find((actor) => actor.id === record.approverId)).filter((actor) => actor !== undefined);
    const eligible = holding(approval.role).filter((actor) => !pending.approvals.some((record) => record.approverId === actor.id));
    const approver =
      roll < 0.06 ? requester : roll < 0.12 && earlier.length > 0 ? random.pick(earlier) : roll < 0.18 || eligible.length === 0 ? random.pick(lacking(approval.role)) : random.pick(eligible);
    return {
      type: 'ApproveMutation',
      mutationId,
      approver,
      decision: random.chance(0.12) ? 'reject' : 'approve',
      ...(random.chance(0.4) ? { comment: random.pick(['looks fine', 'checked with the owner', 'too risky right now']) } : {}),
      now,
    };
  }
  if (checks.length > 0) {
    const check = random.pick(checks);
    if (check.kind !== 'external_check') return undefined;
    const actor = random.chance(0.1) ? random.pick(lacking(check.role)) : random.pick(holding(check.role));
    const fail = random.chance(0.15);
    return { type: 'ResolveCheck', mutationId, name: check.name, outcome: fail ? 'fail' : 'pass', ...(fail || random.chance(0.3) ? { detail: fail ? 'finding open' : 'clean' } : {}), actor, now };
  }
  // Only the schedule (or a dependency) is open: nothing to decide but, rarely, a cancel.
  return random.chance(0.2) ? { type: 'CancelMutation', mutationId, actor: requester, now } : undefined;
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

function accessPolicyChange(random: SeededRandom, lane: LaneState): Change {
  if (!lane.exists) return { transition: 'create', payload: { owner: `team-${random.int(3) + 1}` } };
  const roll = random.int(10);
  if (roll < 6) return { transition: 'setLevel', payload: { level: random.int(6) } };
  if (roll < 8) return { transition: 'lock', payload: {} };
  return { transition: 'unlock', payload: {} };
}

function classificationRequest(random: SeededRandom): ClassificationRequest {
  const tags = SEED_TAGS.filter((tag) => random.chance(TAG_CHANCE[tag]));
  const ticket = random.chance(0.5) ? random.int(1_000) : undefined;
  // Typed values derived from the ticket (no extra draws, so seeds keep their logs): a number and a boolean to filter on.
  const metadata: JsonObject | undefined = ticket === undefined ? undefined : { ticket: `OPS-${ticket}`, priority: ticket % 3, urgent: ticket % 5 === 0 };
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
