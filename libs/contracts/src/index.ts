import type { Contract } from '@countersign/domain';
import { creditLimitContract } from './credit-limit.contract.js';
import { featureFlagContract } from './feature-flag.contract.js';

export { featureFlagContract, type FeatureFlag, type FeatureFlagRule } from './feature-flag.contract.js';
export { creditLimitContract, riskOfIncrease, type CreditLimit } from './credit-limit.contract.js';

/** The example contracts shipped with Countersign. */
export const builtInContracts: readonly Contract<unknown>[] = [featureFlagContract as Contract<unknown>, creditLimitContract as Contract<unknown>];
