import type { Actor, ClassificationRequest } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import { domainError, type DomainError } from '../errors.js';
import type { JsonValue } from '../json/json.js';
import { planMutation, type Plan } from '../plan/plan.js';
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

export type SubmitOutcome =
  /** Malformed or impossible request: nothing is recorded. */
  | { kind: 'rejected'; error: DomainError }
  /** Dry run: the plan, nothing recorded. */
  | { kind: 'planned'; plan: Plan }
  | {
      kind: 'recorded';
      status: 'applied' | 'pending' | 'denied' | 'failed';
      plan: Plan;
      /** What the mutation waits for: the plan's requirements plus any dependency. */
      requirements: Requirement[];
      events: MutationEvent[];
      version: number;
      expiresAt?: string;
    };

/** decide(SubmitMutation, lane) → events: validation, guards, policies, plan; nothing is applied here. */
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
  if (command.expectedVersion !== undefined && command.expectedVersion !== lane.version) {
    return {
      kind: 'rejected',
      error: domainError('version_conflict', `expected version ${command.expectedVersion} but ${contract.stateType}/${command.stateId} is at version ${lane.version}`, {
        expectedVersion: command.expectedVersion,
        currentVersion: lane.version,
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
  if (command.dryRun) return { kind: 'planned', plan };

  const requested: MutationRequested = {
    type: 'MutationRequested',
    data: {
      mutationId: command.mutationId,
      stateType: contract.stateType,
      stateId: command.stateId,
      transition: command.transition,
      payload: command.payload,
      actor: command.actor,
      reason: command.reason ?? null,
      classification: plan.classification,
      expectedVersion: command.expectedVersion ?? null,
      idempotencyKey: command.idempotencyKey ?? null,
      dependsOn,
      notBefore: command.notBefore ?? null,
      baseVersion: lane.version,
      planHash: plan.hash,
      evaluation: { outcome: plan.decision.outcome, policies: plan.decision.policies },
      requestedAt: command.now,
      ...(command.compensates !== undefined ? { compensates: command.compensates } : {}),
      ...(command.batch !== undefined ? { batch: command.batch } : {}),
      ...(command.compensationSideEffects?.length ? { compensationSideEffects: command.compensationSideEffects } : {}),
    },
  };
  const { decision } = plan;
  const failedDependencies = dependsOn.filter((id) => statuses[id] !== 'pending' && statuses[id] !== 'applied');
  const waitingFor = dependsOn.filter((id) => statuses[id] === 'pending');
  if (decision.outcome !== 'deny' && failedDependencies.length > 0) {
    const failed: MutationFailed = {
      type: 'MutationFailed',
      data: {
        mutationId: command.mutationId,
        code: 'dependency_failed',
        reason: `dependencies ended without being applied: ${failedDependencies.map((id) => `${id} (${statuses[id]})`).join(', ')}`,
        failedAt: command.now,
      },
    };
    return { kind: 'recorded', status: 'failed', plan, requirements: [], events: [requested, failed], version: lane.version };
  }
  const requirements: Requirement[] = decision.outcome === 'require' ? [...decision.requirements] : [];
  if (waitingFor.length > 0) {
    const timeoutMs = command.dependencyTimeoutMs ?? options.dependencyTimeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS;
    requirements.push({ kind: 'dependency', mutationIds: waitingFor, timeoutAt: new Date(Date.parse(command.now) + timeoutMs).toISOString() });
  }
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
  if (requirements.length > 0) {
    const ttl = Math.min(options.approvalTtlMs, (decision.outcome === 'require' ? decision.expiresInMs : undefined) ?? Infinity);
    // A scheduled mutation must outlive its schedule: the ttl runs from the later of now and notBefore.
    // It also outlives its dependency timeout, so waiting too long ends it `failed`, not `expired`.
    const scheduledAt = requirements.map((requirement) => (requirement.kind === 'schedule' ? Date.parse(requirement.notBefore) : -Infinity));
    const dependencyTimeouts = requirements.map((requirement) => (requirement.kind === 'dependency' ? Date.parse(requirement.timeoutAt) + 1000 : -Infinity));
    const expiresAt = new Date(Math.max(Math.max(Date.parse(command.now), ...scheduledAt) + ttl, ...dependencyTimeouts)).toISOString();
    const pending: MutationPending = {
      type: 'MutationPending',
      data: {
        mutationId: command.mutationId,
        transition: command.transition,
        requestedBy: command.actor.id,
        requirements,
        expiresAt,
        pendingAt: command.now,
        diff: plan.diff,
        baseVersion: lane.version,
      },
    };
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

/** The `sideEffects` of a MutationApplied: only present when there are some, so events without any stay as they were. */
export function withSideEffects(sideEffects: SideEffect[]): { sideEffects?: SideEffect[] } {
  return sideEffects.length > 0 ? { sideEffects } : {};
}
