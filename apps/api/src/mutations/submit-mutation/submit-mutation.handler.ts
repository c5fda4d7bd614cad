import { decideSubmit, domainError, type JsonObject } from '@countersign/domain';
import { ContractRegistry, LaneExecutor, type CountersignConfig } from '@countersign/runtime';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG } from '../../app-config.js';
import { ApiError } from '../../http/api-error.js';
import { Metrics } from '../../metrics/metrics.js';
import { SubmitMutationCommand, type SubmitMutationResult } from './submit-mutation.command.js';

/** Load the lane, decide with the pure domain, append with the expected revision. */
@CommandHandler(SubmitMutationCommand)
export class SubmitMutationHandler implements ICommandHandler<SubmitMutationCommand, SubmitMutationResult> {
  constructor(
    private readonly contracts: ContractRegistry,
    private readonly lanes: LaneExecutor,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: CountersignConfig,
  ) {}

  async execute({ request, actor, correlationId }: SubmitMutationCommand): Promise<SubmitMutationResult> {
    const contract = this.contracts.get(request.stateType);
    if (!contract) {
      return {
        kind: 'rejected',
        error: domainError('unknown_contract', `no contract is registered for stateType "${request.stateType}"`, { stateTypes: this.contracts.stateTypes() }),
      };
    }
    if (request.dependsOn?.length) {
      throw new ApiError('invalid_request', 'dependsOn is not supported yet: send an empty list or leave it out', { field: 'dependsOn' });
    }
    const mutationId = this.lanes.newId();
    const run = await this.lanes.run(
      request.stateType,
      request.stateId,
      { correlationId, causationId: mutationId },
      (lane, now) => {
        const outcome = decideSubmit(
          {
            type: 'SubmitMutation',
            mutationId,
            stateId: request.stateId,
            transition: request.transition,
            payload: request.payload,
            actor,
            reason: request.reason,
            expectedVersion: request.expectedVersion,
            idempotencyKey: request.idempotencyKey,
            dependsOn: request.dependsOn,
            notBefore: request.notBefore,
            classification: {
              category: request.category,
              riskLevel: request.riskLevel,
              sideEffectSeverity: request.sideEffectSeverity,
              tags: request.tags,
              metadata: request.metadata as JsonObject | undefined,
              estimatedBlastRadius: request.estimatedBlastRadius,
            },
            dryRun: request.dryRun,
            now,
          },
          lane,
          contract,
          { approvalTtlMs: this.config.approvalTtlMs },
        );
        return { events: outcome.kind === 'recorded' ? outcome.events : [], result: outcome };
      },
      () => this.metrics.increment('countersign_lane_append_retries_total'),
    );
    const outcome = run.result;
    const result: SubmitMutationResult =
      outcome.kind === 'recorded'
        ? { kind: 'recorded', mutationId, status: outcome.status, plan: outcome.plan, stateVersion: outcome.version, expiresAt: outcome.expiresAt, position: run.position ?? 0 }
        : outcome;
    this.metrics.increment('countersign_mutations_submitted_total', { outcome: result.kind === 'recorded' ? result.status : result.kind === 'planned' ? 'dry_run' : result.error.code });
    return result;
  }
}
