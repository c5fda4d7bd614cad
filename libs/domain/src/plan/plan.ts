import { createHash } from 'node:crypto';
import { classificationViolations, resolveClassification, type Actor, type Classification, type ClassificationRequest } from '../contract/classification.js';
import type { Contract, TransitionDefinition } from '../contract/contract.js';
import { compileSchema, type SchemaValidator } from '../contract/json-schema.js';
import { restoreOps, unmetExpectations, type PathValue } from '../compensation/inverse.js';
import { baseTransitionOf, isRevertTransition } from '../compensation/reversibility.js';
import { domainError, type DomainError } from '../errors.js';
import { diffDocuments, type DiffEntry } from '../json/diff.js';
import { canonicalJson, isJsonObject, type JsonValue } from '../json/json.js';
import { applyOps, OpError, type Op } from '../json/ops.js';
import { evaluatePolicies, type Decision, type Policy, type Requirement, type Suggestion } from '../policy/policy.js';
import { validateSideEffects, type SideEffectRequest } from '../side-effect/side-effect.js';

/** The state a plan is computed against. */
export interface PlanBase {
  exists: boolean;
  document: JsonValue | null;
  version: number;
}

export interface PlanInput {
  contract: Contract<unknown>;
  stateId: string;
  transition: string;
  payload: JsonValue;
  actor: Actor;
  base: PlanBase;
  classification: ClassificationRequest;
  /** Apply no earlier than this instant (ISO 8601); adds a `schedule` requirement when in the future. */
  notBefore?: string;
  /** The command's clock (ISO 8601). */
  now: string;
  /** The mutation this one compensates, when it is a compensation (policies see it). */
  compensates?: string;
}

/**
 * The deterministic result of evaluating a mutation without applying it. The same inputs give
 * the same plan and the same hash (ADR 0003).
 */
export interface Plan {
  stateType: string;
  stateId: string;
  transition: string;
  payload: JsonValue;
  baseVersion: number;
  ops: Op[];
  diff: DiffEntry[];
  after: JsonValue;
  classification: Classification;
  decision: Decision;
  requirements: Requirement[];
  /** What the transition and the policies emit when it applies (validated against the registered types); absent when nothing. */
  sideEffects?: SideEffectRequest[];
  hash: string;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; error: DomainError };

/** What a request can be checked for without looking at the state. */
export type RequestCheckInput = Pick<PlanInput, 'contract' | 'transition' | 'payload' | 'notBefore'>;

/**
 * The checks that do not depend on the state: the transition exists, the payload matches its
 * schema, `notBefore` is a date-time. A mutation waiting for dependencies is admitted on these
 * alone; everything else is decided when it is planned (docs/protocol.md §3).
 */
export function checkRequest(input: RequestCheckInput): DomainError | undefined {
  const { contract } = input;
  if (!transitionOf(contract, input.transition)) {
    return domainError('unknown_transition', `${contract.stateType} has no transition "${input.transition}"`, {
      transition: input.transition,
      transitions: Object.keys(contract.definition.transitions),
    });
  }
  const violations = (isRevertTransition(input.transition) ? revertPayloadValidator() : contract.payloadValidators[input.transition])?.(input.payload) ?? [];
  if (violations.length > 0) {
    return domainError('invalid_payload', `payload does not match the schema of ${contract.stateType}.${input.transition}`, { violations });
  }
  if (input.notBefore !== undefined && Number.isNaN(Date.parse(input.notBefore))) {
    return domainError('invalid_payload', `notBefore "${input.notBefore}" is not a date-time`, {
      violations: [{ path: 'notBefore', message: 'must be an ISO 8601 date-time' }],
    });
  }
  return undefined;
}

/**
 * The classification known before planning: the contract's defaults, the transition's when they
 * are fixed (defaults computed from the state wait for the plan), and the request's.
 */
export function unplannedClassification(contract: Contract<unknown>, transitionName: string, request: ClassificationRequest): Classification {
  const transitionDefaults = transitionOf(contract, transitionName)?.classification;
  return resolveClassification([contract.definition.classification ?? {}, typeof transitionDefaults === 'object' ? transitionDefaults : {}], request);
}

/** The `schedule` requirement of a `notBefore` still in the future at `now`. */
export function scheduleRequirement(notBefore: string | undefined, now: string): Requirement | undefined {
  if (notBefore === undefined || Date.parse(notBefore) <= Date.parse(now)) return undefined;
  return { kind: 'schedule', notBefore: new Date(Date.parse(notBefore)).toISOString() };
}

