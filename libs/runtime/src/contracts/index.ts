/**
 * `@countersign/runtime/contracts`: loading and checking contract modules without the rest of the
 * runtime (no Nest, no database clients), for `countersign validate`.
 */
export { checkContractModules, type ContractCheck, type ContractProblem } from './check-contracts.js';
export { loadContractModules } from './load-contracts.js';
