import type { Actor, Classification, ClassificationRequest } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import { domainError, type DomainError } from '../errors.js';
import type { JsonValue } from '../json/json.js';
import { checkRequest, planMutation, scheduleRequirement, unplannedClassification, type Plan } from '../plan/plan.js';
import { isRevertTransition } from '../compensation/reversibility.js';
import { emitSideEffects, type SideEffect } from '../side-effect/side-effect.js';
import type { LaneState } from './lane.js';
import type { Requirement } from '../policy/policy.js';
import type { MutationApplied, MutationDenied, MutationEvent, MutationFailed, MutationPending, MutationRequested, MutationStatus } from './mutation-events.js';

/** Propose a change to one state. Ids and the clock arrive with the command. */
export interface SubmitMutation {
  type: 'SubmitMutation';
  mutationId: string;
  stateId: string;
  transition: string;
  payload: JsonValue;
  actor: Actor;
  reason?: string;
  expectedVersion?: number;
  /**
   * Apply exactly this plan: the hash of a plan shown earlier (a dry run's `planHash`). When the
   * plan computed at admission has another hash — or there is none yet, because a dependency is
   * not applied — the submit is rejected `plan_changed` and nothing is recorded.
   */
  expectedPlanHash?: string;
  idempotencyKey?: string;
  dependsOn?: string[];
  /**
   * The status of each `dependsOn` id when the command was admitted, looked up by the adapter;
   * an id missing here is unknown and the command is rejected.
   */
  dependencyStatuses?: Readonly<Record<string, MutationStatus>>;
  /** How long to wait for the dependencies; the default comes from the options. */
  dependencyTimeoutMs?: number;
  notBefore?: string;
  classification: ClassificationRequest;
  dryRun?: boolean;
  now: string;
  /**
   * The applied mutation of this lane that this one undoes. Only compensations set it (a revert,
   * a batch rolling back); it is what allows a `revert:` transition. When it applies, the
   * compensated mutation is marked `compensated` in the same append.
   */
  compensates?: string;
  /** The batch and step this mutation belongs to. */
  batch?: { batchId: string; step: number };
  /** For a compensation: side effects undoing those of the compensated mutation, emitted when it applies. */
  compensationSideEffects?: SideEffect[];
}

export interface SubmitOptions {
  /** How long a pending mutation waits before it expires, unless a policy says less. */
  approvalTtlMs: number;
  /** How long a mutation waits for its `dependsOn`, unless the request says otherwise (default 1 h). */
  dependencyTimeoutMs?: number;
}

export const DEFAULT_DEPENDENCY_TIMEOUT_MS = 60 * 60 * 1000;

/** What admission knows about a mutation that is not planned yet: it waits for its dependencies. */
export interface Admission {
  stateType: string;
  stateId: string;
  transition: string;
  /** Without the state: the contract's and the transition's fixed defaults with the request's (the plan's replaces it). */
  classification: Classification;
  /** The state version at admission (the plan's is the version it is planned against). */
  baseVersion: number;
}

export type SubmitOutcome =
  /** Malformed or impossible request: nothing is recorded. */
  | { kind: 'rejected'; error: DomainError }
  /** Dry run: the plan, nothing recorded. */
  | { kind: 'planned'; plan: Plan }
  | {
      kind: 'recorded';
      status: 'applied' | 'pending' | 'denied';
      plan: Plan;
      /** What the mutation waits for: the plan's requirements. */
      requirements: Requirement[];
      events: MutationEvent[];
      version: number;
      expiresAt?: string;
    }
  /**
   * Admitted without a plan, because a dependency is not applied yet: `pending` until the last
   * one applies, when it is planned against the state as it is then; `failed` when one already
   * ended otherwise. A dry run (`dryRun`) records nothing and says what admission would do.
   */
  | {
      kind: 'deferred';
      status: 'pending' | 'failed';
      dryRun: boolean;
      admission: Admission;
      /** A `schedule` when `notBefore` is ahead, and the `dependency`; none when failed. */
      requirements: Requirement[];
      events: MutationEvent[];
      version: number;
      expiresAt?: string;
      /** Why it failed: the dependencies that ended without being applied. */
      failure?: { code: 'dependency_failed'; reason: string };
    };

