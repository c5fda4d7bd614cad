import { decideRevert, laneHistory, planRevertChain, submitEvents, type Contract } from '@countersign/domain';
import { ContractRegistry, LaneExecutor, RUNTIME_CONFIG, type CountersignConfig } from '@countersign/runtime';
import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SubmitBatchCommand } from '../../batches/submit-batch/submit-batch.command.js';
import { ApiError } from '../../http/api-error.js';
import { Metrics } from '../../metrics/metrics.js';
import { MutationLocator } from '../mutation-locator.js';
import { outcomeLabel, submitResult, type SubmitMutationResult } from '../submit-mutation/submit-mutation.command.js';
import { RevertMutationCommand, type RevertMutationResult } from './revert-mutation.command.js';

/** Find the mutation's lane, read its history, decide the compensating mutation with the pure domain, append. */
@CommandHandler(RevertMutationCommand)
export class RevertMutationHandler implements ICommandHandler<RevertMutationCommand, RevertMutationResult> {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly locator: MutationLocator,
    private readonly contracts: ContractRegistry,
    private readonly lanes: LaneExecutor,
    private readonly metrics: Metrics,
    @Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig,
  ) {}

  async execute(command: RevertMutationCommand): Promise<RevertMutationResult> {
    const { target, request, actor, correlationId } = command;
    const address = await this.locator.locate(target);
    const contract = this.contracts.get(address.stateType);
    if (!contract) throw new ApiError('unknown_contract', `the contract "${address.stateType}" is no longer registered`, { stateTypes: this.contracts.stateTypes() });
    if (request.compensateLater) {
      if (request.dryRun) throw new ApiError('invalid_request', 'dryRun cannot be combined with compensateLater', { field: 'dryRun' });
      const planned = await this.lanes.runWithHistory(address.stateType, address.stateId, { correlationId, causationId: target }, (lane, _now, history) => ({
        events: [],
        result: planRevertChain(target, lane, laneHistory(history), contract),
      }));
      if (!planned.result.ok) return { kind: 'mutation', result: { kind: 'rejected', error: planned.result.error } };
      const { chain } = planned.result;
      if (chain.length > 1) {
        const steps = chain.map((change) => ({ kind: 'compensation' as const, stateType: address.stateType, stateId: address.stateId, compensates: change.mutationId, reason: request.reason }));
        const result = await this.commandBus.execute(new SubmitBatchCommand({ mode: 'atomic', steps, reason: request.reason, revertOf: target }, actor, correlationId));
        this.metrics.increment('countersign_reverts_total', { outcome: result.kind === 'recorded' ? `chain_${result.state.status}` : result.error.code });
        return { kind: 'chain', result };
      }
    }
    return { kind: 'mutation', result: await this.revertOne(command, address, contract) };
  }

  private async revertOne({ target, request, actor, correlationId }: RevertMutationCommand, address: { stateType: string; stateId: string }, contract: Contract<unknown>): Promise<SubmitMutationResult> {
    const mutationId = this.lanes.newId();
    const run = await this.lanes.runWithHistory(address.stateType, address.stateId, { correlationId, causationId: mutationId }, (lane, now, history) => {
      const outcome = decideRevert(
        { type: 'RevertMutation', mutationId, target, actor, reason: request.reason, ...(request.dryRun ? { dryRun: true } : {}), now },
        lane,
        laneHistory(history),
        contract,
        { approvalTtlMs: this.config.approvalTtlMs, dependencyTimeoutMs: this.config.dependencyTimeoutMs },
      );
      return { events: submitEvents(outcome), result: outcome };
    });
    const result = submitResult(run.result, mutationId, run.position ?? 0);
    this.metrics.increment('countersign_reverts_total', { outcome: outcomeLabel(result) });
    return result;
  }
}
