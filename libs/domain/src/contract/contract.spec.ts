import { describe, expect, it } from '@jest/globals';
import { defineQuotaContract, type Quota } from '../testing/quota.contract.js';
import { defineContract, describeContract, type Contract, type ContractDefinition } from './contract.js';

const emptyPayload = { type: 'object', additionalProperties: false, properties: {} };

function minimalDefinition(overrides: Partial<ContractDefinition<unknown>> = {}): ContractDefinition<unknown> {
  return {
    stateType: 'thing',
    stateSchema: { type: 'object' },
    transitions: {
      create: { creates: true, payloadSchema: emptyPayload, effects: () => [{ op: 'set', path: '', value: {} }] },
    },
    ...overrides,
  };
}

describe('defineContract', () => {
  it('accepts a minimal definition and compiles its validators', () => {
    const contract = defineContract(minimalDefinition());
    expect(contract.stateType).toBe('thing');
    expect(contract.validateState({})).toEqual([]);
    expect(contract.payloadValidators['create']?.({ extra: 1 })).toEqual([{ path: 'extra', message: 'must NOT have additional properties' }]);
  });

  it.each(['', 'Thing', '1thing', 'thing_type', 'thing.type', 'a'.repeat(64)])('rejects the stateType %p', (stateType) => {
    expect(() => defineContract(minimalDefinition({ stateType }))).toThrow(/stateType/);
  });

  it.each(['t', 'feature-flag', 'a1-b2', 'a'.repeat(63)])('accepts the stateType %p', (stateType) => {
    expect(defineContract(minimalDefinition({ stateType })).stateType).toBe(stateType);
  });

  it('rejects a contract without transitions', () => {
    expect(() => defineContract(minimalDefinition({ transitions: {} }))).toThrow('contract thing has no transitions');
  });

  it('rejects a contract without a creating transition', () => {
    const transitions = { rename: { payloadSchema: emptyPayload, effects: () => [] } };
    expect(() => defineContract(minimalDefinition({ transitions }))).toThrow('contract thing needs at least one creating transition');
  });

  it('rejects a transition name that is not an identifier', () => {
    const transitions = { create: { creates: true, payloadSchema: emptyPayload, effects: () => [] }, 'set limit': { payloadSchema: emptyPayload, effects: () => [] } };
    expect(() => defineContract(minimalDefinition({ transitions }))).toThrow(/transition "set limit"/);
  });

  it('rejects an invalid state schema and names it', () => {
    expect(() => defineContract(minimalDefinition({ stateSchema: { type: 'objekt' } }))).toThrow(/^thing state: invalid JSON Schema/);
  });

  it('rejects an invalid payload schema and names the transition', () => {
    const transitions = { create: { creates: true, payloadSchema: { type: 'object', minProperties: 'one' }, effects: () => [] } };
    expect(() => defineContract(minimalDefinition({ transitions }))).toThrow(/^thing\.create payload: invalid JSON Schema/);
  });

  it('rejects a schema with unknown keywords (strict mode)', () => {
    expect(() => defineContract(minimalDefinition({ stateSchema: { type: 'object', propertiez: {} } }))).toThrow(/invalid JSON Schema/);
  });

  it('rejects a compensating transition the contract does not define, or a creating one', () => {
    const compensatedBy = (transition: string) => ({
      create: { creates: true, payloadSchema: emptyPayload, effects: () => [] },
      lock: { payloadSchema: emptyPayload, effects: () => [], compensation: { transition, payload: () => ({}) } },
    });
    expect(() => defineContract(minimalDefinition({ transitions: compensatedBy('unlock') }))).toThrow('transition "lock" of thing is compensated by "unlock", which it does not define');
    expect(() => defineContract(minimalDefinition({ transitions: compensatedBy('create') }))).toThrow(/creating transitions neither compensate nor are compensated/);
  });

  it('returns a frozen contract', () => {
    const contract = defineContract(minimalDefinition());
    expect(Object.isFrozen(contract)).toBe(true);
    expect(Object.isFrozen(contract.payloadValidators)).toBe(true);
  });
});

describe('contract validators', () => {
  const quota = defineQuotaContract();

  it('report every state schema violation with a dot path', () => {
    const violations = quota.validateState({ owner: '', limits: { storage: -1 }, frozen: 'no', extra: true });
    expect(violations).toEqual(
      expect.arrayContaining([
        { path: 'extra', message: 'must NOT have additional properties' },
        { path: 'owner', message: 'must NOT have fewer than 1 characters' },
        { path: 'limits.storage', message: 'must be >= 0' },
        { path: 'frozen', message: 'must be boolean' },
      ]),
    );
  });

  it('report a missing required property at the path of the property', () => {
    expect(quota.payloadValidators['setLimit']?.({ name: 'storage' })).toEqual([{ path: 'value', message: "must have required property 'value'" }]);
  });

  it('report a violation of the whole value at (root)', () => {
    expect(quota.validateState('not an object')).toEqual([{ path: '(root)', message: 'must be object' }]);
  });

  it('accept a valid document', () => {
    const document: Quota = { owner: 'team-a', limits: { storage: 10 }, frozen: false };
    expect(quota.validateState(document)).toEqual([]);
  });
});

describe('describeContract', () => {
  it('lists the schema, classification defaults, transitions and policies', () => {
    const quota = defineQuotaContract([{ name: 'quota-owner-only', description: 'Only the owner may change a quota.', evaluate: () => ({ outcome: 'allow' }) }]);
    const description = describeContract(quota as unknown as Contract<unknown>);
    expect(description).toMatchObject({
      stateType: 'tenant-quota',
      description: 'Named integer limits of one tenant.',
      stateSchema: quota.definition.stateSchema,
      classification: { category: 'quota', riskLevel: 'low', sideEffectSeverity: 'none', tags: ['quota'] },
      policies: [{ name: 'quota-owner-only', description: 'Only the owner may change a quota.' }],
    });
    expect(description.transitions.map(({ name, creates, reversible }) => ({ name, creates, reversible }))).toEqual([
      { name: 'create', creates: true, reversible: false },
      { name: 'setLimit', creates: false, reversible: true },
      { name: 'raiseLimit', creates: false, reversible: true },
      { name: 'freeze', creates: false, reversible: true },
      { name: 'unfreeze', creates: false, reversible: false },
    ]);
    expect(description.transitions[1]?.payloadSchema).toBe(quota.definition.transitions['setLimit']?.payloadSchema);
    expect(description.transitions.map(({ name, compensatedBy }) => [name, compensatedBy])).toEqual([
      ['create', null],
      ['setLimit', null],
      ['raiseLimit', null],
      ['freeze', 'unfreeze'],
      ['unfreeze', null],
    ]);
  });

  it('describes a contract without classification or policies with empty ones', () => {
    const description = describeContract(defineContract(minimalDefinition()));
    expect(description.classification).toEqual({});
    expect(description.policies).toEqual([]);
  });

  it('is plain data that survives a JSON round trip', () => {
    const description = describeContract(defineQuotaContract() as unknown as Contract<unknown>);
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });
});