/**
 * decide(SubmitMutation, lane) → events: validation, guards, policies, plan; nothing is applied
 * here. A mutation whose dependencies are not all applied is only checked for what does not
 * depend on the state; it is planned when its last dependency applies (decidePending).
 */
export function decideSubmit(command: SubmitMutation, lane: LaneState, contract: Contract<unknown>, options: SubmitOptions): SubmitOutcome {
  if (isRevertTransition(command.transition) && command.compensates === undefined) {
    // `revert:` transitions are written by the revert route only: a client cannot send its own before-image.
    return {
      kind: 'rejected',
      error: domainError('unknown_transition', `${contract.stateType} has no transition "${command.transition}"; revert through POST /v1/mutations/:id/revert`, {
        transition: command.transition,
        transitions: Object.keys(contract.definition.transitions),
      }),
    };
  }
  if (command.compensates !== undefined && lane.compensations?.[command.compensates] !== undefined) {
    return {
      kind: 'rejected',
      error: domainError('already_compensated', `mutation ${command.compensates} is already compensated by ${lane.compensations[command.compensates]}`, {
        mutationId: command.compensates,
        compensatedBy: lane.compensations[command.compensates],
      }),
    };
  }
  const dependsOn = [...new Set(command.dependsOn ?? [])];
  const statuses = command.dependencyStatuses ?? {};
  const unknown = dependsOn.filter((id) => statuses[id] === undefined || id === command.mutationId);
  if (unknown.length > 0) {
    return {
      kind: 'rejected',
      error: domainError('unknown_dependency', `dependsOn names mutations that do not exist: ${unknown.join(', ')}`, { unknown }),
    };
  }
  if (dependsOn.some((id) => statuses[id] !== 'applied')) return admitUnplanned(command, lane, contract, options, dependsOn, statuses);

  if (command.expectedVersion !== undefined && command.expectedVersion !== lane.version) {
    return {
      kind: 'rejected',
      error: domainError('version_conflict', `expected version ${command.expectedVersion} but ${contract.stateType}/${command.stateId} is at version ${lane.version}`, {
        expectedVersion: command.expectedVersion,
        currentVersion: lane.version,
      }),
    };
  }
  const planned = planMutation({
    contract,
    stateId: command.stateId,
    transition: command.transition,
    payload: command.payload,
    actor: command.actor,
    base: { exists: lane.exists, document: lane.document, version: lane.version },
    classification: command.classification,
    notBefore: command.notBefore,
    now: command.now,
    ...(command.compensates !== undefined ? { compensates: command.compensates } : {}),
  });
  if (!planned.ok) return { kind: 'rejected', error: planned.error };
  const { plan } = planned;
  if (command.expectedPlanHash !== undefined && command.expectedPlanHash !== plan.hash) {
    return {
      kind: 'rejected',
      error: domainError('plan_changed', `the plan changed: expected plan ${command.expectedPlanHash} but ${contract.stateType}/${command.stateId} at version ${lane.version} gives plan ${plan.hash}`, {
        expectedPlanHash: command.expectedPlanHash,
        planHash: plan.hash,
      }),
    };
  }
  if (command.dryRun) return { kind: 'planned', plan };

  const requested = requestedEvent(command, contract.stateType, lane, dependsOn, {
    classification: plan.classification,
    planHash: plan.hash,
    evaluation: { outcome: plan.decision.outcome, policies: plan.decision.policies },
  });
  const { decision } = plan;
  if (decision.outcome === 'deny') {
    const denied: MutationDenied = {
      type: 'MutationDenied',
      data: {
        mutationId: command.mutationId,
        deniedBy: decision.deniedBy,
        code: decision.code,
        reason: decision.reason,
        policy: decision.policy ?? null,
        suggestions: decision.suggestions,
        deniedAt: command.now,
      },
    };
    return { kind: 'recorded', status: 'denied', plan, requirements: [], events: [requested, denied], version: lane.version };
  }
  const requirements: Requirement[] = decision.outcome === 'require' ? [...decision.requirements] : [];
  if (requirements.length > 0) {
    const ttl = Math.min(options.approvalTtlMs, (decision.outcome === 'require' ? decision.expiresInMs : undefined) ?? Infinity);
    const expiresAt = pendingExpiry(requirements, ttl, command.now);
    const pending = pendingEvent(command, requirements, expiresAt, plan.diff, lane.version);
    return { kind: 'recorded', status: 'pending', plan, requirements, events: [requested, pending], version: lane.version, expiresAt };
  }
  const applied: MutationApplied = {
    type: 'MutationApplied',
    data: {
      mutationId: command.mutationId,
      stateType: contract.stateType,
      stateId: command.stateId,
      transition: command.transition,
      actor: command.actor,
      version: lane.version + 1,
      ops: plan.ops,
      diff: plan.diff,
      appliedAt: command.now,
      ...withSideEffects(emitSideEffects(command.mutationId, plan.sideEffects, command.compensationSideEffects)),
    },
  };
  const compensated: MutationEvent[] =
    command.compensates === undefined ? [] : [{ type: 'MutationCompensated', data: { mutationId: command.compensates, compensatedBy: command.mutationId, compensatedAt: command.now } }];
  return { kind: 'recorded', status: 'applied', plan, requirements: [], events: [requested, applied, ...compensated], version: lane.version + 1 };
}

