export * from './decider-test-kit.js';
export * from './quota.contract.js';
export * from './governed-quota.contract.js';
