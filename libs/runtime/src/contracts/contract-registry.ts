import { describeContract, type Contract, type ContractDescription } from '@countersign/domain';

/** The contracts this process governs, by state type. */
export class ContractRegistry {
  private readonly contracts = new Map<string, Contract<unknown>>();

  constructor(contracts: readonly Contract<unknown>[] = []) {
    for (const contract of contracts) this.register(contract);
  }

  register(contract: Contract<unknown>, origin = 'built-in'): void {
    if (this.contracts.has(contract.stateType)) {
      throw new Error(`contract "${contract.stateType}" from ${origin} is already registered`);
    }
    // Deliverers are configured per side-effect type, so a type belongs to one contract.
    for (const type of Object.keys(contract.definition.sideEffectTypes ?? {})) {
      const owner = [...this.contracts.values()].find((other) => Object.hasOwn(other.definition.sideEffectTypes ?? {}, type));
      if (owner) throw new Error(`side-effect type "${type}" of contract "${contract.stateType}" from ${origin} is already registered by "${owner.stateType}"`);
    }
    this.contracts.set(contract.stateType, contract);
  }

  get(stateType: string): Contract<unknown> | undefined {
    return this.contracts.get(stateType);
  }

  stateTypes(): string[] {
    return [...this.contracts.keys()].sort();
  }

  describe(): ContractDescription[] {
    return this.stateTypes().map((stateType) => describeContract(this.contracts.get(stateType) as Contract<unknown>));
  }
}