export function planMutation(input: PlanInput): PlanResult {
  const { contract, base } = input;
  const malformed = checkRequest(input);
  if (malformed) return fail(malformed);
  const transition = transitionOf(contract, input.transition) as TransitionDefinition<JsonValue, JsonValue>;
  if (transition.creates && base.exists) {
    return fail(domainError('state_already_exists', `${contract.stateType}/${input.stateId} already exists; "${input.transition}" only creates`, { version: base.version }));
  }
  if (!transition.creates && !base.exists) {
    return fail(domainError('state_not_found', `${contract.stateType}/${input.stateId} does not exist; create it first`, {
      creatingTransitions: Object.entries(contract.definition.transitions).filter(([, t]) => t.creates).map(([name]) => name),
    }));
  }

  if (isRevertTransition(input.transition)) {
    // An automatic compensation undoes exactly the change it was planned from: the paths must still hold that change's after-image.
    const unmet = unmetExpectations(base.document, (input.payload as unknown as RevertPayload).expect);
    if (unmet.length > 0) {
      return fail(domainError('revert_conflict', `the state changed since: ${unmet.map((entry) => entry.path).join(', ')} no longer hold the values being reverted`, {
        paths: unmet.map((entry) => entry.path),
      }));
    }
  }
  const transitionInput = { state: base.document, payload: input.payload };
  let ops: Op[];
  let after: JsonValue;
  try {
    ops = transition.effects(transitionInput);
    after = applyOps(base.document, ops);
  } catch (error) {
    if (error instanceof OpError) return fail(domainError('effect_failed', error.message, { op: error.op }));
    throw error;
  }
  // A creating change lists each field it adds rather than one change of the whole document.
  const diff = diffDocuments(base.document === null && isJsonObject(after) ? {} : base.document, after);
  const transitionDefaults = typeof transition.classification === 'function' ? transition.classification(transitionInput) : transition.classification;
  const classification = resolveClassification([contract.definition.classification ?? {}, transitionDefaults ?? {}], input.classification);
  const outOfBounds = classificationViolations(classification);
  if (outOfBounds.length > 0) {
    return fail(domainError('invalid_classification', `the classification of ${contract.stateType}.${input.transition} is outside the limits every read model holds`, { violations: outOfBounds }));
  }

  const decision = decide(input, transition, after, diff, classification);
  const requirements = decision.outcome === 'require' ? decision.requirements : [];
  const sideEffects: SideEffectRequest[] =
    decision.outcome === 'deny'
      ? []
      : [...(transition.sideEffects?.({ stateId: input.stateId, state: base.document, after, payload: input.payload, diff, actor: input.actor }) ?? []), ...(decision.sideEffects ?? [])];
  const invalid = validateSideEffects(sideEffects, contract.sideEffectValidators ?? {});
  if (invalid) return fail(invalid);
  const planBody = {
    stateType: contract.stateType,
    stateId: input.stateId,
    transition: input.transition,
    payload: input.payload,
    baseVersion: base.version,
    ops,
    diff,
    after,
    classification,
    decision,
    requirements,
    ...(sideEffects.length > 0 ? { sideEffects } : {}),
  };
  return { ok: true, plan: { ...planBody, hash: hashPlan(planBody) } };
}

function decide(input: PlanInput, transition: TransitionDefinition<JsonValue, JsonValue>, after: JsonValue, diff: DiffEntry[], classification: Classification): Decision {
  const { contract, base } = input;
  const stateViolations = contract.validateState(after);
  if (stateViolations.length > 0) {
    const details = stateViolations.map((violation) => `${violation.path} ${violation.message}`).join('; ');
    return guardDenial(`the resulting ${contract.stateType} violates its state schema: ${details}`, []);
  }
  for (const guard of transition.guards ?? []) {
    const violation = guard({ state: base.document, payload: input.payload, actor: input.actor, after });
    if (violation) return guardDenial(violation.message, violation.suggestions ?? []);
  }
  const decision = evaluatePolicies<JsonValue>((contract.definition.policies ?? []) as Policy<JsonValue>[], {
    stateType: contract.stateType,
    stateId: input.stateId,
    transition: input.transition,
    payload: input.payload,
    actor: input.actor,
    before: base.document,
    after,
    diff,
    classification,
    version: base.version,
    compensates: input.compensates ?? null,
  });
  const schedule = scheduleRequirement(input.notBefore, input.now);
  if (decision.outcome === 'deny' || !schedule) return decision;
  return decision.outcome === 'require'
    ? { ...decision, requirements: [...decision.requirements, schedule] }
    : { outcome: 'require', requirements: [schedule], policies: decision.policies };
}

/** The payload of an automatic compensation (`revert:<transition>`): the before-image to write back and the after-image it undoes. */
export interface RevertPayload {
  restore: PathValue[];
  expect: PathValue[];
}

const pathValues = {
  type: 'array',
  maxItems: 10_000,
  items: { type: 'object', required: ['path'], additionalProperties: false, properties: { path: { type: 'string' }, value: {} } },
};

let revertValidator: SchemaValidator | undefined;

function revertPayloadValidator(): SchemaValidator {
  revertValidator ??= compileSchema(
    { type: 'object', required: ['restore', 'expect'], additionalProperties: false, properties: { restore: pathValues, expect: pathValues } },
    'revert payload',
  );
  return revertValidator;
}

/**
 * The definition a transition name stands for: the contract's own, or, for `revert:<name>` of a
 * transition the contract defines, one whose effects write the payload's before-image back
 * (no guards: they judge the transition's payload, which a revert does not have).
 */
function transitionOf(contract: Contract<unknown>, name: string): TransitionDefinition<JsonValue, JsonValue> | undefined {
  if (!isRevertTransition(name)) return Object.hasOwn(contract.definition.transitions, name) ? (contract.definition.transitions[name] as TransitionDefinition<JsonValue, JsonValue>) : undefined;
  const baseName = baseTransitionOf(name);
  const base = Object.hasOwn(contract.definition.transitions, baseName) ? contract.definition.transitions[baseName] : undefined;
  if (!base || base.creates) return undefined;
  return {
    description: `undo a ${baseTransitionOf(name)}`,
    payloadSchema: {},
    effects: ({ payload }) => restoreOps((payload as unknown as RevertPayload).restore),
  };
}

function guardDenial(reason: string, suggestions: Suggestion[]): Decision {
  return { outcome: 'deny', deniedBy: 'guard', code: 'guard_denied', reason, suggestions, policies: [] };
}

function fail(error: DomainError): PlanResult {
  return { ok: false, error };
}

/** SHA-256 over the canonical JSON of everything that determines the plan. */
export function hashPlan(planBody: Omit<Plan, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(planBody)).digest('hex');
}