/**
 * Admission of a mutation some of whose dependencies are not applied: only what does not depend
 * on the state is checked now (transition, payload schema, notBefore). Its guards, policies,
 * plan and `expectedVersion` are decided when the last dependency applies, against the state
 * as it is then; a dependency that already ended otherwise fails it at once.
 */
function admitUnplanned(
  command: SubmitMutation,
  lane: LaneState,
  contract: Contract<unknown>,
  options: SubmitOptions,
  dependsOn: string[],
  statuses: Readonly<Record<string, MutationStatus>>,
): SubmitOutcome {
  const invalid = checkRequest({ contract, transition: command.transition, payload: command.payload, notBefore: command.notBefore });
  if (invalid) return { kind: 'rejected', error: invalid };
  if (command.expectedPlanHash !== undefined) {
    // No plan exists until the last dependency applies, so no hash can match; refusing records nothing (docs/protocol.md §3.9).
    const unapplied = Object.fromEntries(dependsOn.filter((id) => statuses[id] !== 'applied').map((id) => [id, statuses[id]]));
    return {
      kind: 'rejected',
      error: domainError('plan_changed', `no plan yet: a mutation is planned when its dependencies apply (${Object.keys(unapplied).join(', ')} not applied), so expectedPlanHash cannot match`, {
        expectedPlanHash: command.expectedPlanHash,
        planHash: null,
        dependencies: unapplied,
      }),
    };
  }
  const admission: Admission = {
    stateType: contract.stateType,
    stateId: command.stateId,
    transition: command.transition,
    classification: unplannedClassification(contract, command.transition, command.classification),
    baseVersion: lane.version,
  };
  const failedDependencies = dependsOn.filter((id) => statuses[id] !== 'pending' && statuses[id] !== 'applied');
  if (failedDependencies.length > 0) {
    const reason = `dependencies ended without being applied: ${failedDependencies.map((id) => `${id} (${statuses[id]})`).join(', ')}`;
    if (command.dryRun) {
      return { kind: 'rejected', error: domainError('dependency_failed', reason, { dependencies: Object.fromEntries(failedDependencies.map((id) => [id, statuses[id]])) }) };
    }
    const failed: MutationFailed = { type: 'MutationFailed', data: { mutationId: command.mutationId, code: 'dependency_failed', reason, failedAt: command.now } };
    return {
      kind: 'deferred',
      status: 'failed',
      dryRun: false,
      admission,
      requirements: [],
      events: [requestedEvent(command, contract.stateType, lane, dependsOn, unplanned(admission, command)), failed],
      version: lane.version,
      failure: { code: 'dependency_failed', reason },
    };
  }
  const timeoutMs = command.dependencyTimeoutMs ?? options.dependencyTimeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS;
  const schedule = scheduleRequirement(command.notBefore, command.now);
  const requirements: Requirement[] = [
    ...(schedule ? [schedule] : []),
    { kind: 'dependency', mutationIds: dependsOn.filter((id) => statuses[id] === 'pending'), timeoutAt: new Date(Date.parse(command.now) + timeoutMs).toISOString() },
  ];
  const expiresAt = pendingExpiry(requirements, options.approvalTtlMs, command.now);
  if (command.dryRun) return { kind: 'deferred', status: 'pending', dryRun: true, admission, requirements, events: [], version: lane.version, expiresAt };
  // Nothing is planned yet, so nothing is proposed: the diff comes with MutationPlanned.
  const pending = pendingEvent(command, requirements, expiresAt, [], lane.version);
  return {
    kind: 'deferred',
    status: 'pending',
    dryRun: false,
    admission,
    requirements,
    events: [requestedEvent(command, contract.stateType, lane, dependsOn, unplanned(admission, command)), pending],
    version: lane.version,
    expiresAt,
  };
}

