import { builtInContracts, featureFlagContract } from '@countersign/contracts';
import { defineContract, type Contract } from '@countersign/domain';
import { describe, expect, it } from '@jest/globals';
import { ContractRegistry } from './contract-registry.js';

const garage = defineContract({
  stateType: 'garage',
  stateSchema: { type: 'object' },
  transitions: { create: { creates: true, payloadSchema: { type: 'object' }, effects: () => [] } },
}) as Contract<unknown>;

describe('ContractRegistry', () => {
  it('lists its state types sorted and finds contracts by state type', () => {
    const registry = new ContractRegistry([garage, ...builtInContracts]);
    expect(registry.stateTypes()).toEqual(['credit-limit', 'feature-flag', 'garage']);
    expect(registry.get('garage')).toBe(garage);
    expect(registry.get('feature-flag')).toBe(featureFlagContract);
    expect(registry.get('parking-lot')).toBeUndefined();
  });

  it('starts empty without contracts', () => {
    const registry = new ContractRegistry();
    expect(registry.stateTypes()).toEqual([]);
    expect(registry.describe()).toEqual([]);
  });

  it('refuses a second contract for the same state type, naming its origin', () => {
    const registry = new ContractRegistry([garage]);
    expect(() => registry.register(garage, '/contracts/garage.ts')).toThrow('contract "garage" from /contracts/garage.ts is already registered');
    expect(() => new ContractRegistry([garage, garage])).toThrow('contract "garage" from built-in is already registered');
  });

  it('describes each contract publicly: schemas, classification, transitions and policy names, without code', () => {
    const descriptions = new ContractRegistry(builtInContracts).describe();
    expect(descriptions.map((description) => description.stateType)).toEqual(['credit-limit', 'feature-flag']);

    const featureFlag = descriptions[1]!;
    expect(featureFlag).toEqual({
      stateType: 'feature-flag',
      description: expect.any(String),
      stateSchema: expect.objectContaining({ type: 'object', required: ['enabled', 'rollout', 'rules', 'owner'] }),
      classification: { category: 'feature-flag', riskLevel: 'low', sideEffectSeverity: 'low' },
      transitions: expect.any(Array),
      policies: [
        { name: 'agents-may-not-create-flags', description: expect.any(String) },
        { name: 'prod-enable-needs-release-manager', description: expect.any(String) },
        { name: 'prod-rollout-jump-needs-release-manager', description: expect.any(String) },
      ],
      sensitive: [],
      sideEffectTypes: [],
    });
    expect(descriptions.find((description) => description.stateType === 'credit-limit')?.sensitive).toEqual(['customerId']);
    expect(descriptions.find((description) => description.stateType === 'credit-limit')?.sideEffectTypes.map((type) => [type.type, type.compensated])).toEqual([['credit-limit.limit-set', true]]);
    expect(featureFlag.transitions.map(({ name, creates, reversible }) => ({ name, creates, reversible }))).toEqual([
      { name: 'create', creates: true, reversible: false },
      { name: 'enable', creates: false, reversible: true },
      { name: 'disable', creates: false, reversible: true },
      { name: 'setRollout', creates: false, reversible: true },
      { name: 'addRule', creates: false, reversible: true },
      { name: 'removeRule', creates: false, reversible: true },
    ]);
    expect(featureFlag.transitions[3]).toEqual({
      name: 'setRollout',
      description: 'Set the rollout percentage (0-100).',
      creates: false,
      compensatedBy: null,
      reversible: true,
      payloadSchema: expect.objectContaining({ required: ['percentage'] }),
    });
    // Served as JSON by GET /v1/contracts: nothing may be lost in serialisation (no functions, no validators).
    expect(JSON.parse(JSON.stringify(descriptions))).toEqual(descriptions);
  });

  it('describes a contract without optional parts with empty classification and policies', () => {
    const [description] = new ContractRegistry([garage]).describe();
    expect(description).toEqual({
      stateType: 'garage',
      description: undefined,
      stateSchema: { type: 'object' },
      classification: {},
      transitions: [{ name: 'create', description: undefined, creates: true, reversible: false, compensatedBy: null, payloadSchema: { type: 'object' } }],
      policies: [],
      sensitive: [],
      sideEffectTypes: [],
    });
  });
});
