import type { Actor, ClassificationDefaults } from './classification.js';
import { compileSchema, type JsonSchema, type SchemaValidator } from './json-schema.js';
import type { DiffEntry } from '../json/diff.js';
import type { JsonValue } from '../json/json.js';
import type { Op } from '../json/ops.js';
import type { Policy, Suggestion } from '../policy/policy.js';
import { SIDE_EFFECT_TYPE_PATTERN, type SideEffectInput, type SideEffectRequest, type SideEffectTypeDefinition } from '../side-effect/side-effect.js';

export interface TransitionInput<State, Payload> {
  /** The current document; null when the state does not exist yet (creating transitions). */
  state: State | null;
  payload: Payload;
}

export interface GuardInput<State, Payload> extends TransitionInput<State, Payload> {
  actor: Actor;
  /** The document the transition would produce. */
  after: State;
}

export interface GuardViolation {
  message: string;
  suggestions?: Suggestion[];
}

/** A contract rule: returns nothing when the change is acceptable, a violation otherwise. */
export type Guard<State, Payload> = (input: GuardInput<State, Payload>) => GuardViolation | undefined;

/** What a compensating transition's payload is computed from. */
export interface CompensationInput<State, Payload> {
  /** The payload of the mutation being compensated. */
  payload: Payload;
  /** The change it made. */
  diff: DiffEntry[];
  /** The document now, before the compensation. */
  state: State | null;
}

/** A named transition that undoes this one, with its payload derived from the compensated mutation. */
export interface CompensationDefinition<State, Payload> {
  transition: string;
  payload: (input: CompensationInput<State, Payload>) => JsonValue;
}

export interface TransitionDefinition<State, Payload> {
  description?: string;
  payloadSchema: JsonSchema;
  /** Creating transitions run only on a state that does not exist yet; all others only on one that does. */
  creates?: boolean;
  effects: (input: TransitionInput<State, Payload>) => Op[];
  guards?: Guard<State, Payload>[];
  /** True when the inverse can be derived from the before-image of the changed paths (automatic revert). */
  reversible?: boolean;
  /** A named transition that undoes this one; takes precedence over `reversible`. */
  compensation?: CompensationDefinition<State, Payload>;
  /** Side effects it emits when it applies; each type must be in the contract's `sideEffectTypes`. */
  sideEffects?: (input: SideEffectInput<State, Payload>) => SideEffectRequest[];
  classification?: ClassificationDefaults | ((input: TransitionInput<State, Payload>) => ClassificationDefaults);
}

export interface ContractDefinition<State> {
  stateType: string;
  description?: string;
  stateSchema: JsonSchema;
  classification?: ClassificationDefaults;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each transition declares its own payload type
  transitions: Record<string, TransitionDefinition<State, any>>;
  policies?: Policy<State>[];
  /**
   * Dot paths of the state (and of payloads) that hold sensitive data: exports mask them, in
   * payloads and in diffs (a path also covers everything below it).
   */
  sensitive?: string[];
  /** The side-effect types its transitions and policies may emit, with the schema of their data. */
  sideEffectTypes?: Record<string, SideEffectTypeDefinition>;
}

/** A registered contract: its definition plus compiled validators. */
export interface Contract<State = JsonValue> {
  readonly stateType: string;
  readonly definition: ContractDefinition<State>;
  readonly validateState: SchemaValidator;
  readonly payloadValidators: Readonly<Record<string, SchemaValidator>>;
  /** One validator per registered side-effect type. */
  readonly sideEffectValidators: Readonly<Record<string, SchemaValidator>>;
}

