import type { Actor, Classification } from '../contract/classification.js';
import type { DiffEntry } from '../json/diff.js';
import type { JsonValue } from '../json/json.js';
import type { SideEffectRequest } from '../side-effect/side-effect.js';

/** One approval step: `count` distinct principals holding `role` must approve, steps in order. */
export interface ApprovalStep {
  role: string;
  count: number;
}

/** What a pending mutation waits for. `dependency` comes from the request's `dependsOn` (the causal protocol), never from a policy. */
export type Requirement =
  | { kind: 'approval'; steps: ApprovalStep[] }
  | { kind: 'schedule'; notBefore: string }
  | { kind: 'external_check'; name: string; role: string }
  | { kind: 'dependency'; mutationIds: string[]; timeoutAt: string };

/** Everything a policy may look at; plain data, so policies stay pure and replayable. */
export interface PolicyInput<State = JsonValue> {
  stateType: string;
  stateId: string;
  transition: string;
  payload: JsonValue;
  actor: Actor;
  before: State | null;
  after: State;
  diff: DiffEntry[];
  classification: Classification;
  version: number;
  /** The mutation this one compensates (a revert, or a batch rolling back), else null. */
  compensates?: string | null;
}

/** A policy may emit side effects with an allow or a require (they are delivered once the mutation applies). */
export type PolicyVerdict =
  | { outcome: 'allow'; sideEffects?: SideEffectRequest[] }
  | { outcome: 'deny'; reason: string }
  | { outcome: 'require'; requirements: Requirement[]; reason?: string; expiresInMs?: number; sideEffects?: SideEffectRequest[] };

/** A governance rule evaluated on every mutation of the contracts it is attached to. */
export interface Policy<State = JsonValue> {
  name: string;
  description?: string;
  evaluate(input: PolicyInput<State>): PolicyVerdict;
}

export interface PolicyOutcome {
  policy: string;
  outcome: PolicyVerdict['outcome'];
  reason?: string;
}

/** The combined decision of all policies on one mutation. */
export type Decision =
  | { outcome: 'allow'; policies: PolicyOutcome[]; sideEffects?: SideEffectRequest[] }
  | { outcome: 'deny'; deniedBy: 'guard' | 'policy'; code: 'guard_denied' | 'policy_denied'; reason: string; policy?: string; suggestions: Suggestion[]; policies: PolicyOutcome[] }
  | { outcome: 'require'; requirements: Requirement[]; expiresInMs?: number; policies: PolicyOutcome[]; sideEffects?: SideEffectRequest[] };

/** A correction offered with a guard denial: what to do instead. */
export interface Suggestion {
  message: string;
  transition?: string;
  payload?: JsonValue;
}

/** Every policy must allow: the first deny wins, requirements accumulate (approval steps chain in policy order). */
export function allOf<State>(name: string, policies: readonly Policy<State>[]): Policy<State> {
  return { name, evaluate: (input) => toVerdict(evaluatePolicies(policies, input)) };
}

/** At least one policy must allow outright; otherwise the first that requires something, otherwise deny. */
export function anyOf<State>(name: string, policies: readonly Policy<State>[]): Policy<State> {
  return {
    name,
    evaluate(input) {
      const verdicts = policies.map((policy) => policy.evaluate(input));
      const allowed = verdicts.find((verdict) => verdict.outcome === 'allow');
      if (allowed) return allowed;
      const requiring = verdicts.find((verdict) => verdict.outcome === 'require');
      if (requiring) return requiring;
      const reasons = verdicts.map((verdict) => (verdict.outcome === 'deny' ? verdict.reason : '')).filter(Boolean);
      return { outcome: 'deny', reason: reasons.join('; ') || `${name}: no policy allowed` };
    },
  };
}

/** The first policy whose verdict is not `allow` decides (priority order). */
export function firstMatch<State>(name: string, policies: readonly Policy<State>[]): Policy<State> {
  return {
    name,
    evaluate(input) {
      for (const policy of policies) {
        const verdict = policy.evaluate(input);
        if (verdict.outcome !== 'allow') return verdict;
      }
      return { outcome: 'allow' };
    },
  };
}

function toVerdict(decision: Decision): PolicyVerdict {
  switch (decision.outcome) {
    case 'allow':
      return { outcome: 'allow', ...(decision.sideEffects ? { sideEffects: decision.sideEffects } : {}) };
    case 'deny':
      return { outcome: 'deny', reason: decision.reason };
    case 'require':
      return { outcome: 'require', requirements: decision.requirements, expiresInMs: decision.expiresInMs, ...(decision.sideEffects ? { sideEffects: decision.sideEffects } : {}) };
    default: {
      const unknown: never = decision;
      throw new Error(`unknown decision ${JSON.stringify(unknown)}`);
    }
  }
}

/** Evaluates policies as allOf and combines their verdicts into one decision. */
export function evaluatePolicies<State>(policies: readonly Policy<State>[], input: PolicyInput<State>): Decision {
  const outcomes: PolicyOutcome[] = [];
  const approvalSteps: ApprovalStep[] = [];
  const otherRequirements: Requirement[] = [];
  const sideEffects: SideEffectRequest[] = [];
  let expiresInMs: number | undefined;
  for (const policy of policies) {
    const verdict = policy.evaluate(input);
    switch (verdict.outcome) {
      case 'allow':
        outcomes.push({ policy: policy.name, outcome: 'allow' });
        sideEffects.push(...(verdict.sideEffects ?? []));
        break;
      case 'deny':
        outcomes.push({ policy: policy.name, outcome: 'deny', reason: verdict.reason });
        return { outcome: 'deny', deniedBy: 'policy', code: 'policy_denied', reason: verdict.reason, policy: policy.name, suggestions: [], policies: outcomes };
      case 'require':
        outcomes.push({ policy: policy.name, outcome: 'require', reason: verdict.reason });
        for (const requirement of verdict.requirements) {
          if (requirement.kind === 'approval') approvalSteps.push(...requirement.steps);
          else otherRequirements.push(requirement);
        }
        if (verdict.expiresInMs !== undefined) expiresInMs = Math.min(expiresInMs ?? Infinity, verdict.expiresInMs);
        sideEffects.push(...(verdict.sideEffects ?? []));
        break;
      default: {
        const unknown: never = verdict;
        throw new Error(`unknown verdict ${JSON.stringify(unknown)}`);
      }
    }
  }
  const requirements: Requirement[] = [
    ...(approvalSteps.length > 0 ? [{ kind: 'approval' as const, steps: approvalSteps }] : []),
    ...otherRequirements,
  ];
  // Only a non-empty list is part of the decision, so decisions (and plan hashes) without side effects stay as they were.
  const emitted = sideEffects.length > 0 ? { sideEffects } : {};
  if (requirements.length === 0) return { outcome: 'allow', policies: outcomes, ...emitted };
  return { outcome: 'require', requirements, ...(expiresInMs !== undefined ? { expiresInMs } : {}), policies: outcomes, ...emitted };
}
