import type { Actor, Classification } from '../contract/classification.js';
import type { DiffEntry } from '../json/diff.js';
import type { JsonValue } from '../json/json.js';
import type { Op } from '../json/ops.js';
import type { PolicyOutcome, Requirement, Suggestion } from '../policy/policy.js';

/**
 * Events of the mutation lifecycle. All events of one state (its lane) live in one stream,
 * `state-<stateType>:<stateId>`; each carries the mutation it belongs to. Events are plain data
 * identified by their string `type`: they come back from the store as JSON.
 */
export type MutationEvent = MutationRequested | MutationDenied | MutationPending | MutationApplied;

export type MutationStatus = 'pending' | 'applied' | 'denied' | 'rejected' | 'expired' | 'cancelled' | 'conflicted' | 'failed' | 'compensated';

export const MUTATION_STATUSES: readonly MutationStatus[] = ['pending', 'applied', 'denied', 'rejected', 'expired', 'cancelled', 'conflicted', 'failed', 'compensated'];

export interface MutationRequested {
  type: 'MutationRequested';
  data: {
    mutationId: string;
    stateType: string;
    stateId: string;
    transition: string;
    payload: JsonValue;
    actor: Actor;
    reason: string | null;
    classification: Classification;
    expectedVersion: number | null;
    idempotencyKey: string | null;
    dependsOn: string[];
    notBefore: string | null;
    baseVersion: number;
    planHash: string;
    evaluation: { outcome: 'allow' | 'deny' | 'require'; policies: PolicyOutcome[] };
    requestedAt: string;
  };
}

export interface MutationDenied {
  type: 'MutationDenied';
  data: {
    mutationId: string;
    deniedBy: 'guard' | 'policy';
    code: 'guard_denied' | 'policy_denied';
    reason: string;
    policy: string | null;
    suggestions: Suggestion[];
    deniedAt: string;
  };
}

export interface MutationPending {
  type: 'MutationPending';
  data: {
    mutationId: string;
    transition: string;
    requestedBy: string;
    requirements: Requirement[];
    expiresAt: string;
    pendingAt: string;
  };
}

export interface MutationApplied {
  type: 'MutationApplied';
  data: {
    mutationId: string;
    /** Denormalised from the request so state readers need no other event. */
    stateType: string;
    stateId: string;
    transition: string;
    actor: Actor;
    /** The state's version after this change (1 for the creating change). */
    version: number;
    ops: Op[];
    diff: DiffEntry[];
    appliedAt: string;
  };
}

export const MUTATION_EVENT_TYPES: readonly MutationEvent['type'][] = ['MutationRequested', 'MutationDenied', 'MutationPending', 'MutationApplied'];

export function isMutationEvent(event: { type: string }): event is MutationEvent {
  return (MUTATION_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** Name of the stream holding every event of one state's lane. */
export function laneStreamName(stateType: string, stateId: string): string {
  return `state-${stateType}:${stateId}`;
}
