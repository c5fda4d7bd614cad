import { defineContract, type ClassificationDefaults, type Policy, type RiskLevel } from '@countersign/domain';

export interface CreditLimit {
  customerId: string;
  limit: number;
  currency: string;
}

export const DIRECT_INCREASE_MAX = 10_000;
export const SINGLE_APPROVAL_INCREASE_MAX = 100_000;

/** Increase of the limit a change would cause; decreases are negative. */
function increaseOf(before: CreditLimit | null, after: CreditLimit): number {
  return after.limit - (before?.limit ?? 0);
}

export function riskOfIncrease(increase: number): RiskLevel {
  if (increase <= 1_000) return 'low';
  if (increase <= DIRECT_INCREASE_MAX) return 'medium';
  if (increase <= SINGLE_APPROVAL_INCREASE_MAX) return 'high';
  return 'critical';
}

const limitIncreaseApproval: Policy<CreditLimit> = {
  name: 'credit-limit-increase-approval',
  description:
    `Increases up to ${DIRECT_INCREASE_MAX} apply directly; above it a risk-officer approves; ` +
    `above ${SINGLE_APPROVAL_INCREASE_MAX} a risk-officer then a cfo. Decreases apply directly.`,
  evaluate(input) {
    const increase = increaseOf(input.before, input.after);
    if (increase <= DIRECT_INCREASE_MAX) return { outcome: 'allow' };
    const steps = increase > SINGLE_APPROVAL_INCREASE_MAX
      ? [{ role: 'risk-officer', count: 1 }, { role: 'cfo', count: 1 }]
      : [{ role: 'risk-officer', count: 1 }];
    return { outcome: 'require', reason: `limit increase of ${increase}`, requirements: [{ kind: 'approval', steps }] };
  },
};

const amount = { type: 'number', minimum: 0, maximum: 1e12 };

function riskByIncrease(increase: number): ClassificationDefaults {
  return { riskLevel: riskOfIncrease(increase) };
}

/** A customer's credit limit in one currency. */
export const creditLimitContract = defineContract<CreditLimit>({
  stateType: 'credit-limit',
  description: "A customer's credit limit in one currency.",
  stateSchema: {
    type: 'object',
    required: ['customerId', 'limit', 'currency'],
    additionalProperties: false,
    properties: {
      customerId: { type: 'string', minLength: 1 },
      limit: amount,
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    },
  },
  classification: { category: 'credit', riskLevel: 'low', sideEffectSeverity: 'medium' },
  // Customer identifiers are masked in exports.
  sensitive: ['customerId'],
  sideEffectTypes: {
    'credit-limit.limit-set': {
      description: 'A limit was set to an amount: billing and the customer portal pick it up. Undone by the same type with the amounts swapped.',
      schema: {
        type: 'object',
        required: ['customerId', 'currency', 'previousLimit', 'limit'],
        additionalProperties: false,
        properties: { customerId: { type: 'string' }, currency: { type: 'string' }, previousLimit: amount, limit: amount },
      },
      compensation: (data) => {
        const { previousLimit, limit, ...rest } = data as { customerId: string; currency: string; previousLimit: number; limit: number };
        return { type: 'credit-limit.limit-set', data: { ...rest, previousLimit: limit, limit: previousLimit } };
      },
    },
  },
  transitions: {
    open: {
      description: 'Open a credit line (limit 0 unless given).',
      creates: true,
      payloadSchema: {
        type: 'object',
        required: ['customerId', 'currency'],
        additionalProperties: false,
        properties: { customerId: { type: 'string', minLength: 1, maxLength: 200 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' }, limit: amount },
      },
      effects: ({ payload }: { payload: { customerId: string; currency: string; limit?: number } }) => [
        { op: 'set', path: '', value: { customerId: payload.customerId, limit: payload.limit ?? 0, currency: payload.currency } },
      ],
      classification: ({ payload }) => riskByIncrease(payload.limit ?? 0),
    },
    setLimit: {
      description: 'Set the limit to an amount.',
      payloadSchema: { type: 'object', required: ['amount'], additionalProperties: false, properties: { amount } },
      effects: ({ payload }: { payload: { amount: number } }) => [{ op: 'set', path: 'limit', value: payload.amount }],
      reversible: true,
      sideEffects: ({ state, after }) => [
        { type: 'credit-limit.limit-set', data: { customerId: after.customerId, currency: after.currency, previousLimit: state?.limit ?? 0, limit: after.limit } },
      ],
      classification: ({ state, payload }) => riskByIncrease(payload.amount - (state?.limit ?? 0)),
    },
    raiseLimit: {
      description: 'Raise the limit by an amount.',
      payloadSchema: {
        type: 'object',
        required: ['by'],
        additionalProperties: false,
        properties: { by: { type: 'number', exclusiveMinimum: 0, maximum: 1e12 } },
      },
      effects: ({ payload }: { payload: { by: number } }) => [{ op: 'increment', path: 'limit', by: payload.by }],
      reversible: true,
      classification: ({ payload }) => riskByIncrease(payload.by),
    },
  },
  policies: [limitIncreaseApproval],
});
