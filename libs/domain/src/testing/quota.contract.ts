import type { ClassificationDefaults } from '../contract/classification.js';
import { defineContract, type Contract } from '../contract/contract.js';
import type { Policy } from '../policy/policy.js';

/** The state of the sample contract the domain's own tests run against. */
export interface Quota {
  owner: string;
  limits: Record<string, number>;
  frozen: boolean;
}

export const QUOTA_LIMIT_MAX = 1_000_000;

const limitName = { type: 'string', pattern: '^[a-z]{1,20}$' };

/**
 * A tenant quota: named integer limits that can be set, raised and frozen. The domain cannot
 * depend on `@countersign/contracts`, so its tests use this contract; policies are plugged in
 * per test.
 */
export function defineQuotaContract(policies: Policy<Quota>[] = []): Contract<Quota> {
  return defineContract<Quota>({
    stateType: 'tenant-quota',
    description: 'Named integer limits of one tenant.',
    stateSchema: {
      type: 'object',
      required: ['owner', 'limits', 'frozen'],
      additionalProperties: false,
      properties: {
        owner: { type: 'string', minLength: 1 },
        limits: { type: 'object', additionalProperties: { type: 'integer', minimum: 0, maximum: QUOTA_LIMIT_MAX } },
        frozen: { type: 'boolean' },
      },
    },
    classification: { category: 'quota', riskLevel: 'low', sideEffectSeverity: 'none', tags: ['quota'] },
    transitions: {
      create: {
        creates: true,
        payloadSchema: { type: 'object', required: ['owner'], additionalProperties: false, properties: { owner: { type: 'string', minLength: 1 } } },
        effects: ({ payload }: { payload: { owner: string } }) => [{ op: 'set', path: '', value: { owner: payload.owner, limits: {}, frozen: false } }],
      },
      setLimit: {
        payloadSchema: {
          type: 'object',
          required: ['name', 'value'],
          additionalProperties: false,
          properties: { name: limitName, value: { type: 'integer' } },
        },
        effects: ({ payload }: { payload: { name: string; value: number } }) => [{ op: 'set', path: `limits.${payload.name}`, value: payload.value }],
        guards: [
          ({ state }) =>
            state?.frozen
              ? { message: 'the quota is frozen', suggestions: [{ message: 'unfreeze the quota first', transition: 'unfreeze', payload: {} }] }
              : undefined,
        ],
        reversible: true,
      },
      raiseLimit: {
        payloadSchema: {
          type: 'object',
          required: ['name', 'by'],
          additionalProperties: false,
          properties: { name: limitName, by: { type: 'integer', minimum: 1 } },
        },
        effects: ({ payload }: { payload: { name: string; by: number } }) => [{ op: 'increment', path: `limits.${payload.name}`, by: payload.by }],
        reversible: true,
        classification: ({ payload }: { payload: { by: number } }): ClassificationDefaults => (payload.by > 1_000 ? { riskLevel: 'high' } : {}),
      },
      freeze: {
        payloadSchema: { type: 'object', additionalProperties: false, properties: {} },
        effects: () => [{ op: 'set', path: 'frozen', value: true }],
        compensation: { transition: 'unfreeze', payload: () => ({}) },
        classification: { riskLevel: 'medium', tags: ['freeze'] },
      },
      unfreeze: {
        payloadSchema: { type: 'object', additionalProperties: false, properties: {} },
        effects: () => [{ op: 'set', path: 'frozen', value: false }],
      },
    },
    policies,
  });
}
