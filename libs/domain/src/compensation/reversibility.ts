import type { Contract, TransitionDefinition } from '../contract/contract.js';
import type { JsonValue } from '../json/json.js';
import type { CompensationInput } from '../contract/contract.js';

/**
 * Automatic compensations are recorded as the transition `revert:<transition>`: a name no
 * contract can define (`:` is not allowed in transition names), planned from the before-image
 * of the compensated change instead of from a contract's effects.
 */
export const REVERT_PREFIX = 'revert:';

export function isRevertTransition(transition: string): boolean {
  return transition.startsWith(REVERT_PREFIX);
}

/** The transition an automatic compensation of `transition` is recorded as. */
export function revertTransitionOf(transition: string): string {
  return `${REVERT_PREFIX}${transition}`;
}

/** The contract transition underneath any number of `revert:` prefixes. */
export function baseTransitionOf(transition: string): string {
  let name = transition;
  while (isRevertTransition(name)) name = name.slice(REVERT_PREFIX.length);
  return name;
}

/** How a mutation of a transition can be undone. */
export type Reversibility =
  | { kind: 'automatic' }
  | { kind: 'transition'; transition: string; payload: (input: CompensationInput<JsonValue, JsonValue>) => JsonValue }
  | { kind: 'irreversible'; reason: string };

/**
 * A named compensating transition wins; otherwise `reversible` transitions are undone from the
 * before-image of the paths they changed, and so is every automatic compensation (a revert of a
 * revert). Creating transitions are irreversible: a state is never deleted.
 */
export function reversibilityOf(contract: Contract<unknown>, transition: string): Reversibility {
  if (isRevertTransition(transition)) return { kind: 'automatic' };
  const definition = contract.definition.transitions[transition] as TransitionDefinition<JsonValue, JsonValue> | undefined;
  if (!definition) return { kind: 'irreversible', reason: `${contract.stateType} no longer defines "${transition}"` };
  if (definition.creates) return { kind: 'irreversible', reason: `"${transition}" creates the state; a state is never deleted` };
  if (definition.compensation) return { kind: 'transition', transition: definition.compensation.transition, payload: definition.compensation.payload };
  if (definition.reversible) return { kind: 'automatic' };
  return { kind: 'irreversible', reason: `${contract.stateType}.${transition} is neither reversible nor names a compensating transition` };
}
