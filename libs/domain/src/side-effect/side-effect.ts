import { createHash } from 'node:crypto';
import type { Actor } from '../contract/classification.js';
import type { JsonSchema, SchemaValidator, SchemaViolation } from '../contract/json-schema.js';
import { domainError, type DomainError } from '../errors.js';
import type { DiffEntry } from '../json/diff.js';
import type { JsonValue } from '../json/json.js';

/** What a transition or policy emits: a registered type and its data. */
export interface SideEffectRequest {
  type: string;
  data: JsonValue;
}

/** An emitted side effect, recorded with the change that emitted it; `deliveryId` is stable across retries and replays. */
export interface SideEffect extends SideEffectRequest {
  deliveryId: string;
  /** For a compensating side effect: the delivery id of the side effect it undoes. */
  compensates?: string;
}

/** A registered side-effect type: the schema its data must satisfy, and what undoes it. */
export interface SideEffectTypeDefinition {
  description?: string;
  schema: JsonSchema;
  /** The side effect to emit when the mutation that emitted this one is compensated (its type must be registered too). */
  compensation?: (data: JsonValue) => SideEffectRequest;
}

/** What a transition's side effects are computed from. */
export interface SideEffectInput<State, Payload> {
  stateId: string;
  /** The document before the change (null when it creates the state). */
  state: State | null;
  after: State;
  payload: Payload;
  diff: DiffEntry[];
  actor: Actor;
}

export const SIDE_EFFECT_TYPE_PATTERN = /^[a-z][a-z0-9-]{0,62}(\.[a-z][a-z0-9-]{0,62}){0,4}$/;

/** Checks every side effect against the registry; the first unknown type or invalid data is an `invalid_side_effect`. */
export function validateSideEffects(requests: readonly SideEffectRequest[], validators: Readonly<Record<string, SchemaValidator>>): DomainError | undefined {
  for (const [index, request] of requests.entries()) {
    const validate = Object.hasOwn(validators, request.type) ? validators[request.type] : undefined;
    if (!validate) {
      return domainError('invalid_side_effect', `side effect ${index} has the unregistered type "${request.type}"`, { index, type: request.type, types: Object.keys(validators) });
    }
    const violations: SchemaViolation[] = validate(request.data);
    if (violations.length > 0) {
      return domainError('invalid_side_effect', `side effect ${index} (${request.type}) does not match its schema`, { index, type: request.type, violations });
    }
  }
  return undefined;
}

/** A uuid derived from a name (SHA-256, version nibble 5): the same mutation always gives its side effects the same delivery ids. */
export function deliveryIdFor(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The side effects an applied mutation records: what its plan emitted, numbered, then the compensating ones it carries. */
export function emitSideEffects(mutationId: string, requests: readonly SideEffectRequest[] = [], compensations: readonly SideEffect[] = []): SideEffect[] {
  return [...requests.map((request, index) => ({ deliveryId: deliveryIdFor(`${mutationId}/side-effect/${index}`), type: request.type, data: request.data })), ...compensations];
}

/**
 * The side effects that undo `emitted` when a mutation compensates the one that emitted them:
 * one per side effect whose type declares a compensation, validated like any.
 */
export function compensatingSideEffects(
  emitted: readonly SideEffect[],
  compensationId: string,
  types: Readonly<Record<string, SideEffectTypeDefinition>>,
  validators: Readonly<Record<string, SchemaValidator>>,
): { ok: true; sideEffects: SideEffect[] } | { ok: false; error: DomainError } {
  const sideEffects: SideEffect[] = [];
  for (const original of emitted) {
    const compensation = Object.hasOwn(types, original.type) ? types[original.type]?.compensation : undefined;
    if (!compensation) continue;
    const request = compensation(original.data);
    const error = validateSideEffects([request], validators);
    if (error) return { ok: false, error };
    sideEffects.push({ deliveryId: deliveryIdFor(`${compensationId}/compensates/${original.deliveryId}`), type: request.type, data: request.data, compensates: original.deliveryId });
  }
  return { ok: true, sideEffects };
}
