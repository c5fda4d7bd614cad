import type { Actor, ClassificationRequest } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import { domainError, type DomainError } from '../errors.js';
import type { JsonValue } from '../json/json.js';
import { planMutation, type Plan } from '../plan/plan.js';
import type { LaneState } from './lane.js';
import type { MutationApplied, MutationDenied, MutationEvent, MutationPending, MutationRequested } from './mutation-events.js';

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
  notBefore?: string;
  classification: ClassificationRequest;
  dryRun?: boolean;
  now: string;
}

export interface SubmitOptions {
  /** How long a pending mutation waits before it expires, unless a policy says less. */
  approvalTtlMs: number;
}

export type SubmitOutcome =
  /** Malformed or impossible request: nothing is recorded. */
  | { kind: 'rejected'; error: DomainError }
  /** Dry run: the plan, nothing recorded. */
  | { kind: 'planned'; plan: Plan }
  | { kind: 'recorded'; status: 'applied' | 'pending' | 'denied'; plan: Plan; events: MutationEvent[]; version: number; expiresAt?: string };

/** decide(SubmitMutation, lane) → events: validation, guards, policies, plan; nothing is applied here. */
export function decideSubmit(command: SubmitMutation, lane: LaneState, contract: Contract<unknown>, options: SubmitOptions): SubmitOutcome {
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
      dependsOn: command.dependsOn ?? [],
      notBefore: command.notBefore ?? null,
      baseVersion: lane.version,
      planHash: plan.hash,
      evaluation: { outcome: plan.decision.outcome, policies: plan.decision.policies },
      requestedAt: command.now,
    },
  };
  const { decision } = plan;
  switch (decision.outcome) {
    case 'deny': {
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
      return { kind: 'recorded', status: 'denied', plan, events: [requested, denied], version: lane.version };
    }
    case 'require': {
      const ttl = Math.min(options.approvalTtlMs, decision.expiresInMs ?? Infinity);
      // A scheduled mutation must outlive its schedule: the ttl runs from the later of now and notBefore.
      const scheduledAt = decision.requirements.map((requirement) => (requirement.kind === 'schedule' ? Date.parse(requirement.notBefore) : -Infinity));
      const expiresAt = new Date(Math.max(Date.parse(command.now), ...scheduledAt) + ttl).toISOString();
      const pending: MutationPending = {
        type: 'MutationPending',
        data: {
          mutationId: command.mutationId,
          transition: command.transition,
          requestedBy: command.actor.id,
          requirements: decision.requirements,
          expiresAt,
          pendingAt: command.now,
          diff: plan.diff,
          baseVersion: lane.version,
        },
      };
      return { kind: 'recorded', status: 'pending', plan, events: [requested, pending], version: lane.version, expiresAt };
    }
    case 'allow': {
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
        },
      };
      return { kind: 'recorded', status: 'applied', plan, events: [requested, applied], version: lane.version + 1 };
    }
    default: {
      const unknown: never = decision;
      throw new Error(`unknown decision ${JSON.stringify(unknown)}`);
    }
  }
}
