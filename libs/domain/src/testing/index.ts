export * from './decider-test-kit.js';
export * from './quota.contract.js';
