import { decidePending, type PendingCommand, type PendingOutcome } from '@countersign/domain';
import { Inject, Injectable } from '@nestjs/common';
import { ContractRegistry } from '../contracts/contract-registry.js';
import { RUNTIME_CONFIG, type CountersignConfig } from '../config/countersign-config.js';
import { LaneExecutor } from './lane-executor.js';

export interface MutationAddress {
  mutationId: string;
  stateType: string;
  stateId: string;
}

/** Runs a command on a pending mutation (approval, check, cancel, timer) on its lane. */
@Injectable()
export class PendingCommands {
  constructor(
    private readonly lanes: LaneExecutor,
    private readonly contracts: ContractRegistry,
    @Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig,
  ) {}

  async run(
    address: MutationAddress,
    correlationId: string,
    command: (now: string) => PendingCommand,
  ): Promise<{ outcome: PendingOutcome; position?: number }> {
    const contract = this.contracts.get(address.stateType);
    if (!contract) throw new Error(`no contract for ${address.stateType}: it was removed while mutations of it are pending`);
    const run = await this.lanes.run(address.stateType, address.stateId, { correlationId, causationId: address.mutationId }, (lane, now) => {
      const outcome = decidePending(command(now), lane, contract, { approvalTtlMs: this.config.approvalTtlMs });
      return { events: outcome.kind === 'recorded' ? outcome.events : [], result: outcome };
    });
    return { outcome: run.result, position: run.position };
  }
}
