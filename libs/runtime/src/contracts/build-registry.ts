import { builtInContracts } from '@countersign/contracts';
import type { Log } from '../log.js';
import { ContractRegistry } from './contract-registry.js';
import { loadContractModules } from './load-contracts.js';

/** The built-in contracts plus those found in COUNTERSIGN_CONTRACTS_DIR. */
export async function buildContractRegistry(contractsDir: string | undefined, log: Log): Promise<ContractRegistry> {
  const registry = new ContractRegistry(builtInContracts);
  if (contractsDir) {
    for (const { contract, file } of await loadContractModules(contractsDir)) {
      registry.register(contract, file);
      log(`loaded contract ${contract.stateType} from ${file}`);
    }
  }
  return registry;
}
