import { decideSubmit, domainError, type JsonObject } from '@countersign/domain';
import { StreamRevisionConflictError } from '@countersign/event-store';
import { ContractRegistry, type CountersignConfig } from '@countersign/runtime';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG } from '../../app-config.js';
import { ApiError } from '../../http/api-error.js';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '../../lanes/clock.js';
import { LaneLocks } from '../../lanes/lane-locks.js';
import { LaneRepository } from '../../lanes/lane-repository.js';
import { Metrics } from '../../metrics/metrics.js';
import { SubmitMutationCommand, type SubmitMutationResult } from './submit-mutation.command.js';

/** Appends lost to another replica on the same lane are retried this many times (ADR 0004). */
const MAX_APPEND_ATTEMPTS = 10;

/** Load the lane, decide with the pure domain, append with the expected revision. */
@CommandHandler(SubmitMutationCommand)
export class SubmitMutationHandler implements ICommandHandler<SubmitMutationCommand, SubmitMutationResult> {
  constructor(
    private readonly contracts: ContractRegistry,
    private readonly lanes: LaneRepository,
    private readonly locks: LaneLocks,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: CountersignConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute({ request, actor, correlationId }: SubmitMutationCommand): Promise<SubmitMutationResult> {
    const contract = this.contracts.get(request.stateType);
    if (!contract) {
      return {
        kind: 'rejected',
        error: { ...domainError('unknown_contract', `no contract is registered for stateType "${request.stateType}"`, { stateTypes: this.contracts.stateTypes() }) },
      };
    }
    if (request.dependsOn?.length) {
      throw new ApiError('invalid_request', 'dependsOn is not supported yet: send an empty list or leave it out', { field: 'dependsOn' });
    }
    const mutationId = this.ids.next();
    const result = await this.locks.run(`${request.stateType}\u0000${request.stateId}`, async () => {
      for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
        const loaded = await this.lanes.load(request.stateType, request.stateId);
        const now = this.clock.now().toISOString();
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
          loaded.lane,
          contract,
          { approvalTtlMs: this.config.approvalTtlMs },
        );
        if (outcome.kind !== 'recorded') return outcome;
        try {
          const appended = await this.lanes.append(
            loaded,
            outcome.events.map((event) => ({ id: this.ids.next(), type: event.type, data: event.data, metadata: { correlationId, causationId: mutationId } })),
          );
          return {
            kind: 'recorded' as const,
            mutationId,
            status: outcome.status,
            plan: outcome.plan,
            stateVersion: outcome.version,
            expiresAt: outcome.expiresAt,
            position: appended.position,
          };
        } catch (error) {
          if (!(error instanceof StreamRevisionConflictError)) throw error;
          this.metrics.increment('countersign_lane_append_retries_total');
        }
      }
      throw new ApiError('lane_busy', `state ${request.stateType}/${request.stateId} is changing too fast; retry later`, {}, { headers: { 'retry-after': '1' } });
    });
    this.metrics.increment('countersign_mutations_submitted_total', { outcome: result.kind === 'recorded' ? result.status : result.kind === 'planned' ? 'dry_run' : result.error.code });
    return result;
  }
}