const STATE_TYPE_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
const TRANSITION_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** Checks and compiles a contract definition; throws on a malformed definition (a programming error). */
export function defineContract<State>(definition: ContractDefinition<State>): Contract<State> {
  if (!STATE_TYPE_PATTERN.test(definition.stateType)) {
    throw new Error(`contract stateType "${definition.stateType}" must match ${STATE_TYPE_PATTERN}`);
  }
  const names = Object.keys(definition.transitions);
  if (names.length === 0) throw new Error(`contract ${definition.stateType} has no transitions`);
  if (!names.some((name) => definition.transitions[name]?.creates)) {
    throw new Error(`contract ${definition.stateType} needs at least one creating transition`);
  }
  for (const path of definition.sensitive ?? []) {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) throw new Error(`sensitive path "${path}" of ${definition.stateType} must be a dot path`);
  }
  const payloadValidators: Record<string, SchemaValidator> = {};
  for (const name of names) {
    if (!TRANSITION_PATTERN.test(name)) throw new Error(`transition "${name}" of ${definition.stateType} must match ${TRANSITION_PATTERN}`);
    const transition = definition.transitions[name] as TransitionDefinition<State, unknown>;
    payloadValidators[name] = compileSchema(transition.payloadSchema, `${definition.stateType}.${name} payload`);
    if (transition.compensation) {
      const compensating = definition.transitions[transition.compensation.transition];
      if (!compensating) throw new Error(`transition "${name}" of ${definition.stateType} is compensated by "${transition.compensation.transition}", which it does not define`);
      if (compensating.creates || transition.creates) throw new Error(`transition "${name}" of ${definition.stateType}: creating transitions neither compensate nor are compensated`);
    }
  }
  const sideEffectValidators: Record<string, SchemaValidator> = {};
  for (const [type, sideEffect] of Object.entries(definition.sideEffectTypes ?? {})) {
    if (!SIDE_EFFECT_TYPE_PATTERN.test(type)) throw new Error(`side-effect type "${type}" of ${definition.stateType} must match ${SIDE_EFFECT_TYPE_PATTERN}`);
    sideEffectValidators[type] = compileSchema(sideEffect.schema, `${definition.stateType} side effect ${type}`);
  }
  return Object.freeze({
    stateType: definition.stateType,
    definition,
    validateState: compileSchema(definition.stateSchema, `${definition.stateType} state`),
    payloadValidators: Object.freeze(payloadValidators),
    sideEffectValidators: Object.freeze(sideEffectValidators),
  });
}

/** The public description of a contract, served by GET /v1/contracts. */
export interface ContractDescription {
  stateType: string;
  description?: string;
  stateSchema: JsonSchema;
  classification: ClassificationDefaults;
  /** `reversible`: a revert is possible; `compensatedBy`: the named transition that undoes it (null: automatic inverse, or none). */
  transitions: { name: string; description?: string; creates: boolean; reversible: boolean; compensatedBy: string | null; payloadSchema: JsonSchema }[];
  policies: { name: string; description?: string }[];
  /** Paths masked in exports. */
  sensitive: string[];
  /** The side-effect types it may emit: data schema, and whether a compensating side effect undoes it. */
  sideEffectTypes: { type: string; description?: string; schema: JsonSchema; compensated: boolean }[];
}

export function describeContract(contract: Contract<unknown>): ContractDescription {
  const { definition } = contract;
  return {
    stateType: contract.stateType,
    description: definition.description,
    stateSchema: definition.stateSchema,
    classification: definition.classification ?? {},
    transitions: Object.entries(definition.transitions).map(([name, transition]) => ({
      name,
      description: transition.description,
      creates: transition.creates === true,
      reversible: !transition.creates && (transition.reversible === true || transition.compensation !== undefined),
      compensatedBy: transition.creates ? null : (transition.compensation?.transition ?? null),
      payloadSchema: transition.payloadSchema,
    })),
    policies: (definition.policies ?? []).map((policy) => ({ name: policy.name, description: policy.description })),
    sensitive: [...(definition.sensitive ?? [])],
    sideEffectTypes: Object.entries(definition.sideEffectTypes ?? {}).map(([type, sideEffect]) => ({
      type,
      description: sideEffect.description,
      schema: sideEffect.schema,
      compensated: sideEffect.compensation !== undefined,
    })),
  };
}