type PlannedParts = Pick<MutationRequested['data'], 'classification' | 'planHash' | 'evaluation' | 'classificationRequest'>;

/** What the request event of a mutation not planned yet says about its plan: nothing decided, no hash. */
function unplanned(admission: Admission, command: SubmitMutation): PlannedParts {
  return { classification: admission.classification, planHash: '', evaluation: { outcome: 'deferred', policies: [] }, classificationRequest: command.classification };
}

function requestedEvent(command: SubmitMutation, stateType: string, lane: LaneState, dependsOn: string[], planned: PlannedParts): MutationRequested {
  return {
    type: 'MutationRequested',
    data: {
      mutationId: command.mutationId,
      stateType,
      stateId: command.stateId,
      transition: command.transition,
      payload: command.payload,
      actor: command.actor,
      reason: command.reason ?? null,
      classification: planned.classification,
      expectedVersion: command.expectedVersion ?? null,
      idempotencyKey: command.idempotencyKey ?? null,
      dependsOn,
      notBefore: command.notBefore ?? null,
      baseVersion: lane.version,
      planHash: planned.planHash,
      evaluation: planned.evaluation,
      ...(planned.classificationRequest !== undefined ? { classificationRequest: planned.classificationRequest } : {}),
      requestedAt: command.now,
      ...(command.compensates !== undefined ? { compensates: command.compensates } : {}),
      ...(command.batch !== undefined ? { batch: command.batch } : {}),
      ...(command.compensationSideEffects?.length ? { compensationSideEffects: command.compensationSideEffects } : {}),
    },
  };
}

/**
 * When a pending mutation expires: `ttlMs` after now or its schedule, whichever is later (a
 * scheduled mutation outlives its schedule), and never before its dependency timeout (waiting
 * too long ends it `failed`, not `expired`).
 */
export function pendingExpiry(requirements: readonly Requirement[], ttlMs: number, now: string): string {
  const scheduledAt = requirements.map((requirement) => (requirement.kind === 'schedule' ? Date.parse(requirement.notBefore) : -Infinity));
  const dependencyTimeouts = requirements.map((requirement) => (requirement.kind === 'dependency' ? Date.parse(requirement.timeoutAt) + 1000 : -Infinity));
  return new Date(Math.max(Math.max(Date.parse(now), ...scheduledAt) + ttlMs, ...dependencyTimeouts)).toISOString();
}

/** The events a submit outcome appends: none for a refusal or a dry run. */
export function submitEvents(outcome: SubmitOutcome): MutationEvent[] {
  return outcome.kind === 'recorded' || outcome.kind === 'deferred' ? outcome.events : [];
}

/** The `sideEffects` of a MutationApplied: only present when there are some, so events without any stay as they were. */
export function withSideEffects(sideEffects: SideEffect[]): { sideEffects?: SideEffect[] } {
  return sideEffects.length > 0 ? { sideEffects } : {};
}

/** The MutationPending of a submit: what it waits for, until when, and the change proposed so far. */
function pendingEvent(command: SubmitMutation, requirements: Requirement[], expiresAt: string, diff: MutationPending['data']['diff'], baseVersion: number): MutationPending {
  return {
    type: 'MutationPending',
    data: { mutationId: command.mutationId, transition: command.transition, requestedBy: command.actor.id, requirements, expiresAt, pendingAt: command.now, diff, baseVersion },
  };
}
